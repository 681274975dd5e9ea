"""[nova_ha] options for the extension's scheduler filters.

nova-scheduler imports the filters through ``[filter_scheduler]
available_filters`` with only Nova's options registered, so the filters call
``register_opts(nova.conf.CONF)`` themselves when they are constructed; it
is idempotent.
"""

from oslo_config import cfg

from nova_ha_ext.conf import database

GROUP = database.GROUP

OPTS = [
    cfg.StrOpt(
        'default_failure_domain_level',
        default=None,
        regex=r'^[A-Za-z0-9_.-]+$',
        help='Failure-domain level (for example "rack", "pdu" or "zone") '
             'that FailureDomainAntiAffinityFilter and '
             'FailureDomainAffinityFilter apply to members of an '
             'anti-affinity, affinity or soft-affinity server group whose '
             'boot request gave no "failure_domain" scheduler hint. A '
             'host\'s domain at level L is the value of the metadata key '
             '"failure_domain:L" on the host aggregates it belongs to. '
             'Unset (the default), such groups are placed by Nova\'s '
             'per-host group filters only. Setting it makes the strict '
             'domain rules apply to every such group, so every compute host '
             'must then be in an aggregate that names its domain at that '
             'level: a host without one cannot take members of those '
             'groups.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
