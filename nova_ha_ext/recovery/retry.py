"""Retrying the failed instances of a host failure, and when it is unsafe.

A retry is a new attempt: it needs the host failure still open (the host
still forced down by a fenced force-down) and, per instance, no earlier
attempt that may still create a guest.
"""

from nova.compute import task_states
from nova.compute import vm_states
from nova import exception as nova_exception
from nova import objects

from nova_ha_ext import exception
from nova_ha_ext.objects import fields
from nova_ha_ext.recovery import compute_hosts
from nova_ha_ext.recovery import host_lock
from nova_ha_ext.recovery import stranded

_ITEM = fields.InstanceEvacuationStatus
MIGRATION_FINAL = ('done', 'completed', 'failed', 'error')
MIGRATION_FAILED = ('failed', 'error')
#: The task states of an instance while Nova evacuates it.
REBUILD_TASKS = (task_states.REBUILDING,
                 task_states.REBUILD_BLOCK_DEVICE_MAPPING,
                 task_states.REBUILD_SPAWNING)


def unsafe_reason(cctxt, item, instance=None):
    """Why a new attempt for ``item`` may run a second guest, or None.

    - its last migration has not ended: Nova may still create the guest;
    - its last attempt failed on the destination compute: see
      :func:`failed_on_destination`.
    """
    migration = None
    if item.migration_id is not None:
        try:
            migration = objects.Migration.get_by_id(cctxt, item.migration_id)
        except nova_exception.MigrationNotFound:
            migration = None
    if migration is None:
        return None
    if migration.status not in MIGRATION_FINAL:
        return ('its evacuation (migration %s) is still %s: Nova may still '
                'create its guest. Wait for that migration to end.'
                % (migration.uuid, migration.status))
    if instance is None:
        try:
            instance = objects.Instance.get_by_uuid(cctxt, item.instance_uuid)
        except nova_exception.InstanceNotFound:
            return None
    if failed_on_destination(migration, instance):
        return placed_reason(migration)
    return None


def failed_on_destination(migration, instance):
    """Whether a failed evacuation may have left a guest on its destination.

    The destination compute names itself on the migration when it starts
    its claim; a failure it rolls back (no room, a late server-group
    check) puts the instance's state back, any other (the spawn, or after
    it, e.g. a reset-state during the spawn) leaves it ERROR, with the
    instance record still on the failed host and perhaps a guest on the
    destination.
    """
    return bool(migration.status in MIGRATION_FAILED and
                migration.dest_compute and
                migration.dest_compute != migration.source_compute and
                instance.vm_state == vm_states.ERROR)


def placed_reason(migration):
    return ('its evacuation failed on destination %s (migration %s) after '
            'that host took it on, so a guest may exist there; nova-ha-ext '
            'does not evacuate it again. Check the server\'s fault and %s, '
            'then recover it by hand (e.g. remove the guest left on %s, '
            'reset the server\'s state and evacuate it).'
            % (migration.dest_compute, migration.uuid,
               migration.dest_compute, migration.dest_compute))


def retry(context, task):
    """Reopen ``task``'s failed items that are safe to try again.

    :returns: the task, reopened.
    :raises NothingToRetry, HostFailureClosed, HostNotForcedDown,
        NothingRetryable, HostLockTimeout:
    """
    failed = [item for item in task.instances if item.status == _ITEM.FAILED]
    if not failed:
        raise exception.NothingToRetry(uuid=task.uuid)
    if not task.is_open:
        raise exception.HostFailureClosed(host=task.host, uuid=task.uuid)
    compute_host = compute_hosts.find(context, task.host)
    with host_lock.cell_lock(context, compute_host.cell_mapping.uuid,
                             task.host):
        # NOTE: under the lock no force-up can close the failure between
        # these reads and the reopening write (which re-checks it too).
        service = objects.Service.get_by_compute_host(
            compute_host.context, task.host)
        if not service.forced_down:
            raise exception.HostNotForcedDown(host=task.host)
        retryable, reasons = [], []
        for item in failed:
            # An attempt Nova sent to a destination fenced since then can
            # be settled now (the item timed out waiting for it).
            stranded.settle_for_retry(context, compute_host.context, item)
            reason = unsafe_reason(compute_host.context, item)
            if reason:
                reasons.append('instance %s: %s' % (item.instance_uuid,
                                                    reason))
            else:
                retryable.append(item.instance_uuid)
        if not retryable:
            raise exception.NothingRetryable(uuid=task.uuid,
                                             reasons=' '.join(reasons))
        task.retry(retryable)
    return task
