"""hw:watchdog_action=notify on Nova's libvirt driver (fake libvirt)."""

import fixtures

import nova.conf
from nova.tests.functional.api import client

from nova_ha_ext.tests.functional.libvirt import base
from nova_ha_ext.tests.functional.libvirt import fakelibvirt
from nova_ha_ext.tests import notification_samples as samples

CONF = nova.conf.CONF
SAMPLE_FLAVOR_ID = 'a22d5517-147c-4147-a0d1-e698df5cd4e3'


class _Clock:
    """Stands in for time.monotonic in the reporter's rate limiter."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class WatchdogNotifyTest(base.WatchdogTestBase):

    def setUp(self):
        super().setUp()
        self.compute1 = self.start_watchdog_compute('compute1')
        self.clock = _Clock()
        self.useFixture(fixtures.MockPatchObject(
            self.compute1.driver._watchdog_reporter.limiter, 'clock',
            self.clock))

    def _boot(self, name, image_uuid=None, flavor_id=None, **extra_specs):
        flavor_id = self._create_flavor(
            id=flavor_id, name=name, extra_spec=extra_specs)
        server = self._create_server(
            name=name, image_uuid=image_uuid, flavor_id=flavor_id,
            networks='none')
        return server, flavor_id

    def _watchdog_actions(self, server_id):
        """The server's 'watchdog' actions and their events, as its owner
        sees them (server event list / show)."""
        url = '/servers/%s/os-instance-actions' % server_id
        actions = self.api.api_get(url).body['instanceActions']
        return [
            self.api.api_get('%s/%s' % (url, action['request_id'])).body[
                'instanceAction']
            for action in actions if action['action'] == 'watchdog']

    def _payload(self, notification):
        return notification['payload']['nova_object.data']

    def test_notify_reported_once_then_rate_limited(self):
        # The flavor's id as in the sample (notification_samples cannot
        # replace values nested in payload objects).
        server, _ = self._boot(
            'watchdog-notify', flavor_id=SAMPLE_FLAVOR_ID,
            **{'hw:watchdog_action': 'notify'})
        connection = self.connection(self.compute1)
        # The guest has the i6300esb watchdog, and libvirt leaves the guest
        # as it is when it fires.
        self.assertEqual([{'model': 'i6300esb', 'action': 'none'}],
                         connection.watchdog_devices(server['id']))

        self.fire_watchdog(self.compute1, server['id'],
                           fakelibvirt.WATCHDOG_NONE)
        self.reports.wait_for(1)
        [notification] = self.watchdog_notifications()
        payload = self._payload(notification)
        samples.assert_matches_sample(
            self, 'instance-watchdog', notification, replacements={
                'uuid': server['id'],
                'created_at': payload['created_at'],
                'launched_at': payload['launched_at'],
                'updated_at': payload['updated_at'],
                'event_time': payload['event_time'],
                'reservation_id': payload['reservation_id'],
            })
        [action] = self._watchdog_actions(server['id'])
        self.assertEqual(
            [('compute_watchdog_none', 'Success')],
            [(e['event'], e['result']) for e in action['events']])

        # A guest that keeps crashing: within the interval the firings are
        # counted, not reported...
        for _ in range(3):
            self.fire_watchdog(self.compute1, server['id'],
                               fakelibvirt.WATCHDOG_NONE)
        self.assertEqual(1, len(self.watchdog_notifications()))
        self.assertEqual(1, len(self._watchdog_actions(server['id'])))

        # ...and the first one after it says how many were left out.
        self.clock.advance(CONF.nova_ha.watchdog_notify_interval)
        self.fire_watchdog(self.compute1, server['id'],
                           fakelibvirt.WATCHDOG_NONE)
        self.reports.wait_for(2)
        notifications = self.watchdog_notifications()
        self.assertEqual(2, len(notifications))
        self.assertEqual(3, self._payload(notifications[1])['suppressed'])
        self.assertEqual(2, len(self._watchdog_actions(server['id'])))

    def test_then_action_and_image_property(self):
        # notify combined with a hypervisor action: libvirt resets the
        # guest, and the owner is still told.
        server, _ = self._boot(
            'notify-then-reset', **{'hw:watchdog_action': 'notify',
                                    'ha:watchdog_then': 'reset'})
        # The image's counterpart of hw:watchdog_action=notify, on a flavor
        # that asks for nothing.
        image = self._create_image({'ha_watchdog_action': 'notify'})
        image_server, _ = self._boot('image-notify', image_uuid=image['id'])
        connection = self.connection(self.compute1)
        self.assertEqual([{'model': 'i6300esb', 'action': 'reset'}],
                         connection.watchdog_devices(server['id']))
        self.assertEqual([{'model': 'i6300esb', 'action': 'none'}],
                         connection.watchdog_devices(image_server['id']))

        self.fire_watchdog(self.compute1, server['id'],
                           fakelibvirt.WATCHDOG_RESET)
        self.fire_watchdog(self.compute1, image_server['id'],
                           fakelibvirt.WATCHDOG_NONE)
        self.reports.wait_for(2)
        reported = sorted(
            (self._payload(n)['uuid'], self._payload(n)['watchdog_action'])
            for n in self.watchdog_notifications())
        self.assertEqual(sorted([(server['id'], 'reset'),
                                 (image_server['id'], 'none')]), reported)
        [action] = self._watchdog_actions(server['id'])
        self.assertEqual(['compute_watchdog_reset'],
                         [e['event'] for e in action['events']])
        self.assertEqual(1, len(self._watchdog_actions(image_server['id'])))

    def test_nova_actions_unchanged(self):
        self.flags(watchdog_notify_interval=0, group='nova_ha')
        server, _ = self._boot('pause', **{'hw:watchdog_action': 'pause'})
        self.assertEqual(
            [{'model': 'i6300esb', 'action': 'pause'}],
            self.connection(self.compute1).watchdog_devices(server['id']))

        # Nova's actions are not reported by default...
        self.fire_watchdog(self.compute1, server['id'],
                           fakelibvirt.WATCHDOG_PAUSE)
        self.reports.wait_for(1)
        self.assertEqual([], self.watchdog_notifications())
        self.assertEqual([], self._watchdog_actions(server['id']))

        # ...unless the operator asks for every action to be.
        self.flags(notify_all_watchdog_actions=True, group='nova_ha')
        self.fire_watchdog(self.compute1, server['id'],
                           fakelibvirt.WATCHDOG_PAUSE)
        self.reports.wait_for(2)
        [notification] = self.watchdog_notifications()
        self.assertEqual('pause',
                         self._payload(notification)['watchdog_action'])
        self.assertEqual(1, len(self._watchdog_actions(server['id'])))

    def test_api_validation(self):
        # Strict extra-spec validation (2.86+): notify is accepted, values
        # that were invalid before stay invalid.
        flavor_id = self._create_flavor(
            extra_spec={'hw:watchdog_action': 'notify',
                        'ha:watchdog_then': 'poweroff'})
        for key, value in (('hw:watchdog_action', 'explode'),
                           ('ha:watchdog_then', 'none'),
                           ('ha:watchdog_then', 'notify')):
            ex = self.assertRaises(
                client.OpenStackApiException,
                self.admin_api.post_extra_spec, flavor_id,
                {'extra_specs': {key: value}})
            self.assertEqual(400, ex.response.status_code)
            self.assertIn("'%s' is not one of" % value, ex.response.text)

        # An image cannot carry notify in Nova's own property: the boot is
        # refused with the property to use instead.
        image = self._create_image({'hw_watchdog_action': 'notify'})
        ex = self.assertRaises(
            client.OpenStackApiException, self.api.post_server,
            {'server': self._build_server(
                image_uuid=image['id'], flavor_id=flavor_id,
                networks='none')})
        self.assertEqual(400, ex.response.status_code)
        self.assertIn('set the image property ha_watchdog_action=notify '
                      'instead', ex.response.text)
