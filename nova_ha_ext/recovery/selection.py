"""Which instances of a failed host are evacuated, and which cannot be."""

from nova.compute import vm_states
from nova import objects
from oslo_utils import strutils

import nova.conf

from nova_ha_ext.objects import fields
from nova_ha_ext.objects import instance_evacuation
from nova_ha_ext.recovery import retry as retry_mod

CONF = nova.conf.CONF

_ITEM = fields.InstanceEvacuationStatus
# The states Nova's evacuate accepts; anything else would be refused by the
# API call, so it is recorded as skipped up front with the reason.
_EVACUABLE_VM_STATES = (vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR)
_GROUP_POLICIES = ('anti-affinity',)


def _true(value):
    return strutils.bool_from_string(value, default=False)


def is_tagged(instance):
    """Whether ``instance`` opted in to automatic recovery.

    Any of the conventions in use counts: the server tag, Masakari's
    metadata key, fence_compute's flavor extra spec or image property.
    """
    opts = CONF.nova_ha
    if opts.recovery_tag and opts.recovery_tag in (
            tag.tag for tag in instance.tags):
        return True
    key = opts.ha_enabled_metadata_key
    if key and _true(instance.metadata.get(key)):
        return True
    key = opts.evacuable_key
    if key and (_true(instance.flavor.extra_specs.get(key)) or
                _true(instance.system_metadata.get('image_' + key))):
        return True
    return False


# NOTE: the owner of a server sets its metadata: any value must fit the
# items' integer column (and every backend's INTEGER), or the admin's
# fence call would fail on it.
PRIORITY_MIN = -(2 ** 31)
PRIORITY_MAX = 2 ** 31 - 1


def priority(instance):
    try:
        value = int(instance.metadata.get(
            CONF.nova_ha.priority_metadata_key, 0))
    except (TypeError, ValueError, OverflowError):
        return 0
    return max(PRIORITY_MIN, min(PRIORITY_MAX, value))


def skip_reason(instance):
    """Why Nova cannot evacuate ``instance`` now, or None."""
    if instance.vm_state not in _EVACUABLE_VM_STATES:
        return ('vm_state is %s; Nova only evacuates active, stopped or '
                'error instances' % instance.vm_state)
    if instance.task_state is not None:
        return ('task %s was in progress when the host failed; reset the '
                'instance state and retry' % instance.task_state)
    return None


def _anti_affinity_groups(context, instances):
    """{instance uuid: group uuid} for members of anti-affinity groups."""
    if not instances:
        return {}
    uuids = {instance.uuid for instance in instances}
    members = {}
    for group in objects.InstanceGroupList.get_all(context):
        if group.policy not in _GROUP_POLICIES:
            continue
        for member in uuids.intersection(group.members or ()):
            members[member] = group.uuid
    return members


def _latest_evacuations(context, host, instances):
    """{instance uuid: its newest evacuation migration off ``host``}."""
    if not instances:
        return {}
    latest = {}
    for migration in objects.MigrationList.get_by_filters(
            context, {'source_compute': host,
                      'migration_type': 'evacuation'}):
        known = latest.get(migration.instance_uuid)
        if known is None or (migration.created_at, migration.id) > (
                known.created_at, known.id):
            latest[migration.instance_uuid] = migration
    return latest


def unsafe_reason(instance, latest, in_flight):
    """Why evacuating ``instance`` again may run a second guest, or None.

    An earlier host failure's verdict is not forgotten at the next one:
    an instance whose last evacuation failed on its destination (a guest
    may exist there) stays with the operator until they reset its state.
    """
    if instance.uuid in in_flight:
        return ('an earlier evacuation of this host (%s) still has it in '
                'flight' % in_flight[instance.uuid])
    migration = latest.get(instance.uuid)
    if migration is not None and retry_mod.failed_on_destination(
            migration, instance):
        return retry_mod.placed_reason(migration)
    return None


def select(context, host, selection, in_flight=None):
    """The items of a new host evacuation of ``host``.

    :param context: targeted at the host's cell.
    :param in_flight: {instance uuid: evacuation uuid} of the instances an
        unfinished earlier task of the host still evacuates.
    :returns: InstanceEvacuation objects, pending or skipped (with the
        reason as ``last_error``), highest priority first.
    """
    if selection == fields.EvacuationSelection.NONE:
        return []
    instances = objects.InstanceList.get_by_host(
        context, host,
        expected_attrs=['metadata', 'system_metadata', 'tags', 'flavor'])
    if selection == fields.EvacuationSelection.TAGGED:
        instances = [inst for inst in instances if is_tagged(inst)]
    groups = _anti_affinity_groups(context, instances)
    latest = _latest_evacuations(context, host, instances)
    items = []
    for instance in instances:
        reason = (unsafe_reason(instance, latest, in_flight or {}) or
                  skip_reason(instance))
        items.append(instance_evacuation.InstanceEvacuation(
            context,
            instance_uuid=instance.uuid,
            status=_ITEM.SKIPPED if reason else _ITEM.PENDING,
            last_error=reason,
            source_host=host,
            priority=priority(instance),
            server_group_uuid=groups.get(instance.uuid),
            original_vm_state=instance.vm_state,
            attempts=0))
    items.sort(key=lambda item: -item.priority)
    return items
