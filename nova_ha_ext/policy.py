"""Enforce the extension's rules through Nova's policy enforcer.

Installed, the extension's rules are part of ``nova.policies.list_rules``
(see :mod:`nova_ha_ext.nova_policy_hook`), so Nova's enforcer registers
them whenever it is built, and Nova's policy tools list them. A process
that runs without the installed ``.pth`` file (e.g. code imported from a
source tree) still gets them here: every check first makes sure the
current enforcer knows our defaults, then defers to ``context.can`` so the
check, the scope handling and the PolicyNotAuthorized -> 403 mapping are
Nova's.
"""

import threading

from nova import policy as nova_policy

from nova_ha_ext import policies

_lock = threading.Lock()


def _registered_enforcer():
    nova_policy.init()
    # NOTE: nova.policy offers no public accessor that does not re-parse
    # CONF (get_enforcer() is meant for the oslopolicy CLI tools), so use
    # the module's enforcer once init() has built it.
    enforcer = nova_policy._ENFORCER
    rules = policies.list_rules()
    if rules[0].name in enforcer.registered_rules:
        return enforcer
    with _lock:
        missing = [rule for rule in rules
                   if rule.name not in enforcer.registered_rules]
        if missing:
            enforcer.register_defaults(missing)
            # Pick up operator overrides of our rules from policy.yaml now
            # that the rules they name are known.
            enforcer.load_rules(force_reload=True)
    return enforcer


def authorize(context, action, target=None):
    """Like ``context.can`` for a rule of this extension."""
    _registered_enforcer()
    return context.can(action, target=target if target is not None else {})
