"""A force-down that fails half-way, and its repeat (I7)."""

import time

from nova_ha_ext import fault_points
from nova_ha_ext.tests.functional.faults import base


class HalfAppliedForceDownTest(base.FaultTestBase):

    def test_repeat_completes_a_force_down_that_failed_after_its_record(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        self._fence('host1')

        def fail_once(name, **context):
            fault_points.clear(name)
            raise RuntimeError('the cell database went away')

        fault_points.set_hook('api.force_down.recorded', fail_once)
        self.addCleanup(fault_points.clear, 'api.force_down.recorded')
        answer = self._fence_call('host1')
        self.assertEqual(500, answer.status, answer.body)

        # What is left: the record of what the call started, Nova's
        # service untouched, and no worker acting on it.
        [task] = self._tasks('host1')
        self.assertIsNone(task['finished_at'])
        self.assertFalse(self._service('host1')['forced_down'])
        self.assertEqual(task['uuid'], {
            h['host']: h['evacuation_uuid'] for h in self.admin_api.api_get(
                '/os-ha/hosts').body['hosts']}['host1'])
        time.sleep(2)
        self.assertEqual([], self._migrations(server['id']))
        self.assertEqual('pending', self._evacuation(task['uuid'])['status'])
        self.assertEqual([], self._notifications('ha.host.force_down'))

        # The fence agent's repeat completes it: same record, one
        # notification, the evacuation runs.
        answer = self._fence_call('host1')
        self.assertEqual(202, answer.status, answer.body)
        self.assertEqual(task['uuid'],
                         answer.body['host']['evacuation']['uuid'])
        self.assertTrue(self._service('host1')['forced_down'])
        evacuation = self._wait_for_end(task['uuid'])
        self.assertEqual('completed', evacuation['status'])
        self.assertNotEqual('host1', self._host_of(server))
        self.assertEqual(1, len(self._notifications('ha.host.force_down')))
        answer = self._fence_call('host1')
        self.assertEqual(200, answer.status, answer.body)
        self.assertEqual(1, len(self._notifications('ha.host.force_down')))
        self.assert_invariants()
