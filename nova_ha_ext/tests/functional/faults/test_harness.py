"""The harness itself: production-like casts, spawn holds, the checker.

These pass on any recovery code that evacuates at all; they show that the
tools the scenario tests rely on do what they say.
"""

from nova_ha_ext.tests.functional.faults import base


class HarnessTest(base.FaultTestBase):

    def test_evacuation_completes_with_async_casts_and_held_spawn(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        self.spawns.hold(server['id'])
        self._fence('host1')
        uuid = self._force_down('host1').body['host']['evacuation']['uuid']

        _, dest = self.spawns.wait_entered(server['id'])
        self.assertNotEqual('host1', dest)
        self._wait_for_item(uuid, server['id'], ['evacuating'])
        # Held: no guest on a live host yet, Nova's migration in flight.
        self.assertEqual({}, self.live_guests())
        migrations = self._migrations(server['id'])
        self.assertEqual(1, len(migrations))
        self.assertNotIn(migrations[0].status, base.MIGRATION_FINAL)

        self.spawns.release(server['id'])
        evacuation = self._wait_for_evacuation(uuid)
        self.assertEqual('completed', evacuation['status'])
        self.assertEqual(dest, self._host_of(server))
        self.assertEqual({server['id']: [dest]}, dict(self.live_guests()))
        self.assertGreater(self.monitor.samples, 0)
        self.assert_invariants()

    def test_checker_sees_a_second_live_guest(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        # A guest of the instance on a second live host, as a double
        # evacuation would leave.
        self.computes['host2'].manager.driver.instances[server['id']] = (
            self.computes['host1'].manager.driver.instances[server['id']])
        self.assertEqual(
            ['instance %s runs on 2 live hosts: %s' % (
                server['id'], ['host1', 'host2'])],
            self.current_violations())
        base.wait_until(lambda: self.monitor.violations, base.WAIT,
                        'the monitor missed the violation')
        del self.computes['host2'].manager.driver.instances[server['id']]
        self.monitor.stop()
        self.assertRaises(AssertionError, self.monitor.check)
        self.monitor.violations.clear()

    def test_unreached_fault_point_fails_clearly(self):
        probe = self.observe('worker.poll', self.worker_is('nobody'))
        error = self.assertRaises(AssertionError, probe.wait, 0.2)
        self.assertIn("fault point 'worker.poll' was not reached",
                      str(error))

    def test_monitor_that_never_sampled_fails(self):
        # A check the monitor cannot call (here: the wrong signature)
        # must not pass as "no violation seen".
        self.current_violations = lambda: []
        base.wait_until(lambda: self.monitor.failing >= 10, base.WAIT,
                        'the monitor did not try to sample')
        self.monitor.stop()
        error = self.assertRaises(AssertionError, self.monitor.check)
        self.assertIn('took no sample', str(error))
        self.assertIn('TypeError', str(error))
        # Sampling again for the test's own cleanup check.
        del self.current_violations
        self.monitor.failing = 0

    def test_holding_a_held_spawn_again_keeps_it_held(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        self.spawns.hold(server['id'])
        self._fence('host1')
        uuid = self._force_down('host1').body['host']['evacuation']['uuid']
        self.spawns.wait_entered(server['id'])
        self.spawns.hold(server['id'])
        # One release lets the waiting spawn go, not its hold's timeout.
        self.spawns.release(server['id'])
        self.assertEqual('completed',
                         self._wait_for_evacuation(uuid)['status'])
        self.assertEqual([], self.spawns.expired)
        self.assert_invariants()
