"""Force-down and force-up of a compute host, as the API performs them."""

from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf

from nova_ha_ext.conductor import rpcapi
from nova_ha_ext import exception
from nova_ha_ext.notifications import host as host_notifications
from nova_ha_ext.objects import fields
from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.recovery import compute_hosts
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


def disabled_by_us(service):
    return bool(service.disabled and service.disabled_reason and
                service.disabled_reason.startswith(DISABLED_PREFIX))


def _force_down_service(compute_host, reason):
    service = compute_host.service
    changed = False
    if not service.forced_down:
        service.forced_down = True
        changed = True
    if not service.disabled:
        service.disabled = True
        service.disabled_reason = DISABLED_PREFIX + (
            reason or 'forced down by nova-ha-ext at %s' %
            timeutils.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ'))
        changed = True
    if changed:
        service.save()


def _withhold(items, reason):
    for item in items:
        if item.status == _ITEM.PENDING:
            item.status = _ITEM.CANCELLED
            item.last_error = 'withheld by the storm guard'
    return reason


class ForceDownResult:
    def __init__(self, compute_host, evacuation, created):
        self.compute_host = compute_host
        self.evacuation = evacuation
        #: False when an active evacuation of the host was returned.
        self.created = created


def force_down(context, host, fenced=False, reason=None, evacuate=None,
               force=False):
    """Force ``host`` down and record (and start) its evacuation.

    :returns: ForceDownResult
    :raises ComputeHostNotFound, FencingNotConfirmed:
    """
    compute_host = compute_hosts.find(context, host)
    if CONF.nova_ha.require_fencing_confirmation and not fenced:
        raise exception.FencingNotConfirmed(host=host)
    active = host_evacuation.HostEvacuation.get_active_by_host(context, host)
    if active is not None:
        # A repeat (a fence agent retrying, a second cluster node): the
        # host must still read as forced down, and nothing else happens.
        _force_down_service(compute_host, reason)
        return ForceDownResult(compute_host, active, created=False)

    selection = evacuate or CONF.nova_ha.default_evacuate
    withheld = None
    if selection != fields.EvacuationSelection.NONE and not force:
        withheld = storm_guard.check(compute_host)
    _force_down_service(compute_host, reason)

    items = selection_mod.select(compute_host.context, host, selection)
    if withheld:
        _withhold(items, withheld)
    pending = any(item.status == _ITEM.PENDING for item in items)
    if withheld:
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
        service_disabled=disabled_by_us(compute_host.service),
        withheld_reason=withheld,
        total_count=len(items),
        skipped_count=sum(i.status == _ITEM.SKIPPED for i in items),
        cancelled_count=sum(i.status == _ITEM.CANCELLED for i in items),
        finished_at=None if pending and not withheld else now,
        instances=host_evacuation.instance_evacuation.InstanceEvacuationList(
            context, objects=items))
    try:
        task.create()
    except exception.ActiveHostEvacuationExists:
        # A concurrent call for the same host won the unique active-host
        # constraint: answer with its task, as for any repeat.
        active = host_evacuation.HostEvacuation.get_active_by_host(
            context, host)
        if active is None:
            raise
        return ForceDownResult(compute_host, active, created=False)

    LOG.info('Host %(host)s forced down (fenced: %(fenced)s); evacuation '
             '%(uuid)s %(status)s with %(count)d instance(s)%(withheld)s',
             {'host': host, 'fenced': fenced, 'uuid': task.uuid,
              'status': task.status, 'count': len(items),
              'withheld': ': ' + withheld if withheld else ''})
    host_notifications.notify_force_down(
        context, compute_host.service, task)
    if task.is_active:
        rpcapi.HAConductorAPI().start_evacuation(context, task)
    return ForceDownResult(compute_host, task, created=True)


def force_up(context, host):
    """Put ``host`` back in service after its repair.

    :raises ComputeHostNotFound, HostEvacuationInProgress:
    """
    compute_host = compute_hosts.find(context, host)
    active = host_evacuation.HostEvacuation.get_active_by_host(context, host)
    if active is not None:
        raise exception.HostEvacuationInProgress(
            host=host, uuid=active.uuid, status=active.status)
    service = compute_host.service
    service.forced_down = False
    if disabled_by_us(service):
        service.disabled = False
        service.disabled_reason = None
    service.save()
    latest = host_evacuation.HostEvacuationList.get_all(
        context, host=host, limit=1)
    if latest and latest[0].closed_at is None:
        latest[0].closed_at = timeutils.utcnow()
        latest[0].save()
    LOG.info('Host %s forced up', host)
    host_notifications.notify_force_up(context, service)
    return compute_host
