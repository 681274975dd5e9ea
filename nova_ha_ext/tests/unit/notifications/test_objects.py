"""Notification objects are versioned: a changed field or a new class
without a version bump (and a sample update) fails here.
"""

from nova.objects import base
from nova import test
from oslo_versionedobjects import fixture

from nova_ha_ext.notifications import base as ha_base  # noqa: F401
from nova_ha_ext.notifications import evacuation  # noqa: F401
from nova_ha_ext.notifications import host  # noqa: F401
from nova_ha_ext.notifications import watchdog  # noqa: F401

# NOTE: when this fails because you changed a notification object, bump
# its VERSION, update its sample under doc/notification_samples/ and then
# the value here. Every notification class of the package must be listed.
EXPECTED_FINGERPRINTS = {
    'HAEventType': '1.0-10fdfa766e04948e882658b250e43583',
    'HANotificationPublisher': '1.0-578ee5fea2922ff32e8917621f140857',
    'HAEvacuationNotification': '1.0-a73147b93b520ff0061865849d3dfa56',
    'HAEvacuationPayload': '1.0-5e231d8d544323bf7be142754a75e5de',
    'HAHostNotification': '1.0-a73147b93b520ff0061865849d3dfa56',
    'HAHostPayload': '1.0-b88dad4e6856b5d3b5ecbe4db005f1aa',
    'HAInstanceEvacuationNotification': '1.0-a73147b93b520ff0061865849d3dfa56',
    'HAInstanceEvacuationPayload': '1.0-858517e7623c4037f5fb9b813224fc53',
    'HAInstanceWatchdogNotification': '1.0-a73147b93b520ff0061865849d3dfa56',
    'HAInstanceWatchdogPayload': '1.0-0308532d831e2d0061d2dda9f4165e08',
}


def _our_notification_classes():
    base.NovaObjectRegistry.register_notification_objects()
    return {name: [cls for cls in classes
                   if cls.__module__.startswith('nova_ha_ext.')]
            for name, classes in base.NovaObjectRegistry.obj_classes().items()
            if any(cls.__module__.startswith('nova_ha_ext.notifications')
                   for cls in classes)}


class TestNotificationObjectVersions(test.NoDBTestCase):

    def test_versions(self):
        classes = _our_notification_classes()
        self.assertEqual(sorted(EXPECTED_FINGERPRINTS), sorted(classes))
        checker = fixture.ObjectVersionChecker(classes)
        expected, actual = checker.test_hashes(EXPECTED_FINGERPRINTS)
        self.assertEqual(expected, actual,
                         'Some notification objects changed: bump their '
                         'version')
