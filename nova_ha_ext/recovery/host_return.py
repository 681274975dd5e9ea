"""The host's return after its recovery (``[nova_ha] auto_force_up``).

InstanceHA's convention: once a failed host's nova-compute is back and its
evacuation migrations are ``completed`` (nova-compute destroyed the
evacuated guests at its start), the host is forced up and re-enabled
without an operator. Here that is the guarded force-up of the API (T5 of
doc/recovery-state-machine.md), so it is refused exactly when an
operator's would be: anything pending or in flight, ``done`` migrations
left, no report of nova-compute since the failure. Only the open failure
that was looked at is closed (a force-down that came in between is left
alone), and only what the extension disabled is re-enabled.
"""

from nova import exception as nova_exception
from nova import objects
from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf

from nova_ha_ext import exception
from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.recovery import actions
from nova_ha_ext.recovery import compute_hosts

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# The refusals of a force-up that only mean "not yet".
_NOT_YET = (exception.EvacuationInFlight, exception.DoneEvacuationsRemain,
            exception.ComputeNotReported, exception.HostLockTimeout)


def _reporting(service, since):
    """nova-compute reported after ``since`` and within service_down_time.

    Nova's servicegroup calls a forced-down service down whatever it
    reports, so its report stamp is read instead.
    """
    last = service.last_seen_up
    if last is None or last.replace(tzinfo=None) <= since.replace(
            tzinfo=None):
        return False
    return not timeutils.is_older_than(last.replace(tzinfo=None),
                                       CONF.service_down_time)


def return_hosts(context):
    """Force up every host whose recovery is over and whose nova-compute
    is back. :returns: the hosts forced up."""
    returned = []
    for failure in host_evacuation.HostEvacuationList.get_open(context):
        if not failure.is_finished or failure.forced_down_at is None:
            continue
        try:
            compute_host = compute_hosts.find(context, failure.host)
            service = objects.Service.get_by_compute_host(
                compute_host.context, failure.host)
        except (exception.ComputeHostNotFound,
                nova_exception.ComputeHostNotFound):
            continue
        if not service.forced_down or not _reporting(
                service, failure.forced_down_at):
            continue
        if objects.MigrationList.get_by_filters(
                compute_host.context,
                {'source_compute': failure.host, 'status': 'done',
                 'migration_type': 'evacuation'}):
            continue
        reason = ('nova-compute of %s is back and its evacuation '
                  'migrations are completed: forced up automatically '
                  '([nova_ha] auto_force_up)' % failure.host)
        try:
            done = actions.force_up(context, failure.host,
                                    failure_uuid=failure.uuid, reason=reason)
        except _NOT_YET as refusal:
            LOG.debug('Host %s not forced up yet: %s', failure.host, refusal)
            continue
        if done is not None:
            LOG.info('Host %s: %s', failure.host, reason)
            returned.append(failure.host)
    return returned
