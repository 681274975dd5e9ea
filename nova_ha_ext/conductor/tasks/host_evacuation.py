"""Running one host evacuation: dispatch, confirm, retry, finish."""

import datetime

from nova.compute import api as compute
from nova.conductor.tasks import base
from nova import exception as nova_exception
from nova import objects
from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf

from nova_ha_ext.conductor.tasks import instance_evacuation as item_task
from nova_ha_ext import exception
from nova_ha_ext.notifications import evacuation as notifications
from nova_ha_ext.objects import fields
from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.objects import instance_evacuation
from nova_ha_ext.recovery import compute_hosts

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

_TASK = fields.HostEvacuationStatus
_ITEM = fields.InstanceEvacuationStatus


class LeaseLostError(Exception):
    """Another worker owns the task now; this one must stop touching it."""


class HostEvacuationTask(base.TaskBase):
    """Evacuate the pending items of one host evacuation to completion.

    The task's lease (claimed by the worker before this runs) is renewed
    every third of ``lease_seconds``; every write to the task is a
    compare-and-swap on the lease owner, so a worker that stalled past its
    lease can never overwrite the worker that took over.
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
        self.draining = False
        self._renewed_at = timeutils.utcnow()

    # -- lease -------------------------------------------------------------

    def _owner_guard(self):
        return {'lease_owner': self.worker.worker_id}

    def _renew_lease(self, force=False):
        opts = CONF.nova_ha
        now = timeutils.utcnow()
        if not force and (now - self._renewed_at).total_seconds() < (
                opts.lease_seconds / 3.0):
            return
        if self.evacuation.claim(self.worker.worker_id, opts.lease_seconds):
            self._renewed_at = now
            return
        task = host_evacuation.HostEvacuation.get_by_uuid(
            self.context, self.evacuation.uuid)
        if task.status == _TASK.CANCELLED:
            # Cancelled through the API: start nothing more, but see the
            # evacuations already in Nova's hands through to their end.
            if not self.draining:
                LOG.info('Evacuation %s cancelled; waiting for the %d '
                         'instance(s) in flight', task.uuid,
                         len(self.in_flight))
            self.draining = True
            self.evacuation = task
            return
        raise LeaseLostError()

    # -- main loop ---------------------------------------------------------

    def _execute(self):
        task = self.evacuation
        if task.status == _TASK.PENDING:
            task.status = _TASK.RUNNING
            task.started_at = task.started_at or timeutils.utcnow()
            task.save(expected=dict(self._owner_guard(),
                                    status=_TASK.PENDING))
            notifications.notify_evacuation(self.context, task, 'start')
        elif task.status == _TASK.CANCELLED:
            self.draining = True
        if not self._host_still_fenced():
            return
        self._adopt_in_flight()
        while True:
            if self.worker.stopping.is_set():
                self.rollback(LeaseLostError())
                return
            self._renew_lease()
            items = instance_evacuation.InstanceEvacuationList \
                .get_by_evacuation(self.context, task.uuid)
            self._poll(items)
            if not self.draining:
                self._dispatch(items)
            if not self.in_flight and (self.draining or not any(
                    item.status == _ITEM.PENDING for item in items)):
                break
            self.worker.stopping.wait(CONF.nova_ha.poll_interval)
        self._finish()

    def rollback(self, ex):
        for _uuid in list(self.in_flight):
            self.worker.release_slot()
        self.in_flight.clear()
        if not isinstance(ex, LeaseLostError):
            LOG.error('Evacuation %s stopped on an unexpected error; '
                      'another worker resumes it once its lease expires: '
                      '%s', self.evacuation.uuid, ex)

    def _host_still_fenced(self):
        """Safety: never evacuate a host that is no longer forced down."""
        try:
            service = objects.Service.get_by_compute_host(
                self.cctxt, self.evacuation.host)
        except nova_exception.ComputeHostNotFound:
            service = None
        if service is not None and service.forced_down:
            return True
        reason = ('host %s is no longer forced down; its instances were '
                  'not evacuated' % self.evacuation.host)
        LOG.warning('Evacuation %s cancelled: %s', self.evacuation.uuid,
                    reason)
        now = timeutils.utcnow()
        for item in instance_evacuation.InstanceEvacuationList \
                .get_by_evacuation(self.context, self.evacuation.uuid):
            if item.status == _ITEM.PENDING:
                item_task.finish(item, _ITEM.CANCELLED, reason)
        self.evacuation.status = _TASK.CANCELLED
        self.evacuation.withheld_reason = reason
        self.evacuation.finished_at = now
        self.evacuation.save(expected=self._owner_guard())
        self.evacuation.refresh_counts()
        notifications.notify_evacuation(self.context, self.evacuation,
                                        'end')
        return False

    def _adopt_in_flight(self):
        """Items left evacuating by a worker that died: follow them."""
        for item in instance_evacuation.InstanceEvacuationList \
                .get_by_evacuation(self.context, self.evacuation.uuid):
            if item.status == _ITEM.EVACUATING and self.worker.take_slot(
                    force=True):
                self.in_flight[item.instance_uuid] = item
                if item.migration_id is None:
                    # Died between claiming the item and recording Nova's
                    # migration: the item task finds or makes it (it never
                    # evacuates an instance that already moved).
                    self._start(item, adopting=True)

    # -- dispatch ----------------------------------------------------------

    def _dispatch(self, items):
        # NOTE: aware, as the objects' datetimes are.
        now = timeutils.utcnow(with_timezone=True)
        limit = CONF.nova_ha.max_parallel
        busy_groups = {item.server_group_uuid
                       for item in self.in_flight.values()
                       if item.server_group_uuid}
        for item in items:
            if len(self.in_flight) >= limit:
                return
            if item.status != _ITEM.PENDING:
                continue
            if item.next_attempt_at and item.next_attempt_at > now:
                continue
            # NOTE: members of one anti-affinity group go one at a time:
            # two evacuated together could be scheduled to one host before
            # either is there, and the later would fail Nova's late group
            # check on the compute host.
            if item.server_group_uuid in busy_groups:
                continue
            if not self.worker.take_slot():
                return
            item.status = _ITEM.EVACUATING
            item.attempts += 1
            item.started_at = timeutils.utcnow()
            item.migration_id = None
            try:
                item.save(expected={'status': _ITEM.PENDING})
            except exception.InstanceEvacuationStateConflict:
                # Cancelled (or taken) meanwhile.
                self.worker.release_slot()
                continue
            self.in_flight[item.instance_uuid] = item
            if item.server_group_uuid:
                busy_groups.add(item.server_group_uuid)
            self._start(item)

    def _start(self, item, adopting=False):
        try:
            running = item_task.InstanceEvacuationTask(
                self.cctxt, item, self.compute_api,
                adopting=adopting).execute()
        except Exception as error:
            self._attempt_failed(item, self._describe(error))
            return
        if not running:
            self._settled(item)

    @staticmethod
    def _describe(error):
        if isinstance(error, nova_exception.NovaException):
            return error.format_message()
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
        for item in list(self.in_flight.values()):
            migration = migrations.get(item.migration_id)
            if migration is None:
                if (now - item.started_at).total_seconds() > timeout:
                    self._attempt_failed(
                        item, 'no evacuation record within %d s' % timeout)
                continue
            if migration.status in item_task.MIGRATION_DONE:
                self._confirm(item, migration)
            elif migration.status in item_task.MIGRATION_FAILED:
                self._attempt_failed(
                    item, 'Nova reported the evacuation %s (migration %s)'
                    % (migration.status, migration.uuid))
            elif (now - item.started_at).total_seconds() > timeout:
                self._attempt_failed(
                    item, 'not confirmed within %d s (migration %s is %s)'
                    % (timeout, migration.uuid, migration.status))

    def _confirm(self, item, migration):
        try:
            instance = objects.Instance.get_by_uuid(
                self.cctxt, item.instance_uuid)
        except nova_exception.InstanceNotFound:
            item_task.finish(item, _ITEM.SKIPPED,
                             'the instance was deleted while evacuating')
            self._settled(item)
            return
        if instance.host == item.source_host:
            self._attempt_failed(
                item, 'migration %s is done but the instance is still on %s'
                % (migration.uuid, item.source_host))
            return
        item_task.finish(item, _ITEM.SUCCEEDED, None,
                         dest_host=instance.host)
        self._settled(item)

    def _attempt_failed(self, item, error):
        LOG.warning('Evacuation of instance %s, attempt %d of %d: %s',
                    item.instance_uuid, item.attempts,
                    CONF.nova_ha.max_attempts, error)
        if item.attempts >= CONF.nova_ha.max_attempts or self.draining:
            item_task.finish(item, _ITEM.FAILED, error)
            notifications.notify_instance_error(self.context, item)
        else:
            delay = CONF.nova_ha.retry_backoff * 2 ** (item.attempts - 1)
            item.status = _ITEM.PENDING
            item.last_error = error
            item.next_attempt_at = timeutils.utcnow() + datetime.timedelta(
                seconds=delay)
            item.save(expected={'status': _ITEM.EVACUATING})
        self._settled(item)

    def _settled(self, item):
        if self.in_flight.pop(item.instance_uuid, None) is not None:
            self.worker.release_slot()

    # -- end ---------------------------------------------------------------

    def _finish(self):
        task = self.evacuation
        task.refresh_counts()
        if task.status != _TASK.CANCELLED:
            task.status = (_TASK.COMPLETED_WITH_ERRORS if task.failed_count
                           else _TASK.COMPLETED)
        task.finished_at = timeutils.utcnow()
        expected = (dict(self._owner_guard(), status=_TASK.RUNNING)
                    if task.status != _TASK.CANCELLED
                    else {'status': _TASK.CANCELLED})
        task.save(expected=expected)
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
