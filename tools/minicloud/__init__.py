"""minicloud: real OpenStack services on loopback for nova-ha-ext.

Entry point: ``bash tools/minicloud.sh up|down|status|smoke|restart|kill``
(see tools/minicloud/README.md).
"""
