"""The storm guard: no mass evacuation on what looks like a false positive.

A network partition, a top-of-rack switch or a PDU failure makes many hosts
look dead at once. Evacuating all of them would overload the survivors and,
if the hosts were in fact alive, start instances twice. So when too large a
part of the host's cell, or of any aggregate (rack, availability zone) it
belongs to, is down, the host is still forced down but nothing is
evacuated until an operator says so (``force``).
"""

from nova import objects
from nova import servicegroup
from oslo_log import log as logging

import nova.conf

from nova_ha_ext.recovery import compute_hosts

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def check(compute_host, also_down=()):
    """Why evacuating ``compute_host`` now is withheld, or None.

    The host itself counts as down whatever its service reports, and so
    does every host of ``also_down`` (the hosts with an open host failure,
    forced down by calls that ran before this one under the cell lock,
    whatever Nova's service record reads yet).
    """
    limit = CONF.nova_ha.max_down_fraction
    context = compute_host.context
    # NOTE: disabled services count too: a host forced down before this
    # one is disabled by that call, and it is exactly the kind of host
    # the guard must see.
    services = objects.ServiceList.get_by_binary(
        context, compute_hosts.COMPUTE_BINARY, include_disabled=True)
    group_api = servicegroup.API()
    cell_hosts = {service.host for service in services}
    down = {service.host for service in services
            if not group_api.service_is_up(service)}
    down.add(compute_host.name)
    down.update(also_down)
    cell_hosts.add(compute_host.name)

    groups = [('its cell', cell_hosts)]
    for aggregate in objects.AggregateList.get_by_host(
            context, compute_host.name):
        # NOTE: hosts of the aggregate in other cells are not judged: their
        # liveness is not read here (one cell at a time).
        hosts = set(aggregate.hosts) & cell_hosts
        groups.append(('aggregate %s' % aggregate.name, hosts))
        reason = _absolute_limit(aggregate, hosts & down)
        if reason:
            return reason
    for label, hosts in groups:
        if len(hosts) < CONF.nova_ha.storm_guard_min_hosts:
            continue
        fraction = len(hosts & down) / len(hosts)
        if fraction > limit:
            return ('%d of the %d nova-compute hosts of %s are down '
                    '(%.0f%%, more than [nova_ha] max_down_fraction = '
                    '%.0f%%): evacuation withheld as a possible false '
                    'positive (network partition, rack power loss). Check '
                    'the hosts, then repeat the call with "force": true to '
                    'evacuate anyway.'
                    % (len(hosts & down), len(hosts), label,
                       fraction * 100, limit * 100))
    return None


def _absolute_limit(aggregate, down):
    """InstanceHA's per-aggregate limit: more than N of its hosts down."""
    key = CONF.nova_ha.max_failures_metadata_key
    value = aggregate.metadata.get(key) if key else None
    if value is None:
        return None
    try:
        limit = int(value)
    except (TypeError, ValueError):
        LOG.warning('Aggregate %s: metadata %s=%r is not an integer; '
                    'ignored', aggregate.name, key, value)
        return None
    if len(down) <= limit:
        return None
    return ('%d nova-compute hosts of aggregate %s are down, more than its '
            '%s = %d: evacuation withheld as a possible false positive '
            '(network partition, rack power loss). Check the hosts, then '
            'repeat the call with "force": true to evacuate anyway.'
            % (len(down), aggregate.name, key, limit))
