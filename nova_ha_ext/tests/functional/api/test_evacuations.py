"""/os-ha/evacuations requests a caller can get wrong, on Nova's real API."""

from oslo_utils.fixture import uuidsentinel as uuids

from nova_ha_ext.objects import fields as ha_fields
from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.tests.functional import base

_SEND = 'Send one of {"cancel": null}, {"retry": null}.'


class ListQueryTest(base.HAFunctionalTestBase):

    def test_limit_beyond_int_digits_is_a_400(self):
        # 4,301 digits: more than int() converts (and float() makes inf of
        # it, which passes the schema's minimum).
        answer = self._request('GET',
                               '/os-ha/evacuations?limit=' + '9' * 4301)
        message = self.assertFault(answer, 400, 'badRequest',
                                   'limit must be an integer',
                                   'Send a whole number')
        self.assertNotIn('9' * 20, message)

    def test_limit_within_range_pages(self):
        for host in ('host1', 'host2'):
            host_evacuation.HostEvacuation(
                self.ctxt, host=host,
                status=ha_fields.HostEvacuationStatus.COMPLETED,
                selection=ha_fields.EvacuationSelection.NONE).create()
        body = self.admin_api.api_get(
            '/os-ha/evacuations?limit=1' + '0' * 30).body
        self.assertEqual(2, len(body['evacuations']))
        body = self.admin_api.api_get('/os-ha/evacuations?limit=1').body
        self.assertEqual(1, len(body['evacuations']))
        self.assertIn('marker=', body['evacuations_links'][0]['href'])


class ActionBodyTest(base.HAFunctionalTestBase):

    def setUp(self):
        super().setUp()
        self.task = host_evacuation.HostEvacuation(
            self.ctxt, host='host1',
            status=ha_fields.HostEvacuationStatus.COMPLETED,
            selection=ha_fields.EvacuationSelection.NONE)
        self.task.create()
        self.url = '/os-ha/evacuations/%s/action' % self.task.uuid

    def _post(self, raw, url=None):
        return self._request('POST', url or self.url, raw=raw)

    def _assert_unchanged(self):
        task = host_evacuation.HostEvacuation.get_by_uuid(
            self.ctxt, self.task.uuid)
        self.assertEqual((self.task.status, self.task.generation,
                          self.task.updated_at),
                         (task.status, task.generation, task.updated_at))

    def test_body_that_is_not_an_object(self):
        for raw, kind in (('[]', 'an array'), ('1', 'a number'),
                          ('null', 'null'), ('"r"', 'a string'),
                          ('true', 'a boolean')):
            self.assertFault(self._post(raw), 400, 'badRequest',
                             'The action request body is %s;' % kind, _SEND)
        self._assert_unchanged()

    def test_body_naming_no_single_action(self):
        for raw, words in (
                ('{}', 'names no action'),
                ('{"retry": null, "cancel": null}',
                 'names 2 actions (cancel, retry)'),
                ('{"retry": null, "colour": 1}',
                 '"colour" is not an action of this resource (the actions '
                 'are cancel, retry)'),
                ('{"reboot": null}', '"reboot" is not an action'),
                ('not json', 'is not JSON'),
                ('', 'has no body')):
            self.assertFault(self._post(raw), 400, 'badRequest', words,
                             _SEND)
        self._assert_unchanged()

    def test_unknown_task_is_still_a_404(self):
        self.assertFault(
            self._post('{"cancel": null}',
                       '/os-ha/evacuations/%s/action' % uuids.nothing),
            404, 'itemNotFound', 'could not be found')

    def test_action_value_is_validated(self):
        self.assertFault(self._post('{"retry": 1}'), 400, 'badRequest',
                         'retry', "1 is not of type 'null'")
        self._assert_unchanged()
