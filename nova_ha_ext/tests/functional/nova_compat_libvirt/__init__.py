"""Nova's own libvirt functional tests, run on nova-ha-ext's driver.

Loading this package pulls in a subset of Nova's libvirt functional tests
and runs each one as a deployment with the extension enabled would:
Nova's tests ask for ``compute_driver = libvirt.LibvirtDriver`` (through
``self.flags``, usually in ``_setup_compute_service``); under
``HALibvirtDeployment`` that request is answered with the extension's
nova.conf line, ``ha_libvirt.HALibvirtDriver``, which Nova then imports as
``nova.virt.ha_libvirt`` like any driver. Every compute driver Nova loads
during such a test is checked to be ours, so a test that silently ran
Nova's driver fails instead of passing for the wrong reason.

Set NOVA_HA_NOVA_LIBVIRT_TESTS to a space-separated list of Nova test
modules or classes to run others (tools/run-nova-libvirt-tests.sh).
"""

import os

import fixtures
import testtools
from nova import test as nova_test
from nova.tests.fixtures import conf as nova_conf_fixture
from nova.virt import driver as virt_driver
from nova.virt.libvirt import driver as nova_libvirt

from nova_ha_ext import conf as ha_conf
from nova_ha_ext import paths
from nova_ha_ext.virt import alias
from nova_ha_ext.virt import driver as ha_driver

NOVA_LIBVIRT_DRIVER = 'libvirt.LibvirtDriver'

# Chosen for the paths the driver overrides (guest config, events, start)
# at about a minute and a half on two shared cores:
DEFAULT_TESTS = (
    # evacuation: guests rebuilt on a second host, computes restarted,
    # with the flat and qcow2 image backends (the rbd and lvm variants of
    # the same tests add nothing for the driver's overrides)
    'nova.tests.functional.libvirt.test_evacuate.LibvirtFlatEvacuateTest',
    'nova.tests.functional.libvirt.test_evacuate.LibvirtQcowEvacuateTest',
    # rescue: guest config built from another image than the instance's
    'nova.tests.functional.libvirt.test_rescue_deleted_base',
    # guest config per image property (hw_vif_model)
    'nova.tests.functional.libvirt.test_vif_model',
)


class HALibvirtDeployment(fixtures.Fixture):
    """Nova's test configuration as nova.conf is with the extension."""

    def _setUp(self):
        self.loaded = []
        conf_setup = nova_conf_fixture.ConfFixture.setUp

        def _conf_setup(conf_fixture):
            conf_setup(conf_fixture)
            # The wheel has no etc/nova/api-paste.ini; a deployment with
            # the extension uses the extension's (as nova_compat does).
            conf_fixture.conf.set_default(
                'api_paste_config', paths.api_paste_config(), group='wsgi')
            ha_conf.register_opts(conf_fixture.conf)

        self.useFixture(fixtures.MonkeyPatch(
            'nova.tests.fixtures.conf.ConfFixture.setUp', _conf_setup))

        flags = nova_test.TestCase.flags

        def _flags(test, **kw):
            if kw.get('compute_driver') == NOVA_LIBVIRT_DRIVER:
                kw['compute_driver'] = alias.COMPUTE_DRIVER
            return flags(test, **kw)

        self.useFixture(fixtures.MonkeyPatch('nova.test.TestCase.flags',
                                             _flags))

        load = virt_driver.load_compute_driver

        def _load_compute_driver(virtapi, compute_driver=None):
            driver = load(virtapi, compute_driver)
            if (isinstance(driver, nova_libvirt.LibvirtDriver) and
                    not isinstance(driver, ha_driver.HALibvirtDriver)):
                raise AssertionError(
                    "Nova's test loaded %s, not nova-ha-ext's driver"
                    % type(driver).__name__)
            self.loaded.append(type(driver))
            return driver

        self.useFixture(fixtures.MonkeyPatch(
            'nova.virt.driver.load_compute_driver', _load_compute_driver))


def with_extension(test):
    """Run ``test`` (one of Nova's) under HALibvirtDeployment."""
    test_setup = test.setUp

    def setUp():
        # Before Nova's setUp, so that its ConfFixture and its
        # _setup_compute_service already see the deployment.
        test.ha_deployment = test.useFixture(HALibvirtDeployment())
        test_setup()

    test.setUp = setUp
    return test


def load_tests(loader, standard_tests, pattern):
    names = os.environ.get('NOVA_HA_NOVA_LIBVIRT_TESTS', '').split()
    for name in names or DEFAULT_TESTS:
        standard_tests.addTests(
            with_extension(test) for test in testtools.iterate_tests(
                loader.loadTestsFromName(name)))
    standard_tests.addTests(
        loader.loadTestsFromName(__name__ + '.test_deployment'))
    return standard_tests
