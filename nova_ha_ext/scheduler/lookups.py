"""What the filters need to know beyond the host states they are given.

A filter sees one host state at a time, and nova-scheduler only builds host
states for the hosts placement offered for this request: the hosts of a
group's other members may be full, down or (during an evacuation) ignored,
and so absent. These functions read what is missing from Nova's databases.
The filters call each one at most once per request, never per host.
"""

from nova import context as nova_context
from nova import exception
from nova import objects
from nova.objects import fields
from nova.scheduler import utils as scheduler_utils
from oslo_log import log as logging

LOG = logging.getLogger(__name__)


def request_context(spec_obj):
    """An admin context for reading what the request is about.

    A RequestSpec that came over RPC carries the caller's context. The reads
    below are about the instance being scheduled and its own group, but
    migration and aggregate records are admin-only data.
    """
    ctxt = getattr(spec_obj, '_context', None)
    if ctxt is None:
        return nova_context.get_admin_context()
    return ctxt if ctxt.is_admin else ctxt.elevated()


def domain_aggregates(context, key):
    """The aggregates whose metadata has ``key``, with their hosts."""
    return objects.AggregateList.get_by_metadata_key(context, key)


def member_hosts(context, instance_uuids):
    """``{uuid: host}`` of the given instances that have a host.

    Group members may live in any cell, so every cell but cell0 is asked.
    Like Nova's own group set-up in the conductor, a cell that does not
    answer is logged and left out rather than failing the request.
    """
    if not instance_uuids:
        return {}
    results = nova_context.scatter_gather_skip_cell0(
        context, objects.InstanceList.get_by_filters,
        {'uuid': list(instance_uuids), 'deleted': False},
        expected_attrs=[])
    hosts = {}
    for cell_uuid, result in results.items():
        if nova_context.is_cell_failure_sentinel(result):
            LOG.warning('Failure-domain filters: cell %s did not answer; '
                        'server group members in it are not counted.',
                        cell_uuid)
            continue
        hosts.update((inst.uuid, inst.host) for inst in result if inst.host)
    return hosts


def _instance_cell(context, spec_obj):
    # The conductor restricts every move, evacuation included, to the
    # instance's cell through requested_destination.cell; read the mapping
    # only for a spec built some other way.
    dest = (spec_obj.requested_destination
            if 'requested_destination' in spec_obj else None)
    if dest is not None and 'cell' in dest and dest.cell is not None:
        return dest.cell
    try:
        return objects.InstanceMapping.get_by_instance_uuid(
            context, spec_obj.instance_uuid).cell_mapping
    except exception.InstanceMappingNotFound:
        return None


def is_evacuation(spec_obj):
    """Whether the request schedules an evacuation off a failed host.

    NOTE: Nova has no field in the RequestSpec that says "evacuation"; the
    signal used is the record Nova itself keeps for it. The compute API's
    evacuate() -- which both ``nova evacuate`` and the HA conductor call --
    creates a Migration of type ``evacuation`` in status ``accepted`` with
    ``source_compute`` = the failed host before it asks the conductor to
    rebuild, and the conductor's rebuild_instance() then puts that host in
    ``ignore_hosts`` and calls the scheduler. The record leaves ``accepted``
    only after scheduling (``error`` when no host is found, later states on
    the destination compute). Requiring both, for the instance being
    scheduled, tells an evacuation apart from:

    * a rebuild on the same host, which carries the ``_nova_check_type``
      hint and creates no migration record;
    * a cold migration or resize (migration type ``migration``/``resize``,
      created as ``pre-migrating``) and a live migration (type
      ``live-migration``), even though they also ignore the source host;
    * a boot or unshelve, which ignore no host;
    * a stale ``accepted`` record left by an earlier evacuation that never
      reached the scheduler, once the instance has moved on: its source is
      not the host ignored now.

    Costs one query in the instance's cell, and only for requests that
    ignore a host.
    """
    if scheduler_utils.request_is_rebuild(spec_obj):
        return False
    ignored = spec_obj.ignore_hosts if 'ignore_hosts' in spec_obj else None
    if not ignored or 'instance_uuid' not in spec_obj:
        return False
    context = request_context(spec_obj)
    cell = _instance_cell(context, spec_obj)
    if cell is None:
        return False
    with nova_context.target_cell(context, cell) as cctxt:
        migrations = objects.MigrationList.get_by_filters(cctxt, {
            'instance_uuid': spec_obj.instance_uuid,
            'migration_type': fields.MigrationType.EVACUATION,
            'status': 'accepted',
        })
    return any(m.source_compute in ignored for m in migrations)
