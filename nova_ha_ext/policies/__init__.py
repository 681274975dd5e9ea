"""Policy-in-code defaults of the /os-ha API.

Exposed to oslopolicy-sample-generator through the ``oslo.policy.policies``
entry point (namespace ``nova_ha_ext``) and registered on Nova's own
enforcer by :mod:`nova_ha_ext.policy`, so operators override them in Nova's
policy.yaml like any Nova rule.
"""

import itertools

from nova_ha_ext.policies import evacuations
from nova_ha_ext.policies import hosts


def list_rules():
    return list(itertools.chain(
        hosts.list_rules(),
        evacuations.list_rules(),
    ))
