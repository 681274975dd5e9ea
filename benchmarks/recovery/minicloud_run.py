"""``--cloud minicloud``: each contender recovers the same failure on a
freshly brought-up minicloud (tools/minicloud, real services in their own
processes on MariaDB and RabbitMQ).

For every contender, in one run: ``up`` (computes run the recording fake
driver, whose spawns sleep ``--spawn-delay`` s once the servers are
booted), N servers tagged for every convention booted onto the failed
host, the contender's set-up (Masakari registers its segment), the failed
host's nova-compute SIGKILLed, then the contender's fence call at t0; the
observer times each instance (``observe.py``); the end state is verified
through the API and on the fake hypervisors; ``down``.
"""

import contextlib
import functools
import os
import signal
import sys
import time

from minicloud import backends
from minicloud import bootstrap
from minicloud import cloud
from minicloud import procs
from minicloud import settings as mc_settings

from benchmarks.recovery import contenders
from benchmarks.recovery import observe

TAG = 'automatic-recovery'  # nova-ha-ext's default [nova_ha] recovery_tag
MICROVERSION = '2.94'


class BenchmarkError(Exception):
    """The cloud did not reach the state a run needs."""


class Context:
    """What a contender is given: the cloud, the failed host, its servers."""

    def __init__(self, state, settings, host, uuids, timeout):
        self.state, self.settings = state, settings
        self.host, self.uuids, self.timeout = host, uuids, timeout
        self.t0 = None
        self.session = bootstrap.admin_session(state)

    def api(self, method, path, **kwargs):
        resp = self.session.request(
            path, method, raise_exc=False,
            headers={'OpenStack-API-Version': 'compute ' + MICROVERSION},
            endpoint_filter={'service_type': 'compute',
                             'interface': 'public'}, **kwargs)
        if resp.status_code >= 400:
            raise BenchmarkError('%s %s: %d %s' % (method, path,
                                                   resp.status_code,
                                                   resp.text[:300]))
        return resp.json() if resp.content else None

    def db(self, name, sql, *args):
        return backends.query(self.state, name, sql, *args)

    def ha_db(self, sql, *args):
        return self.db('nova_ha', sql, *args)


def environment(options):
    """The MINICLOUD_* settings of the benchmark's clouds."""
    os.environ.update({
        'MINICLOUD_DIR': options.run_dir,
        'MINICLOUD_COMPUTES': str(options.computes),
        'MINICLOUD_RECORDING_DRIVER': '1',
        # Every scheduling and every claim of every contender goes through
        # Placement: one sync worker made it the cloud's bottleneck.
        'MINICLOUD_PLACEMENT_WORKERS': '2',
        'MINICLOUD_HOST_SUBSET_SIZE': str(options.host_subset_size),
        'MINICLOUD_HA_OPTIONS': ','.join(options.ha_option),
    })
    return mc_settings.Settings()


def _quiet():
    # minicloud's own progress lines go to stderr: stdout is the table
    # (or the JSON document).
    return contextlib.redirect_stdout(sys.stderr)


BOOT_BATCH = 50


def _boot(ctx, count, progress):
    """``count`` servers on the failed host, tagged for every contender's
    convention: nova-ha-ext's tag, the flavor's ``evacuable`` extra spec
    (fence_evacuate, InstanceHA); Masakari takes every server."""
    project = ctx.session.get_project_id()
    ctx.api('PUT', '/os-quota-sets/%s' % project, json={'quota_set': {
        'instances': -1, 'cores': -1, 'ram': -1}})
    ctx.api('POST', '/flavors/1/os-extra_specs', json={'extra_specs': {
        'evacuable': 'true'}})
    image = ctx.session.get('/v2/images', params={'name': 'cirros-mc'},
                            endpoint_filter={'service_type': 'image',
                                             'interface': 'public'}).json()
    started = time.monotonic()

    def booted(total):
        rows = ctx.db('nova', 'SELECT vm_state, COUNT(*) FROM instances '
                      'WHERE deleted = 0 GROUP BY vm_state')
        states = dict(rows)
        if states.get('error'):
            raise BenchmarkError(
                '%d of %d servers went to ERROR while booting on %s: this '
                'machine does not take %d (try a smaller --servers)' % (
                    states['error'], count, ctx.host, count))
        return states.get('active', 0) == total

    # NOTE: in multi-creates of BOOT_BATCH, each waited for: on 2 cores
    # one request for 200 took 568 s, one for 60 took 41 s (the conductor
    # handles one big request in superlinear time).
    total = 0
    while total < count:
        batch = min(BOOT_BATCH, count - total)
        ctx.api('POST', '/servers', json={'server': {
            'name': 'bench', 'imageRef': image['images'][0]['id'],
            'flavorRef': '1', 'networks': 'none', 'host': ctx.host,
            'tags': [TAG], 'min_count': batch, 'max_count': batch}})
        total += batch
        procs.until('%d servers ACTIVE on %s' % (total, ctx.host),
                    functools.partial(booted, total), ctx.timeout,
                    interval=1.0)
    rows = ctx.db('nova', 'SELECT uuid FROM instances WHERE deleted = 0 '
                  'AND host = %s', ctx.host)
    progress('  %d servers ACTIVE on %s in %.0f s' % (
        len(rows), ctx.host, time.monotonic() - started))
    return [row[0] for row in rows]


def _spawn_delay(state, seconds):
    # Read by the recording fake driver at every spawn (and rebuild).
    with open(state.path_of('nova', 'fake-spawn-delay'), 'w') as f:
        f.write(str(seconds))


def _wait_end(ctx, contender, observer, result):
    """Until every instance is confirmed and, for a contender that tracks
    the recovery, its own view says it is over; bounded."""
    deadline = ctx.t0 + ctx.timeout
    own = result.get('own_done')
    while time.time() < deadline:
        if own is None and contender.tracks and contender.poll(ctx, result):
            own = time.time()
        if observer.all_confirmed.is_set() and (
                own is not None or not contender.tracks):
            break
        time.sleep(0.25)
    result['own_done'] = own


def recover(options, contender, progress):
    """One fresh cloud, one failure, one contender: its figures."""
    settings = environment(options)
    if mc_settings.State.load(settings):
        with _quiet():
            cloud.down(settings)
    with _quiet():
        state = cloud.up(settings)
    try:
        host = settings.hosts()[0]
        ctx = Context(state, settings, host, [], options.timeout)
        ctx.uuids = _boot(ctx, options.servers, progress)
        contender.prepare(ctx)
        _spawn_delay(state, options.spawn_delay)
        cloud.kill(settings, 'nova-compute-' + host, signal.SIGKILL)
        procs.until('nova-compute of %s dead' % host, lambda: not procs.alive(
            state.data['services']['nova-compute-' + host]['pid']), 30)
        state = ctx.state = mc_settings.State.load(settings)
        observer = observe.Observer(state, host, ctx.uuids)
        cpu_before = observe.services_cpu(state)
        observer.start()
        ctx.t0 = time.time()
        progress('  t0: %s' % contender.label)
        result = {'notes': []}
        try:
            result.update(contender.start(ctx))
        except Exception as exc:  # noqa: BLE001 -- reported in the table
            result['notes'].append('failed: %s' % exc)
        else:
            _wait_end(ctx, contender, observer, result)
        end = time.time()
        observer.stop()
        cpu_after = observe.services_cpu(state)
        problems, counts, destinations = observe.verify(
            ctx.api, state, settings, host, ctx.uuids)
        result['destinations'] = destinations
        if observer.error:
            problems.append(observer.error)
        return _figures(ctx, contender, observer, result, problems, counts,
                        cpu_before, cpu_after, end)
    finally:
        with _quiet():
            cloud.down(settings)


def _since(ctx, value):
    return None if value is None else round(value - ctx.t0, 2)


def _figures(ctx, contender, observer, result, problems, counts,
             cpu_before, cpu_after, end):
    n = len(ctx.uuids)
    own_services = contenders.services_cpu_delta(
        cpu_before, cpu_after, contender.services)
    cloud_cpu = sum(cpu_after.get(k, 0) - v for k, v in cpu_before.items())
    return {
        'key': contender.key, 'label': contender.label, 'servers': n,
        'calls_returned_s': _since(ctx, result.get('calls_returned')),
        'accepted_s': _since(ctx, max(observer.accepted.values()))
        if len(observer.accepted) == n else None,
        'accepted_count': len(observer.accepted),
        'confirmed_s': _since(ctx, max(observer.confirmed.values()))
        if len(observer.confirmed) == n else None,
        'confirmed_count': len(observer.confirmed),
        'own_done_s': _since(ctx, result.get('own_done')),
        'evacuations_per_instance': [min(counts), max(counts)]
        if counts else None,
        'cpu_own_s': round(result.get('command_cpu', 0) + own_services, 1),
        'cpu_cloud_s': round(cloud_cpu - own_services, 1),
        'wall_s': round(end - ctx.t0, 1),
        # [seconds since t0, evacuations accepted, instances confirmed]
        'curve': [(round(t - ctx.t0, 2), accepted, confirmed)
                  for t, accepted, confirmed in observer.samples],
        'destinations': result.get('destinations', {}),
        'problems': problems,
        'notes': result['notes'],
        'ok': not problems and len(observer.confirmed) == n,
    }


def run(options, progress):
    """Every contender of ``options.tools`` in turn: their figures."""
    chosen = contenders.all_contenders(options)
    if any(c.key.startswith('masakari') for c in chosen):
        from benchmarks.recovery import masakari
        with _quiet():
            masakari.install()
    results = []
    for index, contender in enumerate(chosen):
        progress('[%d/%d] %s: fresh cloud, %d servers on the failed host'
                 % (index + 1, len(chosen), contender.label,
                    options.servers))
        try:
            figures = recover(options, contender, progress)
        except (procs.CloudError, BenchmarkError) as exc:
            raise BenchmarkError('%s: %s' % (contender.label, exc))
        progress('  accepted %s s, confirmed %s s, own CPU %s s%s' % (
            figures['accepted_s'], figures['confirmed_s'],
            figures['cpu_own_s'], ''.join(
                '; ' + p for p in figures['problems'] + figures['notes'])))
        results.append(figures)
    return results
