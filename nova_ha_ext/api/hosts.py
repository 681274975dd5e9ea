"""/os-ha/hosts: the compute hosts as host recovery sees them."""

from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import api as compute
from nova import servicegroup

from nova_ha_ext.api.schemas import hosts as schema
from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.policies import hosts as hosts_policies
from nova_ha_ext import policy

COMPUTE_BINARY = 'nova-compute'


@validation.validated
class HostsController(wsgi.Controller):

    def __init__(self):
        super().__init__()
        self.host_api = compute.HostAPI()
        self.servicegroup_api = servicegroup.API()

    def _view(self, service, evacuations):
        evacuation = evacuations.get(service.host)
        return {
            'host': service.host,
            'state': ('up' if self.servicegroup_api.service_is_up(service)
                      else 'down'),
            'forced_down': service.forced_down,
            'disabled': service.disabled,
            'disabled_reason': service.disabled_reason,
            'evacuation_uuid': evacuation.uuid if evacuation else None,
        }

    @wsgi.expected_errors(())
    @validation.query_schema(schema.index_query)
    @validation.response_body_schema(schema.index_response)
    def index(self, req):
        """List every nova-compute host of every reachable cell."""
        context = req.environ['nova.context']
        policy.authorize(context, hosts_policies.HOSTS_LIST)

        # NOTE: a cell that does not answer is left out (Nova logs it); the
        # hosts of the cells that do answer are still worth showing to an
        # operator in the middle of an outage.
        services = self.host_api.service_get_all(
            context, filters={'binary': COMPUTE_BINARY}, all_cells=True)
        active = host_evacuation.HostEvacuationList.get_active(
            context, hosts=[service.host for service in services])
        evacuations = {evacuation.host: evacuation for evacuation in active}
        hosts = [self._view(service, evacuations)
                 for service in sorted(services, key=lambda s: s.host)]
        return {'hosts': hosts}
