"""nova-ha-ext's host filters, for ``[filter_scheduler] available_filters``.

``nova_ha_ext.scheduler.filters.all_filters`` names all of them, the way
``nova.scheduler.filters.all_filters`` names Nova's; add the wanted ones to
``enabled_filters`` by class name.
"""

from nova_ha_ext.scheduler.filters import failure_domain
from nova_ha_ext.scheduler.filters import reserved_host

FILTERS = (
    failure_domain.FailureDomainAntiAffinityFilter,
    failure_domain.FailureDomainAffinityFilter,
    reserved_host.EvacuationReservedHostFilter,
)


def all_filters():
    """Return the extension's host filter classes (Nova's loader calls it)."""
    return list(FILTERS)
