"""The host comes back: force-up and un-forcing versus what remains of its
failure (evacuated guests on its disks, retries waiting, closed records)."""

import time

from nova_ha_ext.tests.functional.faults import base


class ForceUpAfterEvacuationTest(base.FaultTestBase):

    def test_force_up_refused_until_nova_compute_restarted(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        evacuation = self._wait_for_evacuation(uuid)
        self.assertEqual('completed', evacuation['status'], evacuation)
        dest = self._host_of(server)
        self.assertNotEqual('host1', dest)
        # The repaired host still has the evacuated guest on its disks;
        # only its nova-compute, at start, destroys it.
        self.assertEqual(['done'],
                         [m.status for m in self._migrations(server['id'])])

        answer = self._host_call('host1', forced_down=False)
        self.assertAnswer(answer, 409, 'conflictingRequest',
                          ['restart nova-compute'])
        service = self._service('host1')
        self.assertEqual((True, 'disabled'), (service['forced_down'],
                                              service['status']))
        self.assertIsNone(self._evacuation(uuid)['closed_at'])
        # Nova's own API refuses it too, for the same reason.
        answer = self._call('PUT', '/os-services/%s' % service['id'],
                            {'forced_down': False})
        self.assertAnswer(answer, 400)
        self.assertTrue(self._service('host1')['forced_down'])

        self._restart_compute('host1')
        self.assertEqual(['completed'],
                         [m.status for m in self._migrations(server['id'])])
        self.assertNotIn(server['id'],
                         self.computes['host1'].manager.driver.instances)

        host = self.assertAnswer(
            self._host_call('host1', forced_down=False), 200)['host']
        self.assertEqual((False, False), (host['forced_down'],
                                          host['disabled']))
        self.assertIsNotNone(self._evacuation(uuid)['closed_at'])
        self.assertEqual(dest, self._host_of(server))
        self.assert_invariants()


class ForceUpWhileComputeDeadTest(base.FaultTestBase):
    """Seeds 83 and 135: a fenced host forced up while its nova-compute
    was still dead took another host's evacuation, which never started."""

    def test_force_up_waits_for_the_first_report_after_a_restart(self):
        # Nothing to evacuate, so Nova's own guard (done migrations) has
        # nothing to say: only the missing report holds the force-up.
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        self.assertEqual('completed',
                         self._wait_for_evacuation(uuid)['status'])

        answer = self._host_call('host1', forced_down=False)
        self.assertAnswer(answer, 409, 'conflictingRequest',
                          ['has not reported', 'restart nova-compute'])
        service = self._service('host1')
        self.assertEqual((True, 'disabled'), (service['forced_down'],
                                              service['status']))
        self.assertIsNone(self._evacuation(uuid)['closed_at'])

        # Started, but its first heartbeat has not come yet.
        self.computes['host1'] = self.restart_compute_service(
            self.computes['host1'])
        self.assertAnswer(self._host_call('host1', forced_down=False), 409,
                          'conflictingRequest', ['has not reported'])

        self._report_state('host1')
        host = self.assertAnswer(
            self._host_call('host1', forced_down=False), 200)['host']
        self.assertEqual((False, False), (host['forced_down'],
                                          host['disabled']))
        self.assertIsNotNone(self._evacuation(uuid)['closed_at'])
        self.assert_invariants()

    def test_force_up_syncs_placement_at_once(self):
        """Placement's COMPUTE_STATUS_DISABLED trait leaves with the
        force-up, as with Nova's own enable: the scheduler's prefilter does
        not skip the host until nova-compute's next periodic update."""
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        self._wait_for_evacuation(uuid)
        # The repaired host's nova-compute starts on a disabled service:
        # it sets the trait itself.
        self._restart_compute('host1')
        provider = self._get_provider_uuid_by_host('host1')
        self.assertIn('COMPUTE_STATUS_DISABLED',
                      self._get_provider_traits(provider))
        self.assertAnswer(self._host_call('host1', forced_down=False), 200)
        self.assertNotIn('COMPUTE_STATUS_DISABLED',
                         self._get_provider_traits(provider))

    def test_nova_force_up_is_not_held(self):
        """Nova's own API keeps Nova's rules (its guard only): the way out
        for a host whose nova-compute will not come back."""
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        self._wait_for_evacuation(uuid)
        service = self._service('host1')
        self.assertAnswer(self._call('PUT', '/os-services/%s' % service['id'],
                                     {'forced_down': False}), 200)
        self.assertIsNotNone(self._evacuation(uuid)['closed_at'])


class UnforcedThroughNovaTest(base.FaultTestBase):

    def test_retries_waiting_are_cancelled_when_nova_unforces_the_host(self):
        self.flags(max_attempts=3, retry_backoff=2, group='nova_ha')
        server = self._boot('db', 'host1', tags=[base.TAG])
        self._disable_others()
        # Dead (no heartbeat for long), so Nova itself would evacuate it
        # once un-forced: only the extension can keep it where it is.
        self._mark_host_down('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        # The first attempt failed (no valid host); the retry waits.
        self._wait_for_items(uuid, lambda items: (
            items[0]['status'] == 'pending' and items[0]['attempts'] == 1
            and items[0]['last_error']), timeout=base.WAIT)
        migrations = len(self._migrations(server['id']))

        # An operator un-forces the host through Nova, not /os-ha: the host
        # failure is no longer attested, its retries must not run.
        service = self._service('host1')
        self.admin_api.put_service(service['id'], {'forced_down': False})
        self._disable_others(False)

        evacuation = self._wait_for_end(uuid, timeout=base.WAIT)
        item = evacuation['instances'][0]
        self.assertEqual('cancelled', item['status'], item)
        self.assertTrue(item['last_error'], item)
        self.assertEqual('host1', self._host_of(server))
        self.assertEqual(migrations, len(self._migrations(server['id'])),
                         'an evacuation started after the un-force')
        self.assertIsNotNone(evacuation['closed_at'], evacuation)
        self.assertNotIn(evacuation['status'], ('pending', 'running'))
        self.assert_invariants()


class RetryAfterCloseTest(base.FaultTestBase):

    def test_retry_refused_once_the_host_failure_is_closed(self):
        self.flags(max_attempts=1, group='nova_ha')
        server = self._boot('db', 'host1', tags=[base.TAG])
        self._disable_others()
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        evacuation = self._wait_for_end(uuid)
        self.assertEqual('completed_with_errors', evacuation['status'])

        # The host came back: its failure is closed.
        self.assertAnswer(self._back_up('host1'), 200)
        self.assertIsNotNone(self._evacuation(uuid)['closed_at'])
        # Later it is forced down again, but through Nova: no fencing
        # attested, no host failure recorded.
        service = self._service('host1')
        self.admin_api.put_service(service['id'], {'forced_down': True})
        self._disable_others(False)

        answer = self._evacuation_action(uuid, 'retry')
        self.assertAnswer(answer, 409, 'conflictingRequest', ['closed'])
        # A retry would have evacuated it by now (no backoff, hosts free).
        time.sleep(1)
        self.assertEqual('host1', self._host_of(server))
        self.assertEqual(['error'],
                         [m.status for m in self._migrations(server['id'])])
        self.assertEqual('failed', self._item(uuid, server['id'])['status'])
        self.assert_invariants()


class ForceUpWhileClosedTaskDrainsTest(base.FaultTestBase):

    def test_force_up_refused_while_a_closed_failure_drains(self):
        # Seed 102 of the randomized batch: Nova's force-up closed the
        # failure while its evacuation was in flight, and then the
        # extension's force-up answered 200 with that evacuation still
        # under way.
        server = self._boot('db', 'host1', tags=[base.TAG])
        self.spawns.hold()
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        self.spawns.wait_entered(server['id'])
        self._wait_for_item(uuid, server['id'], ['evacuating'])

        service = self._service('host1')
        self.admin_api.put_service(service['id'], {'forced_down': False})
        self.assertIsNotNone(self._evacuation(uuid)['closed_at'])

        self.assertAnswer(self._host_call('host1', forced_down=False), 409,
                          'conflictingRequest', [uuid, 'in flight'])
        # A new failure of the host while the closed one drains: the
        # instance in flight is not selected a second time.
        again = self._fence_call('host1').body['host']['evacuation']
        self.assertNotEqual(uuid, again['uuid'])
        [item] = self._evacuation(again['uuid'])['instances']
        self.assertEqual('skipped', item['status'], item)
        self.assertIn(uuid, item['last_error'])

        self.spawns.release()
        item = self._wait_for_item(uuid, server['id'], ['succeeded'],
                                   timeout=base.WAIT)
        self.assertEqual(item['dest_host'], self._host_of(server))
        self.assertIsNotNone(self._wait_for_end(uuid)['finished_at'])
        self.assertEqual(1, len(self._migrations(server['id'])))
        self.assert_invariants()
