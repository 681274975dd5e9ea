from oslo_policy import policy

from nova_ha_ext.policies import base

EVACUATIONS_LIST = base.POLICY_ROOT % 'evacuations:list'
EVACUATIONS_SHOW = base.POLICY_ROOT % 'evacuations:show'
EVACUATIONS_RETRY = base.POLICY_ROOT % 'evacuations:retry'
EVACUATIONS_CANCEL = base.POLICY_ROOT % 'evacuations:cancel'

rules = [
    policy.DocumentedRuleDefault(
        name=EVACUATIONS_LIST,
        check_str=base.ADMIN,
        description='List host evacuations, filtered by host and status.' +
                    base.OPERATORS_ONLY,
        operations=[{'method': 'GET', 'path': '/os-ha/evacuations'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=EVACUATIONS_SHOW,
        check_str=base.ADMIN,
        description='Show a host evacuation with its instances.' +
                    base.OPERATORS_ONLY,
        operations=[{'method': 'GET', 'path': '/os-ha/evacuations/{uuid}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=EVACUATIONS_RETRY,
        check_str=base.ADMIN,
        description='Evacuate the failed instances of a host evacuation '
                    'again.',
        operations=[{'method': 'POST',
                     'path': '/os-ha/evacuations/{uuid}/action (retry)'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=EVACUATIONS_CANCEL,
        check_str=base.ADMIN,
        description='Cancel the instances of a host evacuation not yet '
                    'started.',
        operations=[{'method': 'POST',
                     'path': '/os-ha/evacuations/{uuid}/action (cancel)'}],
        scope_types=['project']),
]


def list_rules():
    return rules
