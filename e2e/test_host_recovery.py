"""A host dies, is fenced, its servers recover, and it comes back."""

import time
import uuid

from e2e import base


class HostRecoveryTest(base.TestCase):

    def test_a_killed_compute_is_fenced_and_its_servers_recover(self):
        host = 'mc-compute1'
        active = self.cloud.boot_many(host, 'a-active', 2)
        stopped = self.cloud.boot_many(host, 'a-stopped', 1)
        untagged = self.cloud.boot_many(host, 'a-untagged', 1, tagged=False)
        self.addCleanup(self.cloud.delete, active + stopped + untagged)
        self.cloud.stop(stopped[0])
        self.assertEqual(base.SHUTDOWN, self.cloud.guests(host)[stopped[0]])

        self.cloud.kill('nova-compute-' + host)
        self.log('SIGKILLed nova-compute-%s' % host)
        self.addCleanup(self.cloud.restore, host)
        evacuation = self.fence_off(host, 'e2e a: nova-compute killed')
        task = self.cloud.wait_final(evacuation)

        self.assertEqual('completed', task['status'],
                         self.cloud.explain(task))
        self.assertEqual({'total': 3, 'remaining': 0, 'succeeded': 3,
                          'failed': 0, 'skipped': 0, 'cancelled': 0},
                         task['counts'])
        self.cloud.wait_status(active, 'ACTIVE')
        self.cloud.wait_status(stopped, 'SHUTOFF')
        servers = self.assert_evacuated_once(active + stopped, host)
        for server_id in active:
            new_host = servers[server_id]['OS-EXT-SRV-ATTR:host']
            self.assertEqual(base.RUNNING,
                             self.cloud.guests(new_host)[server_id])
        new_host = servers[stopped[0]]['OS-EXT-SRV-ATTR:host']
        self.assertEqual(base.SHUTDOWN,
                         self.cloud.guests(new_host)[stopped[0]])
        # Not tagged: stays where it was, with no evacuation record.
        self.assertEqual(host, self.cloud.server(untagged[0])[
            'OS-EXT-SRV-ATTR:host'])
        self.assertEqual([], self.cloud.migrations(untagged[0]))
        self.log('%s: evacuation %s completed; migrations %s' % (
            host, evacuation, {i: [(m['status'], m['dest_compute'])
                                   for m in self.cloud.migrations(i)]
                               for i in active + stopped}))

    def test_f_host_lifecycle_force_up_waits_for_nova_compute(self):
        host = 'mc-compute3'
        ids = self.cloud.boot_many(host, 'f', 2)
        self.addCleanup(self.cloud.delete, ids)
        self.cloud.kill('nova-compute-' + host)
        evacuation = self.fence_off(host, 'e2e f: nova-compute killed')
        task = self.cloud.wait_final(evacuation)
        self.assertEqual('completed', task['status'],
                         self.cloud.explain(task))
        self.assert_evacuated_once(ids, host)

        # nova-compute not restarted: 'done' migrations remain.
        resp = self.cloud.request('admin', 'PUT', '/os-ha/hosts/%s' % host,
                                  json={'host': {'forced_down': False}})
        self.assertEqual(409, resp.status_code, resp.text)
        self.assertIn('Restart nova-compute', resp.text)
        self.assertEqual(['done'] * 2, [self.cloud.migrations(i)[0][
            'status'] for i in ids])
        result = self.cloud.fence('on', host, '--evacuation-wait', '5')
        self.assertEqual(6, result.returncode, result.stdout + result.stderr)
        result = self.cloud.fence('status', host)
        self.assertEqual(2, result.returncode, result.stdout + result.stderr)
        self.assertIn('Status: OFF', result.stdout)
        self.assertTrue(self.cloud.hosts()[host]['forced_down'])

        self.cloud.restart('nova-compute-' + host)
        base.wait('evacuation migrations completed', lambda: all(
            self.cloud.migrations(i)[0]['status'] == 'completed'
            for i in ids))
        for server_id in ids:
            self.assertNotIn(server_id, self.cloud.guests(host))
        result = self.cloud.fence('on', host)
        self.assertEqual(0, result.returncode, result.stdout + result.stderr)
        record = base.wait('%s up' % host, lambda: (
            lambda h: h if h['state'] == 'up' else None)(
                self.cloud.hosts()[host]))
        self.assertEqual((False, False, None), (
            record['forced_down'], record['disabled'],
            record['evacuation_uuid']))
        self.assertIsNotNone(self.cloud.evacuation(evacuation)['closed_at'])
        # The force-up has nova-compute drop Placement's
        # COMPUTE_STATUS_DISABLED trait at once (as Nova's own enable
        # does), not at its next periodic update up to 60 s later.
        enabled_at = time.monotonic()
        base.wait('%s schedulable' % host, lambda: self.cloud.schedulable(
            host))
        lag = time.monotonic() - enabled_at
        self.assertLess(lag, 10, 'Placement still offered no room on %s'
                        % host)

        new = self.cloud.boot_many(host, 'f-new-%s' % uuid.uuid4().hex[:4],
                                   1)
        self.addCleanup(self.cloud.delete, new)
        self.assertEqual([host], self.cloud.holders(new[0]))
        self.log('%s back: force-up refused 409 until nova-compute restart,'
                 ' then fence -o on 0; schedulable %.1f s later; new server '
                 '%s on it' % (host, lag, new[0]))
