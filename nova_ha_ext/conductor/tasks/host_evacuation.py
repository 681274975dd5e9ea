"""Running one host evacuation: dispatch, confirm, retry, finish."""

import datetime
import threading

from nova.compute import api as compute
from nova.conductor.tasks import base
from nova import exception as nova_exception
from nova import objects
from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf

from nova_ha_ext.conductor import service_auth
from nova_ha_ext.conductor.tasks import instance_evacuation as item_task
from nova_ha_ext import exception
from nova_ha_ext import fault_points
from nova_ha_ext.notifications import evacuation as notifications
from nova_ha_ext.objects import fields
from nova_ha_ext.objects import instance_evacuation
from nova_ha_ext.recovery import actions
from nova_ha_ext.recovery import compute_hosts
from nova_ha_ext.recovery import retry as retry_mod
from nova_ha_ext.recovery import server_lock
from nova_ha_ext.recovery import stranded

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

_TASK = fields.HostEvacuationStatus
_ITEM = fields.InstanceEvacuationStatus
# What a task must still hold for an item to go back to pending: neither
# cancelled nor closed (the opposite of HostEvacuationTask.draining).
_TASK_RUNS_ITEMS = {'status': list(_TASK.ACTIVE), 'closed_at': None}
# Seconds an evacuation may stay unclaimed by any compute host before the
# poller asks whether its destination was fenced (a healthy one claims it
# within a second or two).
_UNCLAIMED_GRACE = 2.0


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NO_LOCK = _NoLock()


class LeaseLostError(Exception):
    """Another worker owns the task now; this one must stop touching it."""


class FailureClosedError(Exception):
    """The host failure was closed or the task cancelled: call Nova no more."""


class HostEvacuationTask(base.TaskBase):
    """Evacuate the pending items of one host evacuation to completion.

    The task's lease (claimed by the worker before this runs) is renewed
    every third of ``lease_seconds`` and right before every evacuate call;
    every write to the task is a compare-and-swap on the lease owner (or,
    for its close, on its generation), so a worker that stalled past its
    lease can never overwrite the worker that took over, nor call Nova.
    """

    def __init__(self, context, evacuation, worker):
        # NOTE: Nova's TaskBase is built around one instance; a host
        # evacuation has many, held as items.
        super().__init__(context, None)
        self.evacuation = evacuation
        self.worker = worker
        self.cctxt = compute_hosts.target(context, evacuation.cell_uuid)
        self.compute_api = compute.API()
        #: instance uuid -> item, for the evacuations in flight.
        self.in_flight = {}
        #: instances whose failed migration waits one poll for Nova's fault.
        self._fault_waits = set()
        self._renewed_at = timeutils.utcnow()
        #: What stopped a dispatch thread of this task, if one stopped.
        self._aborted = None

    @property
    def worker_id(self):
        return self.worker.worker_id

    @property
    def draining(self):
        """Start nothing more; see what is in Nova's hands to its end."""
        task = self.evacuation
        return task.status == _TASK.CANCELLED or not task.is_open

    # -- lease and fencing ---------------------------------------------------

    def _renew_lease(self, force=False):
        opts = CONF.nova_ha
        now = timeutils.utcnow()
        if not force and (now - self._renewed_at).total_seconds() < (
                opts.lease_seconds / 3.0):
            return
        if not self.evacuation.claim(self.worker_id, opts.lease_seconds):
            raise LeaseLostError()
        self._renewed_at = now

    def _service_forced_down(self):
        try:
            service = objects.Service.get_by_compute_host(
                self.cctxt, self.evacuation.host)
        except nova_exception.ComputeHostNotFound:
            return False
        return service.forced_down

    def _check_failure(self):
        """Close the failure when the host was forced up behind our back."""
        if not self.evacuation.is_open or self._service_forced_down():
            return
        LOG.warning('Evacuation %s: host %s is no longer forced down; its '
                    'instances are not evacuated', self.evacuation.uuid,
                    self.evacuation.host)
        actions.close_unforced(
            self.context, self.evacuation.host,
            'host %s is no longer forced down (forced up outside '
            'nova-ha-ext); its instances were not evacuated'
            % self.evacuation.host)
        self._renew_lease(force=True)

    def guard(self):
        """The last re-checks before an evacuate call (fresh reads)."""
        if self._aborted is not None:
            # Another dispatch thread of this task died (a crash, a lost
            # lease): as in a process that died, no call after it.
            raise self._aborted
        self._renew_lease(force=True)
        if self.draining:
            raise FailureClosedError(
                'the evacuation was cancelled' if self.evacuation.is_open
                else 'the host failure was closed')
        if not self._service_forced_down():
            raise FailureClosedError(
                'host %s is no longer forced down' % self.evacuation.host)

    # -- main loop ---------------------------------------------------------

    def _execute(self):
        fault_points.hit('worker.task_claimed', worker_id=self.worker_id,
                         evacuation=self.evacuation)
        while True:
            if self.worker.stopping.is_set():
                self.rollback(LeaseLostError())
                return
            self._renew_lease()
            service_auth.refresh(self.context, self.cctxt)
            self._mark_running()
            fault_points.hit('worker.poll', worker_id=self.worker_id,
                             evacuation=self.evacuation)
            self._check_failure()
            items = instance_evacuation.InstanceEvacuationList \
                .get_by_evacuation(self.context, self.evacuation.uuid)
            self._adopt(items)
            self._poll(items)
            if not self.draining:
                self._dispatch(items)
            if not self.in_flight and (self.draining or not any(
                    item.status == _ITEM.PENDING for item in items)):
                fault_points.hit('worker.before_finish',
                                 worker_id=self.worker_id,
                                 evacuation=self.evacuation)
                if self._finish():
                    return
                # A retry or cancel landed meanwhile (or an item is still
                # unsettled): read again after a pause, never in a spin.
                self._renew_lease(force=True)
                self.worker.stopping.wait(
                    min(1.0, CONF.nova_ha.poll_interval))
                continue
            self.worker.stopping.wait(CONF.nova_ha.poll_interval)

    def _mark_running(self):
        task = self.evacuation
        if task.status != _TASK.PENDING:
            return
        first = task.started_at is None
        task.status = _TASK.RUNNING
        task.started_at = task.started_at or timeutils.utcnow()
        task.save(expected={'lease_owner': self.worker_id,
                            'status': _TASK.PENDING})
        if first:
            notifications.notify_evacuation(self.context, task, 'start')

    def rollback(self, ex):
        for _uuid in list(self.in_flight):
            self.worker.release_slot()
        self.in_flight.clear()
        if not isinstance(ex, LeaseLostError):
            LOG.error('Evacuation %s stopped on an unexpected error; '
                      'another worker resumes it once its lease expires: '
                      '%s', self.evacuation.uuid, ex)

    def _adopt(self, items):
        """Items left evacuating by another worker: follow them.

        Run on every loop, not only when the task is taken over: a worker
        that stalled past its lease may still write one item evacuating
        before its next lease check stops it (doc/recovery-state-machine.md,
        T7). Only the lease holder gets here, so an evacuating item this
        worker does not follow has nobody else following it.
        """
        for item in items:
            if (item.status != _ITEM.EVACUATING or
                    item.instance_uuid in self.in_flight):
                continue
            # This worker may itself be the one that stalled: adopt only
            # with the lease held now.
            self._renew_lease(force=True)
            self.worker.take_slot(force=True)
            self.in_flight[item.instance_uuid] = item
            if item.migration_id is None:
                # Claimed by a worker that died (or lost its lease) before
                # recording Nova's migration: the item task finds that
                # migration or makes one (it never evacuates an instance
                # that already moved, nor one with a task in progress).
                self._start(item, adopting=True)

    # -- dispatch ----------------------------------------------------------

    def _dispatch(self, items):
        # NOTE: aware, as the objects' datetimes are.
        now = timeutils.utcnow(with_timezone=True)
        ready = [item for item in items if item.status == _ITEM.PENDING and
                 not (item.next_attempt_at and item.next_attempt_at > now)]
        if not ready:
            return
        busy_groups = {item.server_group_uuid
                       for item in self.in_flight.values()
                       if item.server_group_uuid}
        threads = min(CONF.nova_ha.dispatch_threads, len(ready))
        if threads <= 1:
            for item in ready:
                if not self._claim_and_start(item, busy_groups):
                    return
            return
        dispatcher = _ParallelDispatch(self, ready, busy_groups)
        dispatcher.run(self.worker.dispatch_executor(), threads)

    def _claim_and_start(self, item, busy_groups, claim_lock=None):
        """Claim ``item`` and start its attempt; False when dispatching
        must stop (the limits are reached, or the task is draining).

        With several dispatch threads, ``claim_lock`` makes the checks and
        the claim one step, so the limits and the one-per-group rule hold
        exactly as with one; the attempts themselves run in parallel.
        """
        with claim_lock or _NO_LOCK:
            if (len(self.in_flight) >= CONF.nova_ha.max_parallel or
                    self.draining):
                return False
            # NOTE: members of one anti-affinity group go one at a time:
            # two evacuated together could be scheduled to one host before
            # either is there, and the later would fail Nova's late group
            # check on the compute host.
            if item.server_group_uuid in busy_groups:
                return True
            # NOTE: the lease is renewed (a compare-and-swap) before each
            # claim, so a worker that stalled past its lease stops here
            # rather than moving an item it no longer owns.
            self._renew_lease(force=True)
            if not self.worker.take_slot():
                return False
            item.status = _ITEM.EVACUATING
            item.attempts += 1
            item.started_at = timeutils.utcnow()
            item.migration_id = None
            item.call_window_ms = None
            try:
                item.save(expected={'status': _ITEM.PENDING})
            except exception.InstanceEvacuationStateConflict:
                # Cancelled (or taken) meanwhile.
                self.worker.release_slot()
                return True
            self.in_flight[item.instance_uuid] = item
            if item.server_group_uuid:
                busy_groups.add(item.server_group_uuid)
        self._start(item)
        return True

    def _start(self, item, adopting=False):
        try:
            running = item_task.InstanceEvacuationTask(
                self.cctxt, item, self.compute_api, adopting=adopting,
                guard=self.guard, worker_id=self.worker_id).execute()
        except LeaseLostError:
            raise
        except FailureClosedError as error:
            self._settle(item, _ITEM.CANCELLED, 'not evacuated: %s' % error)
            return
        except exception.InstanceEvacuationStateConflict:
            # Changed under us (cancelled, or finished by another worker).
            self._settled(item)
            return
        except item_task.AttemptAbandonedError as error:
            self._attempt_failed(item, str(error), final=True)
            return
        except Exception as error:
            self._attempt_failed(item, self._describe(error))
            return
        if not running:
            self._settled(item)

    @staticmethod
    def _describe(error):
        if isinstance(error, nova_exception.NovaException):
            return error.format_message()
        if isinstance(error, item_task.AttemptBlockedError):
            return str(error)
        return '%s: %s' % (type(error).__name__, error)

    # -- confirmation ------------------------------------------------------

    def _poll(self, items):
        by_uuid = {item.instance_uuid: item for item in items}
        # Cancelled through the API or finished by a retry elsewhere.
        for uuid in list(self.in_flight):
            current = by_uuid.get(uuid)
            if current is None or current.status != _ITEM.EVACUATING:
                self._settled(self.in_flight[uuid])
            else:
                self.in_flight[uuid] = current
        if not self.in_flight:
            return
        migrations = {
            migration.id: migration
            for migration in objects.MigrationList.get_by_filters(
                self.cctxt, {'source_compute': self.evacuation.host,
                             'migration_type': item_task.EVACUATION})}
        now = timeutils.utcnow(with_timezone=True)
        timeout = CONF.nova_ha.evacuation_timeout
        fenced = None
        for item in list(self.in_flight.values()):
            elapsed = (now - item.started_at).total_seconds()
            migration = migrations.get(item.migration_id)
            if migration is None:
                self._no_migration(item, elapsed, timeout)
            elif migration.status in item_task.MIGRATION_DONE:
                self._confirm(item, migration)
            elif migration.status in item_task.MIGRATION_FAILED:
                self._nova_failed(item, migration, elapsed > timeout)
            elif (migration.status == stranded.UNCLAIMED and
                  elapsed > _UNCLAIMED_GRACE):
                if fenced is None:
                    # One query per poll, and only with an unclaimed
                    # evacuation to judge: placement is asked only when
                    # some other host is fenced.
                    fenced = stranded.fenced_hosts(self.context,
                                                   self.evacuation.host)
                self._unclaimed(item, migration, fenced,
                                elapsed > timeout)
            elif elapsed > timeout:
                self._timed_out(item, migration)

    def _unclaimed(self, item, migration, fenced, timed_out):
        """Nova accepted the evacuation; no compute host took it yet."""
        destination = stranded.abandoned_destination(
            self.context, self.cctxt, item, migration, fenced)
        if destination is not None:
            self._attempt_failed(
                item, stranded.abandon(self.cctxt, item, migration,
                                       destination), final=True)
        elif timed_out:
            self._timed_out(item, migration, stranded.unclaimed_advice(
                self.cctxt, item))

    def _timed_out(self, item, migration, advice=''):
        # NOTE: never a second attempt while this one may still create a
        # guest: the item fails, to be retried (by an operator) once the
        # migration has ended.
        self._attempt_failed(
            item, 'not confirmed within %d s: migration %s is still %s, and '
            'the instance is not evacuated again while Nova may still create '
            'its guest. Retry once that migration has ended.%s'
            % (CONF.nova_ha.evacuation_timeout, migration.uuid,
               migration.status, advice), final=True)

    def _instance(self, item):
        try:
            return objects.Instance.get_by_uuid(self.cctxt,
                                                item.instance_uuid)
        except nova_exception.InstanceNotFound:
            return None

    def _no_migration(self, item, elapsed, timeout):
        # NOTE: Nova soft-deletes an instance's migrations with it, so a
        # migration that vanished is an instance deleted in flight.
        if item.migration_id is not None and self._instance(item) is None:
            self._settle(item, _ITEM.SKIPPED,
                         'the instance was deleted while evacuating')
        elif elapsed > timeout:
            self._attempt_failed(
                item, 'no evacuation record within %d s' % timeout)

    def _nova_failed(self, item, migration, timed_out):
        instance = self._instance(item)
        if instance is None:
            self._settle(item, _ITEM.SKIPPED,
                         'the instance was deleted while evacuating')
            return
        if instance.task_state is not None:
            # NOTE: Nova marks the migration failed before it puts the
            # instance's state back (or to ERROR): judge once it has.
            if timed_out:
                self._attempt_failed(
                    item, 'migration %s failed and the instance still has '
                    'task %s after %d s; not evacuated again while Nova may '
                    'still act on it' % (migration.uuid, instance.task_state,
                                         CONF.nova_ha.evacuation_timeout),
                    final=True)
            return
        if retry_mod.failed_on_destination(migration, instance):
            self._attempt_failed(item, retry_mod.placed_reason(migration),
                                 final=True)
            return
        fault = _fault_message(self.cctxt, item.instance_uuid,
                               item.started_at)
        if not fault and item.instance_uuid not in self._fault_waits:
            # NOTE: Nova writes the instance fault after the migration's
            # status: give it one poll to appear.
            self._fault_waits.add(item.instance_uuid)
            return
        self._fault_waits.discard(item.instance_uuid)
        self._attempt_failed(
            item, 'Nova reported the evacuation %s (migration %s)%s'
            % (migration.status, migration.uuid,
               ': %s' % fault if fault else ''))

    def _confirm(self, item, migration):
        instance = self._instance(item)
        if instance is None:
            self._settle(item, _ITEM.SKIPPED,
                         'the instance was deleted while evacuating')
            return
        if instance.host == item.source_host:
            self._attempt_failed(
                item, 'migration %s is done but the instance is still on %s'
                % (migration.uuid, item.source_host))
            return
        self._settle(item, _ITEM.SUCCEEDED, None, dest_host=instance.host)

    def _settle(self, item, status, error, dest_host=None):
        # NOTE: unlocked before the item's end is written: whoever sees the
        # end sees the server given back.
        server_lock.unlock(self.cctxt, self.compute_api, item)
        try:
            item_task.finish(item, status, error, dest_host=dest_host)
        except exception.InstanceEvacuationStateConflict:
            pass
        self._settled(item, unlocked=True)

    def _attempt_failed(self, item, error, final=False):
        LOG.warning('Evacuation of instance %s, attempt %d of %d: %s',
                    item.instance_uuid, item.attempts,
                    CONF.nova_ha.max_attempts, error)
        server_lock.unlock(self.cctxt, self.compute_api, item)
        try:
            if (final or item.attempts >= CONF.nova_ha.max_attempts or
                    self.draining):
                item_task.finish(item, _ITEM.FAILED, error)
                notifications.notify_instance_error(self.context, item)
            else:
                delay = CONF.nova_ha.retry_backoff * 2 ** (item.attempts - 1)
                item.status = _ITEM.PENDING
                item.last_error = error
                item.next_attempt_at = timeutils.utcnow() + \
                    datetime.timedelta(seconds=delay)
                fault_points.hit('worker.before_requeue',
                                 worker_id=self.worker_id,
                                 evacuation=self.evacuation, item=item)
                # NOTE: only while the task still runs it: a cancel or a
                # close committed since self.draining was read cancels the
                # pending items once, and an item put back after that would
                # stay pending in a task nobody finishes (seed 2113).
                item.save(expected={'status': _ITEM.EVACUATING},
                          task_expected=_TASK_RUNS_ITEMS)
        except exception.InstanceEvacuationStateConflict:
            self._requeue_refused(item, error)
        self._settled(item, unlocked=True)

    def _requeue_refused(self, item, error):
        """The retry was not written: someone settled the item (nothing
        to do), or the task stopped running it, which ends it failed."""
        item = instance_evacuation.InstanceEvacuation.get(
            self.context, item.evacuation_uuid, item.instance_uuid)
        if item.status != _ITEM.EVACUATING:
            return
        try:
            item_task.finish(item, _ITEM.FAILED, error)
        except exception.InstanceEvacuationStateConflict:
            return
        notifications.notify_instance_error(self.context, item)

    def _settled(self, item, unlocked=False):
        if self.in_flight.pop(item.instance_uuid, None) is not None:
            self.worker.release_slot()
        if not unlocked:
            # The attempt is over (whatever its end): the owner gets the
            # server back, until the next attempt locks it again.
            server_lock.unlock(self.cctxt, self.compute_api, item)

    # -- end ---------------------------------------------------------------

    def _finish(self):
        task = self.evacuation
        if not task.finish(self.worker_id):
            return False
        LOG.info('Evacuation %(uuid)s of host %(host)s %(status)s: '
                 '%(ok)d succeeded, %(failed)d failed, %(skipped)d skipped, '
                 '%(cancelled)d cancelled',
                 {'uuid': task.uuid, 'host': task.host,
                  'status': task.status, 'ok': task.succeeded_count,
                  'failed': task.failed_count,
                  'skipped': task.skipped_count,
                  'cancelled': task.cancelled_count})
        notifications.notify_evacuation(
            self.context, task,
            'error' if task.status == _TASK.COMPLETED_WITH_ERRORS else 'end')
        return True


def _fault_message(cctxt, instance_uuid, since):
    """Nova's latest fault of the instance (e.g. "No valid host...") if it
    is not older than the attempt, or ''."""
    try:
        fault = objects.InstanceFault.get_latest_for_instance(
            cctxt, instance_uuid)
    except Exception:  # noqa: BLE001 -- a detail for the message only
        return ''
    if fault is None or not fault.created_at:
        return ''
    # NOTE: to the second: MySQL's DATETIME keeps no fractions.
    since = timeutils.normalize_time(since).replace(microsecond=0)
    if timeutils.normalize_time(fault.created_at) < since:
        return ''  # an earlier attempt's, or older still
    return fault.message


class _ParallelDispatch:
    """Start the ready items of one task with several threads.

    Each thread takes the next ready item, claims it under the claim lock
    (limits, anti-affinity, lease renewal, the item's compare-and-swap:
    the same checks as the serial loop, one claim at a time) and runs its
    attempt -- lock, last re-checks, Nova's evacuate -- outside the lock,
    in parallel with the others: Nova's evacuate is mostly waits on its
    databases and message bus. The first thread to die (a lost lease, a
    crash) stops the rest before their next call to Nova, and its
    exception is raised in the task's own thread once all have ended.
    """

    def __init__(self, task, ready, busy_groups):
        self.task = task
        self.ready = iter(ready)
        self.busy_groups = busy_groups
        self.claim_lock = threading.Lock()
        self.stop = False

    def _next(self):
        with self.claim_lock:
            if self.stop or self.task._aborted is not None:
                return None
            return next(self.ready, None)

    def _work(self):
        while True:
            item = self._next()
            if item is None:
                return
            try:
                if not self.task._claim_and_start(item, self.busy_groups,
                                                  self.claim_lock):
                    self.stop = True
                    return
            except BaseException as error:  # noqa: B036 -- re-raised below
                with self.claim_lock:
                    if self.task._aborted is None:
                        self.task._aborted = error
                return

    def run(self, executor, threads):
        futures = [executor.submit(self._work) for _ in range(threads)]
        for future in futures:
            future.result()
        if self.task._aborted is not None:
            raise self.task._aborted
