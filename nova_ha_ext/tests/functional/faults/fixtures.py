"""Fixtures of the fault-injection tier: fault point stalls and kills,
held spawns, the invariant monitor (see base.py for how tests use them)."""

import collections
import threading
import time

import fixtures
from oslo_log import log as logging

from nova_ha_ext import fault_points

LOG = logging.getLogger(__name__)

#: Nova's migration statuses after which an evacuation creates nothing more.
MIGRATION_FINAL = ('done', 'completed', 'failed', 'error')
MIGRATION_DONE = ('done', 'completed')
#: Bound of every wait for something the test itself set in motion.
WAIT = 20
#: Bound of a hold (stall, spawn): nothing stays blocked past it.
HOLD = 45


class Answer(collections.namedtuple('Answer', 'status body')):
    """An API answer: HTTP status and decoded JSON body (or None)."""


def wait_until(predicate, timeout, message):
    """Poll ``predicate`` until it returns a true value; return it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('%s (after %.0f s)' % (
                message() if callable(message) else message, timeout))
        time.sleep(0.05)


# -- fault points ------------------------------------------------------------

class Probe:
    """Records the hits of a fault point that match ``when(**context)``."""

    def __init__(self, point, when=None):
        self.point = point
        self.when = when or (lambda **context: True)
        self.reached = threading.Event()
        self.hits = []

    def __call__(self, name, **context):
        if not self.when(**context):
            return False
        self.hits.append(context)
        self.reached.set()
        return True

    def wait(self, timeout=10):
        """Wait for a matching hit; fail clearly when there is none."""
        if not self.reached.wait(timeout):
            raise AssertionError(
                'fault point %r was not reached (with the test\'s condition) '
                'within %d s: either the code under test does not call '
                'fault_points.hit(%r, ...), or it never got there' % (
                    self.point, timeout, self.point))
        return self.hits[0]


class Action(Probe):
    """Runs ``action(**context)`` at every matching hit: something that
    happens elsewhere at that moment (a heartbeat, an operator's call)."""

    def __init__(self, point, action, when=None):
        super().__init__(point, when)
        self.action = action

    def __call__(self, name, **context):
        if not super().__call__(name, **context):
            return False
        self.action(**context)
        return True


class Stall(Probe):
    """Blocks the first ``times`` matching hits until :meth:`release`.

    Later hits are recorded and let through. A stalled hit returns on its
    own after ``timeout`` seconds (logged), so nothing hangs for ever.
    """

    def __init__(self, point, when=None, times=1, timeout=HOLD):
        super().__init__(point, when)
        self.times = times
        self.timeout = timeout
        self.stalled = 0
        self.expired = False
        self._released = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, name, **context):
        if not super().__call__(name, **context):
            return False
        with self._lock:
            if self._released.is_set() or self.stalled >= self.times:
                return True
            self.stalled += 1
        LOG.info('Fault point %s stalled (%s)', name, context)
        if not self._released.wait(self.timeout):
            self.expired = True
            LOG.warning('Stall at %s expired after %d s unreleased', name,
                        self.timeout)
        return True

    def release(self):
        self._released.set()


class Kill(Probe):
    """Kills a worker at a fault point: raises ``fault_points.Killed`` in
    the thread that hit it, and crashes the worker's service from another
    thread (its leases left to expire)."""

    def __init__(self, point, worker_id, crash, when=None, times=1):
        when = when or (lambda **context: True)
        super().__init__(point, lambda **context: (
            context.get('worker_id') == worker_id and when(**context)))
        self.worker_id = worker_id
        self.times = times
        self.fired = 0
        #: Set once the worker's service is down.
        self.dead = threading.Event()
        self._crash = crash
        self._lock = threading.Lock()

    def __call__(self, name, **context):
        if not super().__call__(name, **context):
            return False
        with self._lock:
            if self.fired >= self.times:
                return True
            self.fired += 1
        LOG.info('Fault point %s kills worker %s', name, self.worker_id)
        # NOTE: not from this thread: the crash joins the worker's threads,
        # this one among them.
        threading.Thread(target=self._kill, daemon=True).start()
        raise fault_points.Killed()

    def _kill(self):
        try:
            self._crash()
        except BaseException:  # noqa: B036 -- Killed comes back from joins
            LOG.debug('Worker %s crashed', self.worker_id, exc_info=True)
        finally:
            self.dead.set()


class FaultPoints(fixtures.Fixture):
    """Hooks at fault points for one test; every stall released and every
    hook cleared at cleanup."""

    def _setUp(self):
        fault_points.clear()
        self._handlers = collections.defaultdict(list)
        self._stalls = []
        self.addCleanup(fault_points.clear)
        self.addCleanup(self.release_all)

    def add(self, handler):
        handlers = self._handlers[handler.point]
        handlers.append(handler)

        def hook(name, **context):
            for each in list(handlers):
                each(name, **context)

        fault_points.set_hook(handler.point, hook)
        if isinstance(handler, Stall):
            self._stalls.append(handler)
        return handler

    def release_all(self):
        for stall in self._stalls:
            stall.release()


# -- hypervisors ------------------------------------------------------------

class SpawnHold(fixtures.Fixture):
    """Keeps ``FakeDriver.spawn`` open for chosen instances until released.

    Patches the class (MediumFakeDriver inherits it), so every fake host
    is covered, including a compute restarted during the test. A held
    spawn blocks before the guest exists; it goes on by itself after
    ``timeout`` seconds, and every hold is released at cleanup.
    """

    _ALL = object()

    def __init__(self, timeout=HOLD):
        super().__init__()
        self.timeout = timeout
        self._lock = threading.Lock()
        self._gates = {}
        #: (instance uuid, host) of every spawn that was held.
        self.entered = []
        self.expired = []

    def _setUp(self):
        from nova.virt import fake

        real_spawn = fake.FakeDriver.spawn
        holder = self

        def spawn(driver, context, instance, *args, **kwargs):
            holder._wait(instance.uuid, driver._host)
            return real_spawn(driver, context, instance, *args, **kwargs)

        self.useFixture(fixtures.MonkeyPatch(
            'nova.virt.fake.FakeDriver.spawn', spawn))
        self.addCleanup(self.release)

    def _wait(self, uuid, host):
        with self._lock:
            gate = self._gates.get(uuid) or self._gates.get(self._ALL)
            if gate is None or gate.is_set():
                return
            self.entered.append((uuid, host))
        LOG.info('Spawn of %s on %s held', uuid, host)
        if not gate.wait(self.timeout):
            self.expired.append(uuid)
            LOG.warning('Spawn of %s on %s held past %d s: going on',
                        uuid, host, self.timeout)

    def hold(self, *uuids):
        """Hold the spawns of ``uuids`` (of every instance when none)."""
        with self._lock:
            for uuid in uuids or (self._ALL,):
                gate = self._gates.get(uuid)
                # NOTE: a hold still closed is kept: replacing it would
                # leave the spawns waiting on it held until their timeout.
                if gate is None or gate.is_set():
                    self._gates[uuid] = threading.Event()

    def release(self, *uuids):
        """Let the spawns of ``uuids`` (of every held one when none) go."""
        with self._lock:
            gates = ([self._gates[u] for u in uuids if u in self._gates]
                     if uuids else list(self._gates.values()))
        for gate in gates:
            gate.set()

    def wait_entered(self, uuid=None, host=None, timeout=WAIT):
        """Wait until a spawn (of ``uuid``, on ``host``, when given) is
        held: "the evacuation reached its destination".

        :returns: (instance uuid, host) of the first such spawn.
        """
        def held():
            return [(u, h) for u, h in self.entered
                    if uuid in (None, u) and host in (None, h)]

        return wait_until(held, timeout, (
            'no spawn of %s on %s was held: no evacuation reached a '
            'destination' % (uuid or 'any instance', host or 'any host')
        ))[0]


# -- invariants --------------------------------------------------------------

class InvariantMonitor(fixtures.Fixture):
    """Samples the safety invariants every ``interval`` seconds.

    Read from Nova's records and the fake hypervisors, not from the
    extension's rows:

    - an instance runs on at most one live (not fenced) host;
    - at most one evacuation of an instance is in flight (migration not
      final) at a time;
    - at most one evacuation of an instance off one host ended done.
    """

    def __init__(self, test, interval=0.05):
        super().__init__()
        self.test = test
        self.interval = interval
        #: message -> first time seen; kept in the order seen.
        self.violations = collections.OrderedDict()
        self.samples = 0
        self.errors = 0
        #: Samples failed in a row, up to now.
        self.failing = 0
        self.last_error = None
        self._stop = threading.Event()
        self._thread = None

    def _setUp(self):
        self._thread = threading.Thread(
            target=self._loop, name='invariant-monitor', daemon=True)
        self._thread.start()
        self.addCleanup(self.stop)

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _loop(self):
        while not self._stop.is_set():
            # NOTE: Nova's migrations are read every other sample, and only
            # once a host failed (no evacuation can exist before): each
            # read costs several milliseconds, which under eventlet every
            # other green thread of the test waits for.
            read = self.samples % 2 == 0 and bool(self.test.fenced)
            try:
                for violation in self.test.current_violations(read):
                    self.violations.setdefault(violation, time.monotonic())
                self.samples += 1
                self.failing = 0
            except Exception as error:
                # NOTE: a sample racing the teardown of the services; the
                # final check in assert_invariants reads again anyway.
                self.errors += 1
                self.failing += 1
                self.samples += 1
                self.last_error = '%s: %s' % (type(error).__name__, error)
                LOG.debug('Invariant sample failed', exc_info=True)
            self._stop.wait(self.interval)

    def check(self):
        # NOTE: a monitor whose samples all fail (say, a check with the
        # wrong signature) watches nothing: that is an error, not a pass.
        if self.failing >= 10:
            raise AssertionError(
                'the invariant monitor took no sample in its last %d tries; '
                'the last error: %s' % (self.failing, self.last_error))
        if self.violations:
            raise AssertionError(
                'safety invariants violated during the test:\n  ' +
                '\n  '.join(self.violations))
