"""Evacuations in flight: slow, cancelled, reset, deleted, retried when
stopped -- each held open at the destination's spawn where it matters."""

import time

from nova_ha_ext.objects import fields
from nova_ha_ext.tests.functional.faults import base

_TERMINAL = fields.InstanceEvacuationStatus.TERMINAL


class SlowEvacuationTest(base.FaultTestBase):

    def test_evacuation_slower_than_its_timeout_is_not_started_twice(self):
        self.flags(evacuation_timeout=2, group='nova_ha')
        server = self._boot('db', 'host1', tags=[base.TAG])
        self.spawns.hold(server['id'])
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        _, dest = self.spawns.wait_entered(server['id'])
        first = self._migrations(server['id'])[0]

        # Twice the timeout with Nova's evacuation still in flight: its
        # guest may still appear, so no other evacuation may start.
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            self.assertEqual(
                [first.uuid], [m.uuid for m in self._migrations(
                    server['id'])],
                'a second evacuation started while %s is in flight'
                % first.uuid)
            time.sleep(0.1)
        self.assertNotIn(self._migrations(server['id'])[0].status,
                         base.MIGRATION_FINAL)

        self.spawns.release(server['id'])
        self.assertEqual('done',
                         self._wait_for_migration(server['id'])[-1].status)
        item = self._wait_for_item(uuid, server['id'], _TERMINAL)
        self.assertIn(item['status'], ('succeeded', 'failed'), item)
        if item['status'] == 'failed':
            # The operator is told which evacuation was not confirmed.
            self.assertTrue(first.uuid in item['last_error'] or
                            'not confirmed' in item['last_error'], item)
        self.assertEqual([dest], self.live_guests()[server['id']])
        self.assertEqual(dest, self._host_of(server))
        self.assertEqual(1, len(self._migrations(server['id'])))
        self.assert_invariants()


class StoppedInstanceRetryTest(base.FaultTestBase):

    def test_stopped_instance_ends_stopped_after_a_failed_attempt(self):
        self.flags(max_attempts=3, retry_backoff=2, group='nova_ha')
        server = self._boot('db', 'host1', tags=[base.TAG])
        self.admin_api.post_server_action(server['id'], {'os-stop': None})
        self._wait_for_state_change(server, 'SHUTOFF')
        self._disable_others()
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        # First attempt: no valid host (Nova puts the instance in ERROR).
        self._wait_for_items(uuid, lambda items: (
            items[0]['status'] == 'pending' and items[0]['attempts'] == 1
            and items[0]['last_error']), timeout=base.WAIT)
        self._disable_others(False)

        evacuation = self._wait_for_evacuation(uuid, timeout=base.WAIT)
        self.assertEqual('completed', evacuation['status'], evacuation)
        item = evacuation['instances'][0]
        self.assertEqual(('succeeded', 'stopped'),
                         (item['status'], item['original_vm_state']))
        current = self._server(server)
        self.assertNotEqual('host1', current['OS-EXT-SRV-ATTR:host'])
        self.assertEqual('SHUTOFF', current['status'],
                         'a stopped instance was started by its evacuation')
        self.assert_invariants()


class CancelInFlightTest(base.FaultTestBase):

    def test_cancel_keeps_the_host_down_while_an_item_is_in_flight(self):
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
        self.assertEqual('cancelled', self._item(uuid, waiting)['status'])
        self.assertEqual('evacuating', self._item(uuid, moving)['status'])

        # Up now, its cancelled items could be started twice; refused.
        self.assertAnswer(self._host_call('host1', forced_down=False), 409,
                          'conflictingRequest', ['in flight'])
        self.assertTrue(self._service('host1')['forced_down'])
        # The fence agent repeating its call gets the same record.
        answer = self._fence_call('host1')
        self.assertAnswer(answer, 200)
        self.assertEqual(uuid, answer.body['host']['evacuation']['uuid'])
        self.assertEqual([uuid], [t['uuid'] for t in self._tasks('host1')])

        self.spawns.release()
        evacuation = self._wait_for_end(uuid, timeout=base.WAIT)
        self.assertEqual('cancelled', evacuation['status'])
        self.assertEqual('succeeded', self._item(uuid, moving)['status'])
        self.assertEqual('cancelled', self._item(uuid, waiting)['status'])
        self.assertEqual('host1', self._host_of({'id': waiting}))
        self.assertNotEqual('host1', self._host_of({'id': moving}))
        self.assert_invariants()


class NovaFailsLateTest(base.FaultTestBase):

    def _reset_during_spawn(self):
        """Fence host1 and reset its server to error while the
        destination spawns it: (server, evacuation uuid, destination)."""
        server = self._boot('db', 'host1', tags=[base.TAG])
        self.spawns.hold(server['id'])
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        _, dest = self.spawns.wait_entered(server['id'])
        self.admin_api.post_server_action(
            server['id'], {'os-resetState': {'state': 'error'}})
        self.spawns.release(server['id'])
        return server, uuid, dest

    def _assert_left_on(self, server, dest):
        """Not evacuated again: one migration, its guest only on dest."""
        # A new attempt would have started by now (no backoff, hosts free).
        time.sleep(1)
        self.assertEqual(1, len(self._migrations(server['id'])),
                         'evacuated again while its guest runs on %s' % dest)
        self.assertEqual([dest], self.live_guests()[server['id']])
        self.assert_invariants()

    def test_reset_state_during_spawn_is_not_retried_elsewhere(self):
        server, uuid, dest = self._reset_during_spawn()

        # Nova's rebuild fails once the guest exists on the destination.
        first = self._wait_for_migration(server['id'], ('failed', 'error'))
        self.assertEqual(1, len(first), [m.status for m in first])
        self.assertEqual([dest], self.live_guests()[server['id']])
        item = self._wait_for_item(uuid, server['id'], _TERMINAL)
        self.assertEqual('failed', item['status'], item)
        self.assertIn(dest, item['last_error'])
        self._assert_left_on(server, dest)

    def test_guest_left_on_a_destination_is_remembered_at_the_next_failure(
            self):
        # Seeds 8 and 38 of the randomized batch: the verdict "failed on
        # its destination, a guest may exist there" was forgotten once the
        # failure closed, and the host's next failure evacuated the
        # instance again: guests on two hosts.
        server, uuid, dest = self._reset_during_spawn()
        item = self._wait_for_item(uuid, server['id'], _TERMINAL,
                                   timeout=base.WAIT)
        self.assertEqual('failed', item['status'], item)
        self._wait_for_end(uuid)
        # Nothing pending, no 'done' migration: the host may come back,
        # and later fail again.
        self.assertAnswer(self._back_up('host1'), 200)
        again = self._fence_call('host1').body['host']['evacuation']
        self.assertNotEqual(uuid, again['uuid'])
        [item] = self._evacuation(again['uuid'])['instances']
        self.assertEqual('skipped', item['status'], item)
        self.assertIn(dest, item['last_error'])
        self._assert_left_on(server, dest)

    def test_instance_deleted_while_evacuating_is_skipped_promptly(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        self.spawns.hold(server['id'])
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        self.spawns.wait_entered(server['id'])
        self._wait_for_item(uuid, server['id'], ['evacuating'])
        # NOTE: as the admin: the server is locked while it is evacuated,
        # so its owner's delete is refused.
        self.admin_api.delete_server(server['id'])
        self._wait_until_deleted(server)

        # Long before evacuation_timeout (60 s), with Nova's rebuild still
        # held at the destination.
        item = self._wait_for_item(uuid, server['id'], _TERMINAL, timeout=10)
        self.assertEqual('skipped', item['status'], item)
        self.assertIn('deleted', item['last_error'])
        evacuation = self._wait_for_end(uuid, timeout=10)
        self.assertEqual('completed', evacuation['status'], evacuation)
        self.assertAnswer(self._back_up('host1'), 200)

        self.spawns.release(server['id'])
        self.assert_invariants()


class DeadDestinationTest(base.FaultTestBase):
    """Nova sends the evacuation to a host whose nova-compute is dead but
    still counts as up (the randomized batch's seeds 37, 44, 208, 249)."""

    def _send_to_dead_host2(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        # host2 fails: its nova-compute is gone, but for Nova it is up
        # until service_down_time has passed; the only host left to pick.
        self._fence('host2')
        for host in ('host3', 'host4'):
            self._set_status(host, 'disabled')
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        [migration] = self._wait_for_migration(server['id'], ('accepted',))
        self._wait_for_item(uuid, server['id'], ['evacuating'])
        return server, uuid, migration

    def _set_status(self, host, status):
        self.admin_api.put_service(self._compute_service(host)['id'],
                                   {'status': status})

    def test_destination_fenced_before_it_took_the_evacuation(self):
        server, uuid, migration = self._send_to_dead_host2()
        # Only down, not fenced: host2's nova-compute may still come back
        # and take the rebuild, so nothing is settled (well past the
        # poller's grace for an unclaimed evacuation).
        time.sleep(4)
        self.assertEqual('evacuating',
                         self._item(uuid, server['id'])['status'])
        self.assertEqual('accepted',
                         self._migrations(server['id'])[0].status)

        # Fenced now: the queued rebuild can never run a guest.
        self.assertIn(self._force_down('host2').status, (200, 202))
        item = self._wait_for_item(uuid, server['id'], ['failed'], timeout=10)
        self.assertEqual(1, item['attempts'], item)
        for words in ('host2', migration.uuid, 'fenced', 'Reset its state',
                      server['id'], 'openstack ha evacuation retry'):
            self.assertIn(words, item['last_error'])
        self.assertEqual(['error'],
                         [m.status for m in self._migrations(server['id'])])
        self.assertEqual('host1', self._host_of(server))
        self.assertEqual([], self.live_guests().get(server['id'], []))
        evacuation = self._wait_for_end(uuid, timeout=10)
        self.assertEqual('completed_with_errors', evacuation['status'])

        # What the message says to do works, onto a host that is up.
        self._reset_and_retry(server, uuid)

    def _reset_and_retry(self, server, uuid):
        self._set_status('host3', 'enabled')
        self.admin_api.post_server_action(
            server['id'], {'os-resetState': {'state': 'active'}})
        self.assertAnswer(self._evacuation_action(uuid, 'retry'), 202)
        item = self._wait_for_item(uuid, server['id'], ['succeeded'],
                                   timeout=base.WAIT)
        self.assertEqual(('host3', 'host3'),
                         (item['dest_host'], self._host_of(server)))
        self.assertEqual(['error', 'done'],
                         [m.status for m in self._migrations(server['id'])])
        self.assertEqual(['host3'], self.live_guests()[server['id']])
        self.assert_invariants()

    def test_destination_fenced_after_the_attempt_timed_out(self):
        self.flags(evacuation_timeout=3, group='nova_ha')
        server, uuid, migration = self._send_to_dead_host2()
        item = self._wait_for_item(uuid, server['id'], ['failed'], timeout=10)
        # The operator is told where the evacuation is stuck and how to
        # settle it.
        for words in (migration.uuid, 'still accepted', 'host2',
                      'force down --fenced host2'):
            self.assertIn(words, item['last_error'])
        # Not fenced yet: a retry is refused (host2 may still take it).
        self.assertAnswer(self._evacuation_action(uuid, 'retry'), 409,
                          'conflictingRequest', ['still accepted'])
        self.assertEqual(['accepted'],
                         [m.status for m in self._migrations(server['id'])])

        self.assertIn(self._force_down('host2').status, (200, 202))
        self._reset_and_retry(server, uuid)


class CancelBeforeRequeueTest(base.FaultTestBase):
    """Seed 2113 of the randomized batch: an attempt failed, the worker
    was about to put its item back to pending for a retry, and a cancel
    (or a close) committed in between: the item went back to pending in a
    task nobody ran any more, and the task never finished."""

    def _end_notifications(self, uuid):
        return [n for n in self._notifications('ha.evacuation.end')
                if n['payload']['nova_object.data']['uuid'] == uuid]

    def test_cancel_while_a_failed_attempt_is_requeued(self):
        self.flags(max_attempts=3, retry_backoff=1, group='nova_ha')
        server = self._boot('db', 'host1', tags=[base.TAG])
        # Nowhere to go: Nova's scheduler fails the first attempt.
        self._disable_others()
        requeue = self.stall('worker.before_requeue')
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        requeue.wait(base.WAIT)
        self.assertEqual('evacuating',
                         self._item(uuid, server['id'])['status'])

        self.assertAnswer(self._evacuation_action(uuid, 'cancel'), 202)
        requeue.release()
        evacuation = self._wait_for_end(uuid, timeout=base.WAIT)
        self.assertEqual('cancelled', evacuation['status'], evacuation)
        item = evacuation['instances'][0]
        self.assertEqual(('failed', 1), (item['status'], item['attempts']),
                         'the failed attempt was put back to pending in a '
                         'cancelled evacuation')
        self.assertTrue(item['last_error'], item)
        self.assertEqual(1, len(self._end_notifications(uuid)))

        # Nothing starts it again: capacity back, the instance stays put.
        self._disable_others(False)
        time.sleep(2)
        self.assertEqual(1, len(self._migrations(server['id'])))
        self.assertEqual('host1', self._host_of(server))
        self.assert_invariants()
