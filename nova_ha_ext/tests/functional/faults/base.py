"""Harness of the fault-injection tier.

The tests here run the recovery code the way production runs it --
asynchronous RPC casts, several HA conductor workers, leases that expire --
and act on it where things go wrong: they stall or kill a worker or an API
call at a named fault point (:mod:`nova_ha_ext.fault_points`), hold a
destination's spawn open so an evacuation stays in flight, and make calls
race. What they assert is what an operator sees (API answers, Nova's server
and migration records, the guests on the fake hypervisors), and every test
ends with :meth:`FaultTestBase.assert_invariants`, while a background
monitor samples the safety invariants during the whole test.

A fault point the code under test never hits fails the test (the waits for
``reached`` time out with a message naming the point): a scenario must not
pass because its fault was never injected.
"""

import collections
import random
import threading
import time

import fixtures
from nova import context as nova_context
from nova import objects
from nova.tests.functional.api import client
from oslo_log import log as logging
from oslo_serialization import jsonutils

from nova_ha_ext import fault_points
from nova_ha_ext.objects import fields
from nova_ha_ext.tests.functional.recovery import base

LOG = logging.getLogger(__name__)
TAG = base.TAG

_TASK = fields.HostEvacuationStatus
_ITEM = fields.InstanceEvacuationStatus
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
                'within %d s: the code under test never calls '
                'fault_points.hit(%r, ...) there' % (
                    self.point, timeout, self.point))
        return self.hits[0]


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
                self._gates[uuid] = threading.Event()

    def release(self, *uuids):
        """Let the spawns of ``uuids`` (of every held one when none) go."""
        with self._lock:
            gates = ([self._gates[u] for u in uuids if u in self._gates]
                     if uuids else list(self._gates.values()))
        for gate in gates:
            gate.set()

    def hosts(self, uuid):
        return [host for held, host in self.entered if held == uuid]

    def wait_entered(self, uuid, timeout=WAIT):
        """Wait until a spawn of ``uuid`` is held; return its host."""
        hosts = wait_until(
            lambda: self.hosts(uuid), timeout,
            'no spawn of instance %s was held: its evacuation never '
            'reached a destination' % uuid)
        return hosts[0]


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
            except Exception:
                # NOTE: a sample racing the teardown of the services; the
                # final check in assert_invariants reads again anyway.
                self.errors += 1
                self.samples += 1
                LOG.debug('Invariant sample failed', exc_info=True)
            self._stop.wait(self.interval)

    def check(self):
        if self.violations:
            raise AssertionError(
                'safety invariants violated during the test:\n  ' +
                '\n  '.join(self.violations))


# -- the test base -----------------------------------------------------------

class FaultTestBase(base.RecoveryTestBase):
    """RecoveryTestBase with production-like settings and fault tools."""

    #: Asynchronous RPC casts, as in production.
    CAST_AS_CALL = False

    def setUp(self):
        self.workers = {}
        #: Hosts fenced (or failed) by the test: their guests are not live.
        self.fenced = set()
        super().setUp()
        # NOTE: evacuation_timeout well above any test's duration unless a
        # test is about it; retries quick; leases short enough that a
        # takeover happens within seconds.
        self.flags(evacuation_timeout=60, group='nova_ha')
        self.faults = self.useFixture(FaultPoints())
        self.spawns = self.useFixture(SpawnHold())
        self.monitor = self.useFixture(InvariantMonitor(self))
        self.addCleanup(self._check_monitor)

    def _check_monitor(self):
        self.monitor.stop()
        self.monitor.check()

    # -- services -------------------------------------------------------

    def _boot_on(self, hosts, tags=(TAG,)):
        """One server per host, booted together: {host: server}."""
        created = {}
        for host in hosts:
            server = self._build_server(
                name='vm-' + host, networks='none', az='nova:%s' % host,
                flavor_id=self.default_flavor_id)
            if tags:
                server['tags'] = list(tags)
            created[host] = self.admin_api.post_server({'server': server})
        return {host: self._wait_for_state_change(server, 'ACTIVE')
                for host, server in created.items()}

    def _start_ha_conductor(self, worker_id='worker-1'):
        worker = super()._start_ha_conductor(worker_id)
        self.workers[worker_id] = worker
        # NOTE: runs before the worker's own cleanup (stop), which joins
        # its threads: a stalled worker must be let go first.
        self.addCleanup(self._release_holds)
        return worker

    def _release_holds(self):
        for name in ('faults', 'spawns'):
            holder = getattr(self, name, None)
            if holder is not None:
                (holder.release_all if name == 'faults'
                 else holder.release)()

    def _fence(self, host):
        self.fenced.add(host)
        super()._fence(host)

    def _mark_host_down(self, host):
        self.fenced.add(host)
        super()._mark_host_down(host)

    def _restart_compute(self, host):
        """Restart ``host``'s nova-compute after its repair: Nova destroys
        the guests evacuated from it and completes their migrations."""
        compute = self.restart_compute_service(self.computes[host])
        self.computes[host] = compute
        self.addCleanup(self._release_holds)
        self.fenced.discard(host)
        return compute

    # -- fault points ----------------------------------------------------

    def stall(self, point, when=None, times=1, timeout=HOLD):
        """Stall the first ``times`` hits of ``point`` matching ``when``."""
        return self.faults.add(Stall(point, when, times, timeout))

    def observe(self, point, when=None):
        return self.faults.add(Probe(point, when))

    def kill_at(self, point, worker_id, when=None, times=1):
        """Kill worker ``worker_id`` at its first hit of ``point``."""
        return self.faults.add(Kill(
            point, worker_id, lambda: self.workers[worker_id].kill(),
            when=when, times=times))

    def slow_service_writes(self, max_delay=0.03):
        """Nova's service record writes take up to ``max_delay`` seconds,
        as round trips to a networked database do.

        Under eventlet an in-process SQLite write never yields, so two API
        calls released together would still run one after the other; with
        this each yields at the write, for a time drawn from a generator
        seeded with the test's id (different interleavings, reproducible).
        """
        real_save = objects.Service.save
        delays = random.Random(self.id())

        def save(service, *args, **kwargs):
            time.sleep(delays.uniform(0, max_delay))
            return real_save(service, *args, **kwargs)

        self.useFixture(fixtures.MonkeyPatch(
            'nova.objects.Service.save', save))

    @staticmethod
    def worker_is(worker_id):
        return lambda **context: context.get('worker_id') == worker_id

    # -- calls -----------------------------------------------------------

    def _concurrently(self, *calls, timeout=WAIT * 2):
        """Run ``calls`` in threads released together by a barrier.

        :returns: the calls' results, in order.
        """
        barrier = threading.Barrier(len(calls))
        results = [None] * len(calls)

        def run(index, call):
            try:
                barrier.wait(timeout)
                results[index] = call()
            except Exception as error:
                results[index] = error

        threads = [threading.Thread(target=run, args=(i, call), daemon=True)
                   for i, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
            self.assertFalse(thread.is_alive(), 'a concurrent call hung')
        for result in results:
            if isinstance(result, Exception):
                raise result
        return results

    def _in_thread(self, call):
        """Start ``call`` in a thread; :meth:`_join` it for its result."""
        result = {}

        def run():
            try:
                result['value'] = call()
            except Exception as error:
                result['error'] = error

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread, result

    def _join(self, started, timeout=WAIT):
        thread, result = started
        thread.join(timeout)
        self.assertFalse(thread.is_alive(), 'a call never returned')
        if 'error' in result:
            raise result['error']
        return result['value']

    def _call(self, method, url, body=None, raw=None, api=None):
        """One API request, whatever its answer: an :class:`Answer`.

        ``raw`` is sent as the body text as is (e.g. JSON no client would
        produce).
        """
        api = api or self.admin_api
        kwargs = {'method': method, 'check_response_status': None}
        if body is not None or raw is not None:
            kwargs['body'] = raw if raw is not None else jsonutils.dumps(body)
            kwargs['headers'] = {'Content-Type': 'application/json'}
        response = api.api_request(url, **kwargs)
        return Answer(response.status_code,
                      response.json() if response.content else None)

    def _host_call(self, host, api=None, **params):
        """PUT /os-ha/hosts/{host} with ``params`` as its host object."""
        return self._call('PUT', '/os-ha/hosts/%s' % host,
                          {'host': params}, api=api)

    def _fence_call(self, host, **params):
        """The fence agent's call: force down, fencing attested."""
        return self._host_call(host, forced_down=True, fenced=True, **params)

    def _evacuation_action(self, uuid, action):
        return self._call('POST', '/os-ha/evacuations/%s/action' % uuid,
                          {action: None})

    def assertAnswer(self, answer, status, fault=None, words=()):
        """``answer`` has ``status``; for an error, the fault body
        ``fault`` whose message holds each of ``words`` (any case)."""
        self.assertEqual(status, answer.status,
                         'unexpected answer: %s' % (answer.body,))
        if fault is None:
            return answer.body
        self.assertIn(fault, answer.body or {}, answer.body)
        message = answer.body[fault]['message']
        for word in words:
            self.assertIn(word.lower(), message.lower(), message)
        return message

    def _tasks(self, host=None):
        url = '/os-ha/evacuations'
        if host:
            url += '?host=%s' % host
        return self.admin_api.api_get(url).body['evacuations']

    def _service(self, host):
        return self._compute_service(host)

    def _servers_gone(self, server_id):
        try:
            self.admin_api.get_server(server_id)
        except client.OpenStackApiNotFoundException:
            return True
        return False

    def _migrations(self, instance_uuid):
        """Nova's evacuation migrations of an instance, oldest first."""
        migrations = objects.MigrationList.get_by_filters(
            self.ctxt, {'instance_uuid': instance_uuid,
                        'migration_type': 'evacuation'})
        return sorted(migrations, key=lambda m: m.id)

    def _item(self, uuid, instance_uuid):
        for item in self._evacuation(uuid)['instances']:
            if item['instance_uuid'] == instance_uuid:
                return item
        self.fail('instance %s is not in evacuation %s' % (
            instance_uuid, uuid))

    def _wait_for_item(self, uuid, instance_uuid, statuses, timeout=WAIT):
        return wait_until(
            lambda: self._item_in(uuid, instance_uuid, statuses), timeout,
            lambda: 'item of %s in evacuation %s never reached %s: %s' % (
                instance_uuid, uuid, statuses,
                self._item(uuid, instance_uuid)))

    def _item_in(self, uuid, instance_uuid, statuses):
        item = self._item(uuid, instance_uuid)
        return item if item['status'] in statuses else None

    def _wait_for_migration(self, instance_uuid, statuses=MIGRATION_FINAL,
                            timeout=WAIT):
        def settled():
            migrations = self._migrations(instance_uuid)
            return (migrations if migrations and
                    migrations[-1].status in statuses else None)

        return wait_until(settled, timeout, lambda: (
            'the evacuation migration of %s never reached %s: %s' % (
                instance_uuid, statuses,
                [(m.uuid, m.status) for m in
                 self._migrations(instance_uuid)])))

    # -- invariants --------------------------------------------------------

    def live_guests(self):
        """{instance uuid: [live hosts whose hypervisor runs it]}."""
        guests = collections.defaultdict(list)
        for host, compute in list(self.computes.items()):
            if host in self.fenced:
                continue
            driver = compute.manager.driver
            for _ in range(5):
                try:
                    uuids = list(driver.instances)
                    break
                except RuntimeError:
                    # NOTE: changed size while read (native threads).
                    continue
            for uuid in uuids:
                guests[uuid].append(host)
        return guests

    def _all_evacuation_migrations(self):
        ctxt = nova_context.get_admin_context()
        by_instance = collections.defaultdict(list)
        for migration in objects.MigrationList.get_by_filters(
                ctxt, {'migration_type': 'evacuation'}):
            by_instance[migration.instance_uuid].append(migration)
        return by_instance

    def current_violations(self, read_migrations=True):
        """The safety invariants broken right now, as messages."""
        found = []
        for uuid, hosts in self.live_guests().items():
            if len(hosts) > 1:
                found.append('instance %s runs on %d live hosts: %s' % (
                    uuid, len(hosts), sorted(hosts)))
        if not read_migrations:
            return found
        for uuid, migrations in self._all_evacuation_migrations().items():
            open_ = [m for m in migrations
                     if m.status not in MIGRATION_FINAL]
            if len(open_) > 1:
                found.append(
                    'instance %s has %d evacuations in flight at once: %s'
                    % (uuid, len(open_),
                       sorted((m.uuid, m.status) for m in open_)))
            done = collections.Counter(
                m.source_compute for m in migrations
                if m.status in MIGRATION_DONE)
            for source, count in done.items():
                if count > 1:
                    found.append(
                        'instance %s was evacuated off %s %d times (done)'
                        % (uuid, source, count))
        return found

    def assert_invariants(self, timeout=WAIT):
        """The end-of-test check: nothing unsafe happened, everything
        reached a final state, and what succeeded really did."""
        self.monitor.check()
        violations = self.current_violations()
        self.assertEqual([], violations, 'safety invariants violated now')

        tasks = [self._evacuation(task['uuid']) for task in self._tasks()]
        for task in tasks:
            # A host failure closed by a force-up leaves nothing running.
            if task['closed_at']:
                self.assertNotIn(
                    task['status'], _TASK.ACTIVE,
                    'evacuation %s of %s is closed but still %s' % (
                        task['uuid'], task['host'], task['status']))

        def unfinished():
            return [task for task in (self._evacuation(t['uuid'])
                                      for t in self._tasks())
                    if not task['finished_at']]

        wait_until(lambda: not unfinished(), timeout, lambda: (
            'evacuations never finished: %s' % unfinished()))

        guests = self.live_guests()
        for task in (self._evacuation(t['uuid']) for t in self._tasks()):
            for item in task['instances']:
                self.assertIn(item['status'], _ITEM.TERMINAL,
                              'finished evacuation %s left %s' % (
                                  task['uuid'], item))
                if item['status'] != _ITEM.SUCCEEDED:
                    self.assertTrue(item['last_error'],
                                    'no reason recorded for %s' % item)
                    continue
                uuid = item['instance_uuid']
                if self._servers_gone(uuid):
                    continue
                server = self.admin_api.get_server(uuid)
                host = server['OS-EXT-SRV-ATTR:host']
                self.assertEqual(
                    [host], guests.get(uuid, []),
                    'succeeded instance %s: live guests vs its host' % uuid)
                self.assertNotEqual(item['source_host'], host, item)
                expected = {'stopped': 'SHUTOFF', 'active': 'ACTIVE'}.get(
                    item['original_vm_state'])
                if expected:
                    self.assertEqual(expected, server['status'],
                                     'instance %s after evacuation' % uuid)
