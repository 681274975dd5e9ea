"""Force-down/up and evacuation API: guards, errors, retry, cancel."""

import threading

from nova import objects

from nova_ha_ext.tests.functional.recovery import base
from nova_ha_ext.tests import notification_samples


class ForceDownUpTest(base.RecoveryTestBase):

    def test_evacuate_none_then_force_up(self):
        server = self._boot('vnf', 'host1', tags=[base.TAG])
        self._fence('host1')
        response = self._force_down('host1', evacuate='none')
        self.assertEqual(202, response.status)
        evacuation = response.body['host']['evacuation']
        self.assertEqual(('completed', 'none', 0),
                         (evacuation['status'], evacuation['selection'],
                          evacuation['counts']['total']))
        service = self._compute_service('host1')
        self.assertEqual(('down', 'disabled', True),
                         (service['state'], service['status'],
                          service['forced_down']))
        self.assertTrue(service['disabled_reason'].startswith(
            '[nova-ha] forced down by nova-ha-ext at '))
        self.assertEqual('host1', self._host_of(server))
        self.assertEqual(['ha.host.force_down'],
                         [n['event_type'] for n in self._notifications()])

        # Back from repair: un-forced, re-enabled (this extension disabled
        # it), its record closed, once its nova-compute reports again.
        self._report_state('host1')
        response = self._put_host('host1', forced_down=False)
        self.assertEqual(200, response.status)
        host = response.body['host']
        self.assertEqual((False, False, None, None),
                         (host['forced_down'], host['disabled'],
                          host['disabled_reason'], host['evacuation']))
        self.assertIsNotNone(self._evacuation(evacuation['uuid'])[
            'closed_at'])
        up = self._notifications()[-1]
        notification_samples.assert_matches_sample(
            self, 'ha-host-force_up', up, replacements={'host': 'host1'})

    def test_instance_nova_cannot_evacuate_is_skipped(self):
        busy = self._boot('busy', 'host1', tags=[base.TAG])
        ok = self._boot('ok', 'host1', tags=[base.TAG])
        # The host died in the middle of a reboot of "busy".
        instance = objects.Instance.get_by_uuid(self.ctxt, busy['id'])
        instance.task_state = 'rebooting'
        instance.save()
        self._fence('host1')
        uuid = self._force_down('host1').body['host']['evacuation']['uuid']
        evacuation = self._wait_for_evacuation(uuid)
        self.assertEqual('completed', evacuation['status'])
        self.assertEqual((1, 1), (evacuation['counts']['succeeded'],
                                  evacuation['counts']['skipped']))
        items = {i['instance_uuid']: i for i in evacuation['instances']}
        self.assertEqual('skipped', items[busy['id']]['status'])
        self.assertIn('task rebooting was in progress',
                      items[busy['id']]['last_error'])
        self.assertEqual(0, items[busy['id']]['attempts'])
        self.assertEqual('host1', self._host_of(busy))
        self.assertNotEqual('host1', self._host_of(ok))

    def test_force_up_keeps_an_operator_disable(self):
        service = self._compute_service('host1')
        self.admin_api.put_service(
            service['id'], {'status': 'disabled',
                            'disabled_reason': 'hardware swap'})
        self._fence('host1')
        self._force_down('host1', evacuate='none')
        self._report_state('host1')
        host = self._put_host('host1', forced_down=False).body['host']
        self.assertEqual((False, True, 'hardware swap'),
                         (host['forced_down'], host['disabled'],
                          host['disabled_reason']))

    def test_refusals(self):
        body = self._api_error(409, self._put_host, 'host1',
                               forced_down=True)
        self.assertIn('fencing was not confirmed',
                      body['conflictingRequest']['message'])
        self.assertFalse(self._compute_service('host1')['forced_down'])

        body = self._api_error(403, self._put_host, 'host1',
                               api=self.api, forced_down=True, fenced=True)
        self.assertIn('os_compute_api:os-ha:hosts:force_down',
                      body['forbidden']['message'])

        body = self._api_error(404, self._force_down, 'nohost')
        self.assertIn('No nova-compute service runs on host nohost',
                      body['itemNotFound']['message'])

        for params, words in (
                ({}, "'forced_down' is a required property"),
                ({'forced_down': 'yes'}, "'yes' is not of type 'boolean'"),
                ({'forced_down': True, 'evacuate': 'some'},
                 "'some' is not one of"),
                ({'forced_down': True, 'fenced': True, 'colour': 'red'},
                 "'colour' was unexpected"),
                ({'forced_down': False, 'fenced': True},
                 'fenced only apply to a force-down')):
            body = self._api_error(400, self._put_host, 'host1', **params)
            self.assertIn(words, body['badRequest']['message'], params)
        self.assertFalse(self._compute_service('host1')['forced_down'])
        self.assertEqual([], self.admin_api.api_get(
            '/os-ha/evacuations').body['evacuations'])

        for url, status, words in (
                ('/os-ha/evacuations?status=lost', 400, "'lost' is not one"),
                ('/os-ha/evacuations?limit=-1', 400, 'limit'),
                ('/os-ha/evacuations?hots=host1', 400, 'hots'),
                ('/os-ha/evacuations?marker=%s' % base.uuids.nothing, 400,
                 'Marker %s could not be found' % base.uuids.nothing),
                ('/os-ha/evacuations/%s' % base.uuids.nothing, 404,
                 'could not be found')):
            error = self._api_error(status, self.admin_api.api_get, url)
            self.assertIn(words, str(error), url)

    def test_storm_guard_withholds_and_force_overrides(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        self._mark_host_down('host2')
        self._fence('host1')
        evacuation = self._force_down('host1').body['host']['evacuation']
        self.assertEqual('cancelled', evacuation['status'])
        self.assertIn('2 of the 4 nova-compute hosts of its cell are down',
                      evacuation['withheld_reason'])
        self.assertIn('"force": true', evacuation['withheld_reason'])
        self.assertTrue(self._compute_service('host1')['forced_down'])
        self.assertEqual('host1', self._host_of(server))
        item = self._evacuation(evacuation['uuid'])['instances'][0]
        self.assertEqual(('cancelled', 'withheld by the storm guard'),
                         (item['status'], item['last_error']))

        response = self._force_down('host1', force=True)
        self.assertEqual(202, response.status)
        forced = response.body['host']['evacuation']
        self.assertIsNone(forced['withheld_reason'])
        self.assertEqual('completed',
                         self._wait_for_evacuation(forced['uuid'])['status'])
        self.assertIn(self._host_of(server), ('host3', 'host4'))

    def test_concurrent_duplicate_calls_make_one_task(self):
        self._boot('db', 'host1', tags=[base.TAG])
        self._fence('host1')
        results = []
        barrier = threading.Barrier(4)

        def call():
            barrier.wait()
            response = self._force_down('host1')
            results.append((response.status,
                            response.body['host']['evacuation']['uuid']))

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(1, len({uuid for _, uuid in results}), results)
        self.assertEqual([200, 200, 200, 202],
                         sorted(status for status, _ in results))
        tasks = self.admin_api.api_get(
            '/os-ha/evacuations?host=host1').body['evacuations']
        self.assertEqual(1, len(tasks))
        self._wait_for_evacuation(tasks[0]['uuid'])


class WorkerFailoverTest(base.RecoveryTestBase):

    def test_other_worker_finishes_and_nothing_moves_twice(self):
        self.flags(max_parallel=1, group='nova_ha')
        # One at a time, highest ha:priority first.
        servers = [self._boot('vm%d' % i, 'host1', tags=[base.TAG],
                              metadata={'ha:priority': str(priority)})
                   for i, priority in enumerate((1, 5, 3))]
        self._fence('host1')
        uuid = self._force_down('host1').body['host']['evacuation']['uuid']
        evacuation = self._wait_for_items(uuid, lambda items: any(
            item['status'] == 'succeeded' for item in items))
        self.assertEqual([5, 3, 1], [item['priority'] for item in
                                     evacuation['instances']])
        self.conductor.kill()
        first = self._evacuation(uuid)['instances'][0]
        self.assertEqual((servers[1]['id'], 'succeeded'),
                         (first['instance_uuid'], first['status']))
        evacuation = self._evacuation(uuid)
        self.assertEqual('running', evacuation['status'])
        self.assertLess(evacuation['counts']['succeeded'], 3)

        # The host's task is still running: forcing it up now could start
        # its instances twice.
        body = self._api_error(409, self._put_host, 'host1',
                               forced_down=False)
        self.assertIn('cannot be forced up while evacuation %s has' % uuid,
                      body['conflictingRequest']['message'])

        self._start_ha_conductor('worker-2')
        evacuation = self._wait_for_evacuation(uuid)
        self.assertEqual(('completed', 3),
                         (evacuation['status'],
                          evacuation['counts']['succeeded']))
        for server in servers:
            self.assertNotEqual('host1', self._host_of(server))
            migrations = objects.MigrationList.get_by_filters(
                self.ctxt, {'instance_uuid': server['id'],
                            'migration_type': 'evacuation'})
            self.assertEqual(1, len(migrations), server['name'])
        self.assertEqual([1, 1, 1], [item['attempts'] for item in
                                     evacuation['instances']])
        self._repair('host1')
        self.assertEqual(200, self._put_host(
            'host1', forced_down=False).status)


class RetryCancelTest(base.RecoveryTestBase):

    def test_failed_item_retried(self):
        self.flags(max_attempts=1, group='nova_ha')
        server = self._boot('db', 'host1', tags=[base.TAG])
        self._disable_others()
        self._fence('host1')
        uuid = self._force_down('host1').body['host']['evacuation']['uuid']
        evacuation = self._wait_for_evacuation(uuid)
        self.assertEqual('completed_with_errors', evacuation['status'])
        item = evacuation['instances'][0]
        self.assertEqual(('failed', 1), (item['status'], item['attempts']))
        self.assertIn('No valid host', item['last_error'])
        events = [n['event_type'] for n in self._notifications()]
        self.assertEqual(['ha.host.force_down', 'ha.evacuation.start',
                          'ha.instance_evacuation.error',
                          'ha.evacuation.error'], events)
        item_error, task_error = self._notifications()[2:]
        notification_samples.assert_matches_sample(
            self, 'ha-instance_evacuation-error', item_error,
            replacements={'evacuation_uuid': uuid,
                          'instance_uuid': server['id'],
                          'source_host': 'host1',
                          'last_error': item['last_error']})
        data = task_error['payload']['nova_object.data']
        notification_samples.assert_matches_sample(
            self, 'ha-evacuation-error', task_error,
            replacements={'uuid': uuid, 'host': 'host1',
                          'started_at': data['started_at'],
                          'finished_at': data['finished_at']})

        self._disable_others(False)
        response = self.admin_api.api_post(
            '/os-ha/evacuations/%s/action' % uuid, {'retry': None})
        self.assertEqual(202, response.status)
        evacuation = self._wait_for_evacuation(uuid)
        self.assertEqual('completed', evacuation['status'])
        item = evacuation['instances'][0]
        self.assertEqual(('succeeded', 1), (item['status'], item['attempts']))
        self.assertNotEqual('host1', self._host_of(server))

        body = self._api_error(
            409, self.admin_api.api_post,
            '/os-ha/evacuations/%s/action' % uuid, {'retry': None})
        self.assertIn('no failed instance to retry', str(body))

    def test_cancel_stops_pending(self):
        self.flags(max_attempts=3, retry_backoff=600, group='nova_ha')
        servers = [self._boot('vm%d' % i, 'host1', tags=[base.TAG])
                   for i in range(2)]
        self._disable_others()
        self._fence('host1')
        uuid = self._force_down('host1').body['host']['evacuation']['uuid']
        # First attempts fail (no host); the retries wait 10 minutes.
        self._wait_for_items(uuid, lambda items: all(
            item['status'] == 'pending' and item['attempts'] == 1
            for item in items))
        response = self.admin_api.api_post(
            '/os-ha/evacuations/%s/action' % uuid, {'cancel': None})
        self.assertEqual(202, response.status)
        self.assertEqual('cancelled', response.body['evacuation']['status'])
        self.assertEqual(['cancelled', 'cancelled'],
                         [i['status'] for i in
                          response.body['evacuation']['instances']])
        # The worker notices, stops and closes the task.
        evacuation = self._wait_for_end(uuid)
        self.assertEqual('cancelled', evacuation['status'])
        self.assertEqual(2, evacuation['counts']['cancelled'])
        self.assertEqual('ha.evacuation.end',
                         self._notifications()[-1]['event_type'])
        for server in servers:
            self.assertEqual('host1', self._host_of(server))
        body = self._api_error(
            409, self.admin_api.api_post,
            '/os-ha/evacuations/%s/action' % uuid, {'cancel': None})
        self.assertIn('can no longer be cancelled', str(body))
        # The host may come back now that nothing runs.
        self._report_state('host1')
        self.assertEqual(200, self._put_host(
            'host1', forced_down=False).status)
