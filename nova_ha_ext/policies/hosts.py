from oslo_policy import policy

from nova_ha_ext.policies import base

HOSTS_LIST = base.POLICY_ROOT % 'hosts:list'

rules = [
    policy.DocumentedRuleDefault(
        name=HOSTS_LIST,
        check_str=base.ADMIN,
        description='List nova-compute hosts with their liveness, forced-down '
                    'and disabled flags and their active evacuation.',
        operations=[{'method': 'GET', 'path': '/os-ha/hosts'}],
        scope_types=['project']),
]


def list_rules():
    return rules
