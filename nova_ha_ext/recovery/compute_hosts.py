"""Finding a host's nova-compute service the way Nova routes to it."""

from nova import context as nova_context
from nova import exception as nova_exception
from nova import objects

from nova_ha_ext import exception

COMPUTE_BINARY = 'nova-compute'


class ComputeHost:
    """A compute host's cell and nova-compute service.

    ``context`` is the caller's context targeted at the host's cell: every
    Nova object read or written for this host goes through it.
    """

    def __init__(self, context, cell_mapping, service):
        self.context = context
        self.cell_mapping = cell_mapping
        self.service = service

    @property
    def name(self):
        return self.service.host


def find(context, host):
    """Look ``host`` up through its host mapping and cell.

    :raises ComputeHostNotFound: the host is not mapped to a cell (never
        ran nova-compute, or discover_hosts was not run) or has no
        nova-compute service there.
    """
    try:
        mapping = objects.HostMapping.get_by_host(context, host)
    except nova_exception.HostMappingNotFound:
        raise exception.ComputeHostNotFound(host=host)
    cell = mapping.cell_mapping
    # NOTE: the caller's identity (request id, user) stays on the context
    # used for the writes, so Nova's logs and actions name the operator.
    cctxt = context.elevated()
    nova_context.set_target_cell(cctxt, cell)
    try:
        service = objects.Service.get_by_compute_host(cctxt, host)
    except nova_exception.ComputeHostNotFound:
        raise exception.ComputeHostNotFound(host=host)
    return ComputeHost(cctxt, cell, service)


def target(context, cell_uuid):
    """``context`` (elevated) targeted at the cell ``cell_uuid``."""
    cell = objects.CellMapping.get_by_uuid(context, cell_uuid)
    cctxt = context.elevated()
    nova_context.set_target_cell(cctxt, cell)
    return cctxt
