"""The in-process cloud behind ``nova-ha-sim``."""
