"""Nova's libvirt functional harness (fake libvirt) running nova-ha-ext's
libvirt driver, enabled as nova.conf enables it."""

import logging
import threading

import nova.conf
from nova.tests.functional.libvirt import base as libvirt_base
from nova import utils

from nova_ha_ext import conf as ha_conf
from nova_ha_ext import paths
from nova_ha_ext.tests.functional import base as ha_base
from nova_ha_ext.tests.functional.libvirt import fakelibvirt
from nova_ha_ext.virt import alias
from nova_ha_ext.virt import driver as ha_driver

CONF = nova.conf.CONF


class _Counter:

    def __init__(self):
        self._cond = threading.Condition()
        self.value = 0

    def increment(self):
        with self._cond:
            self.value += 1
            self._cond.notify_all()

    def wait_for(self, value, timeout=10.0):
        with self._cond:
            if not self._cond.wait_for(lambda: self.value >= value, timeout):
                raise AssertionError('%d watchdog reports finished, expected '
                                     '%d' % (self.value, value))


class WatchdogTestBase(libvirt_base.ServersTestBase):

    REQUIRES_LOCKING = False
    microversion = 'latest'

    def setUp(self):
        # As in HAFunctionalTestBase: keep the executors' shutdown INFO
        # lines, logged after log capture ended, out of the test output.
        self.useFixture(ha_base._LoggerLevel('nova.thread_pool_factory',
                                             logging.WARNING))
        super().setUp()
        self.useFixture(fakelibvirt.WatchdogLibvirtFixture())

    def _setup_services(self):
        # NOTE: runs inside _IntegratedTestBase.setUp after Nova's
        # ConfFixture, before any service starts: our options must exist
        # before a test sets them.
        ha_conf.register_opts(CONF)
        self.flags(api_paste_config=paths.api_paste_config(), group='wsgi')
        super()._setup_services()

    def _setup_compute_service(self):
        # The one nova.conf line that enables the driver, imported by Nova
        # as nova.virt.<compute_driver>.
        self.flags(compute_driver=alias.COMPUTE_DRIVER)

    def start_watchdog_compute(self, hostname='compute1'):
        self.start_compute(hostname)
        compute = self.computes[hostname]
        self.assertIsInstance(compute.driver, ha_driver.HALibvirtDriver)
        # NOTE: Nova's harness hands the driver a ready fake connection
        # instead of letting Host open one, so Host._get_new_connection --
        # where Nova registers its lifecycle callbacks and WatchdogHost its
        # watchdog callback -- never runs here. Register as it would (the
        # unit tests check that it does).
        host = compute.driver._host
        host.register_watchdog_events(host.get_connection())
        self._count_reports(compute.driver._watchdog_reporter)
        return compute

    def _count_reports(self, reporter):
        # A report that decides not to notify leaves nothing to wait for;
        # count finished reports so tests can wait for those too.
        self.reports = _Counter()
        report = reporter._report

        def _report(*args):
            try:
                report(*args)
            finally:
                self.reports.increment()

        reporter._report = _report

    @staticmethod
    def connection(compute):
        return compute.driver._host.get_connection()

    def fire_watchdog(self, compute, server_id, action):
        """Fire the guest's watchdog and let Nova's event handling run."""
        self.connection(compute).fire_watchdog(server_id, action)
        if not utils.concurrency_mode_threading():
            # NOTE: under eventlet, libvirt's thread only queues the event;
            # Nova's dispatch greenthread (not started by the harness, which
            # stubs Host._init_events) would then run this.
            compute.driver._host._event_handler._dispatch_events()

    def watchdog_notifications(self):
        return [n for n in self.notifier.versioned_notifications
                if n['event_type'] == 'instance.watchdog']

    def wait_for_watchdog_notifications(self, count):
        return self.notifier.wait_for_versioned_notifications(
            'instance.watchdog', count)
