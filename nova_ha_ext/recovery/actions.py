"""Force-down and force-up of a compute host: opening and closing its
host failure (see doc/recovery-state-machine.md).

Every call runs under its cell's lock (recovery/host_lock.py), reads the
Nova service afresh inside it and writes in this order: the extension's
record first, then Nova's service, then the record's confirmation. A call
that fails half-way therefore leaves a record saying what it started, and
a repeat of the call completes it.
"""

from nova import exception as nova_exception
from nova import objects
from nova.scheduler.client import report as placement_report
from oslo_log import log as logging
import os_traits
from oslo_utils import timeutils

import nova.conf

from nova_ha_ext.conductor import rpcapi
from nova_ha_ext import exception
from nova_ha_ext import fault_points
from nova_ha_ext.notifications import evacuation as evacuation_notifications
from nova_ha_ext.notifications import host as host_notifications
from nova_ha_ext.objects import fields
from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.recovery import compute_hosts
from nova_ha_ext.recovery import host_lock
from nova_ha_ext.recovery import selection as selection_mod
from nova_ha_ext.recovery import storm_guard

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

_TASK = fields.HostEvacuationStatus
_ITEM = fields.InstanceEvacuationStatus
# NOTE: every disabled_reason this extension writes starts with this, so
# force-up re-enables only services it disabled itself, even when the
# disable raced with another call or an older release.
DISABLED_PREFIX = '[nova-ha] '
# Nova's services.disabled_reason column.
_DISABLED_REASON_MAX = 255
WITHHELD = 'withheld by the storm guard'


def disabled_by_us(service):
    return bool(service.disabled and service.disabled_reason and
                service.disabled_reason.startswith(DISABLED_PREFIX))


def _force_down_service(service, reason):
    changed = False
    if not service.forced_down:
        service.forced_down = True
        changed = True
    if not service.disabled:
        service.disabled = True
        service.disabled_reason = (DISABLED_PREFIX + (
            reason or 'forced down by nova-ha-ext at %s' %
            timeutils.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ'))
        )[:_DISABLED_REASON_MAX]
        changed = True
    if changed:
        service.save()


def _fresh_service(compute_host):
    try:
        return objects.Service.get_by_compute_host(
            compute_host.context, compute_host.name)
    except nova_exception.ComputeHostNotFound:
        raise exception.ComputeHostNotFound(host=compute_host.name)


class ForceDownResult:
    def __init__(self, compute_host, evacuation, created):
        self.compute_host = compute_host
        self.evacuation = evacuation
        #: True when this call opened (or completed, or released) the
        #: failure; False for a repeat that changed nothing.
        self.created = created


def force_down(context, host, fenced=False, reason=None, evacuate=None,
               force=False):
    """Force ``host`` down and open its host failure (with its evacuation).

    :returns: ForceDownResult
    :raises ComputeHostNotFound, FencingNotConfirmed, HostLockTimeout:
    """
    compute_host = compute_hosts.find(context, host)
    if CONF.nova_ha.require_fencing_confirmation and not fenced:
        raise exception.FencingNotConfirmed(host=host)
    with host_lock.cell_lock(context, compute_host.cell_mapping.uuid, host):
        fault_points.hit('api.force_down.locked', host=host)
        compute_host.service = _fresh_service(compute_host)
        result = _force_down_locked(context, compute_host, fenced, reason,
                                    evacuate, force)
    task = result.evacuation
    if result.created:
        LOG.info('Host %(host)s forced down (fenced: %(fenced)s); '
                 'evacuation %(uuid)s %(status)s with %(count)d '
                 'instance(s)%(withheld)s',
                 {'host': host, 'fenced': fenced, 'uuid': task.uuid,
                  'status': task.status, 'count': task.total_count,
                  'withheld': (': ' + task.withheld_reason
                               if task.withheld_reason else '')})
        host_notifications.notify_force_down(
            context, compute_host.service, task)
    if not task.is_finished:
        # NOTE: cast on repeats too: a lost cast of the first call is
        # made good (a worker already running it ignores this one).
        rpcapi.HAConductorAPI().start_evacuation(context, task)
    return result


def _force_down_locked(context, compute_host, fenced, reason, evacuate,
                       force):
    host = compute_host.name
    service = compute_host.service
    task = host_evacuation.HostEvacuation.get_open_by_host(context, host)
    if task is not None and task.forced_down_at and not service.forced_down:
        # Forced up outside this extension (Nova's API on a nova-api
        # without our pipeline) since: that failure is over, and this
        # call's fencing attestation opens a new one.
        _close(context, compute_host, task,
               'the host was found forced up outside nova-ha-ext')
        task = None
    if task is not None:
        if task.forced_down_at is None:
            # The call that recorded it failed before Nova's write: this
            # repeat completes it.
            _confirm_force_down(compute_host, task, reason)
            return ForceDownResult(compute_host, task, created=True)
        # NOTE: a verdict on a host with nothing to evacuate held nothing
        # back (the record is completed): "force" is then a plain repeat.
        if (force and task.withheld_reason and not task.started_at and
                task.status == _TASK.CANCELLED):
            _release_withheld(task)
            return ForceDownResult(compute_host, task, created=True)
        # A repeat (a fence agent retrying, a second cluster node).
        _force_down_service(service, reason)
        return ForceDownResult(compute_host, task, created=False)

    selection = selection_mod.resolve(
        compute_host.context, host, evacuate or CONF.nova_ha.default_evacuate)
    withheld = None
    if selection != fields.EvacuationSelection.NONE and not force:
        open_hosts = {failure.host for failure in
                      host_evacuation.HostEvacuationList.get_open(
                          context, cell_uuid=compute_host.cell_mapping.uuid)}
        withheld = storm_guard.check(compute_host, also_down=open_hosts)
    in_flight = {item.instance_uuid: earlier.uuid
                 for earlier in unfinished_of_host(context, host)
                 for item in earlier.instances
                 if item.status in (_ITEM.PENDING, _ITEM.EVACUATING)}
    items = selection_mod.select(compute_host.context, host, selection,
                                 in_flight=in_flight)
    pending = any(item.status == _ITEM.PENDING for item in items)
    if withheld:
        for item in items:
            if item.status == _ITEM.PENDING:
                item.status = _ITEM.CANCELLED
                item.last_error = WITHHELD
    if withheld and pending:
        status = _TASK.CANCELLED
    elif pending:
        status = _TASK.PENDING
    else:
        status = _TASK.COMPLETED
    now = timeutils.utcnow()
    task = host_evacuation.HostEvacuation(
        context, host=host, cell_uuid=compute_host.cell_mapping.uuid,
        status=status, selection=selection, requested_by=context.user_id,
        reason=reason, fenced=bool(fenced),
        service_disabled=not service.disabled,
        withheld_reason=withheld,
        total_count=len(items),
        skipped_count=sum(i.status == _ITEM.SKIPPED for i in items),
        cancelled_count=sum(i.status == _ITEM.CANCELLED for i in items),
        finished_at=None if status == _TASK.PENDING else now,
        instances=host_evacuation.instance_evacuation.InstanceEvacuationList(
            context, objects=items))
    task.create()
    fault_points.hit('api.force_down.recorded', host=host, evacuation=task)
    _confirm_force_down(compute_host, task, reason)
    return ForceDownResult(compute_host, task, created=True)


def _confirm_force_down(compute_host, task, reason):
    """Nova's write, then the record's confirmation (workers start then)."""
    _force_down_service(compute_host.service, reason)
    task.forced_down_at = timeutils.utcnow()
    task.save(expected={'forced_down_at': None, 'closed_at': None})


def _release_withheld(task):
    """A repeat with "force": evacuate what the storm guard withheld."""
    for item in task.instances:
        if item.status == _ITEM.CANCELLED and item.last_error == WITHHELD:
            item.status = _ITEM.PENDING
            item.last_error = None
            item.finished_at = None
            item.save(expected={'status': _ITEM.CANCELLED})
    task.status = _TASK.PENDING
    task.withheld_reason = None
    task.finished_at = None
    task.save(expected={'status': _TASK.CANCELLED, 'started_at': None,
                        'closed_at': None})
    task.refresh_counts()


def force_up(context, host, failure_uuid=None, reason=None):
    """Put ``host`` back in service after its repair; close its failure.

    :param failure_uuid: only if this host failure is still the open one
        (the automatic return); otherwise nothing is done and None returned.
    :param reason: why, for the failure's close and the notification.
    :raises ComputeHostNotFound, EvacuationInFlight, DoneEvacuationsRemain,
        ComputeNotReported, HostLockTimeout:
    """
    compute_host = compute_hosts.find(context, host)
    with host_lock.cell_lock(context, compute_host.cell_mapping.uuid, host):
        fault_points.hit('api.force_up.locked', host=host)
        service = compute_host.service = _fresh_service(compute_host)
        task = host_evacuation.HostEvacuation.get_open_by_host(context, host)
        if failure_uuid is not None and (
                task is None or task.uuid != failure_uuid or
                not service.forced_down):
            return None
        check_nothing_in_flight(context, host)
        check_no_done_evacuations(compute_host.context, host)
        check_compute_reported(service, task)
        service.forced_down = False
        enabled = disabled_by_us(service)
        if enabled:
            service.disabled = False
            service.disabled_reason = None
        service.save()
        if task is not None:
            _close(context, compute_host, task,
                   reason or 'forced up by %s' % context.user_id)
    LOG.info('Host %s forced up%s', host, ': %s' % reason if reason else '')
    if enabled:
        _sync_disabled_trait(compute_host.context, host)
    if failure_uuid is None:
        host_notifications.notify_force_up(context, service)
    else:
        host_notifications.notify_force_up(
            context, service, task, reason,
            source=host_notifications.base.SOURCE_HA_CONDUCTOR)
    return compute_host


def _sync_disabled_trait(cctxt, host):
    """Drop Placement's COMPUTE_STATUS_DISABLED trait from the host's
    providers now, as Nova's own os-services enable has nova-compute do,
    instead of at nova-compute's next periodic update (about a minute in
    which the scheduler's prefilter skips the host).

    Written to Placement directly rather than by Nova's RPC call to the
    compute, which could hold the API request for long_rpc_timeout if the
    compute died again. Outside the cell lock; a generation conflict (the
    compute's own update raced) is retried; any failure is logged, and
    nova-compute's periodic update still fixes the trait.
    """
    disabled = os_traits.COMPUTE_STATUS_DISABLED
    try:
        client = placement_report.report_client_singleton()
        for node in objects.ComputeNodeList.get_all_by_host(cctxt, host):
            for _attempt in range(3):
                info = client.get_provider_traits(cctxt, node.uuid)
                if disabled not in info.traits:
                    break
                # NOTE: Placement's own traits route, as nova-compute's
                # set_traits_for_provider would call it; that method needs
                # the compute's provider tree cache, which only the compute
                # has.
                answer = client.put(
                    '/resource_providers/%s/traits' % node.uuid,
                    {'traits': sorted(info.traits - {disabled}),
                     'resource_provider_generation': info.generation},
                    version='1.6', global_request_id=cctxt.global_id)
                if answer.status_code != 409:
                    answer.raise_for_status()
                    break
    except Exception:
        LOG.exception('Host %s forced up, but Placement\'s %s trait could '
                      'not be removed; nova-compute removes it at its next '
                      'resource update', host, disabled)


def unfinished_of_host(context, host):
    """The host's tasks not finished yet, the open failure's included.

    A failure closed by Nova's force-up while its task drains is one of
    them: its evacuations in flight still count.
    """
    return [task for task in
            host_evacuation.HostEvacuationList.get_unfinished(context)
            if task.host == host]


def check_nothing_in_flight(context, host):
    """Refuse a force-up while an item of the host is pending or in flight."""
    for task in unfinished_of_host(context, host):
        unsettled = [item for item in task.instances
                     if item.status in (_ITEM.PENDING, _ITEM.EVACUATING)]
        if unsettled:
            raise exception.EvacuationInFlight(
                host=host, uuid=task.uuid, count=len(unsettled))


def check_no_done_evacuations(cctxt, host):
    """Nova's own force-up guard, as a 409 saying what to do."""
    done = objects.MigrationList.get_by_filters(
        cctxt, {'source_compute': host, 'status': 'done',
                'migration_type': objects.fields.MigrationType.EVACUATION})
    if len(done):
        raise exception.DoneEvacuationsRemain(host=host, count=len(done))


def check_compute_reported(service, task):
    """Refuse a force-up until the host's nova-compute has reported since
    its failure was recorded.

    Nova counts a service as alive for ``service_down_time`` after its last
    report and a forced-up service is schedulable at once: forced up while
    its nova-compute is still dead, the host would take evacuations (and
    new instances) that never start there. Nova's DB servicegroup driver
    stamps ``last_seen_up`` only when a report raises ``report_count``, so
    neither our own writes nor an operator's touch it. Compared strictly: on
    MySQL both stamps keep whole seconds, and a report in the same second as
    the force-down is the dead host's last one, not a restart's.
    """
    if task is None or task.forced_down_at is None:
        # No failure of ours: nothing to compare with (Nova's force-down
        # alone records no time).
        return
    if CONF.servicegroup_driver != 'db':
        # The memcache driver keeps its reports out of the database.
        return
    since = task.forced_down_at.replace(tzinfo=None)
    last = service.last_seen_up
    if last is None or last.replace(tzinfo=None) <= since:
        raise exception.ComputeNotReported(
            host=service.host,
            since=since.strftime('%Y-%m-%dT%H:%M:%SZ'),
            last=(last.strftime('%Y-%m-%dT%H:%M:%SZ') if last is not None
                  else 'never'))


def _close(context, compute_host, task, reason):
    """Close ``task``'s failure; finish it here when nothing is in flight
    and no live worker holds it (with nothing in flight a worker would
    only write its end)."""
    in_flight = task.close(reason)
    if in_flight is None:
        return
    LOG.info('Host failure %s of %s closed: %s', task.uuid, task.host,
             reason)
    finish_if_idle(context, task)


def finish_if_idle(context, task):
    """Close a task no worker holds once nothing is pending or in flight.

    :returns: True when this call closed it.
    """
    if task.is_finished or not task.finish(None):
        if not task.is_finished:
            rpcapi.HAConductorAPI().start_evacuation(context, task)
        return False
    evacuation_notifications.notify_evacuation(
        context, task,
        'error' if task.status == _TASK.COMPLETED_WITH_ERRORS else 'end')
    return True


def close_unforced(context, host, reason):
    """Close ``host``'s failure after a force-up outside this extension.

    Nova's os-services API (through this extension's pipeline) calls it
    after Nova's own write, a worker when it finds the host un-forced.
    Under the cell lock, and only while the service still reads as not
    forced down: a force-down of ours may have come in between.
    """
    try:
        compute_host = compute_hosts.find(context, host)
    except exception.ComputeHostNotFound:
        return
    with host_lock.cell_lock(context, compute_host.cell_mapping.uuid, host):
        service = _fresh_service(compute_host)
        if service.forced_down:
            return
        task = host_evacuation.HostEvacuation.get_open_by_host(context, host)
        if task is not None and task.forced_down_at is not None:
            _close(context, compute_host, task, reason)
