"""Flavor extra-spec validators (``nova.api.extra_spec_validators``).

Nova's API validates flavor extra specs strictly from microversion 2.86 on,
with the validators every installed plugin registers. This one:

- lets Nova's ``hw:watchdog_action`` accept ``notify`` (every value Nova
  accepts stays valid, every other value stays invalid);
- adds ``ha:watchdog_then`` (reset, poweroff or pause: what libvirt does
  after a ``notify`` watchdog fired).

Nova stores validators by name in plugin load order, which follows the
installed distributions and is not ours to choose: returning a second
``hw:watchdog_action`` validator would win or lose by that order. Instead
``notify`` is added to Nova's own validator object, the one Nova's ``hw``
plugin registers, so whichever plugin loads last the result is the same.

Loading this plugin is also the extension's hook in nova-api for images:
see ``_reject_image_hw_watchdog_notify``.
"""

import functools

from nova.api.validation.extra_specs import base
from nova.api.validation.extra_specs import hw
from nova import exception

from nova_ha_ext.virt import watchdog

_NOTIFY_DESCRIPTION = (
    ' With nova-ha-ext, ``notify`` gives the guest the same watchdog with '
    'libvirt action ``none`` and reports each firing as an '
    '``instance.watchdog`` notification and a ``watchdog`` instance action; '
    'combine it with ``ha:watchdog_then`` for a hypervisor action as well.')

THEN_VALIDATOR = base.ExtraSpecValidator(
    name=watchdog.FLAVOR_THEN,
    description=(
        'What libvirt does to the guest when a watchdog with '
        '``hw:watchdog_action=notify`` fires, after the notification: '
        'reset, poweroff or pause. Without it the guest is left as it is '
        '(libvirt action ``none``). Needs the nova-ha-ext libvirt driver.'),
    value={
        'type': str,
        'description': 'The hypervisor action taken after notifying',
        'enum': list(watchdog.THEN_ACTIONS),
    },
)


def _nova_watchdog_validator():
    for validator in hw.register():
        if validator.name == watchdog.FLAVOR_ACTION:
            return validator
    return None


def _accept_notify(validator):
    enum = validator.value.get('enum', [])
    if watchdog.NOTIFY in enum:
        return
    # NOTE: a new dict, not an in-place append: the enum list is part of
    # Nova's module data and other code may hold it.
    validator.value = dict(validator.value,
                           enum=list(enum) + [watchdog.NOTIFY])
    validator.description += _NOTIFY_DESCRIPTION


def _reject_image_hw_watchdog_notify():
    """Make nova-api name the alternative when an image asks for notify.

    Nova converts an image's properties to its ImageMeta object (where
    hw_watchdog_action is an enum) in ``nova.compute.api``'s
    ``_get_image_meta_obj`` on create, rebuild and resize, and answers 400
    "Invalid image metadata. Error: Field value notify is invalid". This
    wraps that function so the 400 says what to use instead; every other
    image goes through Nova's function untouched.
    """
    from nova.compute import api as compute_api

    original = compute_api._get_image_meta_obj
    if getattr(original, 'nova_ha_ext', False):
        return

    @functools.wraps(original)
    def _get_image_meta_obj(image_meta_dict):
        if watchdog.image_asks_nova_notify(
                image_meta_dict.get('properties')):
            raise exception.InvalidRequest(watchdog.IMAGE_NOTIFY_REJECTED)
        return original(image_meta_dict)

    _get_image_meta_obj.nova_ha_ext = True
    compute_api._get_image_meta_obj = _get_image_meta_obj


def register():
    validators = [THEN_VALIDATOR]
    nova_validator = _nova_watchdog_validator()
    if nova_validator is not None:
        _accept_notify(nova_validator)
        validators.append(nova_validator)
    _reject_image_hw_watchdog_notify()
    return validators
