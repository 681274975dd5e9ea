"""A failed host's tagged instances come back elsewhere, tracked to the end."""

from nova import objects

from nova_ha_ext.tests.functional.recovery import base
from nova_ha_ext.tests import notification_samples


class HostRecoveryTest(base.RecoveryTestBase):

    HOSTS = ('host1', 'host2', 'host3', 'host4', 'host5')

    def _evacuable_flavor(self):
        flavor = self.admin_api.post_flavor(
            {'flavor': {'name': 'evacuable', 'ram': 512, 'vcpus': 1,
                        'disk': 1}})
        self.admin_api.post_extra_spec(
            flavor['id'], {'extra_specs': {'evacuable': 'true'}})
        return flavor['id']

    def test_tagged_instances_recovered_untagged_stay(self):
        group = self.admin_api.post_server_groups(
            {'name': 'db', 'policy': 'anti-affinity'})
        # 6 opted in, each convention at least once; 3 of them members of
        # one anti-affinity group, all on host1 (as after a forced move:
        # Nova's late check is off while they boot, on again before the
        # failure), so their evacuations must be serialised; 2 stopped.
        self.flags(disable_group_policy_check_upcall=True,
                   group='workarounds')
        tagged = [
            self._boot('tag1', 'host1', tags=[base.TAG]),
            self._boot('tag2', 'host1', tags=[base.TAG]),
            self._boot('meta', 'host1', metadata={'HA_Enabled': 'True'}),
            self._boot('flavor', 'host1', flavor_id=self._evacuable_flavor(),
                       group=group['id']),
            self._boot('grp2', 'host1', tags=[base.TAG], group=group['id']),
            self._boot('grp3', 'host1', tags=[base.TAG], group=group['id']),
        ]
        untagged = [self._boot('plain%d' % i, 'host1') for i in range(4)]
        self.flags(disable_group_policy_check_upcall=False,
                   group='workarounds')
        stopped = {tagged[1]['id'], tagged[4]['id']}
        for server_id in stopped:
            self.admin_api.post_server_action(server_id, {'os-stop': None})
            self._wait_for_state_change({'id': server_id}, 'SHUTOFF')

        self._fence('host1')
        response = self._force_down('host1', reason='IPMI fenced by node-2')
        self.assertEqual(202, response.status)
        host = response.body['host']
        self.assertEqual(('host1', True, True),
                         (host['host'], host['forced_down'],
                          host['disabled']))
        self.assertEqual('[nova-ha] IPMI fenced by node-2',
                         host['disabled_reason'])
        uuid = host['evacuation']['uuid']
        self.assertEqual(6, host['evacuation']['counts']['total'])

        evacuation = self._wait_for_evacuation(uuid)
        self.assertEqual('completed', evacuation['status'], evacuation)
        self.assertEqual(
            {'total': 6, 'succeeded': 6, 'failed': 0, 'skipped': 0,
             'cancelled': 0, 'remaining': 0}, evacuation['counts'])
        items = {item['instance_uuid']: item
                 for item in evacuation['instances']}
        self.assertEqual({s['id'] for s in tagged}, set(items))

        for server in tagged:
            current = self._server(server)
            expected = 'SHUTOFF' if server['id'] in stopped else 'ACTIVE'
            self.assertEqual(expected, current['status'], current['name'])
            dest = current['OS-EXT-SRV-ATTR:host']
            self.assertNotEqual('host1', dest)
            self.assertEqual(dest, items[server['id']]['dest_host'])
            self.assertEqual('succeeded', items[server['id']]['status'])
            self.assertEqual(1, items[server['id']]['attempts'])
        members = [self._host_of(s) for s in tagged[3:]]
        self.assertEqual(3, len(set(members)), members)
        for server in untagged:
            self.assertEqual('host1', self._host_of(server))

        events = [n['event_type'] for n in self._notifications()]
        self.assertEqual(['ha.host.force_down', 'ha.evacuation.start',
                          'ha.evacuation.end'], events)
        down, start, end = self._notifications()
        notification_samples.assert_matches_sample(
            self, 'ha-host-force_down', down,
            replacements={'evacuation_uuid': uuid, 'host': 'host1'})
        for notification, name in ((start, 'ha-evacuation-start'),
                                   (end, 'ha-evacuation-end')):
            data = notification['payload']['nova_object.data']
            notification_samples.assert_matches_sample(
                self, name, notification,
                replacements={'uuid': uuid, 'host': 'host1',
                              'started_at': data['started_at'],
                              'finished_at': data['finished_at']})

        # Exactly one evacuation per instance.
        for server in tagged:
            migrations = objects.MigrationList.get_by_filters(
                self.ctxt, {'instance_uuid': server['id'],
                            'migration_type': 'evacuation'})
            self.assertEqual(['done'], [m.status for m in migrations])
