"""Seeded randomized runs of the fault tier, checked against I1-I8.

A run draws from ``random.Random(seed)`` alone a small cloud (4-6 fake
computes, 1-3 of them failing with 2-8 servers, tagged or not, some
stopped or in ERROR, maybe an anti-affinity group, 2-3 HA conductor
workers, a few ``[nova_ha]`` settings) and a storyline of steps: fence
calls (concurrent, duplicated, repeated), worker stalls past the lease and
short ones, worker kills, API stalls, force-ups and force-downs through
both APIs (ours and Nova's os-services), cancels, retries, instance stop,
delete and reset-state while evacuations are held in flight
(:class:`~.fault_fixtures.SpawnHold`), capacity exhaustion and return,
repairs, a
second failure of a host. The plan (:class:`Plan`) depends on the seed
only; the interleaving of the threads does not, so a seed that violated
once may need a few runs to violate again.

Every run then drives the cloud to quiescence (holds released, a worker
started if none is alive, every task finished, every migration final) and
checks the invariants of doc/recovery-state-machine.md on what an operator
and the hypervisors see -- Nova's migrations, services and servers, the
guests of the fake drivers, the notifications, every answer -- as well as
on the extension's rows. What is recorded per run: the seed, the faults
injected per kind (counted when they happened, not when armed), the
violations per invariant with a message, the widest ``call_window_ms``.

Used by ``test_randomized`` (a few fixed seeds) and by
``python -m benchmarks.faults`` (the long batch).
"""

import collections
import functools
import itertools
import logging as std_logging
import threading
import time
import traceback

import fixtures

import nova.conf
from nova import context as nova_context
from nova import monkey_patch
from nova import objects
from oslo_log import log as logging
from oslo_utils import timeutils

from nova_ha_ext import fault_points
from nova_ha_ext.objects import fields
from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.tests.functional.faults import base
from nova_ha_ext.tests.functional.faults import fixtures as fault_fixtures
from nova_ha_ext.tests.functional.faults import invariant_checks
from nova_ha_ext.tests.functional.faults.invariant_checks import naive
from nova_ha_ext.tests.functional.faults.invariant_checks import uuid_of
from nova_ha_ext.tests.functional.faults.invariant_checks import poll
from nova_ha_ext.tests.functional.faults.storyline import describe
from nova_ha_ext.tests.functional.faults.storyline import LEASE
from nova_ha_ext.tests.functional.faults.storyline import Plan

LOG = logging.getLogger(__name__)

CONF = nova.conf.CONF
INVARIANTS = ('I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7', 'I8')
_ITEM = fields.InstanceEvacuationStatus
_UNSETTLED = (_ITEM.PENDING, _ITEM.EVACUATING)
#: Bounds of the quiescence waits (seconds). Every task finishes within
#: evacuation_timeout (60 s in this tier) of its last attempt's start
#: (I3): an attempt Nova failed but left with a task state (seed 2292:
#: migration failed, instance still "rebuilding") is judged only then.
#: Beyond that margin a task is stuck.
FINISH_MARGIN = 15
MIGRATION_WAIT = 15
#: A run whose tasks took longer than this to finish says so in its
#: history (the bounded waits, not violations).
SLOW_FINISH = 30


class InvariantViolationError(AssertionError):
    """A run broke an invariant (or its harness failed): seed and report."""


def _spawn_hosts(spawns, uuid):
    """The hosts where a held spawn of ``uuid`` was entered."""
    return [host for held, host in spawns.entered if held == uuid]


def _after(skip):
    """A fault point condition true from the ``skip``-th hit on."""
    counter = itertools.count()
    return lambda **context: next(counter) >= skip


class KillAny(fault_fixtures.Probe):
    """Kills whichever live worker hits the point (after ``skip`` hits),
    as :class:`~.fault_fixtures.Kill` does for a named one."""

    def __init__(self, point, case, skip=0):
        super().__init__(point, _after(skip))
        self.case = case
        self.victim = None
        self._lock = threading.Lock()

    def disarm(self):
        with self._lock:
            if self.victim is None:
                self.victim = ''

    def __call__(self, name, **context):
        worker_id = context.get('worker_id')
        with self._lock:
            if (self.victim is not None or worker_id in self.case.dead or
                    worker_id not in self.case.workers or
                    not super().__call__(name, **context)):
                return False
            self.victim = worker_id
            self.case.dead.add(worker_id)
        self.case.log('fault: %s kills %s' % (name, worker_id))
        # NOTE: from another thread: the crash joins this one.
        threading.Thread(target=self._kill, args=(worker_id,),
                         daemon=True).start()
        raise fault_points.Killed()

    def _kill(self, worker_id):
        try:
            self.case.workers[worker_id].kill()
        except BaseException:  # noqa: B036 -- Killed comes back from joins
            LOG.debug('Worker %s crashed', worker_id, exc_info=True)


class CallLog(fault_fixtures.Probe):
    """When each worker went to call Nova's evacuate: the time of every
    ``worker.before_evacuate`` hit, its last re-checks passed."""

    def __init__(self):
        super().__init__('worker.before_evacuate')
        #: instance uuid -> [utc times], in order.
        self.times = collections.defaultdict(list)

    def __call__(self, name, **context):
        self.times[context['instance'].uuid].append(timeutils.utcnow())
        return True

    def call_before(self, instance_uuid, created):
        """The call that made a migration created at ``created``."""
        return max((t for t in self.times.get(instance_uuid, ())
                    if t <= created), default=None)


Call = collections.namedtuple('Call', 'kind host sent answered status body')


# -- the run -----------------------------------------------------------------

class RandomizedFaultCase(invariant_checks.InvariantChecks,
                          base.FaultTestBase):
    """One randomized run per test; see the module docstring.

    The seed comes from the constructor (``seed=``) or from the test
    method's ``seed`` attribute. ``sink`` (a list owned by the caller, as
    Nova's TestCase empties the case at cleanup) receives the run's record.
    """

    seed = None

    def __init__(self, method='runTest', seed=None, sink=None):
        super().__init__(method)
        if seed is not None:
            self.seed = seed
        self.sink = sink

    def setUp(self):
        if self.seed is None:
            self.seed = getattr(self, self._testMethodName).seed
        self.plan = Plan(self.seed)
        # NOTE: before the base class starts the computes and the monitor,
        # which reads the history below.
        self.HOSTS = self.plan.hosts
        self.t0 = time.monotonic()
        self.history = []
        self.calls = []
        self.violations = collections.defaultdict(list)
        self.injected = collections.Counter()
        self.dead = set()
        self.deleted = set()
        self.touched = set()
        self.held = []
        #: uuids whose spawns are held now.
        self.holding = set()
        self.ever_fenced = set()
        self.nova_forced = set()
        self.capacity_off = set()
        self.retried = collections.Counter()
        self.probes = []
        self.harness_errors = []
        # NOTE: two actions at once on one instance race inside Nova (a
        # second os-stop answers 500 UnexpectedTaskStateError), which is
        # Nova's, not what this tier tests: they go one at a time.
        self._instance_lock = threading.Lock()
        # NOTE: the same for two repairs of one host drawn together (seed
        # 2157): both would restart its nova-compute at once, and Nova's
        # restart helper patches module attributes it cannot share.
        self._repair_lock = threading.Lock()
        super().setUp()
        # NOTE: Nova's harness formats every DEBUG record; INFO (what the
        # services log in production) keeps the runs affordable.
        root = std_logging.getLogger()
        self.addCleanup(root.setLevel, root.level)
        root.setLevel(std_logging.INFO)
        self.flags(lease_seconds=LEASE, group='nova_ha')
        self.flags(group='nova_ha', **self.plan.flags)
        # NOTE: on every claim Nova's resource tracker re-reads from
        # placement the allocations of every instance of its host, for its
        # PCI-in-placement healing (off here, ignored by the fake driver):
        # quadratic in the servers of a host, and in this one process it
        # was most of a run's set-up. Evacuations do not depend on it.
        self.useFixture(fixtures.MockPatch(
            'nova.scheduler.client.report.SchedulerReportClient.'
            'get_allocations_for_provider_tree', return_value={}))
        self.deleted_ctxt = nova_context.get_admin_context(read_deleted='yes')
        self.call_log = self.faults.add(CallLog())
        self.log('cloud up')
        for host in self.plan.dead:
            self._mark_host_down(host)
        for index in range(2, self.plan.workers + 1):
            self._start_ha_conductor('worker-%d' % index)
        # NOTE: nothing to watch while the servers boot; the sampling would
        # only compete with the boots for this process' CPU.
        interval, self.monitor.interval = self.monitor.interval, 1
        self._boot_servers()
        self.monitor.interval = interval
        self.log('servers up')

    def _setup_services(self):
        # NOTE: no service heartbeats: under native threads a heartbeat
        # (service_update, a writer that reads inside its transaction) can
        # deadlock Nova's test fixtures (DatabaseWriteLock against
        # CellDatabases' lock). Services are judged up by their record's
        # age instead, for longer than any run; _mark_host_down still ages
        # a host past it, and a forced-down service still reads down.
        self.flags(report_interval=0, service_down_time=3600)
        super()._setup_services()

    def _boot_servers(self):
        plan = self.plan
        group = None
        if any(s.grouped for s in plan.servers):
            group = self.admin_api.post_server_groups(
                {'name': 'replicas', 'policy': 'anti-affinity'})['id']
            # NOTE: members on one host, as after a forced move; Nova's
            # late check is back on before the failure.
            self.flags(disable_group_policy_check_upcall=True,
                       group='workarounds')
        created = []
        for spec in plan.servers:
            server = self._build_server(
                name=spec.name, networks='none', az='nova:%s' % spec.host,
                flavor_id=self.default_flavor_id)
            if spec.tagged:
                server['tags'] = [base.TAG]
            if spec.priority is not None:
                server['metadata'] = {'ha:priority': str(spec.priority)}
            body = {'server': server}
            if spec.grouped:
                body['os:scheduler_hints'] = {'group': group}
            created.append(self.admin_api.post_server(body))
        self.server_ids = [server['id'] for server in created]
        self._wait_for_status(self.server_ids, 'ACTIVE')
        self.flags(disable_group_policy_check_upcall=False,
                   group='workarounds')
        stopped = []
        for spec, uuid in zip(plan.servers, self.server_ids, strict=True):
            if spec.state == 'stopped':
                self.admin_api.post_server_action(uuid, {'os-stop': None})
                stopped.append(uuid)
            elif spec.state == 'error':
                self.admin_api.post_server_action(
                    uuid, {'os-resetState': {'state': 'error'}})
        self._wait_for_status(stopped, 'SHUTOFF')

    def _wait_for_status(self, uuids, status):
        def statuses():
            return {s['id']: s['status'] for s in self.admin_api.get_servers()
                    if s['id'] in uuids}
        poll(lambda: all(s == status for s in statuses().values()), 60,
             lambda: 'servers never %s: %s' % (status, statuses()))

    # -- record --------------------------------------------------------------

    def log(self, text):
        line = '%6.2fs %s' % (time.monotonic() - self.t0, text)
        self.history.append(line)
        LOG.info('randomized run %s: %s', self.seed, text)

    def violation(self, invariant, message):
        self.violations[invariant].append(message)
        self.log('VIOLATION %s: %s' % (invariant, message))

    def timed(self, kind, host, method, url, body=None):
        """One API call, recorded with its send and answer times."""
        sent = timeutils.utcnow()
        try:
            answer = self._call(method, url, body)
            status, answer_body = answer.status, answer.body
        except Exception as error:
            status, answer_body = None, None
            self.violation('I7', '%s of %s (%s %s) raised %r' % (
                kind, host, method, url, error))
        call = Call(kind, host, sent, timeutils.utcnow(), status,
                    answer_body)
        self.calls.append(call)
        uuid = uuid_of(call)
        withheld = uuid and call.body['host']['evacuation']['withheld_reason']
        self.log('%s %s %s -> %s%s%s' % (
            kind, host, body or '', status, ' %s' % uuid[:8] if uuid else '',
            ' (withheld)' if withheld else ''))
        if (status == 500 and not url.startswith(('/os-ha/', '/os-services'))
                and 'UnexpectedTaskStateError' in str(answer_body)):
            # NOTE: Nova's own instance action lost the race for the
            # instance's task state to an evacuation (its save is
            # conditional, so nothing changed) and Nova answers that with
            # 500 rather than 409: Nova's behaviour, counted, not an
            # extension's call failing.
            self.injected['nova_task_state_race'] += 1
        elif (status == 500 and host in self.deleted and
              not url.startswith(('/os-ha/', '/os-services')) and
              'InstanceNotFound' in str(answer_body)):
            # NOTE: Nova's own instance action on an instance this run
            # deleted just before: Nova's delete finished between the
            # action's read and its save, and Nova answers 500 rather than
            # 404. Nova's behaviour, counted.
            self.injected['nova_delete_race'] += 1
        elif status is not None and status >= 500:
            self.violation('I7', '%s of %s (%s %s %s%s) answered %s: %s' % (
                kind, host, method, url, body,
                '' if url.startswith('/os-ha/') else ", Nova's own API",
                status, answer_body))
        return call

    def record(self):
        # NOTE: an attempt stalled at worker.before_evacuate had the stall
        # in its window: the window it had by itself is the other figure.
        stalled = {probe.hits[0]['item'].instance_uuid
                   for probe in self.probes
                   if getattr(probe, 'stalled', 0) and
                   probe.point == 'worker.before_evacuate'}
        try:
            windows = [(item['call_window_ms'] or 0,
                        item['instance_uuid'] in stalled)
                       for task in self._tasks()
                       for item in self._evacuation(task['uuid'])[
                           'instances']]
        except Exception:
            self.harness_errors.append('reading call_window_ms: ' +
                                       traceback.format_exc())
            windows = []
        return {
            'seed': self.seed,
            'mode': 'eventlet' if monkey_patch.is_patched() else 'threading',
            'seconds': round(time.monotonic() - self.t0, 2),
            'faults': {k: v for k, v in sorted(self.injected.items()) if v},
            'violations': {k: v for k, v in sorted(self.violations.items())
                           if v},
            'max_call_window_ms': max((w for w, _ in windows), default=0),
            'max_call_window_ms_unstalled': max(
                (w for w, was_stalled in windows if not was_stalled),
                default=0),
            'errors': self.harness_errors,
            'plan': self.plan.describe(),
            'history': self.history,
        }

    # -- the test ------------------------------------------------------------

    def run_and_check(self):
        """Run the plan, quiesce, check; fail with the report if broken."""
        self.log('set up')
        for index, step in enumerate(self.plan.steps):
            self.log('step %d: %s' % (index, describe(step)))
            self.run_step(step)
        for stage in (self.quiesce, self.check):
            try:
                stage()
            except Exception:
                self.harness_errors.append('%s: %s' % (
                    stage.__name__, traceback.format_exc()))
        record = self.record()
        if self.sink is not None:
            self.sink.append(record)
        if record['violations'] or record['errors']:
            raise InvariantViolationError(report(record))

    def run_step(self, step, alone=True):
        try:
            getattr(self, '_do_' + step.kind)(alone=alone, **step.args)
        except Exception:
            self.harness_errors.append('%s: %s' % (describe(step),
                                                   traceback.format_exc()))
            self.log('step failed: %s' % traceback.format_exc(limit=3))

    # -- steps ---------------------------------------------------------------

    def _do_together(self, steps, alone):
        self.injected['together'] += 1
        self._concurrently(*[functools.partial(self.run_step, s, alone=False)
                             for s in steps])

    def _hosts(self):
        return {h['host']: h for h in self._call(
            'GET', '/os-ha/hosts').body['hosts']}

    def _fence_once(self, host, selection, force):
        params = {'forced_down': True, 'fenced': True, 'evacuate': selection}
        if force:
            params['force'] = True
        return self.timed('fence', host, 'PUT', '/os-ha/hosts/%s' % host,
                          {'host': params})

    def _do_fence(self, calls, alone):
        for host, _dups, _selection, _force in calls:
            if host not in self.fenced:
                self._drain_into(host)
                self._fence(host)
                self.ever_fenced.add(host)
        before = self._hosts()
        thunks = []
        for host, dups, selection, force in calls:
            thunks += [functools.partial(self._fence_once, host, selection,
                                         force)] * dups
        if len(thunks) > 1:
            self.injected['fence_concurrent'] += 1
        self.injected['fence_duplicate'] += len(thunks) - len(calls)
        answers = self._concurrently(*thunks)
        fresh = {}
        for host, _dups, selection, force in calls:
            mine = [a for a in answers if a.host == host]
            ok = [a for a in mine if a.status in (200, 202)]
            if before[host]['evacuation_uuid']:
                self.injected['fence_repeat'] += len(mine)
            if not alone or not ok:
                continue
            open_uuid = before[host]['evacuation_uuid']
            uuids = {uuid_of(a) for a in ok}
            if open_uuid and before[host]['forced_down']:
                # I8: a repeat answers 200 with the open failure (202 only
                # for a "force" releasing what the storm guard withheld).
                wrong = [(a.status, uuid_of(a)) for a in ok
                         if uuid_of(a) != open_uuid or (
                             a.status == 202 and not force)]
                if wrong:
                    self.violation('I8', 'repeats of the fence call of %s '
                                   'with failure %s open answered %s' % (
                                       host, open_uuid, wrong))
                continue
            created = [a for a in ok if a.status == 202]
            if len(uuids) != 1 or len(created) != 1:
                self.violation('I8', '%d concurrent fence calls of %s '
                               'answered %s: expected one 202 and the same '
                               'uuid' % (len(mine), host, [
                                   (a.status, uuid_of(a)) for a in mine]))
            if created and not open_uuid:
                fresh[host] = (created[0], selection != 'none' and not force)
                if created[0].body['host']['evacuation']['withheld_reason']:
                    self.injected['storm_guard_withheld'] += 1
        if alone and fresh:
            self._check_storm_guard(before, fresh)

    def _check_storm_guard(self, before, fresh):
        """I5: the calls withheld as many as some sequential order would."""
        down = {h for h, s in before.items()
                if s['state'] == 'down' or s['evacuation_uuid']}
        limit = self.plan.flags['max_down_fraction']
        possible = set()
        for order in itertools.permutations(fresh):
            seen, count = set(down), 0
            for host in order:
                seen.add(host)
                if fresh[host][1] and len(seen) / len(before) > limit:
                    count += 1
            possible.add(count)
        withheld = sorted(h for h, (call, _) in fresh.items()
                          if call.body['host']['evacuation'][
                              'withheld_reason'])
        if len(withheld) not in possible:
            self.violation('I5', 'fence calls of %s (down before: %s, of %d, '
                           'max_down_fraction %s) withheld %s; sequential '
                           'calls withhold %s' % (
                               sorted(fresh), sorted(down), len(before),
                               limit, withheld or 'none', sorted(possible)))

    def _drain_into(self, host):
        """Before ``host`` stops: let evacuations into it end."""
        def in_flight():
            return [m for m in objects.MigrationList.get_by_filters(
                self.ctxt, {'dest_compute': host,
                            'migration_type': 'evacuation'})
                if m.status not in base.MIGRATION_FINAL]
        if in_flight():
            self._do_release_spawns(alone=True)
            try:
                poll(lambda: not in_flight(), 10, 'drain')
            except AssertionError:
                self.log('evacuations into %s still running' % host)

    def _do_force_up(self, host, via, alone):
        before = self._hosts()[host] if alone else None
        if via == 'ha':
            call = self.timed('force_up_ha', host, 'PUT',
                              '/os-ha/hosts/%s' % host,
                              {'host': {'forced_down': False}})
        else:
            call = self.timed('force_up_nova', host, 'PUT',
                              '/os-services/%s' % self._service(host)['id'],
                              {'forced_down': False})
        self.injected[call.kind] += 1
        if call.status == 200:
            self.nova_forced.discard(host)
            if via == 'ha':
                self._check_nothing_in_flight(call)
        if not alone or call.status is None:
            return
        after = self._hosts()[host]
        if call.status == 200:
            if after['forced_down'] or after['evacuation_uuid']:
                self.violation('I4', '%s of %s answered 200 but the host '
                               'reads %s' % (call.kind, host, after))
        elif (before['forced_down'], before['evacuation_uuid']) != (
                after['forced_down'], after['evacuation_uuid']):
            self.violation('I7', 'refused %s of %s (%s) changed the host '
                           'from %s to %s' % (call.kind, host, call.status,
                                              before, after))

    def _check_nothing_in_flight(self, call):
        """I4: Nova's own guard held for our 200 (no done evacuation) and
        nothing of the host was in flight."""
        for migration in objects.MigrationList.get_by_filters(
                self.ctxt, {'source_compute': call.host,
                            'migration_type': 'evacuation'}):
            if (naive(migration.created_at) < call.answered and
                    migration.status not in ('completed', 'failed', 'error')):
                self.violation('I4', 'force-up of %s answered 200 while '
                               'evacuation migration %s of %s was %s' % (
                                   call.host, migration.uuid,
                                   migration.instance_uuid,
                                   migration.status))

    def _do_force_down_nova(self, host, alone):
        call = self.timed('force_down_nova', host, 'PUT',
                          '/os-services/%s' % self._service(host)['id'],
                          {'forced_down': True})
        self.injected['force_down_nova'] += 1
        if call.status == 200:
            self.nova_forced.add(host)

    def _latest_task(self, host):
        tasks = self._tasks(host)
        return tasks[0]['uuid'] if tasks else None

    def _do_cancel(self, host, alone):
        uuid = self._latest_task(host)
        if uuid:
            self.injected['cancel'] += 1
            self.timed('cancel', host, 'POST',
                       '/os-ha/evacuations/%s/action' % uuid,
                       {'cancel': None})

    def _do_retry(self, host, alone):
        uuid = self._latest_task(host)
        if uuid:
            self.injected['retry'] += 1
            call = self.timed('retry', host, 'POST',
                              '/os-ha/evacuations/%s/action' % uuid,
                              {'retry': None})
            if call.status == 202:
                self.retried[uuid] += 1

    def _do_instance(self, op, held, index, alone):
        if held and self.holding:
            # Until an evacuation is held in flight (or it never is).
            try:
                poll(lambda: any(_spawn_hosts(self.spawns, u)
                                 for u in self.holding),
                     8, '')
            except AssertionError:
                self.log('no held evacuation reached its destination')
        candidates = [u for u in self.held if u in self.holding and
                      u not in self.deleted and _spawn_hosts(self.spawns, u)]
        uuid = (candidates[index % len(candidates)] if held and candidates
                else self.server_ids[index % len(self.server_ids)])
        in_flight = uuid in self.holding and any(
            held == uuid for held, _host in self.spawns.entered)
        url = '/servers/%s' % uuid
        with self._instance_lock:
            call = self._instance_call(op, uuid, url)
        self.touched.add(uuid)
        self.injected[call.kind + ('_in_flight' if in_flight else '')] += 1

    def _instance_call(self, op, uuid, url):
        if op == 'delete':
            call = self.timed('instance_delete', uuid, 'DELETE', url)
            if call.status == 204:
                self.deleted.add(uuid)
        else:
            call = self.timed('instance_' + op, uuid, 'POST', url + '/action',
                              {'os-stop': None} if op == 'stop' else
                              {'os-resetState': {'state': 'error'}})
        return call

    def _do_capacity(self, on, alone):
        """Every other host disabled (No valid host), or enabled again."""
        if on:
            hosts, status = sorted(self.capacity_off), 'enabled'
            self.capacity_off.clear()
        else:
            hosts, status = [
                h for h in self.plan.hosts
                if h not in self.plan.failing and h not in self.plan.dead and
                h not in self.capacity_off], 'disabled'
            self.capacity_off.update(hosts)
        self.injected['capacity_' + ('return' if on else 'exhaust')] += 1
        for host in hosts:
            self.timed('capacity', host, 'PUT',
                       '/os-services/%s' % self._service(host)['id'],
                       {'status': status})

    def _do_hold_spawns(self, host, count, alone):
        # NOTE: never a uuid held already: SpawnHold.hold() gives it a new
        # gate, and a spawn waiting on the old one would never be released.
        uuids = [u for spec, u in zip(self.plan.servers, self.server_ids,
                                      strict=True)
                 if spec.host == host and u not in self.holding][:count]
        self.spawns.hold(*uuids)
        self.held += uuids
        self.holding.update(uuids)

    def _do_release_spawns(self, alone):
        self.holding.clear()
        self.spawns.release()

    def _do_sleep(self, seconds, alone):
        time.sleep(seconds)

    def _do_start_worker(self, alone):
        worker_id = 'worker-%d' % (len(self.workers) + 1)
        self._start_ha_conductor(worker_id)
        self.injected['worker_start'] += 1
        self.log('started %s' % worker_id)

    def _unsettled(self, host):
        uuid = self._latest_task(host)
        return uuid and [i for i in self._evacuation(uuid)['instances']
                         if i['status'] in _UNSETTLED]

    def _do_settle(self, host, alone):
        try:
            poll(lambda: not self._unsettled(host), 8, 'settle')
        except AssertionError:
            self.log('%s not settled' % host)

    def _do_repair(self, host, alone):
        """The fenced host is back, power-cycled: its hypervisor is empty."""
        with self._repair_lock:
            self._repair(host)

    def _repair(self, host):
        if (host not in self.fenced or host in self.plan.dead or
                self._unsettled(host)):
            return
        self.computes[host] = self.restart_compute_service(
            self.computes[host], keep_hypervisor_state=False)
        self._report_state(host)
        self.addCleanup(self._release_holds)
        self.fenced.discard(host)
        self.injected['repair'] += 1
        self.log('repaired %s' % host)

    def _do_arm_stall(self, point, seconds, skip, alone):
        self.probes.append(self.faults.add(fault_fixtures.Stall(
            point, when=_after(skip), times=1, timeout=seconds)))

    def _do_arm_kill(self, point, skip, alone):
        self.probes.append(self.faults.add(KillAny(point, self, skip)))

    # -- quiescence --------------------------------------------------------

    def quiesce(self):
        self.log('quiescence')
        # NOTE: disarmed, not cleared: the call log still records the
        # evacuate calls of the quiescence.
        for probe in self.probes:
            if isinstance(probe, KillAny):
                probe.disarm()
        self.faults.release_all()
        self._do_release_spawns(alone=True)
        self._count_faults()
        if all(w in self.dead for w in self.workers):
            self._do_start_worker(alone=True)
        # NOTE: as Pacemaker does, every node still dead is fenced (again):
        # one forced up through Nova's API while dead, say. Until then an
        # evacuation Nova sent there may wait for its nova-compute; once it
        # is fenced the recovery settles it (T12a). A repeat returns the
        # open failure.
        for host in sorted(self.fenced):
            self._fence_once(host, 'tagged', False)

        def unfinished():
            return host_evacuation.HostEvacuationList.get_unfinished(
                self.ctxt)
        started = time.monotonic()
        try:
            poll(lambda: not unfinished(),
                 CONF.nova_ha.evacuation_timeout + FINISH_MARGIN, '')
            if time.monotonic() - started > SLOW_FINISH:
                self.log('tasks finished after %.0f s (evacuation_timeout '
                         '%d s)' % (time.monotonic() - started,
                                    CONF.nova_ha.evacuation_timeout))
        except AssertionError:
            for task in (self._evacuation(t.uuid) for t in unfinished()):
                row = host_evacuation.HostEvacuation.get_by_uuid(
                    self.ctxt, task['uuid'])
                self.violation('I3', 'task %s of %s never finished: %s, '
                               'lease %s until %s, items %s; live workers %s'
                               % (task['uuid'], task['host'], task['status'],
                                  row.lease_owner, row.lease_expires_at, [
                                      (i['instance_uuid'][:8], i['status'],
                                       i['attempts']) for i in
                                      task['instances']], sorted(
                                          set(self.workers) - self.dead)))
                for item in row.instances:
                    if item.status in _UNSETTLED:
                        self.log('  %s' % self._nova_view(item))

        def running():
            return [m for m in objects.MigrationList.get_by_filters(
                self.ctxt, {'migration_type': 'evacuation'})
                if m.status not in base.MIGRATION_FINAL]
        try:
            poll(lambda: not running(), MIGRATION_WAIT, '')
        except AssertionError:
            for migration in running():
                self.violation('I3', 'migration %s of %s never ended: %s' % (
                    migration.uuid, migration.instance_uuid,
                    migration.status))
        self.monitor.stop()
        self.log('quiet')

    def _nova_view(self, item):
        """What Nova holds on an unsettled item, to tell why it waits."""
        try:
            inst = objects.Instance.get_by_uuid(
                self.ctxt.elevated(read_deleted='yes'), item.instance_uuid)
            view = 'instance %s: host %s, vm_state %s, task_state %s' % (
                item.instance_uuid[:8], inst.host, inst.vm_state,
                inst.task_state)
        except Exception as e:  # noqa: BLE001 - a diagnostic only
            view = 'instance %s: %s' % (item.instance_uuid[:8], e)
        migrations = objects.MigrationList.get_by_filters(
            self.ctxt, {'instance_uuid': item.instance_uuid,
                        'migration_type': 'evacuation'})
        return '%s; item migration_id %s; migrations %s' % (
            view, item.migration_id, [
                (m.id, m.source_compute, m.dest_compute, m.status)
                for m in migrations])

    def _count_faults(self):
        for probe in self.probes:
            if isinstance(probe, KillAny):
                self.injected['worker_kill'] += bool(probe.victim)
            elif probe.stalled:
                kind = ('stall_api' if probe.point.startswith('api.') else
                        'stall_past_lease' if probe.timeout > LEASE else
                        'stall_short')
                self.injected[kind] += 1
        self.injected['spawn_hold'] += len({u for u, _ in
                                            self.spawns.entered})


def report(record):
    """A run's record as text: seed, what broke, the plan, the history."""
    lines = ['randomized run seed %s (%s) broke %s; rerun with: python -m '
             'benchmarks.faults --seeds %s --runs 1' % (
                 record['seed'], record['mode'],
                 ', '.join(sorted(record['violations'])) or 'its harness',
                 record['seed'])]
    for invariant, messages in sorted(record['violations'].items()):
        lines += ['  %s: %s' % (invariant, m) for m in messages]
    lines += ['  harness: %s' % e for e in record['errors']]
    lines.append('faults: %s' % ', '.join(
        '%s=%d' % kv for kv in sorted(record['faults'].items())))
    lines += ['plan:'] + ['  ' + line for line in record['plan']]
    lines += ['history:'] + ['  ' + line for line in record['history']]
    return '\n'.join(lines)
