"""The client library's own logic (its calls are tested functionally)."""

import json

import requests
import testtools

from nova_ha_ext import client
from nova_ha_ext.client import exceptions
from nova_ha_ext.objects import fields
from nova_ha_ext.sim import settings


def _response(status, body=None, text=None, headers=None):
    response = requests.Response()
    response.status_code = status
    response.reason = 'Reason'
    if body is not None:

        text = json.dumps(body)
    response._content = (text or '').encode('utf-8')
    response.headers.update(headers or {})
    return response


class ClientUnitTest(testtools.TestCase):

    def test_enums_match_the_api(self):
        # The client repeats the API's enums so it needs only keystoneauth.
        self.assertEqual(tuple(fields.EvacuationSelection.ALL),
                         client.EVACUATE_CHOICES)
        self.assertEqual(tuple(fields.HostEvacuationStatus.ALL),
                         client.STATUS_CHOICES)
        self.assertEqual(client.EVACUATE_CHOICES,
                         settings.EVACUATE_CHOICES)

    def test_fault_body_message_and_class(self):
        error = exceptions.from_response(_response(
            409, {'conflictingRequest': {'code': 409,
                                         'message': 'Host busy.'}},
            headers={'x-openstack-request-id': 'req-1'}))
        self.assertIsInstance(error, exceptions.Conflict)
        self.assertEqual('Host busy. (HTTP 409) (Request-ID: req-1)',
                         str(error))

    def test_non_json_error_keeps_its_text(self):
        error = exceptions.from_response(_response(502, text='Bad gateway'))
        self.assertEqual((exceptions.ClientException, 'Bad gateway'),
                         (type(error), error.message))
