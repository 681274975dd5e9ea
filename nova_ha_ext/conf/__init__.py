"""Configuration options of nova-ha-ext.

Every option lives in this package and is registered on a ConfigOpts object
that the caller passes in; nothing is registered or read at import time so
that Nova's processes (and their tests) stay in charge of their CONF.
"""

from nova_ha_ext.conf import auth
from nova_ha_ext.conf import database
from nova_ha_ext.conf import metrics
from nova_ha_ext.conf import recovery
from nova_ha_ext.conf import scheduler
from nova_ha_ext.conf import watchdog

_MODULES = (auth, database, metrics, recovery, scheduler, watchdog)


def register_opts(conf):
    """Register every nova-ha-ext option on ``conf``; safe to repeat."""
    for module in _MODULES:
        module.register_opts(conf)


def list_opts():
    """Entry point for oslo-config-generator (``oslo.config.opts``)."""
    result = {}
    for module in _MODULES:
        for group, opts in module.list_opts().items():
            result.setdefault(group, []).extend(opts)
    return [(group, opts) for group, opts in result.items()]
