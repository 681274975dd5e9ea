"""The residual window: from an attempt's last re-checks to Nova's call.

doc/recovery-state-machine.md says a worker's last re-check renews its
lease, so no other worker can take the task over while it finishes the
few statements left before Nova's evacuate; these tests hold a worker at
the very end of that window and show what an operator sees.
"""

import time

from nova_ha_ext.tests.functional.faults import base


class ResidualWindowTest(base.FaultTestBase):

    def test_stall_shorter_than_the_lease_at_the_call_is_safe(self):
        self.flags(lease_seconds=6, group='nova_ha')
        server = self._boot('db', 'host1', tags=[base.TAG])
        at_call = self.stall('worker.before_evacuate',
                             self.worker_is('worker-1'))
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        at_call.wait()
        stalled_at = time.monotonic()
        # Half a lease held right before the call (the whole task loop of
        # worker-1 with it): a second worker looking for work all along
        # never gets the task, since the lease was renewed by the last
        # re-check.
        second = self._start_ha_conductor('worker-2')
        taken = self.observe('worker.task_claimed',
                             self.worker_is('worker-2'))
        while time.monotonic() - stalled_at < 3.0:
            self.assertEqual([], second.manager.resume_tasks())
            time.sleep(0.2)
        at_call.release()

        item = self._wait_for_item(uuid, server['id'], ['succeeded'],
                                   timeout=base.WAIT)
        self.assertEqual(1, len(self._migrations(server['id'])))
        self.assertEqual(item['dest_host'], self._host_of(server))
        # The window is measured and shown on the item: here it held the
        # stall.
        self.assertGreaterEqual(item['call_window_ms'], 3000.0)
        self.assertFalse(taken.reached.is_set(),
                         'worker-2 ran the task of worker-1')
        self.assert_invariants()

    def test_every_attempt_records_its_window(self):
        servers = [self._boot('vm%d' % i, 'host1', tags=[base.TAG])
                   for i in range(3)]
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        evacuation = self._wait_for_end(uuid)
        self.assertEqual('completed', evacuation['status'])
        windows = [item['call_window_ms'] for item in
                   evacuation['instances']]
        self.assertEqual(len(servers), len(windows))
        for window in windows:
            self.assertIsInstance(window, float)
            self.assertGreater(window, 0.0)
        self.assert_invariants()
