"""/os-ha/hosts: the compute hosts as host recovery sees them, and the
force-down/force-up call a fencing agent makes."""

from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import api as compute
from nova import servicegroup
import webob

from nova_ha_ext.api.schemas import hosts as schema
from nova_ha_ext.api import faults
from nova_ha_ext.api import views
from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.policies import hosts as hosts_policies
from nova_ha_ext import policy
from nova_ha_ext.recovery import actions
from nova_ha_ext.recovery import compute_hosts

COMPUTE_BINARY = compute_hosts.COMPUTE_BINARY


def _check_text(params, key):
    """Refuse text no database stores (JSON lets lone surrogates in)."""
    value = params.get(key)
    if value is None:
        return
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        raise webob.exc.HTTPBadRequest(
            explanation='%s must be valid Unicode text: it holds a lone '
                        'surrogate (\\ud800-\\udfff) that no database '
                        'can store. Send the text as UTF-8.' % key)


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
            'state': self._state(service),
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
        # NOTE: a host's evacuation is the record of its open host
        # failure, from the force-down until the force-up.
        hosts = {service.host for service in services}
        evacuations = {
            failure.host: failure for failure in
            host_evacuation.HostEvacuationList.get_open(context)
            if failure.host in hosts}
        hosts = [self._view(service, evacuations)
                 for service in sorted(services, key=lambda s: s.host)]
        return {'hosts': hosts}

    def _state(self, service):
        return 'up' if self.servicegroup_api.service_is_up(service) else 'down'

    @wsgi.expected_errors((400, 404, 409))
    @validation.schema(schema.update)
    @validation.response_body_schema(schema.update_response)
    @faults.translate
    def update(self, req, id, body):
        """Force a host down (and evacuate it) or up again."""
        context = req.environ['nova.context']
        params = body['host']
        if not params['forced_down']:
            policy.authorize(context, hosts_policies.HOSTS_FORCE_UP)
            # NOTE: every field but forced_down (reason included: nothing
            # would record it) belongs to a force-down; refused rather than
            # ignored, so a caller never believes it was applied.
            extra = sorted(set(params) - set(schema.FORCE_UP_FIELDS))
            if extra:
                raise webob.exc.HTTPBadRequest(
                    explanation='%s only apply to a force-down '
                                '("forced_down": true); a force-up takes '
                                'only "forced_down": false. Remove them to '
                                'force the host up.' % ', '.join(extra))
            compute_host = actions.force_up(context, id)
            return {'host': views.host(
                compute_host.service, self._state(compute_host.service),
                None)}

        policy.authorize(context, hosts_policies.HOSTS_FORCE_DOWN)
        _check_text(params, 'reason')
        result = actions.force_down(
            context, id, fenced=params.get('fenced', False),
            reason=params.get('reason'), evacuate=params.get('evacuate'),
            force=params.get('force', False))
        service = result.compute_host.service
        # NOTE: 202 when this call recorded an evacuation, 200 when it only
        # confirmed an earlier call's (a repeat is not an error: fence
        # agents retry).
        body = {'host': views.host(service, self._state(service),
                                   result.evacuation)}
        return wsgi.ResponseObject(body, code=202 if result.created else 200)
