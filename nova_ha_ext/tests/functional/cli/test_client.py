"""The /os-ha client library through keystoneauth and the catalog."""


from nova_ha_ext.client import exceptions
from nova_ha_ext.tests.functional.cli import base
from nova_ha_ext.tests.functional.recovery import base as recovery_base


class ClientTest(base.CLITestBase):

    def _client(self):
        return self.endpoint.client(base.BASE_URL)

    def test_force_down_track_and_force_up(self):
        ha = self._client()
        self.assertEqual(list(self.HOSTS),
                         sorted(h['host'] for h in ha.list_hosts()))
        server = self._boot('vm', 'host1', tags=[recovery_base.TAG])

        error = self.assertRaises(exceptions.Conflict, ha.force_down,
                                  'host1')
        self.assertEqual(409, error.status_code)
        self.assertIn('fenced', error.message)
        self.assertRaises(exceptions.NotFound, ha.force_down, 'nohost',
                          fenced=True)

        self._fence('host1')
        created, host = ha.force_down('host1', fenced=True,
                                      reason='IPMI off')
        self.assertTrue(created)
        self.assertEqual('[nova-ha] IPMI off', host['disabled_reason'])
        uuid = host['evacuation']['uuid']
        again, host = ha.force_down('host1', fenced=True)
        self.assertEqual((False, uuid), (again, host['evacuation']['uuid']))

        done = ha.wait_for_evacuation(uuid, timeout=60, interval=0.1)
        self.assertEqual('completed', done['status'])
        self.assertEqual([server['id']],
                         [i['instance_uuid'] for i in done['instances']])
        self.assertEqual([uuid], [t['uuid'] for t in
                                  ha.list_evacuations(host='host1')])
        self.assertEqual([], ha.list_evacuations(status='running'))
        self.assertEqual('down', ha.get_host('host1')['state'])

        self._repair('host1')
        up = ha.force_up('host1')
        self.assertEqual((False, False), (up['forced_down'],
                                           up['disabled']))
        self.assertRaises(exceptions.Conflict, ha.cancel_evacuation, uuid)
