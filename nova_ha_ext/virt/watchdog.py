"""What a guest's flavor and image ask of its watchdog.

Nova's own actions (``hw:watchdog_action`` / ``hw_watchdog_action`` =
reset, poweroff, pause, none, disabled) stay Nova's. This module only
decides when a guest asks for ``notify``:

- flavor ``hw:watchdog_action=notify`` (accepted by the API through the
  extension's extra-spec validator), or
- image ``ha_watchdog_action=notify``: Nova types ``hw_watchdog_action`` as
  an enum in every service that loads an image's properties, so an image
  cannot carry ``notify`` there (see doc/watchdog.md); a property Nova does
  not know passes through every service untouched and reaches the compute
  host in the instance's system metadata.

and which action libvirt itself then takes: ``none`` (the guest is left as
it is), or the flavor's ``ha:watchdog_then``.
"""

import dataclasses

from nova import exception
from nova.objects import fields

NOTIFY = 'notify'
FLAVOR_ACTION = 'hw:watchdog_action'
FLAVOR_THEN = 'ha:watchdog_then'
IMAGE_ACTION = 'ha_watchdog_action'
NOVA_IMAGE_ACTION = 'hw_watchdog_action'
# Nova keeps every image property of an instance in its system metadata
# under this prefix (nova.utils.get_system_metadata_from_image).
_SYSMETA_IMAGE_PREFIX = 'image_'

THEN_ACTIONS = (
    fields.WatchdogAction.RESET,
    fields.WatchdogAction.POWEROFF,
    fields.WatchdogAction.PAUSE,
)
DEFAULT_THEN = fields.WatchdogAction.NONE

IMAGE_NOTIFY_REJECTED = (
    "The image property hw_watchdog_action=notify is not supported: Nova "
    "accepts only %(nova)s there. To have the guest's watchdog send an "
    "instance.watchdog notification, set the image property "
    "%(image)s=notify instead (or use a flavor with the extra spec "
    "hw:watchdog_action=notify)."
) % {'nova': ', '.join(fields.WatchdogAction.ALL), 'image': IMAGE_ACTION}


@dataclasses.dataclass(frozen=True)
class NotifyWatchdog:
    """A guest whose watchdog notifies; ``then`` is libvirt's action."""

    then: str
    # Where notify came from: 'flavor' or 'image' (for log messages).
    source: str


def _then_action(flavor):
    then = flavor.extra_specs.get(FLAVOR_THEN, DEFAULT_THEN)
    if then != DEFAULT_THEN and then not in THEN_ACTIONS:
        # Flavors created before strict extra-spec validation (or with an
        # older microversion) can hold anything; fail the boot the way Nova
        # does for a bad hw:watchdog_action.
        raise exception.InvalidWatchdogAction(action=then)
    return then


def requested(flavor, image_meta, system_metadata):
    """The notify watchdog the guest asks for, or None to leave it to Nova.

    Precedence follows Nova's (image over flavor): an image
    ``ha_watchdog_action=notify`` wins; otherwise an image
    ``hw_watchdog_action`` decides (one of Nova's actions); otherwise the
    flavor's ``hw:watchdog_action``.

    :raises: InvalidWatchdogAction for a value nothing supports
    """
    image_action = system_metadata.get(_SYSMETA_IMAGE_PREFIX + IMAGE_ACTION)
    if image_action is not None:
        if image_action != NOTIFY:
            raise exception.InvalidWatchdogAction(action=image_action)
        return NotifyWatchdog(then=_then_action(flavor), source='image')
    if image_meta.properties.get(NOVA_IMAGE_ACTION) is not None:
        return None
    if flavor.extra_specs.get(FLAVOR_ACTION) == NOTIFY:
        return NotifyWatchdog(then=_then_action(flavor), source='flavor')
    return None


def flavor_asks_notify(flavor, image_meta):
    """Whether Nova's own watchdog code would meet the flavor's ``notify``.

    Nova raises InvalidWatchdogAction for it; the driver adds the device
    itself in that case.
    """
    return (image_meta.properties.get(NOVA_IMAGE_ACTION) is None and
            flavor.extra_specs.get(FLAVOR_ACTION) == NOTIFY)


def image_asks_nova_notify(image_properties):
    """Whether raw Glance properties carry ``hw_watchdog_action=notify``."""
    return (image_properties or {}).get(NOVA_IMAGE_ACTION) == NOTIFY
