"""Nova's control plane with the extension's scheduler filters enabled."""

from nova_ha_ext.tests.functional import base

IMAGE = '155d900f-4e14-4e4c-a73d-069cbf4541e6'
OUR_FILTERS = ['FailureDomainAntiAffinityFilter',
               'FailureDomainAffinityFilter',
               'EvacuationReservedHostFilter']
NOVA_FILTERS = ['ComputeFilter', 'ComputeCapabilitiesFilter',
                'ImagePropertiesFilter', 'ServerGroupAntiAffinityFilter',
                'ServerGroupAffinityFilter']


class SchedulerFiltersTestBase(base.HAFunctionalTestBase):

    enabled_filters = NOVA_FILTERS + OUR_FILTERS
    # The conductor casts an evacuation's rebuild: a scheduling failure must
    # land on the instance, as in a deployment, not in the API response.
    CAST_AS_CALL = False

    def _setup_scheduler_service(self):
        # nova.conf as README tells operators to write it; read by the
        # scheduler's HostManager when it starts.
        self.flags(available_filters=[
            'nova.scheduler.filters.all_filters',
            'nova_ha_ext.scheduler.filters.all_filters'],
            enabled_filters=self.enabled_filters, group='filter_scheduler')
        return super()._setup_scheduler_service()

    def _aggregate(self, name, hosts, metadata, az=None):
        body = {'name': name}
        if az:
            body['availability_zone'] = az
        agg = self.admin_api.post_aggregate({'aggregate': body})
        self.admin_api.post_aggregate_action(
            agg['id'], {'set_metadata': {'metadata': metadata}})
        for host in hosts:
            self.admin_api.add_host_to_aggregate(agg['id'], host)
        return agg

    def _racks(self, racks, level='rack'):
        """Start the hosts of ``{rack: [host, ...]}`` and name their rack."""
        if not hasattr(self, '_domain_aggs'):
            self._domain_aggs = {}
        for rack, hosts in racks.items():
            for host in hosts:
                self._start_compute(host)
            name = '%s-%s' % (level, rack)
            if name in self._domain_aggs:
                for host in hosts:
                    self.admin_api.add_host_to_aggregate(
                        self._domain_aggs[name], host)
            else:
                self._domain_aggs[name] = self._aggregate(
                    name, hosts, {'failure_domain:%s' % level: rack})['id']

    def _group(self, policy):
        return self.api.post_server_groups(
            {'name': policy + '-group', 'policy': policy})

    def _boot(self, group=None, hints=None, expected_state='ACTIVE',
              image=IMAGE, **server):
        body = self._build_server(image_uuid=image, networks='none')
        body.update(server)
        hints = dict(hints or {})
        if group:
            hints['group'] = group['id']
        created = self.api.post_server(
            {'server': body, 'os:scheduler_hints': hints})
        return self._wait_for_state_change(created, expected_state)

    def _host(self, server):
        return self.admin_api.get_server(
            server['id'])['OS-EXT-SRV-ATTR:host']

    def _fail_host(self, host):
        """What a fence agent does: the host is off, its service forced
        down, so Nova allows evacuating it at once."""
        self.computes[host].stop()
        self.admin_api.put_service_force_down(
            self._compute_service(host)['id'], True)
