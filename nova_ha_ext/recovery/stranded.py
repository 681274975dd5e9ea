"""Evacuations Nova sent to a destination that failed before taking them.

Nova's conductor schedules an evacuation and casts the rebuild to the
chosen destination; that destination's nova-compute names itself on the
migration (and moves it past ``accepted``) only when it starts its claim.
A destination whose nova-compute died but still counts as up (within
``service_down_time``) never does: the migration stays ``accepted`` and the
instance keeps task ``rebuilding`` for ever, and Nova refuses every new
evacuate of it. Nothing in Nova settles that.

Such an attempt is settled here, and only when it is provably dead: the
destination (the compute node holding the instance's allocation besides
the failed host's) is forced down by an open, fencing-attested host failure
of its own, so its nova-compute cannot take the queued rebuild. The
migration is then marked ``error`` (as Nova's conductor marks one it could
not schedule), the destination's allocation is given back, and the item
fails with the steps that recover the instance. A destination that is only
down, not fenced, is left alone: its nova-compute may still come back and
take the rebuild.
"""

from nova import exception as nova_exception
from nova import objects
from nova.scheduler.client import report
from oslo_log import log as logging

from nova_ha_ext.objects import host_evacuation

LOG = logging.getLogger(__name__)

#: Nova's status of a migration no compute host has claimed yet.
UNCLAIMED = 'accepted'


def fenced_hosts(context, source_host):
    """Hosts other than ``source_host`` with an open, attested failure."""
    return {task.host for task in
            host_evacuation.HostEvacuationList.get_open(context)
            if task.fenced and task.host != source_host}


def scheduled_destination(cctxt, instance_uuid, source_host):
    """(host, node uuid) Nova's scheduler gave the instance, or None.

    An evacuated instance holds allocations on its source node and on the
    destination the scheduler claimed; the latter is the one not on
    ``source_host``.
    """
    allocations = report.report_client_singleton() \
        .get_allocations_for_consumer(cctxt, instance_uuid) or {}
    for rp_uuid in allocations:
        try:
            node = objects.ComputeNode.get_by_uuid(cctxt, rp_uuid)
        except nova_exception.ComputeHostNotFound:
            continue  # a sharing provider, not a compute node
        if node.host != source_host:
            return node.host, rp_uuid
    return None


def abandoned_destination(context, cctxt, item, migration, fenced):
    """The fenced destination that left ``migration`` unclaimed, or None.

    :param fenced: :func:`fenced_hosts` of the item's source host.
    """
    if (migration.status != UNCLAIMED or migration.dest_compute or
            not fenced):
        return None
    destination = scheduled_destination(cctxt, item.instance_uuid,
                                        item.source_host)
    if destination is None or destination[0] not in fenced:
        return None
    try:
        service = objects.Service.get_by_compute_host(cctxt, destination[0])
    except nova_exception.ComputeHostNotFound:
        return None
    # NOTE: the open failure's own guard: forced down while it is open.
    return destination if service.forced_down else None


def abandon(cctxt, item, migration, destination):
    """Mark ``migration`` error and give back its destination allocation.

    :returns: the item's error message, with the steps to recover it.
    """
    host, rp_uuid = destination
    migration.status = 'error'
    migration.save()
    try:
        report.report_client_singleton() \
            .remove_provider_tree_from_instance_allocation(
                cctxt, item.instance_uuid, rp_uuid)
    except Exception as error:  # noqa: BLE001 -- the item still settles
        LOG.warning('Evacuation of instance %s: the allocation on %s was '
                    'not removed (%s); nova-manage placement audit finds '
                    'it', item.instance_uuid, host, error)
    LOG.warning('Evacuation of instance %s: destination %s failed and was '
                'fenced before its nova-compute took migration %s; that '
                'migration is marked error', item.instance_uuid, host,
                migration.uuid)
    return ('Nova sent this evacuation (migration %s) to %s, which failed '
            'and was fenced before its nova-compute took it: no guest was '
            'created, the migration is marked error, and Nova keeps the '
            'instance in task rebuilding. Reset its state (openstack server '
            'set --state active %s), then retry (openstack ha evacuation '
            'retry %s)' % (migration.uuid, host, item.instance_uuid,
                           item.evacuation_uuid))


def unclaimed_advice(cctxt, item):
    """What to do about an evacuation no compute host took in time."""
    destination = scheduled_destination(cctxt, item.instance_uuid,
                                         item.source_host)
    if destination is None:
        return (' No destination holds it: check that nova-conductor and '
                'nova-scheduler are running.')
    return (' Nova sent it to %(host)s, whose nova-compute has not taken '
            'it. If %(host)s has failed, fence it (fence_nova_ha, or '
            'openstack ha host force down --fenced %(host)s) and reset the '
            "server's state: a retry then marks that migration error and "
            'evacuates the server again.'
            % {'host': destination[0]})


def settle_for_retry(context, cctxt, item):
    """Before a retry: settle the item's attempt if its destination was
    fenced before taking it (see the module docstring).

    :returns: the abandoned destination host, or None.
    """
    if item.migration_id is None:
        return None
    try:
        migration = objects.Migration.get_by_id(cctxt, item.migration_id)
    except nova_exception.MigrationNotFound:
        return None
    fenced = fenced_hosts(context, item.source_host)
    destination = abandoned_destination(context, cctxt, item, migration,
                                        fenced)
    if destination is None:
        return None
    abandon(cctxt, item, migration, destination)
    return destination[0]
