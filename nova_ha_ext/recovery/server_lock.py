"""Servers locked for the time of their evacuation (``lock_servers``).

Masakari and InstanceHA lock each server they evacuate so that its owner's
stop, rebuild or delete cannot race the evacuation. Nova's own lock is
used, with a reason naming nova-ha-ext and the evacuation, so the owner
sees why (``openstack server show``: ``locked_reason``). A server already
locked by someone is left as it is, and unlocked only if the lock is ours
(its reason is the one written here).
"""

from nova import exception as nova_exception
from nova import objects
from oslo_log import log as logging

import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def reason(item):
    return ('nova-ha-ext: evacuating it off failed host %s (evacuation %s)'
            % (item.source_host, item.evacuation_uuid))


def lock(context, compute_api, instance, item):
    """Lock ``instance`` unless it is locked already (by anyone)."""
    if not CONF.nova_ha.lock_servers or instance.locked:
        return
    try:
        compute_api.lock(context, instance, reason=reason(item))
    except Exception as error:  # noqa: BLE001 -- a courtesy, not a guard
        LOG.warning('Instance %s not locked for its evacuation: %s',
                    item.instance_uuid, error)


def unlock(context, compute_api, item):
    """Unlock the item's instance if, and only if, this extension's lock
    for this evacuation holds it."""
    if not CONF.nova_ha.lock_servers:
        return
    try:
        instance = objects.Instance.get_by_uuid(
            context, item.instance_uuid, expected_attrs=['system_metadata'])
    except nova_exception.InstanceNotFound:
        return
    if not instance.locked or (
            instance.system_metadata.get('locked_reason') != reason(item)):
        return
    try:
        compute_api.unlock(context, instance)
    except Exception as error:  # noqa: BLE001 -- logged for the operator
        LOG.warning('Instance %s could not be unlocked after its '
                    'evacuation (unlock it with openstack server unlock '
                    '%s): %s', item.instance_uuid, item.instance_uuid, error)
