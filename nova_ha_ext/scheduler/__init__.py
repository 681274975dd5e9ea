"""Scheduler filters of nova-ha-ext: failure domains and spare hosts.

Loaded by nova-scheduler from nova.conf alone::

    [filter_scheduler]
    available_filters = nova.scheduler.filters.all_filters
    available_filters = nova_ha_ext.scheduler.filters.all_filters

See doc/scheduler.md.
"""
