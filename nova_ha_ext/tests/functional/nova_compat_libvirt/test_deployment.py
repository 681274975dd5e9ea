"""The subset really runs nova-ha-ext's driver."""

import sys

import nova.conf
from nova.tests.functional.libvirt import base as libvirt_base

from nova_ha_ext.tests.functional import nova_compat_libvirt
from nova_ha_ext.virt import driver as ha_driver

CONF = nova.conf.CONF


class NovaLibvirtTestOnExtensionTest(libvirt_base.ServersTestBase):
    """One of Nova's libvirt test classes, run the way the subset is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        nova_compat_libvirt.with_extension(self)

    def test_compute_runs_the_extension_driver(self):
        # Nova's ServersTestBase asked for libvirt.LibvirtDriver...
        self.start_compute('compute1')
        # ...and got the extension's nova.conf line and driver.
        self.assertEqual('ha_libvirt.HALibvirtDriver', CONF.compute_driver)
        self.assertIs(ha_driver.HALibvirtDriver,
                      type(self.computes['compute1'].driver))
        self.assertEqual([ha_driver.HALibvirtDriver],
                         self.ha_deployment.loaded)
        self.assertIn('nova.virt.ha_libvirt', sys.modules)
