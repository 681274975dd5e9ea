"""Stock ClusterLabs agents next to nova-ha-ext: fence_compute's force-down
through Nova's own API is tracked, fence_evacuate's evacuations followed."""

from nova_ha_ext.tests.functional.faults import base


class StockAgentTest(base.FaultTestBase):

    def setUp(self):
        super().setUp()
        self.admin_api.microversion = '2.53'

    def _nova_force_down(self, host):
        """fence_compute -o off: Nova's own os-services force-down."""
        self._fence(host)
        return self.admin_api.put_service(
            self._compute_service(host)['id'], {'forced_down': True})

    def test_nova_force_down_opens_a_fenced_failure_when_tracked(self):
        self.flags(track_nova_force_down='evacuate', group='nova_ha')
        server = self._boot('db', 'host1', tags=[base.TAG])
        self.assertTrue(self._nova_force_down('host1')['forced_down'])
        [task] = self._tasks('host1')
        self.assertTrue(task['fenced'], task)
        self.assertIn("Nova's os-services API", task['reason'])
        item = self._wait_for_item(task['uuid'], server['id'],
                                   ['succeeded'])
        self.assertEqual(item['dest_host'], self._host_of(server))
        # fence_compute repeating its call: the same failure.
        self._nova_force_down('host1')
        self.assertEqual([task['uuid']],
                         [t['uuid'] for t in self._tasks('host1')])
        self.assert_invariants()

    def test_record_mode_evacuates_nothing(self):
        self.flags(track_nova_force_down='record', group='nova_ha')
        server = self._boot('db', 'host1', tags=[base.TAG])
        self._nova_force_down('host1')
        [task] = self._tasks('host1')
        self.assertEqual(('none', 0), (task['selection'],
                                       task['counts']['total']))
        self.assertEqual('host1', self._host_of(server))

    def test_untracked_by_default(self):
        self._boot('db', 'host1', tags=[base.TAG])
        self._nova_force_down('host1')
        self.assertEqual([], self._tasks('host1'))

    def test_evacuation_started_by_someone_else_is_followed(self):
        # fence_evacuate (or an operator's nova evacuate) got there first;
        # our force-down records the server and follows that evacuation.
        server = self._boot('db', 'host1', tags=[base.TAG])
        self.spawns.hold(server['id'])
        self._nova_force_down('host1')
        self.admin_api.post_server_action(server['id'], {'evacuate': {}})
        _, dest = self.spawns.wait_entered(server['id'])
        [theirs] = self._migrations(server['id'])

        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        item = self._wait_for_item(uuid, server['id'], ['evacuating'])
        self.spawns.release(server['id'])
        item = self._wait_for_item(uuid, server['id'], ['succeeded'])
        self.assertEqual((1, dest), (item['attempts'], item['dest_host']))
        self.assertEqual([theirs.uuid],
                         [m.uuid for m in self._migrations(server['id'])])
        self.assertEqual([dest], self.live_guests()[server['id']])
        self.assert_invariants()
