"""Libvirt watchdog events: from libvirt's event thread to the owner.

The path of one firing, following Nova's own lifecycle events:

1. libvirt's native event thread calls ``WatchdogHost._watchdog_callback``,
   which may only call libvirt and ``_queue_event`` (no logging: under
   eventlet a native thread must not touch green primitives);
2. Nova's event handler hands the ``WatchdogEvent`` to the driver's
   ``emit_event`` -- on its dispatch greenthread under eventlet, or right on
   libvirt's thread with native threads;
3. ``WatchdogReporter.handle`` decides in memory whether this firing is
   reported or only counted (one report per guest per
   ``[nova_ha] watchdog_notify_interval``) and, if reported, spawns the
   report on Nova's default executor so the dispatching thread never waits
   on the database or the message bus;
4. the report loads the instance, checks the guest asked for notify (or
   ``notify_all_watchdog_actions``), emits ``instance.watchdog`` and
   records the ``watchdog`` instance action.
"""

import datetime
import threading
import time

from oslo_log import log as logging

import nova.conf
from nova import context as nova_context
from nova import exception
from nova import objects
from nova import thread_pool_factory
from nova.virt.libvirt import event as libvirtevent
from nova.virt.libvirt import host

from nova_ha_ext.notifications import watchdog as watchdog_notification
from nova_ha_ext.virt import watchdog

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# From libvirt's stable ABI (libvirt-domain.h): the watchdog event id and,
# indexed by virDomainEventWatchdogAction, the actions its callback
# reports. Nova's fake libvirt knows neither.
VIR_DOMAIN_EVENT_ID_WATCHDOG = 1
LIBVIRT_WATCHDOG_ACTIONS = (
    'none', 'pause', 'reset', 'poweroff', 'shutdown', 'debug', 'inject-nmi')

# The instance action (``openstack server event list``) and its event.
INSTANCE_ACTION = 'watchdog'
INSTANCE_ACTION_EVENT = 'compute_watchdog_%s'


def watchdog_action_name(code):
    if 0 <= code < len(LIBVIRT_WATCHDOG_ACTIONS):
        return LIBVIRT_WATCHDOG_ACTIONS[code]
    return 'unknown-%d' % code


class WatchdogEvent(libvirtevent.LibvirtEvent):
    """A guest's watchdog fired; ``action`` is what libvirt did."""

    def __init__(self, uuid, action, timestamp=None):
        super().__init__(uuid, timestamp)
        self.action = action

    def __repr__(self):
        return '<%s: %s, %s => %s>' % (
            self.__class__.__name__, self.timestamp, self.uuid, self.action)


class WatchdogHost(host.Host):
    """Nova's libvirt Host, also registered for the watchdog event.

    The registration sits where Nova registers its lifecycle events, on
    every new connection, so it survives libvirtd restarts.
    """

    def _get_new_connection(self):
        conn = super()._get_new_connection()
        self.register_watchdog_events(conn)
        return conn

    def register_watchdog_events(self, conn):
        try:
            conn.domainEventRegisterAny(
                None, VIR_DOMAIN_EVENT_ID_WATCHDOG,
                self._watchdog_callback, self)
        except Exception as e:
            LOG.warning('URI %(uri)s does not support watchdog events, so '
                        'no instance.watchdog notification will be sent: '
                        '%(error)s', {'uri': self._uri, 'error': e})

    @staticmethod
    def _watchdog_callback(conn, dom, action, opaque):
        """Receives watchdog events from libvirt.

        NB: this runs on libvirt's native event thread: only libvirt calls
        and ``_event_handler._queue_event`` are allowed here, logging in
        particular is not (see Nova's ``_event_lifecycle_callback``).
        """
        opaque._event_handler._queue_event(
            WatchdogEvent(dom.UUIDString(), watchdog_action_name(action)))


class FiringRateLimiter:
    """At most one reported firing per guest per interval.

    ``admit`` returns None for a firing to leave unreported (counting it),
    or, for one to report, how many were left unreported before it.
    """

    def __init__(self, interval, clock=time.monotonic):
        # ``interval`` is a callable so that a changed option applies
        # without rebuilding the limiter.
        self._interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        # uuid -> [clock value of the last reported firing, suppressed]
        self._guests = {}

    def admit(self, uuid):
        now = self.clock()
        interval = self._interval()
        with self._lock:
            state = self._guests.get(uuid)
            if state is not None and now - state[0] < interval:
                state[1] += 1
                return None
            suppressed = state[1] if state is not None else 0
            self._forget_quiet_guests(now, interval)
            self._guests[uuid] = [now, 0]
            return suppressed

    def _forget_quiet_guests(self, now, interval):
        # Guests whose window is over and who have nothing left to report
        # carry no information: drop them so the table only holds guests
        # that fired recently.
        quiet = [uuid for uuid, (last, suppressed) in self._guests.items()
                 if suppressed == 0 and now - last >= interval]
        for uuid in quiet:
            del self._guests[uuid]


class WatchdogReporter:
    """Turns WatchdogEvents into instance actions and notifications."""

    def __init__(self, clock=time.monotonic):
        self.limiter = FiringRateLimiter(
            lambda: CONF.nova_ha.watchdog_notify_interval, clock)
        # The compute host's name, set by the driver's init_host.
        self.host = None

    def handle(self, event):
        """Called on Nova's event-dispatching thread; never blocks."""
        suppressed = self.limiter.admit(event.uuid)
        if suppressed is None:
            LOG.debug('Watchdog of instance %s fired again within '
                      '[nova_ha] watchdog_notify_interval; counted, not '
                      'reported', event.uuid)
            return
        thread_pool_factory.spawn(self._report, event, suppressed)

    def _wants_report(self, instance):
        if CONF.nova_ha.notify_all_watchdog_actions:
            return True
        try:
            return watchdog.requested(
                instance.flavor, objects.ImageMeta.from_instance(instance),
                instance.system_metadata) is not None
        except exception.InvalidWatchdogAction:
            return False

    def _report(self, event, suppressed):
        # Runs on a pool thread whose future nobody reads: log, don't raise.
        try:
            self._report_firing(event, suppressed)
        except Exception:
            LOG.exception('Could not report the watchdog firing of instance '
                          '%s', event.uuid)

    def _report_firing(self, event, suppressed):
        context = nova_context.get_admin_context()
        try:
            instance = objects.Instance.get_by_uuid(
                context, event.uuid,
                expected_attrs=['flavor', 'info_cache', 'metadata',
                                'system_metadata'])
        except exception.InstanceNotFound:
            LOG.debug('Watchdog fired for domain %s, which is no instance '
                      'of this cloud; ignored', event.uuid)
            return
        if not self._wants_report(instance):
            LOG.info('Watchdog fired; libvirt action: %s (the guest did '
                     'not ask for notify, so it is not reported)',
                     event.action, instance=instance)
            return
        LOG.warning('Watchdog fired; libvirt action: %(action)s; reporting '
                    'it (%(suppressed)d earlier firings left unreported)',
                    {'action': event.action, 'suppressed': suppressed},
                    instance=instance)
        host_name = self.host or CONF.host
        # The notification first: it is what an application recovering the
        # guest waits for, the instance action is the record of it.
        watchdog_notification.notify_watchdog(
            context, instance, host_name, event.action,
            datetime.datetime.fromtimestamp(
                event.timestamp, datetime.timezone.utc),
            suppressed)
        self._record_instance_action(context, instance, event, host_name)

    @staticmethod
    def _record_instance_action(context, instance, event, host_name):
        # The owner sees this with "openstack server event list"; the
        # event name says what libvirt did. A failure here must not keep
        # the notification from going out.
        name = INSTANCE_ACTION_EVENT % event.action
        try:
            objects.InstanceAction.action_start(
                context, instance.uuid, INSTANCE_ACTION, want_result=False)
            objects.InstanceActionEvent.event_start(
                context, instance.uuid, name, want_result=False,
                host=host_name)
            objects.InstanceActionEvent.event_finish(
                context, instance.uuid, name, want_result=False)
        except Exception:
            LOG.exception('Could not record the watchdog instance action',
                          instance=instance)
