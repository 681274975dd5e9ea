"""The benchmark's scenario, run as a test case on the functional harness
(as nova-ha-sim does) so that it measures what the tests exercise."""

import sys
import time

# NOTE: first, as in a test run: importing nova_ha_ext.tests applies Nova's
# eventlet monkey patching (or, with native threads, forbids eventlet)
# before anything else imports Nova.
from nova_ha_ext.tests.functional.libvirt import base  # noqa: I001
from nova_ha_ext.tests.functional.libvirt import fakelibvirt

import fixtures
import testtools

from nova_ha_ext.notifications import watchdog as watchdog_notification


class _Scenario(base.WatchdogTestBase):

    def __init__(self, events, latencies):
        super().__init__('run_scenario')
        self._events = events
        # NOTE: a list of the caller's: Nova's TestCase drops its instance
        # attributes when the test ends.
        self._latencies = latencies

    def run_scenario(self):
        self.flags(watchdog_notify_interval=0, group='nova_ha')
        compute = self.start_watchdog_compute()
        flavor_id = self._create_flavor(
            extra_spec={'hw:watchdog_action': 'notify'})
        server = self._create_server(flavor_id=flavor_id, networks='none')

        emitted = []
        emit = watchdog_notification.HAInstanceWatchdogNotification.emit

        def _timed_emit(notification, context):
            emit(notification, context)
            emitted.append(time.perf_counter())

        self.useFixture(fixtures.MonkeyPatch(
            'nova_ha_ext.notifications.watchdog.'
            'HAInstanceWatchdogNotification.emit', _timed_emit))

        for done in range(1, self._events + 1):
            fired = time.perf_counter()
            self.fire_watchdog(compute, server['id'],
                               fakelibvirt.WATCHDOG_NONE)
            self.reports.wait_for(done)
            self.assertEqual(done, len(emitted))
            self._latencies.append(emitted[-1] - fired)


def run(events):
    """Seconds from each firing to its emitted notification."""
    latencies = []
    case = _Scenario(events, latencies)
    result = testtools.TestResult()
    case.run(result)
    for _case, details in result.errors + result.failures:
        sys.stderr.write(details + '\n')
    if not result.wasSuccessful():
        raise SystemExit('benchmark scenario failed')
    return latencies
