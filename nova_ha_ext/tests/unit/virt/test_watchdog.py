"""What a flavor and image ask of the guest's watchdog."""

from nova import exception
from nova import objects
from nova import test

from nova_ha_ext.virt import watchdog


def _request(flavor_specs=None, image_properties=None, ha_image=None):
    sysmeta = {}
    if ha_image is not None:
        sysmeta['image_ha_watchdog_action'] = ha_image
    return watchdog.requested(
        objects.Flavor(extra_specs=flavor_specs or {}),
        objects.ImageMeta.from_dict({'properties': image_properties or {}}),
        sysmeta)


class RequestedTestCase(test.NoDBTestCase):

    def test_nothing_asked(self):
        self.assertIsNone(_request())
        for action in ('reset', 'poweroff', 'pause', 'none', 'disabled'):
            self.assertIsNone(_request({'hw:watchdog_action': action}))

    def test_flavor_notify(self):
        self.assertEqual(
            watchdog.NotifyWatchdog(then='none', source='flavor'),
            _request({'hw:watchdog_action': 'notify'}))

    def test_flavor_notify_then(self):
        for then in ('reset', 'poweroff', 'pause'):
            self.assertEqual(
                watchdog.NotifyWatchdog(then=then, source='flavor'),
                _request({'hw:watchdog_action': 'notify',
                          'ha:watchdog_then': then}))

    def test_then_alone_asks_nothing(self):
        self.assertIsNone(_request({'ha:watchdog_then': 'reset'}))

    def test_image_nova_action_overrides_flavor_notify(self):
        self.assertIsNone(_request({'hw:watchdog_action': 'notify'},
                                   {'hw_watchdog_action': 'reset'}))

    def test_image_notify_overrides_everything(self):
        self.assertEqual(
            watchdog.NotifyWatchdog(then='pause', source='image'),
            _request({'hw:watchdog_action': 'reset',
                      'ha:watchdog_then': 'pause'},
                     {'hw_watchdog_action': 'poweroff'}, ha_image='notify'))

    def test_invalid_values_fail_like_nova(self):
        for kwargs in ({'flavor_specs': {'hw:watchdog_action': 'notify',
                                         'ha:watchdog_then': 'explode'}},
                       {'ha_image': 'reset'}):
            ex = self.assertRaises(exception.InvalidWatchdogAction,
                                   _request, **kwargs)
            self.assertIn('is not supported', str(ex))

    def test_image_rejection_names_the_alternative(self):
        self.assertIn('ha_watchdog_action=notify',
                      watchdog.IMAGE_NOTIFY_REJECTED)
        self.assertTrue(watchdog.image_asks_nova_notify(
            {'hw_watchdog_action': 'notify'}))
        self.assertFalse(watchdog.image_asks_nova_notify(
            {'hw_watchdog_action': 'reset'}))
        self.assertFalse(watchdog.image_asks_nova_notify(None))
