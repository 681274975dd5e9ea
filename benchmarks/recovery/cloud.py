"""The benchmark's in-process cloud and the two recoveries it times.

Import this only after Nova's concurrency mode is applied (``__main__``
does it): otherwise a library may load eventlet first and Nova refuses to
run with native threads.

Each recovery gets a fresh cloud built by Nova's functional harness with
the extension enabled (``HAFunctionalTestBase``), run as a single test case
outside a test runner -- the way ``nova_ha_ext.sim.cloud`` does it -- so
both recoveries start from the same state: the same computes, the same
servers on the failed host, the same free capacity, the same spawn delay.
"""

import datetime
import logging
import time
from urllib import parse

import fixtures
from oslo_utils import timeutils
import testtools

from nova import objects
from nova.virt import fake

from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.tests.functional import base

FAILED_HOST = 'compute1'
# The extension's default [nova_ha] recovery_tag: what a tenant sets.
TAG = 'automatic-recovery'
# Microversion of the baseline's calls: 2.53 is the first that forces a
# service down by id; 2.95 made evacuate leave the instance stopped, which
# no operator restoring service wants, so stay just below it.
BASELINE_MICROVERSION = '2.94'
# How often the benchmark itself checks whether a run is over. It reads
# the databases directly (a single row) so that watching costs the cloud
# next to nothing; the reported times come from the records' timestamps.
_WATCH_INTERVAL = 0.05


def _seconds(start, end):
    # Nova's objects hand out aware datetimes, timeutils.utcnow() naive
    # ones; both are UTC.
    return (end.replace(tzinfo=None) -
            start.replace(tzinfo=None)).total_seconds()


class BenchmarkError(Exception):
    """The cloud did not reach the state a run needs."""


class Settings:
    def __init__(self, computes, servers, spawn_delay, max_parallel,
                 max_parallel_per_worker, poll_interval, timeout,
                 skip_allocation_rereads=True):
        self.skip_allocation_rereads = skip_allocation_rereads
        self.computes = computes
        self.servers = servers
        self.spawn_delay = spawn_delay
        self.max_parallel = max_parallel
        self.max_parallel_per_worker = max_parallel_per_worker
        self.poll_interval = poll_interval
        self.timeout = timeout

    @property
    def hosts(self):
        return ['compute%d' % i for i in range(1, self.computes + 1)]


class RunResult:
    """Seconds from the first call of a recovery to each milestone."""

    def __init__(self, name):
        self.name = name
        #: the recovery's first call returned (PUT, or the operator's
        #: force-down + list + evacuate loop).
        self.calls_returned = None
        #: Nova accepted the last evacuation (its migration record exists).
        self.accepted = None
        #: Nova finished the last evacuation (migration "done").
        self.nova_done = None
        #: the recovery knew every instance was on a new host.
        self.confirmed = None
        self.migrations = 0
        self.all_moved = False
        self.problems = []


def _skip_allocation_rereads():
    """Spare the computes a cost that only this harness serialises.

    On every claim Nova 34's resource tracker re-reads from placement the
    allocations of every instance of its host (one GET each), for its
    PCI-in-placement healing, which is off here and which the fake driver
    ignores. In a real cloud each hypervisor spends that CPU on itself, in
    parallel; in this single process (one GIL, two cores) the reads of
    all hosts queue up behind each other and dominate any recovery,
    whoever drives it. ``--full-resource-tracker`` keeps them.
    """
    return fixtures.MockPatch(
        'nova.scheduler.client.report.SchedulerReportClient.'
        'get_allocations_for_provider_tree', return_value={})


class _DelayedSpawn:
    """FakeDriver.spawn after a delay that the benchmark switches on.

    The delay stands for the hypervisor's work (disk, domain start); it is
    off while the servers are first booted so set-up stays quick, and on
    for the evacuations, which respawn every instance on its new host.
    """

    def __init__(self, original):
        self.original = original
        self.delay = 0.0

    def __call__(self, driver, *args, **kwargs):
        if self.delay:
            time.sleep(self.delay)
        return self.original(driver, *args, **kwargs)

    def patched(self):
        spawn = self

        # A function, not the callable object, so it binds as a method.
        def delayed_spawn(driver, *args, **kwargs):
            return spawn(driver, *args, **kwargs)
        return fixtures.MonkeyPatch('nova.virt.fake.FakeDriver.spawn',
                                    delayed_spawn)


class _Cloud(base.HAFunctionalTestBase):
    """One fresh cloud: Nova + extension + HA conductor, one recovery."""

    # Real asynchrony: an evacuate call returns once Nova recorded it, and
    # conductor, scheduler and computes work in their own threads, as in
    # production. The harness default would run every cast inline.
    CAST_AS_CALL = False
    # FakeDriver reports 1000 vCPUs / 800 GB RAM: 200 small servers fit on
    # any host with room to spare, so capacity never decides the result.
    compute_driver = 'fake.FakeDriver'

    def __init__(self, settings, recovery, progress, results):
        super().__init__('run_benchmark')
        self.settings = settings
        self.recovery = recovery
        self.progress = progress
        # NOTE: a list owned by the caller: Nova's TestCase empties the
        # case's __dict__ at cleanup.
        self.results = results

    # -- set-up ------------------------------------------------------------

    def run_benchmark(self):
        opts = self.settings
        # The harness formats every DEBUG record (to catch bad format
        # strings); production services log at INFO. Without this the
        # logging alone takes a large share of the CPU being measured.
        root = logging.getLogger()
        self.addCleanup(root.setLevel, root.level)
        root.setLevel(logging.INFO)
        self.spawn = _DelayedSpawn(fake.FakeDriver.spawn)
        self.useFixture(self.spawn.patched())
        self.flags(instances=-1, cores=-1, ram=-1, group='quota')
        # Production values of the extension but for the ones benchmarked;
        # no retry is expected, so no backoff either way.
        self.flags(max_parallel=opts.max_parallel,
                   max_parallel_per_worker=opts.max_parallel_per_worker,
                   poll_interval=opts.poll_interval, group='nova_ha')
        started = time.monotonic()
        for host in opts.hosts:
            self._start_compute(host)
        self._start_ha_conductor()
        servers = self._boot_on_failed_host()
        self.progress('  %s: %d computes up, %d servers ACTIVE on %s in '
                      '%.1fs' % (self.recovery.__name__, opts.computes,
                                 len(servers), FAILED_HOST,
                                 time.monotonic() - started))
        # Fencing: the host is powered off before anyone calls anything.
        self.computes[FAILED_HOST].stop()
        self.spawn.delay = opts.spawn_delay
        if opts.skip_allocation_rereads:
            self.useFixture(_skip_allocation_rereads())
        self.results.append(self.recovery(self, servers))

    def _boot_on_failed_host(self):
        flavor = self.admin_api.post_flavor(
            {'flavor': {'name': 'bench', 'ram': 64, 'vcpus': 1,
                        'disk': 1}})
        server = self._build_server(name='bench', networks='none',
                                    az='nova:%s' % FAILED_HOST,
                                    flavor_id=flavor['id'])
        count = self.settings.servers
        server.update(min_count=count, max_count=count, tags=[TAG])
        # Always skipped while booting: N servers onto one host would cost
        # N*N/2 placement reads -- 20,000 for 200, many minutes of CPU.
        with _skip_allocation_rereads():
            # One multi-create request: Nova's conductor builds them all,
            # the compute spawns max_concurrent_builds at a time.
            self.admin_api.api_post('/servers', {'server': server})
            self._wait_for_boot(count)
        servers = self._all_servers()
        misplaced = [s['name'] for s in servers
                     if s['status'] != 'ACTIVE' or
                     s['OS-EXT-SRV-ATTR:host'] != FAILED_HOST]
        if len(servers) != count or misplaced:
            raise BenchmarkError('%d servers, not ACTIVE on %s: %s' % (
                len(servers), FAILED_HOST, misplaced))
        return servers

    def _wait_for_boot(self, count):
        # Counted in the database, not through GET /servers/detail: with
        # hundreds of servers each detail listing costs the cloud a second
        # of CPU, which would slow the boot it watches.
        deadline = self._deadline()
        reported = time.monotonic()
        while True:
            states = {}
            for instance in objects.InstanceList.get_by_filters(
                    self.ctxt, {'deleted': False}, expected_attrs=[]):
                states[instance.vm_state] = states.get(
                    instance.vm_state, 0) + 1
            if states.get('error'):
                raise BenchmarkError('%d server(s) failed to boot' %
                                     states['error'])
            if states.get('active', 0) >= count:
                return
            if time.monotonic() > deadline:
                raise BenchmarkError('servers not ACTIVE after %ds: %s' % (
                    self.settings.timeout, states))
            if time.monotonic() - reported > 10:
                reported = time.monotonic()
                self.progress('  booting: %d/%d ACTIVE' % (
                    states.get('active', 0), count))
            time.sleep(0.5)

    # -- shared by both recoveries ------------------------------------------

    def _all_servers(self, api=None):
        api = api or self.admin_api
        return api.api_get(
            '/servers/detail?all_tenants=1&limit=1000').body['servers']

    def _evacuation_migrations(self):
        return objects.MigrationList.get_by_filters(
            self.ctxt, {'source_compute': FAILED_HOST,
                        'migration_type': 'evacuation'})

    def _deadline(self):
        return time.monotonic() + self.settings.timeout

    def _fill_from_records(self, result, started_at, servers):
        """Milestones from Nova's own records, independent of polling."""

        def since(moment):
            return _seconds(started_at, moment)

        migrations = self._evacuation_migrations()
        result.migrations = len(migrations)
        if migrations:
            result.accepted = since(max(m.created_at for m in migrations))
        done = [m for m in migrations if m.status == 'done']
        if done:
            result.nova_done = since(max(m.updated_at for m in done))
        per_instance = {}
        for migration in migrations:
            per_instance.setdefault(migration.instance_uuid, []).append(
                migration.status)
        twice = {k: v for k, v in per_instance.items() if len(v) > 1}
        if twice:
            result.problems.append('%d instance(s) evacuated more than '
                                   'once' % len(twice))
        # Verified through the servers API, as a user would see it.
        wanted = {s['id'] for s in servers}
        current = {s['id']: s for s in self._all_servers()}
        moved = [uuid for uuid in wanted
                 if uuid in current and
                 current[uuid]['status'] == 'ACTIVE' and
                 current[uuid]['OS-EXT-SRV-ATTR:host'] not in (
                     None, FAILED_HOST)]
        result.all_moved = len(moved) == len(wanted)
        if not result.all_moved:
            result.problems.append('%d of %d servers not ACTIVE on a new '
                                   'host' % (len(wanted) - len(moved),
                                             len(wanted)))
        return result


# -- the two recoveries ------------------------------------------------------

def extension(cloud, servers):
    """(a)/(b): the fence agent's single call; the HA conductor does the rest.
    """
    result = RunResult('nova-ha-ext')
    started_at = timeutils.utcnow()
    started = time.monotonic()
    response = cloud.admin_api.api_put(
        '/os-ha/hosts/%s' % FAILED_HOST,
        {'host': {'forced_down': True, 'fenced': True, 'evacuate': 'tagged',
                  'reason': 'benchmark: fenced by IPMI'}},
        check_response_status=[202])
    result.calls_returned = time.monotonic() - started
    uuid = response.body['host']['evacuation']['uuid']
    deadline = cloud._deadline()
    while True:
        task = host_evacuation.HostEvacuation.get_by_uuid(cloud.ctxt, uuid)
        if task.is_finished:
            break
        if time.monotonic() > deadline:
            raise BenchmarkError('evacuation %s still %s after %ds' % (
                uuid, task.status, cloud.settings.timeout))
        time.sleep(_WATCH_INTERVAL)
    result.confirmed = _seconds(started_at, task.finished_at)
    detail = cloud.admin_api.api_get(
        '/os-ha/evacuations/%s' % uuid).body['evacuation']
    if detail['status'] != 'completed':
        result.problems.append('evacuation ended %s' % detail['status'])
    statuses = {}
    for item in detail['instances']:
        statuses[item['status']] = statuses.get(item['status'], 0) + 1
    if statuses != {'succeeded': len(servers)}:
        result.problems.append('items: %s' % statuses)
    return cloud._fill_from_records(result, started_at, servers)


def operator_loop(cloud, servers):
    """(c): today's manual recovery with Nova's API only.

    ``nova service-force-down``, then ``nova host-evacuate`` (list the
    host's servers, one evacuate call each, in turn), then poll the server
    list until every one of them is ACTIVE elsewhere. The poll interval is
    the HA conductor's, so both confirm at the same granularity.
    """
    api = cloud.admin_api
    api.microversion = BASELINE_MICROVERSION
    result = RunResult('operator loop')
    started_at = timeutils.utcnow()
    started = time.monotonic()
    service = api.api_get(
        '/os-services?binary=nova-compute&host=%s' % FAILED_HOST
    ).body['services'][0]
    api.api_put('/os-services/%s' % service['id'], {'forced_down': True})
    on_host = api.api_get(
        '/servers/detail?all_tenants=1&host=%s' % FAILED_HOST
    ).body['servers']
    for server in on_host:
        api.api_post('/servers/%s/action' % server['id'], {'evacuate': {}},
                     check_response_status=[200])
    result.calls_returned = time.monotonic() - started
    seen = {s['id']: s for s in on_host}
    wanted = set(seen)
    since = None
    deadline = cloud._deadline()
    while True:
        query = '/servers/detail?all_tenants=1&limit=1000'
        if since is not None:
            # Only what changed: a full listing of hundreds of servers
            # costs this shared in-process cloud about a second of CPU per
            # poll (a controller's CPU in production), which would slow the
            # very evacuations being waited for. The overlap makes sure no
            # change committed during the previous poll is missed.
            query += '&changes-since=%s' % parse.quote(
                (since - datetime.timedelta(seconds=1)).isoformat())
        since = timeutils.utcnow()
        for server in api.api_get(query).body['servers']:
            if server['id'] in wanted:
                seen[server['id']] = server
        errors = [s for s in seen.values() if s['status'] == 'ERROR']
        if errors:
            raise BenchmarkError('%d server(s) in ERROR: %s' % (
                len(errors), errors[0].get('fault')))
        if all(s['status'] == 'ACTIVE' and
               s['OS-EXT-SRV-ATTR:host'] != FAILED_HOST
               for s in seen.values()):
            break
        if time.monotonic() > deadline:
            raise BenchmarkError('servers still moving after %ds' %
                                 cloud.settings.timeout)
        time.sleep(cloud.settings.poll_interval)
    result.confirmed = time.monotonic() - started
    if len(wanted) != len(servers):
        result.problems.append('the host listed %d servers, expected %d'
                               % (len(wanted), len(servers)))
    return cloud._fill_from_records(result, started_at, servers)


def run(settings, recovery, progress):
    """Build a fresh cloud, run ``recovery`` in it; a RunResult."""
    results = []
    outcome = testtools.TestResult()
    _Cloud(settings, recovery, progress, results).run(outcome)
    for _case, details in outcome.errors + outcome.failures:
        raise BenchmarkError('%s run failed:\n%s' % (recovery.__name__,
                                                     details))
    return results[0]
