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

What the tests need from the production code, beyond the behaviour each
asserts:

- the fault points of :mod:`nova_ha_ext.fault_points`, at the names and
  with the keyword arguments its docstring lists (worker points with
  ``worker_id``; ``api.force_down.locked``/``recorded`` and
  ``api.force_up.locked`` with ``host``);
- a few distinctive words in the messages of refusals (any case):
  "restart nova-compute" (force-up while ``done`` evacuation migrations
  remain), "in flight" (force-up while an item is evacuating), "closed"
  (retry of a closed host failure), "reason" (the 400 on an unencodable
  reason), and the messages the API already has: "no failed instance",
  "can no longer be cancelled"; an item failed because Nova's rebuild
  failed at its destination names that host, one failed on its timeout
  names its migration or says "not confirmed", a deleted instance's
  skipped item says "deleted".
"""

import collections
import random
import threading
import time

import fixtures
from nova import context as nova_context
from nova import objects
from nova.tests.functional.api import client
from oslo_serialization import jsonutils

from nova_ha_ext.objects import fields
from nova_ha_ext.tests.functional.faults import fixtures as fault_fixtures
from nova_ha_ext.tests.functional.recovery import base

TAG = base.TAG
_TASK = fields.HostEvacuationStatus
_ITEM = fields.InstanceEvacuationStatus
MIGRATION_FINAL = fault_fixtures.MIGRATION_FINAL
WAIT = fault_fixtures.WAIT
HOLD = fault_fixtures.HOLD
wait_until = fault_fixtures.wait_until


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
        self.faults = self.useFixture(fault_fixtures.FaultPoints())
        self.spawns = self.useFixture(fault_fixtures.SpawnHold())
        self.monitor = self.useFixture(fault_fixtures.InvariantMonitor(self))
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
        self._report_state(host)
        self.addCleanup(self._release_holds)
        self.fenced.discard(host)
        return compute

    # -- fault points ----------------------------------------------------

    def stall(self, point, when=None, times=1, timeout=HOLD):
        """Stall the first ``times`` hits of ``point`` matching ``when``."""
        return self.faults.add(
            fault_fixtures.Stall(point, when, times, timeout))

    def observe(self, point, when=None):
        return self.faults.add(fault_fixtures.Probe(point, when))

    def kill_at(self, point, worker_id, when=None, times=1):
        """Kill worker ``worker_id`` at its first hit of ``point``."""
        return self.faults.add(fault_fixtures.Kill(
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
        return fault_fixtures.Answer(response.status_code,
                      response.json() if response.content else None)

    def _host_call(self, host, api=None, **params):
        """PUT /os-ha/hosts/{host} with ``params`` as its host object."""
        return self._call('PUT', '/os-ha/hosts/%s' % host,
                          {'host': params}, api=api)

    def _back_up(self, host):
        """The repaired host is back without a restart of this process'
        compute service: its nova-compute reports, then the force-up."""
        self._report_state(host)
        return self._host_call(host, forced_down=False)

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
                (m.source_compute, self.failure_of(m)) for m in migrations
                if m.status in fault_fixtures.MIGRATION_DONE)
            for (source, _failure), count in done.items():
                if count > 1:
                    found.append(
                        'instance %s was evacuated off %s %d times (done)%s'
                        % (uuid, source, count, self.FAILURE_SCOPE))
        return found

    #: How far the "evacuated once" check reaches (see failure_of).
    FAILURE_SCOPE = ''

    def failure_of(self, migration):
        """Which failure of its source host ``migration`` belongs to: two
        ``done`` evacuations of an instance off one host in one failure
        break I2. A test whose hosts fail only once needs no distinction."""
        return None

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
