"""The peers' selection conventions, on Nova's in-process control plane:
what an operator coming from fence_evacuate, Masakari or InstanceHA tags,
and which of the failed host's servers come back."""

import copy

from oslo_utils import uuidutils

from nova_ha_ext.tests.functional.recovery import base


class SelectionModesTest(base.RecoveryTestBase):

    def _flavor(self, name, extra_specs=None):
        flavor = self.admin_api.post_flavor(
            {'flavor': {'name': name, 'ram': 512, 'vcpus': 1, 'disk': 1}})
        if extra_specs:
            self._set_specs(flavor['id'], extra_specs)
        return flavor['id']

    def _set_specs(self, flavor_id, extra_specs):
        self.admin_api.post_extra_spec(flavor_id,
                                       {'extra_specs': extra_specs})

    def _image(self, tags=(), properties=None):
        """A Glance image copied from the default one, with its own tags."""
        image = copy.deepcopy(self.glance.image1)
        image.update(id=uuidutils.generate_uuid(), tags=list(tags),
                     properties=dict(properties or {}))
        return self.glance.create(None, image)['id']

    def _boot_image(self, name, host, image_id):
        server = self._build_server(name=name, networks='none',
                                    az='nova:%s' % host, image_uuid=image_id,
                                    flavor_id=self.default_flavor_id)
        created = self.admin_api.post_server({'server': server})
        return self._wait_for_state_change(created, 'ACTIVE')

    def _selected(self, host, **params):
        """Fence and force down ``host``: (evacuation, {name: item})."""
        self._fence(host)
        body = self._force_down(host, **params).body['host']
        evacuation = self._evacuation(body['evacuation']['uuid'])
        names = {server['id']: server['name']
                 for server in self.admin_api.get_servers()}
        return evacuation, {names[item['instance_uuid']]: item
                            for item in evacuation['instances']}

    # -- fence_evacuate ------------------------------------------------------

    def test_flavor_tagged_after_boot_counts(self):
        later = self._flavor('later')
        self._boot('later', 'host1', flavor_id=later)
        self._boot('plain', 'host1')
        # fence_evacuate reads the flavor by id at the failure, not the
        # copy Nova took at boot.
        self._set_specs(later, {'evacuable': 'true'})
        _, items = self._selected('host1')
        self.assertEqual(['later'], sorted(items))

    def test_glance_image_tag_counts(self):
        self._boot_image('tagged', 'host1', self._image(tags=['evacuable']))
        self._boot_image('other', 'host1', self._image(tags=['web']))
        self._boot_image('prop', 'host1',
                         self._image(properties={'evacuable': 'true'}))
        _, items = self._selected('host1')
        self.assertEqual(['prop', 'tagged'], sorted(items))

    def test_all_when_nothing_is_tagged_anywhere(self):
        self.flags(evacuate_all_if_none_tagged=True, group='nova_ha')
        self._boot('a', 'host1')
        self._boot('b', 'host1')
        evacuation, items = self._selected('host1')
        self.assertEqual('all', evacuation['selection'])
        self.assertEqual(['a', 'b'], sorted(items))

        # Once one flavor anywhere is tagged, untagged servers on every
        # host stop being evacuated (fence_evacuate's rule).
        self._flavor('tagged-elsewhere', {'evacuable': 'true'})
        self._boot('c', 'host2')
        evacuation, items = self._selected('host2')
        self.assertEqual(('tagged', {}), (evacuation['selection'], items))

    # -- InstanceHA ----------------------------------------------------------

    def test_aggregate_tagged_evacuable_opts_its_hosts_in(self):
        aggregate = self.admin_api.post_aggregate(
            {'aggregate': {'name': 'ha-rack'}})
        self.admin_api.add_host_to_aggregate(aggregate['id'], 'host1')
        self.admin_api.post_aggregate_action(
            aggregate['id'],
            {'set_metadata': {'metadata': {'evacuable': 'true'}}})
        self._boot('a', 'host1')
        self._boot('b', 'host2')
        _, items = self._selected('host1')
        self.assertEqual(['a'], sorted(items))
        # Switched off, the aggregate no longer counts.
        self.flags(evacuable_sources=['flavor', 'image'], group='nova_ha')
        _, items = self._selected('host2')
        self.assertEqual({}, items)

    def test_servers_skipped_by_name(self):
        self.flags(skip_name_patterns=['scratch-'], group='nova_ha')
        self._boot('db', 'host1')
        self._boot('scratch-7', 'host1')
        evacuation, items = self._selected('host1', evacuate='all')
        self.assertEqual('skipped', items['scratch-7']['status'])
        self.assertIn("'scratch-'", items['scratch-7']['last_error'])
        self.assertIn('skip_name_patterns', items['scratch-7']['last_error'])
        evacuation = self._wait_for_evacuation(evacuation['uuid'])
        self.assertEqual('completed', evacuation['status'])
        self.assertNotEqual('host1', self._host_of(
            {'id': items['db']['instance_uuid']}))
        self.assertEqual('host1', self._host_of(
            {'id': items['scratch-7']['instance_uuid']}))

    def test_restart_priority_from_server_or_flavor(self):
        self._boot('server-key', 'host1',
                   metadata={'instanceha:restart_priority': '5'})
        self._boot('flavor-key', 'host1', flavor_id=self._flavor(
            'prio', {'instanceha:restart_priority': '3'}))
        self._boot('ours-wins', 'host1', metadata={
            'ha:priority': '9', 'instanceha:restart_priority': '1'})
        self._boot('none', 'host1')
        _, items = self._selected('host1', evacuate='all')
        self.assertEqual(
            {'server-key': 5, 'flavor-key': 3, 'ours-wins': 9, 'none': 0},
            {name: item['priority'] for name, item in items.items()})

    # -- Masakari ------------------------------------------------------------

    def test_all_evacuates_opted_in_servers_first(self):
        # Masakari's evacuate_all_instances: HA_Enabled ones first.
        self.flags(max_parallel=1, group='nova_ha')
        self._boot('plain1', 'host1')
        self._boot('ha', 'host1', metadata={'HA_Enabled': 'True'})
        self._boot('plain2', 'host1')
        evacuation, items = self._selected('host1', evacuate='all')
        evacuation = self._wait_for_evacuation(evacuation['uuid'])
        self.assertEqual('completed', evacuation['status'], evacuation)
        started = sorted(evacuation['instances'],
                         key=lambda item: item['started_at'])
        self.assertEqual(items['ha']['instance_uuid'],
                         started[0]['instance_uuid'])


class StormGuardConventionsTest(base.RecoveryTestBase):

    HOSTS = ('host1', 'host2', 'host3', 'host4', 'host5')

    def test_aggregate_absolute_max_failures(self):
        # InstanceHA's instanceha:max_failures, with the fraction out of
        # the way.
        self.flags(max_down_fraction=1.0, group='nova_ha')
        aggregate = self.admin_api.post_aggregate(
            {'aggregate': {'name': 'rack-a'}})
        for host in ('host1', 'host2', 'host3'):
            self.admin_api.add_host_to_aggregate(aggregate['id'], host)
        self.admin_api.post_aggregate_action(
            aggregate['id'],
            {'set_metadata': {'metadata': {'instanceha:max_failures': '1'}}})
        servers = {host: self._boot('vm-' + host, host, tags=[base.TAG])
                   for host in ('host1', 'host2')}
        self._fence('host1')
        first = self._force_down('host1').body['host']['evacuation']
        self.assertIsNone(first['withheld_reason'])
        self._fence('host2')
        second = self._force_down('host2').body['host']['evacuation']
        self.assertIn('aggregate rack-a', second['withheld_reason'])
        self.assertIn('instanceha:max_failures = 1',
                      second['withheld_reason'])
        self.assertEqual('cancelled', second['status'])
        self.assertEqual('host2', self._host_of(servers['host2']))
