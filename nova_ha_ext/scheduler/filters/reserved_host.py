"""Spare hosts kept for evacuations.

Hosts in an aggregate with metadata ``ha_reserved=true`` take evacuated
instances only: boots, cold and live migrations, resizes and unshelves skip
them. The spares stay enabled in Nova all along, so nothing has to enable
them in the middle of a host failure.
"""

from nova.scheduler import filters
from nova.scheduler.filters import utils as filter_utils
from oslo_log import log as logging
from oslo_utils import strutils

from nova_ha_ext.scheduler import lookups

LOG = logging.getLogger(__name__)

RESERVED_KEY = 'ha_reserved'
_CACHE_ATTR = '_nova_ha_is_evacuation'


def is_reserved(host_state):
    """Whether any of the host's aggregates marks it HA-reserved."""
    return any(strutils.bool_from_string(value)
               for value in filter_utils.aggregate_values_from_key(
                   host_state, RESERVED_KEY))


def _is_evacuation(spec_obj):
    # Asked only once a reserved host comes up, then kept on the RequestSpec
    # for the other hosts of the request (a plain attribute, never saved).
    instance_uuid = spec_obj.instance_uuid if 'instance_uuid' in spec_obj \
        else None
    cached = spec_obj.__dict__.get(_CACHE_ATTR)
    if cached is None or cached[0] != instance_uuid:
        cached = (instance_uuid, lookups.is_evacuation(spec_obj))
        spec_obj.__dict__[_CACHE_ATTR] = cached
    return cached[1]


class EvacuationReservedHostFilter(filters.BaseHostFilter):
    """HA-reserved hosts pass only for evacuations."""

    # NOTE: an instance evacuated to a spare lives there until an operator
    # moves it; a later rebuild on that same host must not be refused.
    RUN_ON_REBUILD = False
    # Every instance of one request is of the same kind: a multi-create is
    # always a boot, an evacuation schedules a single instance.
    run_filter_once_per_request = True

    def host_passes(self, host_state, spec_obj):
        if not is_reserved(host_state):
            return True
        if _is_evacuation(spec_obj):
            return True
        LOG.debug('%(host_state)s fails EvacuationReservedHostFilter: it is '
                  'in an aggregate with %(key)s=true and takes only '
                  'evacuations; this request is not one.',
                  {'host_state': host_state, 'key': RESERVED_KEY})
        return False
