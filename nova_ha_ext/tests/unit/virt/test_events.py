"""Watchdog events: registration, the native-thread callback, rate limit."""

from unittest import mock

import nova.conf
from nova import test
from nova.tests import fixtures as nova_fixtures
from nova.tests.fixtures import libvirt as fakelibvirt

from nova_ha_ext import conf as ha_conf
from nova_ha_ext.virt import events

CONF = nova.conf.CONF


class _Clock:

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class WatchdogHostTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(nova_fixtures.LibvirtFixture())

    def test_every_new_connection_registers_the_watchdog_event(self):
        host = events.WatchdogHost('qemu:///system')

        conn = host._get_new_connection()

        # Registered next to Nova's own lifecycle callback, on the
        # connection Nova opened.
        self.assertIn(fakelibvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                      conn._event_callbacks)
        self.assertEqual(
            [events.WatchdogHost._watchdog_callback, host],
            conn._event_callbacks[events.VIR_DOMAIN_EVENT_ID_WATCHDOG])

    def test_registration_failure_is_not_fatal(self):
        host = events.WatchdogHost('qemu:///system')
        conn = mock.Mock()
        conn.domainEventRegisterAny.side_effect = fakelibvirt.libvirtError(
            'unsupported')
        with mock.patch.object(events.LOG, 'warning') as warning:
            host.register_watchdog_events(conn)
        self.assertIn('does not support watchdog events',
                      warning.call_args[0][0])

    def test_callback_only_queues_the_event(self):
        host = events.WatchdogHost('qemu:///system')
        dom = mock.Mock()
        dom.UUIDString.return_value = 'a-uuid'
        with mock.patch.object(host._event_handler, '_queue_event') as queue:
            events.WatchdogHost._watchdog_callback(None, dom, 2, host)
        [event] = queue.call_args[0]
        self.assertIsInstance(event, events.WatchdogEvent)
        self.assertEqual(('a-uuid', 'reset'), (event.uuid, event.action))

    def test_action_names(self):
        self.assertEqual(
            ['none', 'pause', 'reset', 'poweroff', 'shutdown', 'debug',
             'inject-nmi', 'unknown-7'],
            [events.watchdog_action_name(code) for code in range(8)])


class FiringRateLimiterTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.clock = _Clock()
        self.interval = 60
        self.limiter = events.FiringRateLimiter(lambda: self.interval,
                                                self.clock)

    def test_one_report_per_interval_with_the_count(self):
        self.assertEqual(0, self.limiter.admit('a'))
        self.clock.now = 59.9
        self.assertIsNone(self.limiter.admit('a'))
        self.assertIsNone(self.limiter.admit('a'))
        # Another guest has its own window.
        self.assertEqual(0, self.limiter.admit('b'))
        self.clock.now = 60.0
        self.assertEqual(2, self.limiter.admit('a'))
        self.clock.now = 61.0
        self.assertIsNone(self.limiter.admit('a'))

    def test_zero_interval_reports_everything(self):
        self.interval = 0
        self.assertEqual([0, 0, 0], [self.limiter.admit('a')
                                     for _ in range(3)])

    def test_quiet_guests_are_forgotten_counted_ones_kept(self):
        self.limiter.admit('quiet')
        self.limiter.admit('crashy')
        self.limiter.admit('crashy')
        self.clock.now = 120
        self.limiter.admit('other')
        self.assertEqual({'crashy', 'other'}, set(self.limiter._guests))
        self.assertEqual(1, self.limiter.admit('crashy'))


class WatchdogReporterTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        ha_conf.register_opts(CONF)

    def test_suppressed_firings_spawn_nothing(self):
        self.flags(watchdog_notify_interval=60, group='nova_ha')
        reporter = events.WatchdogReporter(clock=_Clock())
        event = events.WatchdogEvent('a-uuid', 'none')
        with mock.patch('nova.thread_pool_factory.spawn') as spawn:
            reporter.handle(event)
            reporter.handle(event)
        spawn.assert_called_once_with(reporter._report, event, 0)
