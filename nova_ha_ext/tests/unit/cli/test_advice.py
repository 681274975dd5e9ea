"""The API's advice in each CLI's words, for every message that has some."""

import testtools

from nova_ha_ext.cli import advice
from nova_ha_ext import exception

_UUID = '4c0c2ba4-6e30-4b9c-9d5e-8d1bd1e2a0f3'


class AdviceTest(testtools.TestCase):

    def _both(self, error):
        message = error.format_message()
        return (advice.for_cli(message, 'nova'),
                advice.for_cli(message, 'openstack'))

    def test_every_rest_hint_of_the_api_becomes_a_command(self):
        cases = [
            (exception.ComputeHostNotFound(host='h1'),
             'nova ha-host-list', 'openstack ha host list'),
            (exception.HostEvacuationNotFound(uuid=_UUID),
             'nova ha-evacuation-list', 'openstack ha evacuation list'),
            (exception.EvacuationInFlight(host='h1', uuid=_UUID, count=2),
             'nova ha-evacuation-show ' + _UUID,
             'openstack ha evacuation show ' + _UUID),
            (exception.HostEvacuationInProgress(host='h1', uuid=_UUID,
                                                status='running'),
             'nova ha-evacuation-cancel ' + _UUID,
             'openstack ha evacuation cancel ' + _UUID),
            (exception.HostFailureClosed(host='h1', uuid=_UUID),
             'nova ha-force-down --fenced h1',
             'openstack ha host force down --fenced h1'),
            (exception.FencingNotConfirmed(host='h1'),
             'repeat the command with --fenced',
             'repeat the command with --fenced'),
        ]
        for error, nova_words, osc_words in cases:
            nova, osc = self._both(error)
            self.assertIn(nova_words, nova)
            self.assertIn(osc_words, osc)
            for text in (nova, osc):
                self.assertNotIn('/os-ha', text)
                self.assertNotIn('"fenced": true', text)

    def test_storm_guard_reason(self):
        reason = ('3 of the 8 nova-compute hosts of cell c1 are down: '
                  'evacuation withheld. Check the hosts, then repeat the '
                  'call with "force": true to evacuate anyway.')
        self.assertEqual(
            reason.replace('repeat the call with "force": true',
                           'repeat the command with --force'),
            advice.for_cli(reason, 'openstack'))

    def test_other_text_is_kept(self):
        text = 'Host h1 cannot be forced up yet: restart nova-compute.'
        self.assertEqual(text, advice.for_cli(text, 'nova'))
