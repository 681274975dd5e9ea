"""GET /os-ha/hosts on Nova's real API with the extension enabled."""

from nova.tests.functional.api import client

from nova_ha_ext.objects import fields as ha_fields
from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.tests.functional import base


class HostListTest(base.HAFunctionalTestBase):

    def setUp(self):
        super().setUp()
        for host in ('host1', 'host2', 'host3'):
            self._start_compute(host)

    def _hosts(self):
        return self.admin_api.api_get('/os-ha/hosts').body['hosts']

    def test_list_matches_nova_services(self):
        self._mark_host_down('host3')
        # Disable host2 and force host1 down through Nova's own API
        # (microversion 2.53), so every column differs from its default
        # somewhere and is read from Nova, not invented.
        host2 = self._compute_service('host2')
        self.admin_api.put_service(host2['id'], {
            'status': 'disabled', 'disabled_reason': 'kernel upgrade'})
        host1 = self._compute_service('host1')
        self.admin_api.put_service(host1['id'], {'forced_down': True})

        self.assertEqual([
            {'host': 'host1', 'state': 'down', 'forced_down': True,
             'disabled': False, 'disabled_reason': None,
             'evacuation_uuid': None},
            {'host': 'host2', 'state': 'up', 'forced_down': False,
             'disabled': True, 'disabled_reason': 'kernel upgrade',
             'evacuation_uuid': None},
            {'host': 'host3', 'state': 'down', 'forced_down': False,
             'disabled': False, 'disabled_reason': None,
             'evacuation_uuid': None},
        ], self._hosts())

        # The same liveness Nova's own os-services API reports.
        nova_states = {s['host']: s['state']
                       for s in self.admin_api.get_services(
                           binary='nova-compute')}
        self.assertEqual(
            nova_states, {h['host']: h['state'] for h in self._hosts()})

    def test_list_names_the_active_evacuation(self):
        evacuation = host_evacuation.HostEvacuation(
            self.ctxt, host='host2',
            status=ha_fields.HostEvacuationStatus.RUNNING,
            selection=ha_fields.EvacuationSelection.TAGGED)
        evacuation.create()

        by_host = {h['host']: h['evacuation_uuid'] for h in self._hosts()}
        self.assertEqual(
            {'host1': None, 'host2': evacuation.uuid, 'host3': None},
            by_host)

        # The task's end does not close the host failure: the host keeps
        # naming it until it is forced up.
        evacuation.status = ha_fields.HostEvacuationStatus.COMPLETED
        evacuation.save()
        self.assertEqual(evacuation.uuid, {
            h['host']: h['evacuation_uuid'] for h in self._hosts()}['host2'])
        evacuation.close('forced up')
        self.assertIsNone(
            {h['host']: h['evacuation_uuid']
             for h in self._hosts()}['host2'])

    def test_non_admin_is_forbidden(self):
        exc = self.assertRaises(
            client.OpenStackApiException, self.api.api_get, '/os-ha/hosts')
        self.assertEqual(403, exc.response.status_code)
        fault = exc.response.json()['forbidden']
        self.assertEqual(403, fault['code'])
        self.assertIn('os_compute_api:os-ha:hosts:list', fault['message'])

    def test_unknown_query_parameter_is_rejected(self):
        exc = self.assertRaises(
            client.OpenStackApiException, self.admin_api.api_get,
            '/os-ha/hosts?hots=host1')
        self.assertEqual(400, exc.response.status_code)
        fault = exc.response.json()['badRequest']
        self.assertIn('hots', fault['message'])

    def test_older_microversion_is_served_the_same(self):
        self.admin_api.microversion = '2.1'
        self.assertEqual(['host1', 'host2', 'host3'],
                         [h['host'] for h in self._hosts()])


class UnknownPathTest(base.HAFunctionalTestBase):

    def _assert_not_found(self, method, path):
        exc = self.assertRaises(
            client.OpenStackApiException,
            getattr(self.admin_api, 'api_' + method.lower()),
            path, *([{}] if method in ('PUT', 'POST') else []))
        self.assertEqual(404, exc.response.status_code)
        fault = exc.response.json()['itemNotFound']
        self.assertEqual(404, fault['code'])
        return fault['message']

    def test_unknown_resource(self):
        message = self._assert_not_found('GET', '/os-ha/nodes')
        self.assertIn('"GET /os-ha/nodes"', message)
        self.assertIn('GET /os-ha/hosts', message)

    def test_unsupported_method_on_known_path(self):
        message = self._assert_not_found('DELETE', '/os-ha/hosts')
        self.assertIn('"DELETE /os-ha/hosts"', message)

    def test_bare_prefix(self):
        self._assert_not_found('POST', '/os-ha')


class NovaApiUnchangedTest(base.HAFunctionalTestBase):
    """Nova's own API behaves as usual behind the extension's paste file."""

    def test_boot_and_list_through_the_same_pipeline(self):
        self._start_compute('host1')
        server = self._create_server(networks='none')
        self.assertEqual('host1', server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual([server['id']],
                         [s['id'] for s in self.api.get_servers()])

    def test_versions_document(self):
        versions = self.api.api_get('/', strip_version=True).body
        self.assertIn('v2.1', [v['id'] for v in versions['versions']])


class ForceUpBodyTest(base.HAFunctionalTestBase):

    def test_reason_is_refused_not_ignored(self):
        self._start_compute('host1')
        self.computes['host1'].stop()
        self.admin_api.api_put('/os-ha/hosts/host1', {'host': {
            'forced_down': True, 'fenced': True, 'evacuate': 'none'}})
        sent = len(self.notifier.versioned_notifications)

        answer = self._request('PUT', '/os-ha/hosts/host1', {'host': {
            'forced_down': False, 'reason': 'repaired'}})
        self.assertFault(answer, 400, 'badRequest', 'reason only apply to '
                         'a force-down', 'a force-up takes only '
                         '"forced_down": false')
        self.assertTrue(self._compute_service('host1')['forced_down'])
        self.assertEqual(sent, len(self.notifier.versioned_notifications))


class ControlCharacterPathTest(base.HAFunctionalTestBase):

    def test_newline_segment_gets_nova_fault_body(self):
        message = self.assertFault(
            self._request('GET', '/os-ha/%0A0'), 404, 'itemNotFound',
            '"GET /os-ha/%0A0"', 'control character (%0A)',
            'GET /os-ha/hosts')
        self.assertNotIn('\n', message)

    def test_trailing_newline_is_not_the_host(self):
        self._start_compute('host1')
        self.computes['host1'].stop()
        body = {'host': {'forced_down': True, 'fenced': True,
                         'evacuate': 'none'}}
        for path in ('/os-ha/hosts/host1%0A', '/os-ha/hosts/host1%0D',
                     '/os-ha/hosts/host1%00'):
            self.assertFault(self._request('PUT', path, body), 404,
                             'itemNotFound', 'control character')
        self.assertFalse(self._compute_service('host1')['forced_down'])
        self.assertEqual([], self.admin_api.api_get(
            '/os-ha/evacuations').body['evacuations'])
        # Routes takes a trailing newline for the end of any path.
        for method, path in (('GET', '/os-ha/hosts%0A'),
                             ('GET', '/os-ha%0A'),
                             ('POST', '/os-ha/evacuations/%s/action%%0A' %
                              ('0' * 8))):
            self.assertFault(self._request(method, path), 404,
                             'itemNotFound', 'control character (%0A)')


class HostBodyTest(base.HAFunctionalTestBase):

    def test_body_that_is_not_json(self):
        self._start_compute('host1')
        for raw in ('{"host": ', 'forced_down=true', '\xff'):
            self.assertFault(
                self._request('PUT', '/os-ha/hosts/host1', raw=raw), 400,
                'badRequest', 'The request body is not JSON (')
        self.assertFalse(self._compute_service('host1')['forced_down'])
