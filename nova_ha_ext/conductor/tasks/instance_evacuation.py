"""Evacuating one instance of a failed host: the attempt and its guards."""

import time

from nova.compute import api as compute
from nova.compute import task_states
from nova.compute import vm_states
from nova.conductor.tasks import base
from nova import exception as nova_exception
from nova import objects
from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf

from nova_ha_ext import exception
from nova_ha_ext import fault_points
from nova_ha_ext.objects import fields
from nova_ha_ext.recovery import retry as retry_mod
from nova_ha_ext.recovery import server_lock

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

_ITEM = fields.InstanceEvacuationStatus
# Loaded with the instance: what Nova's evacuate checks and sends on,
# as nova-api loads it; each one left out is a lazy load (a query) later.
_INSTANCE_ATTRS = ['metadata', 'system_metadata', 'security_groups',
                   'info_cache', 'flavor']
EVACUATION = 'evacuation'
# Migration statuses that end an evacuation.
MIGRATION_DONE = ('done', 'completed')
MIGRATION_FAILED = retry_mod.MIGRATION_FAILED


class AttemptBlockedError(Exception):
    """Nova would refuse the evacuation now; a later attempt may not."""


class AttemptAbandonedError(Exception):
    """An attempt stopped inside Nova's evacuate call: no later attempt can
    start until an operator resets the instance's task state."""


def find_migration(context, instance_uuid, source_host, since=None):
    """The newest evacuation migration of the instance off ``source_host``.

    :param since: only migrations created at or after this time (to the
        second: MySQL's DATETIME keeps no fractions).
    """
    if since is not None:
        since = timeutils.normalize_time(since).replace(microsecond=0)
    migrations = [
        migration for migration in objects.MigrationList.get_by_filters(
            context, {'instance_uuid': instance_uuid,
                      'source_compute': source_host,
                      'migration_type': EVACUATION})
        if since is None or
        timeutils.normalize_time(migration.created_at) >= since]
    if not migrations:
        return None
    return max(migrations, key=lambda m: (m.created_at, m.id))


class InstanceEvacuationTask(base.TaskBase):
    """Start (or adopt) the evacuation of one item.

    ``execute()`` returns True when an evacuation of the instance is in
    flight afterwards (the item is ``evacuating`` with its migration), or
    False when the item reached a terminal state.

    ``guard`` is the task's last re-check (lease, host failure still open,
    host still forced down); it raises when the attempt must not call Nova.
    """

    def __init__(self, context, item, compute_api=None, adopting=False,
                 guard=None, worker_id=None):
        super().__init__(context, None)
        self.item = item
        self.compute_api = compute_api or compute.API()
        #: True when a dead worker left the item evacuating.
        self.adopting = adopting
        self.guard = guard or (lambda: None)
        self.worker_id = worker_id

    def _load(self):
        try:
            return objects.Instance.get_by_uuid(
                self.context, self.item.instance_uuid,
                expected_attrs=_INSTANCE_ATTRS)
        except nova_exception.InstanceNotFound:
            return None

    def _execute(self):
        item = self.item
        instance = self._load()
        if instance is None:
            finish(item, _ITEM.SKIPPED, 'the instance was deleted')
            return False
        fault_points.hit('worker.item_loaded', worker_id=self.worker_id,
                         item=item, instance=instance)
        if instance.task_state in retry_mod.REBUILD_TASKS:
            # NOTE: an evacuation someone else started (fence_evacuate,
            # nova evacuate; or an earlier attempt of ours) is followed to
            # its end, never started a second time.
            migration = find_migration(self.context, item.instance_uuid,
                                       item.source_host)
            if migration is not None and (
                    migration.status not in retry_mod.MIGRATION_FINAL):
                record_migration(item, migration)
                return True
        if self.adopting or item.attempts > 1:
            # An attempt of a worker that died (or this one's earlier
            # attempt) may be under way: follow it, never start another.
            migration = find_migration(self.context, item.instance_uuid,
                                       item.source_host,
                                       since=item.started_at)
            if migration is not None and (
                    migration.status not in retry_mod.MIGRATION_FINAL):
                record_migration(item, migration)
                return True
            if (self.adopting and migration is None and
                    instance.host == item.source_host and
                    instance.task_state == task_states.REBUILDING):
                # NOTE: Nova's evacuate saves task_state=rebuilding, then
                # creates the migration, then sends the rebuild. A worker
                # killed between the first two leaves this: no rebuild was
                # sent, and Nova refuses every new evacuate until the task
                # state is reset (as after a nova-api killed there). Say so
                # at once rather than spend the attempts on the refusal.
                raise AttemptAbandonedError(
                    'the worker that made this attempt stopped inside '
                    "Nova's evacuate call: the instance has task rebuilding "
                    'but no evacuation migration since %s, so Nova sent no '
                    'rebuild. Reset its state (openstack server set --state '
                    'active %s), then retry (openstack ha evacuation retry '
                    '%s)' % (item.started_at.isoformat(), item.instance_uuid,
                             item.evacuation_uuid))

        # NOTE: before the last re-checks, to keep the lock's writes out of
        # the residual window.
        server_lock.lock(self.context, self.compute_api, instance, item)
        # -- the last re-checks: from here to Nova's call is the residual
        # window (doc/recovery-state-machine.md), kept free of waits.
        started = time.monotonic()
        self.guard()
        instance = self._load()
        if instance is None:
            finish(item, _ITEM.SKIPPED, 'the instance was deleted')
            return False
        if instance.host != item.source_host:
            self._moved(instance)
            return False
        if instance.task_state is not None:
            raise AttemptBlockedError(
                'task %s of the instance is in progress' %
                instance.task_state)
        target_state = None
        if item.original_vm_state == vm_states.STOPPED:
            target_state = vm_states.STOPPED
            if instance.vm_state == vm_states.ERROR:
                # NOTE: an earlier failed attempt (e.g. No valid host) left
                # it ERROR, and Nova ignores target_state for ERROR
                # instances: put back the state it had when the host
                # failed so that it comes back stopped (the host is fenced:
                # no guest of it runs).
                instance.vm_state = vm_states.STOPPED
                instance.save(expected_vm_state=[vm_states.ERROR],
                              expected_task_state=[None])
        fault_points.hit('worker.before_evacuate', worker_id=self.worker_id,
                         item=item, instance=instance)
        window_ms = (time.monotonic() - started) * 1000.0
        # NOTE: on_shared_storage=None lets the compute service find out
        # (microversion 2.14 semantics); host=None lets the scheduler pick,
        # with the extension's filters (failure domains, reserved hosts).
        # The instance passed is the one just read: Nova checks liveness
        # on its host and saves it with expected_task_state=None.
        self.compute_api.evacuate(self.context, instance, None, None,
                                  target_state=target_state)
        migration = find_migration(self.context, instance.uuid,
                                   item.source_host, since=item.started_at)
        fault_points.hit('worker.after_evacuate', worker_id=self.worker_id,
                         item=item, migration=migration)
        if migration is None:
            raise exception.HostEvacuationStateConflict(
                uuid=item.evacuation_uuid,
                expected='an evacuation migration for %s' % instance.uuid)
        LOG.debug('Evacuation of %(uuid)s called %(window).2f ms after its '
                  'last re-check', {'uuid': instance.uuid,
                                    'window': window_ms})
        record_migration(item, migration, window_ms)
        return True

    def _moved(self, instance):
        """The instance is no longer on the failed host: why, and record."""
        item = self.item
        migration = find_migration(self.context, item.instance_uuid,
                                   item.source_host)
        if migration is not None and retry_mod.failed_on_destination(
                migration, instance):
            finish(item, _ITEM.FAILED, retry_mod.placed_reason(migration))
            return
        # Moved already: by an earlier attempt of a worker that died before
        # recording it, or by someone else. Never again.
        finish(item, _ITEM.SUCCEEDED, None, dest_host=instance.host)

    def rollback(self, ex):
        LOG.warning('Evacuation of instance %s (attempt %d) did not start: '
                    '%s', self.item.instance_uuid, self.item.attempts, ex)


def record_migration(item, migration, window_ms=None):
    item.migration_id = migration.id
    if migration.dest_compute:
        item.dest_host = migration.dest_compute
    if window_ms is not None:
        item.call_window_ms = window_ms
    item.save(expected={'status': _ITEM.EVACUATING})


def finish(item, status, error, dest_host=None):
    item.status = status
    item.last_error = error
    item.finished_at = timeutils.utcnow()
    item.next_attempt_at = None
    if dest_host:
        item.dest_host = dest_host
    item.save(expected={'status': [_ITEM.PENDING, _ITEM.EVACUATING]})
