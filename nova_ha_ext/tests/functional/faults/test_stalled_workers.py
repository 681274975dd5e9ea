"""Workers that stall past their lease, die, or are absent, and the API
calls that land while a worker is between two steps."""

import time

import fixtures
from nova import objects

from nova_ha_ext import fault_points
from nova_ha_ext.objects import fields
from nova_ha_ext.tests.functional.faults import base

_TERMINAL = fields.InstanceEvacuationStatus.TERMINAL


class StalledWorkerTest(base.FaultTestBase):

    def test_worker_stalled_past_its_lease_does_not_evacuate_again(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        # Worker A (worker-1, the only one running) stalls after loading
        # the instance, as a whole process would in a long pause: its task
        # loop stops too, so its lease runs out.
        loaded = self.stall('worker.item_loaded', self.worker_is('worker-1'))
        paused = self.stall('worker.poll', lambda worker_id, **context: (
            worker_id == 'worker-1' and loaded.reached.is_set()))
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        loaded.wait()

        # Worker B takes the task over once A's lease (3 s) has expired.
        self._start_ha_conductor('worker-2')
        item = self._wait_for_item(uuid, server['id'], ['succeeded'],
                                   timeout=base.WAIT)
        dest = self._host_of(server)
        self.assertNotEqual('host1', dest)
        self.assertEqual(dest, item['dest_host'])

        paused.release()
        loaded.release()
        # Whatever A does when it wakes, it does within this.
        time.sleep(1.5)
        self.assertEqual(1, len(self._migrations(server['id'])),
                         'the stalled worker evacuated the instance again')
        self.assertEqual([dest], self.live_guests()[server['id']])
        self.assertEqual(dest, self._host_of(server))
        self.assertEqual('succeeded', self._item(uuid, server['id'])['status'])
        self.assert_invariants()

    def test_worker_waking_after_a_takeover_claims_no_item(self):
        # Seeds 15, 51 and 59 of the randomized batch: a worker that slept
        # through its lease woke in its dispatch and moved a pending item
        # to evacuating; its next lease check stopped it, and the item was
        # left evacuating with no evacuation behind it, the task never
        # finishing.
        server = self._boot('db', 'host1', tags=[base.TAG])
        # A stalls at the top of its first loop, before any dispatch.
        stale = self.stall('worker.poll', self.worker_is('worker-1'))
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        stale.wait()
        # B takes the task over once A's lease has expired, and stalls
        # in its own loop before dispatching.
        taker = self.stall('worker.poll', self.worker_is('worker-2'))
        self._start_ha_conductor('worker-2')
        taker.wait(base.WAIT)

        stale.release()
        # Whatever A does when it wakes, it does within this.
        time.sleep(1.5)
        item = self._item(uuid, server['id'])
        self.assertEqual('pending', item['status'],
                         'the worker that lost its lease claimed the item')
        self.assertEqual(0, item['attempts'])

        taker.release()
        item = self._wait_for_item(uuid, server['id'], ['succeeded'],
                                   timeout=base.WAIT)
        self.assertEqual(item['dest_host'], self._host_of(server))
        evacuation = self._wait_for_end(uuid, timeout=base.WAIT)
        self.assertEqual('completed', evacuation['status'], evacuation)
        self.assertEqual(1, len(self._migrations(server['id'])))
        self.assert_invariants()


class DeadWorkerTest(base.FaultTestBase):

    def _end_notifications(self, uuid):
        return [n for n in self._notifications('ha.evacuation.end')
                if n['payload']['nova_object.data']['uuid'] == uuid]

    def test_worker_dead_before_recording_its_evacuation(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        # Nova accepted the evacuation; the worker dies before writing
        # down which migration is its own.
        kill = self.kill_at('worker.after_evacuate', 'worker-1')
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        kill.wait()
        self.assertTrue(kill.dead.wait(base.WAIT), 'worker-1 never died')

        self._start_ha_conductor('worker-2')
        item = self._wait_for_item(uuid, server['id'], ['succeeded'],
                                   timeout=base.WAIT)
        self.assertEqual(1, len(self._migrations(server['id'])),
                         'evacuated again by the worker that took over')
        self.assertEqual(item['dest_host'], self._host_of(server))
        self.assertEqual(1, item['attempts'])
        self.assert_invariants()

    def test_worker_dead_inside_novas_evacuate_call(self):
        # The e2e tier's takeover test met this: the conductor was
        # SIGKILLed inside compute.API.evacuate, after Nova saved the
        # instance's task_state=rebuilding and before it created the
        # migration (so before it sent any rebuild). The worker that took
        # over spent its three attempts on Nova's refusal.
        server = self._boot('db', 'host1', tags=[base.TAG])
        real_create = objects.Migration.create

        def create(migration, *args, **kwargs):
            if migration.migration_type == 'evacuation':
                fault_points.hit('test.evacuate.migration_create',
                                 worker_id='worker-1')
            return real_create(migration, *args, **kwargs)

        self.useFixture(fixtures.MonkeyPatch(
            'nova.objects.Migration.create', create))
        kill = self.kill_at('test.evacuate.migration_create', 'worker-1')
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        kill.wait()
        self.assertTrue(kill.dead.wait(base.WAIT), 'worker-1 never died')

        self._start_ha_conductor('worker-2')
        item = self._wait_for_item(uuid, server['id'], ['failed'],
                                   timeout=base.WAIT)
        self.assertEqual(1, item['attempts'], item)
        self.assertIn('Reset its state', item['last_error'])
        self.assertIn(server['id'], item['last_error'])
        self.assertEqual([], self._migrations(server['id']))
        self.assertEqual('host1', self._host_of(server))

        # What the message says to do works.
        self.admin_api.post_server_action(
            server['id'], {'os-resetState': {'state': 'active'}})
        self.assertAnswer(self._evacuation_action(uuid, 'retry'), 202)
        item = self._wait_for_item(uuid, server['id'], ['succeeded'],
                                   timeout=base.WAIT)
        self.assertEqual(1, len(self._migrations(server['id'])))
        self.assertEqual(item['dest_host'], self._host_of(server))
        self.assert_invariants()

    def test_cancelled_task_of_a_dead_worker_is_finished_by_another(self):
        self.flags(max_parallel=1, group='nova_ha')
        servers = [self._boot('vm%d' % i, 'host1', tags=[base.TAG])
                   for i in range(2)]
        self.spawns.hold()
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        moving, _ = self.spawns.wait_entered()
        waiting = [s['id'] for s in servers if s['id'] != moving][0]
        self._wait_for_item(uuid, moving, ['evacuating'])
        self.assertAnswer(self._evacuation_action(uuid, 'cancel'), 202)

        # The worker draining the cancelled task crashes, its lease left.
        self.conductor.kill()
        claimed = self.observe('worker.task_claimed',
                               self.worker_is('worker-2'))
        self._start_ha_conductor('worker-2')
        # Worker 2 must take the draining task over after the lease.
        claimed.wait(base.WAIT)
        self.spawns.release()

        evacuation = self._wait_for_end(uuid, timeout=base.WAIT)
        self.assertEqual('cancelled', evacuation['status'], evacuation)
        self.assertIsNotNone(evacuation['finished_at'])
        self.assertEqual('succeeded', self._item(uuid, moving)['status'])
        self.assertEqual('cancelled', self._item(uuid, waiting)['status'])
        self.assertNotEqual('host1', self._host_of({'id': moving}))
        self.assertEqual('host1', self._host_of({'id': waiting}))
        self.assertEqual(1, len(self._end_notifications(uuid)))
        self.assert_invariants()

    def test_cancel_with_no_worker_running_closes_the_task(self):
        self.conductor.stop()
        server = self._boot('db', 'host1', tags=[base.TAG])
        self._fence('host1')
        evacuation = self._fence_call('host1').body['host']['evacuation']
        self.assertEqual('pending', evacuation['status'])
        uuid = evacuation['uuid']

        self.assertAnswer(self._evacuation_action(uuid, 'cancel'), 202)
        # Nobody else will: the cancel itself closes the task.
        evacuation = self._wait_for_end(uuid, timeout=5)
        self.assertEqual('cancelled', evacuation['status'])
        self.assertEqual(['cancelled'],
                         [i['status'] for i in evacuation['instances']])
        self.assertEqual(1, len(self._end_notifications(uuid)))
        self.assertEqual('host1', self._host_of(server))
        self.assertEqual([], self._migrations(server['id']))
        self.assert_invariants()


class RetryWhileClosingTest(base.FaultTestBase):

    def test_retry_landing_while_the_worker_closes_the_task(self):
        self.flags(max_attempts=1, group='nova_ha')
        server = self._boot('db', 'host1', tags=[base.TAG])
        self._disable_others()
        closing = self.stall('worker.before_finish')
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        closing.wait()
        item = self._item(uuid, server['id'])
        self.assertEqual('failed', item['status'], item)

        # The retry lands between the worker's last look and its closing
        # write.
        self._disable_others(False)
        self.assertAnswer(self._evacuation_action(uuid, 'retry'), 202)
        closing.release()

        item = self._wait_for_item(uuid, server['id'], _TERMINAL,
                                   timeout=base.WAIT)
        self.assertEqual('succeeded', item['status'], item)
        evacuation = self._wait_for_end(uuid, timeout=base.WAIT)
        self.assertEqual('completed', evacuation['status'], evacuation)
        self.assertEqual(
            [], [i for i in evacuation['instances']
                 if i['status'] not in _TERMINAL])
        self.assertNotEqual('host1', self._host_of(server))

        # Nothing left to retry or cancel, and the answers say so.
        self.assertAnswer(self._evacuation_action(uuid, 'retry'), 409,
                          'conflictingRequest', ['no failed instance'])
        self.assertAnswer(self._evacuation_action(uuid, 'cancel'), 409,
                          'conflictingRequest', ['can no longer be cancelled'])
        self.assert_invariants()
