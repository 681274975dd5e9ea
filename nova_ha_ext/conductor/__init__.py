"""The HA conductor: runs host evacuations, one or many workers."""
