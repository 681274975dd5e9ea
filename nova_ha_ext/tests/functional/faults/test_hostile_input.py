"""Values a project member or a caller controls, which must neither block
a recovery nor leave half a force-down behind."""

from nova_ha_ext.tests.functional.faults import base


class HostileInputTest(base.FaultTestBase):

    def test_huge_priority_set_by_a_project_member_does_not_block(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        # The member owns the server's metadata, so the priority key too.
        self.api.post_server_metadata(server['id'],
                                      {'ha:priority': str(2 ** 63)})
        self._fence('host1')

        answer = self._fence_call('host1')
        self.assertAnswer(answer, 202)
        uuid = answer.body['host']['evacuation']['uuid']
        evacuation = self._wait_for_evacuation(uuid, timeout=base.WAIT)
        self.assertEqual('completed', evacuation['status'], evacuation)
        self.assertEqual('succeeded', evacuation['instances'][0]['status'])
        self.assertNotEqual('host1', self._host_of(server))
        self.assert_invariants()

    def test_lone_surrogate_in_reason_is_refused_and_changes_nothing(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        service = self._service('host1')
        self.admin_api.put_service(service['id'], {
            'status': 'disabled', 'disabled_reason': 'hardware swap'})
        self._fence('host1')

        # Valid JSON, but no UTF-8 text can hold it (no client library
        # would send it: the body is written out by hand).
        raw = ('{"host": {"forced_down": true, "fenced": true, '
               '"reason": "\\ud800"}}')
        answer = self._call('PUT', '/os-ha/hosts/host1', raw=raw)
        self.assertAnswer(answer, 400, 'badRequest', ['reason'])

        service = self._service('host1')
        self.assertEqual((False, 'disabled', 'hardware swap'),
                         (service['forced_down'], service['status'],
                          service['disabled_reason']))
        self.assertEqual([], self._tasks())
        self.assertEqual([], self._notifications())
        self.assertEqual('host1', self._host_of(server))
        self.assert_invariants()
