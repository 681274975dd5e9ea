"""Attempts started by several dispatch threads of one task
(``[nova_ha] dispatch_threads``): in parallel, yet each behind its own last
re-checks, and none after another thread of the worker died."""

from nova_ha_ext.tests.functional.faults import base


class ParallelDispatchTest(base.FaultTestBase):

    def setUp(self):
        super().setUp()
        self.flags(dispatch_threads=2, group='nova_ha')

    def _boot_two(self):
        return [self._boot('vm%d' % index, 'host1', tags=[base.TAG])
                for index in range(2)]

    def test_two_attempts_in_their_residual_windows_at_once(self):
        servers = self._boot_two()
        # Both attempts held right before Nova's evacuate, each past its
        # own re-checks: only two threads can be there together.
        held = self.stall('worker.before_evacuate', times=2)
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        base.wait_until(lambda: held.stalled == 2, base.WAIT,
                        lambda: 'the second attempt never reached the '
                        'window while the first was held there (%d held)'
                        % held.stalled)
        held.release()
        for server in servers:
            item = self._wait_for_item(uuid, server['id'], ['succeeded'])
            self.assertNotEqual('host1', self._host_of(server))
            self.assertEqual(item['dest_host'], self._host_of(server))
            self.assertEqual(1, len(self._migrations(server['id'])))
        self.assert_invariants()

    def test_no_call_after_another_dispatch_thread_died(self):
        servers = self._boot_two()
        # Thread A stalls after loading its instance, before its last
        # re-checks; thread B is killed at the same point (a crash of the
        # worker). Once A is let go it must not call Nova: the process it
        # belongs to has died.
        first = self.stall('worker.item_loaded', self.worker_is('worker-1'))
        killed = self.kill_at(
            'worker.item_loaded', 'worker-1', when=lambda **context: (
                first.reached.is_set() and context['item'].instance_uuid !=
                first.hits[0]['item'].instance_uuid))
        calls = self.observe('worker.before_evacuate')
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        first.wait()
        killed.wait(base.WAIT)
        first.release()
        killed.dead.wait(base.WAIT)
        self.assertEqual([], calls.hits,
                         'a thread of the dead worker called Nova')
        for server in servers:
            self.assertEqual([], self._migrations(server['id']))
            self.assertEqual('host1', self._host_of(server))

        # Another worker takes the task over once the lease expired and
        # evacuates each instance once.
        self._start_ha_conductor('worker-2')
        for server in servers:
            self._wait_for_item(uuid, server['id'], ['succeeded'],
                                timeout=base.WAIT)
            self.assertNotEqual('host1', self._host_of(server))
            self.assertEqual(1, len(self._migrations(server['id'])))
        self.assert_invariants()
