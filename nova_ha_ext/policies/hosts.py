from oslo_policy import policy

from nova_ha_ext.policies import base

HOSTS_LIST = base.POLICY_ROOT % 'hosts:list'
HOSTS_FORCE_DOWN = base.POLICY_ROOT % 'hosts:force_down'
HOSTS_FORCE_UP = base.POLICY_ROOT % 'hosts:force_up'

rules = [
    policy.DocumentedRuleDefault(
        name=HOSTS_LIST,
        check_str=base.ADMIN,
        description='List nova-compute hosts with their liveness, forced-down '
                    'and disabled flags and their active evacuation.' +
                    base.OPERATORS_ONLY,
        operations=[{'method': 'GET', 'path': '/os-ha/hosts'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=HOSTS_FORCE_DOWN,
        check_str=base.ADMIN,
        description='Force a fenced compute host down and evacuate its '
                    'instances (the call a fencing agent makes).',
        operations=[{'method': 'PUT',
                     'path': '/os-ha/hosts/{host} (forced_down: true)'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=HOSTS_FORCE_UP,
        check_str=base.ADMIN,
        description='Put a repaired compute host back in service.',
        operations=[{'method': 'PUT',
                     'path': '/os-ha/hosts/{host} (forced_down: false)'}],
        scope_types=['project']),
]


def list_rules():
    return rules
