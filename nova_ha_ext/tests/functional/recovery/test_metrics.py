"""The HA conductor's Prometheus metrics and health endpoint."""

import json
import re
import socket
import urllib.error
import urllib.request

import fixtures

from nova_ha_ext.tests.functional.recovery import base


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class MetricsTest(base.RecoveryTestBase):

    def _start_with_metrics(self):
        port = _free_port()
        self.flags(metrics_port=port, group='nova_ha')
        self.worker = self._start_ha_conductor('worker-metrics')
        return 'http://127.0.0.1:%d' % port

    @staticmethod
    def _get(url):
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                return (answer.status, answer.headers['Content-Type'],
                        answer.read().decode())
        except urllib.error.HTTPError as error:
            return (error.code, error.headers['Content-Type'],
                    error.read().decode())

    @staticmethod
    def _sample(text, name, **labels):
        label_text = ','.join('%s="%s"' % kv for kv in sorted(labels.items()))
        pattern = r'^%s%s (\S+)$' % (re.escape(name), re.escape(
            '{%s}' % label_text) if label_text else '')
        match = re.search(pattern, text, re.M)
        return float(match.group(1)) if match else None

    def test_metrics_and_health_after_a_recovery(self):
        url = self._start_with_metrics()
        status, content_type, text = self._get(url + '/metrics')
        self.assertEqual((200, 'text/plain; version=0.0.4; charset=utf-8'),
                         (status, content_type))
        self.assertEqual(0, self._sample(text, 'nova_ha_host_failures',
                                         state='open'))
        self.assertIn('# TYPE nova_ha_recovery_duration_seconds histogram',
                      text)

        servers = [self._boot('vm%d' % i, 'host1', tags=[base.TAG])
                   for i in range(2)]
        self._fence('host1')
        uuid = self._force_down('host1').body['host']['evacuation']['uuid']
        self.assertEqual('completed',
                         self._wait_for_evacuation(uuid)['status'])

        text = self._get(url + '/metrics')[2]
        self.assertEqual(1, self._sample(text, 'nova_ha_host_failures',
                                         state='open'))
        self.assertEqual(1, self._sample(text, 'nova_ha_host_evacuations',
                                         status='completed'))
        self.assertEqual(len(servers), self._sample(
            text, 'nova_ha_instance_evacuations', status='succeeded'))
        self.assertEqual(0, self._sample(
            text, 'nova_ha_instance_evacuations_in_flight'))
        for family in ('nova_ha_evacuation_duration_seconds',
                       'nova_ha_recovery_duration_seconds'):
            self.assertEqual(len(servers),
                             self._sample(text, family + '_count'))
            self.assertEqual(len(servers), self._sample(
                text, family + '_bucket', le='+Inf'))
            self.assertGreater(self._sample(text, family + '_sum'), 0)

        status, _, body = self._get(url + '/healthz')
        health = json.loads(body)
        self.assertEqual((200, 'ok', 'worker-metrics', True, True),
                         (status, health['status'], health['worker'],
                          health['rpc_server'], health['database']))
        status, _, body = self._get(url + '/nothing')
        self.assertEqual(404, status)
        self.assertIn('/metrics', body)

    def test_health_fails_when_the_database_does_not_answer(self):
        url = self._start_with_metrics()
        self.useFixture(fixtures.MockPatch(
            'nova_ha_ext.db.metrics.snapshot',
            side_effect=RuntimeError('database gone')))
        status, _, body = self._get(url + '/healthz')
        health = json.loads(body)
        self.assertEqual((503, 'failing', False, 'database gone'),
                         (status, health['status'], health['database'],
                          health['database_error']))
        status, _, body = self._get(url + '/metrics')
        self.assertEqual(503, status)
        self.assertIn('database gone', body)

    def test_off_by_default_and_gone_once_stopped(self):
        self.assertIsNone(self.conductor.service.status)
        url = self._start_with_metrics()
        self.assertEqual(200, self._get(url + '/healthz')[0])
        self.worker.stop()
        self.assertRaises(urllib.error.URLError, self._get, url + '/healthz')
