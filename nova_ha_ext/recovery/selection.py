"""Which instances of a failed host are evacuated, and which cannot be."""

from nova.compute import vm_states
from nova import objects
from oslo_log import log as logging

import nova.conf

from nova_ha_ext.objects import fields
from nova_ha_ext.objects import instance_evacuation
from nova_ha_ext.recovery import opt_in as _opt_in
from nova_ha_ext.recovery import retry as retry_mod

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

_ITEM = fields.InstanceEvacuationStatus
# The states Nova's evacuate accepts; anything else would be refused by the
# API call, so it is recorded as skipped up front with the reason.
_EVACUABLE_VM_STATES = (vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR)
_GROUP_POLICIES = ('anti-affinity',)


def is_tagged(instance, opt_in=None):
    """Whether ``instance`` opted in to automatic recovery.

    Any of the conventions in use counts (:mod:`.opt_in`): the server tag,
    Masakari's metadata key, fence_evacuate's flavor extra spec or image
    tag, InstanceHA's image property or aggregate.
    """
    opt_in = opt_in or _opt_in.OptIn(instance._context, instance.host)
    return opt_in.is_tagged(instance)


# NOTE: the owner of a server sets its metadata: any value must fit the
# items' integer column (and every backend's INTEGER), or the admin's
# fence call would fail on it.
PRIORITY_MIN = -(2 ** 31)
PRIORITY_MAX = 2 ** 31 - 1


def priority(instance, opt_in=None):
    opt_in = opt_in or _opt_in.OptIn(instance._context, instance.host)
    try:
        value = int(opt_in.priority_value(instance) or 0)
    except (TypeError, ValueError, OverflowError):
        return 0
    return max(PRIORITY_MIN, min(PRIORITY_MAX, value))


def resolve(context, host, selection):
    """The selection a force-down records: ``tagged`` becomes ``all`` when
    ``[nova_ha] evacuate_all_if_none_tagged`` is set and nothing in the
    cell opted in (fence_evacuate's convention)."""
    if (selection == fields.EvacuationSelection.TAGGED and
            CONF.nova_ha.evacuate_all_if_none_tagged and
            not _opt_in.OptIn(context, host).anything_tagged()):
        LOG.info('Nothing opted in to recovery anywhere in the cell of %s: '
                 'every instance is evacuated ([nova_ha] '
                 'evacuate_all_if_none_tagged)', host)
        return fields.EvacuationSelection.ALL_INSTANCES
    return selection


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
    opt_in = _opt_in.OptIn(context, host)
    tagged = {instance.uuid for instance in instances
              if opt_in.is_tagged(instance)}
    if selection == fields.EvacuationSelection.TAGGED:
        instances = [inst for inst in instances if inst.uuid in tagged]
    groups = _anti_affinity_groups(context, instances)
    latest = _latest_evacuations(context, host, instances)
    items = []
    for instance in instances:
        reason = (unsafe_reason(instance, latest, in_flight or {}) or
                  (None if _evacuating(instance, latest) else
                   skip_reason(instance)) or _name_reason(opt_in, instance))
        items.append(instance_evacuation.InstanceEvacuation(
            context,
            instance_uuid=instance.uuid,
            status=_ITEM.SKIPPED if reason else _ITEM.PENDING,
            last_error=reason,
            source_host=host,
            priority=priority(instance, opt_in),
            server_group_uuid=groups.get(instance.uuid),
            original_vm_state=instance.vm_state,
            attempts=0))
    # NOTE: higher priority first; within one priority the instances that
    # opted in go first (Masakari's "all" evacuates HA_Enabled ones first).
    items.sort(key=lambda item: (-item.priority,
                                 item.instance_uuid not in tagged))
    return items


def _evacuating(instance, latest):
    """Whether someone else's evacuation of it is under way (e.g.
    fence_evacuate's, after fence_compute): its item is then recorded
    pending, and the worker follows that evacuation."""
    migration = latest.get(instance.uuid)
    return bool(instance.task_state in retry_mod.REBUILD_TASKS and
                migration is not None and
                migration.status not in retry_mod.MIGRATION_FINAL)


def _name_reason(opt_in, instance):
    pattern = opt_in.skip_by_name(instance)
    if pattern is None:
        return None
    return ('its name %r holds %r of [nova_ha] skip_name_patterns'
            % (instance.display_name, pattern))
