"""HALibvirtDriver stays a faithful subclass of Nova's LibvirtDriver."""

import inspect

from nova import objects
from nova import test
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import driver as nova_driver

from nova_ha_ext.virt import driver as ha_driver

NOVA_ACTIONS = (None, 'reset', 'poweroff', 'pause', 'none', 'disabled')


class LibvirtDriverSubclassSignatureTestCase(test.SubclassSignatureTestCase):
    """Nova's check: public methods of every LibvirtDriver subclass."""

    def _get_base_class(self):
        # Importing our driver makes it one of the subclasses checked.
        self.assertTrue(issubclass(ha_driver.HALibvirtDriver,
                                   nova_driver.LibvirtDriver))
        return nova_driver.LibvirtDriver


class OverriddenMethodsTestCase(test.NoDBTestCase):

    def test_overrides_match_nova_signatures(self):
        # Nova's check skips private methods and __init__, but the driver
        # overrides _get_guest_config and _guest_add_watchdog_action, which
        # Nova calls with arguments that change between releases.
        overridden = [name for name in vars(ha_driver.HALibvirtDriver)
                      if callable(getattr(nova_driver.LibvirtDriver, name,
                                          None))]
        self.assertIn('_get_guest_config', overridden)
        self.assertIn('_guest_add_watchdog_action', overridden)
        for name in overridden:
            ours = inspect.getattr_static(ha_driver.HALibvirtDriver, name)
            novas = inspect.getattr_static(nova_driver.LibvirtDriver, name)
            self.assertEqual(type(novas), type(ours), name)
            self.assertEqual(
                inspect.signature(getattr(nova_driver.LibvirtDriver, name)),
                inspect.signature(getattr(ha_driver.HALibvirtDriver, name)),
                name)


def _flavor(action=None, then=None):
    extra_specs = {}
    if action is not None:
        extra_specs['hw:watchdog_action'] = action
    if then is not None:
        extra_specs['ha:watchdog_then'] = then
    return objects.Flavor(extra_specs=extra_specs)


def _image_meta(action=None):
    properties = {}
    if action is not None:
        properties['hw_watchdog_action'] = action
    return objects.ImageMeta.from_dict({'properties': properties})


def _watchdog_xml(add, flavor, image_meta):
    guest = vconfig.LibvirtConfigGuest()
    add(guest, flavor, image_meta)
    return [device.to_xml() for device in guest.devices]


class GuestWatchdogTestCase(test.NoDBTestCase):

    def test_nova_actions_configured_as_nova_does(self):
        for flavor_action in NOVA_ACTIONS:
            for image_action in NOVA_ACTIONS:
                flavor = _flavor(flavor_action)
                image_meta = _image_meta(image_action)
                self.assertEqual(
                    _watchdog_xml(
                        nova_driver.LibvirtDriver._guest_add_watchdog_action,
                        flavor, image_meta),
                    _watchdog_xml(
                        ha_driver.HALibvirtDriver._guest_add_watchdog_action,
                        flavor, image_meta),
                    (flavor_action, image_action))

    def test_image_action_overrides_flavor_notify_as_in_nova(self):
        # Nova's precedence: the image's hw_watchdog_action wins.
        xml = _watchdog_xml(
            ha_driver.HALibvirtDriver._guest_add_watchdog_action,
            _flavor('notify'), _image_meta('reset'))
        self.assertEqual(1, len(xml))
        self.assertIn('action="reset"', xml[0])

    def test_flavor_notify_left_to_guest_config(self):
        # Nova's own method refuses notify; ours adds nothing and lets
        # _get_guest_config add the notify watchdog.
        self.assertEqual([], _watchdog_xml(
            ha_driver.HALibvirtDriver._guest_add_watchdog_action,
            _flavor('notify'), _image_meta()))

    def test_set_watchdog_replaces_in_place(self):
        guest = vconfig.LibvirtConfigGuest()
        guest.add_device(vconfig.LibvirtConfigGuestInput())
        nova_watchdog = vconfig.LibvirtConfigGuestWatchdog()
        guest.add_device(nova_watchdog)
        guest.add_device(vconfig.LibvirtConfigGuestInput())

        ha_driver._set_watchdog(guest, 'none')

        watchdogs = [d for d in guest.devices
                     if isinstance(d, vconfig.LibvirtConfigGuestWatchdog)]
        self.assertEqual(1, len(watchdogs))
        self.assertIs(watchdogs[0], guest.devices[1])
        self.assertEqual(('i6300esb', 'none'),
                         (watchdogs[0].model, watchdogs[0].action))

    def test_set_watchdog_adds_when_absent(self):
        guest = vconfig.LibvirtConfigGuest()
        ha_driver._set_watchdog(guest, 'pause')
        self.assertEqual(['pause'], [d.action for d in guest.devices])
