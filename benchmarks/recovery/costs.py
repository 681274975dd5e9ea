"""Per-call costs of one host evacuation, for doc/scale-projection.md.

``python -m benchmarks.recovery.costs [--servers 20] [--json]`` builds the
recovery benchmark's in-process cloud (``cloud.py``: Nova's functional
fixtures, the extension enabled), fences a host carrying N tagged servers
with the fence agent's one call and lets the HA conductor evacuate them,
counting SQL statements per database (``r`` SELECT, ``w`` INSERT/UPDATE/
DELETE, ``t`` BEGIN: one per transaction), RPC casts and calls by topic and
method, placement requests and notifications, each charged to the phase of
the thread that issued it: the API call's set-up, the HA task's loop /
poll / dispatch / confirm, or Nova's conductor, scheduler and computes.
Phases are marked by wrapping the methods named below in this process
only; nothing of nova_ha_ext is changed.
"""

import argparse
import collections
import contextlib
import functools
import json
import os
import pkgutil
import statistics
import sys
import threading
import time

from benchmarks.recovery import __main__ as bench

_T = 'HostEvacuationTask.'
_TASK = 'nova_ha_ext.conductor.tasks.host_evacuation.' + _T
_ITEM = 'nova_ha_ext.conductor.tasks.instance_evacuation.'
_MANAGER = 'nova_ha_ext.conductor.manager.HAConductorManager.'
# Method -> phase; None keeps the caller's phase and only times the call.
_WRAPPED = {
    # The worker's claim when the API's cast arrives; its periodic look.
    _MANAGER + 'start_evacuation': 'ha.start',
    _MANAGER + 'resume_tasks': 'ha.resume',
    _TASK + '_execute': 'loop', _TASK + '_poll': 'poll',
    _TASK + '_dispatch': 'dispatch', _TASK + '_confirm': 'confirm',
    _TASK + '_finish': 'finish',
    # Explicit, not inherited: with [nova_ha] dispatch_threads > 1 (where
    # that option exists) claims and starts run on the worker's pool.
    _TASK + '_claim_and_start': 'dispatch', _TASK + '_start': 'dispatch',
    # Where an attempt's CPU goes.
    _TASK + 'guard': None, _ITEM + 'InstanceEvacuationTask._load': None,
    _ITEM + 'find_migration': None, _ITEM + 'record_migration': None,
    'nova_ha_ext.recovery.server_lock.lock': None,
    'nova_ha_ext.recovery.server_lock.unlock': None,
    'nova.compute.api.API.evacuate': None,
    'nova_ha_ext.recovery.storm_guard.check': 'setup.storm_guard',
    'nova_ha_ext.recovery.selection.select': 'setup.selection',
    'nova_ha_ext.objects.host_evacuation.HostEvacuation.create':
        'setup.record',
    'nova_ha_ext.recovery.actions._force_down_service': 'setup.service',
    'nova.conductor.manager.ComputeTaskManager.rebuild_instance':
        'nova-conductor',
    # NOTE: not select_destinations: nova.service's RPC tracking proxy
    # keeps the bound endpoint method of the first call (the boot's).
    'nova.scheduler.manager.SchedulerManager._select_destinations':
        'nova-scheduler',
    'nova.compute.manager.ComputeManager.rebuild_instance': 'nova-compute',
    # Nova runs it on a pool thread, one per node.
    'nova.compute.manager.ComputeManager._update_available_resource_for_node':
        'resource_tracker',
}
_NOVA = ('nova-conductor', 'nova-scheduler', 'nova-compute', 'other')
_SETUP = ('setup', 'setup.storm_guard', 'setup.selection', 'setup.record',
          'setup.service')


class Meter:
    """Counters by (phase, what); the phase is a thread-local frame stack,
    so concurrent tasks and Nova's service threads never mix."""

    def __init__(self, statements=None):
        self.local = threading.local()
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.frames = collections.defaultdict(list)
        self.on = False
        self.statements = statements

    def count(self, what, text=None):
        if not self.on:
            return
        stack = self.local.__dict__.setdefault('stack', [])
        phase = stack[-1]['phase'] if stack else 'other'
        with self.lock:
            self.counts[phase, what] += 1
            if text and self.statements:
                self.statements.write('%s %s %s\n' % (
                    phase, what, ' '.join(text.split())[:160]))
        for frame in stack:
            # A poll's own statements, not those of the confirms inside.
            if frame['phase'] == phase:
                frame['counts'][what] += 1

    @contextlib.contextmanager
    def frame(self, name, phase=None, **extra):
        stack = self.local.__dict__.setdefault('stack', [])
        frame = dict(extra, counts=collections.Counter(), child_cpu=0.0,
                     phase=phase or (stack[-1]['phase'] if stack else name))
        cpu, wall = time.thread_time(), time.monotonic()
        stack.append(frame)
        try:
            yield frame
        finally:
            stack.pop()
            frame['cpu'] = time.thread_time() - cpu
            frame['wall'] = time.monotonic() - wall
            if stack and stack[-1]['phase'] != frame['phase']:
                stack[-1]['child_cpu'] += frame['cpu']
            if self.on:
                with self.lock:
                    self.frames[name].append(frame)

    def per(self, phases, n=1):
        out = collections.Counter()
        for (phase, what), count in self.counts.items():
            if phase in phases:
                out[what] += count
        return {k: round(v / (n or 1), 2) for k, v in sorted(out.items())}


def _hooks(cloud, meter, ha_db):
    import fixtures
    from sqlalchemy import engine as sa_engine
    from sqlalchemy import event

    from nova.tests.fixtures import notifications

    def db_of(engine):
        # Nova's fixtures name their SQLite files nova-test-<label>-*.
        name = os.path.basename(engine.url.database or '')
        return 'ha' if engine.url.database == ha_db else next(
            (label for prefix, label in (
                ('nova-test-placement', 'placement'),
                ('nova-test-api', 'nova_api'),
                ('nova-test-cell0', 'nova_cell0'),
                ('nova-test-', 'nova_cell')) if name.startswith(prefix)),
            name)

    def on_sql(conn, cursor, statement, *args):
        verb = statement.lstrip()[:6].upper()
        kind = {'SELECT': 'r', 'INSERT': 'w', 'UPDATE': 'w', 'DELETE': 'w',
                'BEGIN': 't'}.get(verb.rstrip(), 'x')
        meter.count('sql.%s.%s' % (db_of(conn.engine), kind), statement)
    event.listen(sa_engine.Engine, 'before_cursor_execute', on_sql)
    cloud.addCleanup(event.remove, sa_engine.Engine,
                     'before_cursor_execute', on_sql)

    def patch(target, wrapper):
        try:
            original = pkgutil.resolve_name(target)
        except AttributeError:  # e.g. _claim_and_start before it existed
            return
        cloud.useFixture(fixtures.MonkeyPatch(
            target, functools.wraps(original)(wrapper(original))))

    def timed(target, phase):
        name = '.'.join(target.split('.')[-2:])

        def wrapper(original):
            def call(*args, **kwargs):
                extra = ({'k': len(args[0].in_flight)}
                         if name == _T + '_poll' else {})
                with meter.frame(name, phase, **extra):
                    return original(*args, **kwargs)
            return call
        return wrapper

    def counted(what):
        def wrapper(original):
            def call(self, *args, **kwargs):
                meter.count(what(self, args, kwargs))
                return original(self, *args, **kwargs)
            return call
        return wrapper

    for target, phase in _WRAPPED.items():
        patch(target, timed(target, phase))
    for verb in ('cast', 'call'):
        patch('oslo_messaging.rpc.client._BaseCallContext.' + verb, counted(
            lambda s, a, kw, verb=verb: 'rpc.%s.%s.%s' % (
                verb, s.target.topic, a[1])))
    for cls, kind in (('FakeNotifier', 'legacy'),
                      ('FakeVersionedNotifier', 'versioned')):
        # NOTE: Nova's fakes bind priority and context in partials.
        patch('%s.%s._notify' % (notifications.__name__, cls), counted(
            lambda s, a, kw, kind=kind: 'notify.%s.%s' % (
                kind, kw['event_type'] if 'event_type' in kw else a[2])))
    for verb in ('get', 'put', 'post', 'delete'):
        patch('nova.scheduler.client.report.SchedulerReportClient.' + verb,
              counted(lambda s, a, kw, verb=verb: 'placement.%s /%s' % (
                  verb.upper(), a[0].split('?')[0].strip('/').split('/')[0])))


def _synthetic_services(cloud, count):
    """``count`` more live nova-compute rows in the failed host's cell."""
    from nova.db.main import api as main_db
    from nova.db.main import models
    from oslo_utils import timeutils
    from oslo_utils import uuidutils
    import sqlalchemy as sa

    from nova_ha_ext.recovery import compute_hosts

    compute_host = compute_hosts.find(cloud.ctxt, 'compute1')
    now = timeutils.utcnow()
    rows = [{'host': 'synthetic%05d' % i, 'uuid': uuidutils.generate_uuid(),
             'binary': 'nova-compute', 'topic': 'compute', 'version': 70,
             'report_count': 1, 'disabled': False, 'forced_down': False,
             'deleted': 0, 'created_at': now, 'last_seen_up': now}
            for i in range(count)]
    cctxt = compute_host.context
    with main_db.get_context_manager(cctxt).writer.using(cctxt) as session:
        session.execute(sa.insert(models.Service), rows)
    return compute_host


def recovery(meter, args, figures):
    def costs(cloud, servers):
        from sqlalchemy.engine import make_url

        import nova.conf
        from nova_ha_ext.objects import host_evacuation
        from nova_ha_ext.recovery import storm_guard

        opts = nova.conf.CONF.nova_ha
        if args.dispatch_threads and hasattr(opts, 'dispatch_threads'):
            cloud.flags(dispatch_threads=args.dispatch_threads,
                        group='nova_ha')
        figures['options'] = {k: getattr(opts, k, 'n/a') for k in (
            'max_parallel', 'max_parallel_per_worker', 'poll_interval',
            'dispatch_threads', 'lock_servers')}
        _hooks(cloud, meter, make_url(cloud.ha_db.url).database)
        meter.on = True
        time.sleep(args.quiet)  # Nova's idle background in this harness
        figures['background_per_s'] = meter.per(_NOVA, args.quiet)
        meter.counts.clear()
        started = time.monotonic()
        with meter.frame('setup'):
            body = cloud.admin_api.api_put('/os-ha/hosts/compute1', {
                'host': {'forced_down': True, 'fenced': True,
                         'evacuate': 'tagged', 'reason': 'costs'}},
                check_response_status=[202]).body
        uuid = body['host']['evacuation']['uuid']
        with meter.frame('harness'):
            while not host_evacuation.HostEvacuation.get_by_uuid(
                    cloud.ctxt, uuid).is_finished:
                time.sleep(0.2)
        figures['recovery_wall_s'] = round(time.monotonic() - started, 2)
        meter.on = False
        figures['item_statuses'] = dict(collections.Counter(
            i['status'] for i in cloud.admin_api.api_get(
                '/os-ha/evacuations/%s' % uuid).body['evacuation'][
                    'instances']))
        # Nova's per-host background at any scale: one heartbeat and one
        # resource-tracker run of a destination (direct DB in this harness;
        # through nova-conductor's RPC in production); then the storm
        # guard's read of a cell of --services more compute services.
        counts, meter.counts = meter.counts, collections.Counter()
        frames = meter.frames
        meter.frames = collections.defaultdict(list)
        calls = [('heartbeat', 'heartbeat',
                  lambda: cloud._report_state('compute2')),
                 ('resource_tracker', 'resource_tracker',
                  lambda: cloud.computes['compute2']
                  .manager.update_available_resource(cloud.ctxt))]
        if args.services:
            host = _synthetic_services(cloud, args.services)
            calls += [('storm_guard_%d_services' % (
                args.services + args.computes), 'setup.storm_guard',
                lambda: storm_guard.check(host))] * 3
        meter.on = True
        for name, phase, call in calls:
            with meter.frame(name, phase):
                call()
        for name, phase, _call in calls:
            figures['one_' + name] = meter.per((phase,), len(
                meter.frames[name]))
        meter.on, meter.counts = False, counts
        frames.update((name, meter.frames[name]) for name, _p, _c in calls)
        meter.frames = frames
    return costs


def summarize(meter, figures, args):
    f = meter.frames
    items = len(f[_T + '_start'])
    by_k = collections.defaultdict(list)
    for poll in f[_T + '_poll']:
        by_k[poll['k']].append(sum(v for w, v in poll['counts'].items()
                                   if w.startswith('sql.')))
    return dict(
        figures, servers=args.servers, computes=args.computes,
        spawn_delay_s=args.spawn_delay,
        setup={p: meter.per((p,)) for p in _SETUP},
        per_dispatched_item=dict(meter.per(('dispatch',), items),
                                 items=items),
        per_poll={'own_sql_median_by_k_in_flight': {
                      k: statistics.median(v) for k, v in sorted(
                          by_k.items())},
                  'loop_overhead': meter.per(('loop',),
                                             len(f[_T + '_poll']))},
        per_confirmed_item=meter.per(('confirm',),
                                     len(f[_T + '_confirm'])),
        once_per_task={p: meter.per((p,)) for p in ('ha.start', 'finish')},
        nova_per_evacuation={p: meter.per((p,), items) for p in _NOVA},
        # Medians over the calls. CPU is the calling thread's alone; "own"
        # leaves out the calls inside of another phase (a poll's confirms).
        calls={name: {key: round(1e3 * statistics.median(
            get(x) for x in v), 2) for key, get in (
                ('cpu_ms', lambda x: x['cpu']),
                ('own_cpu_ms', lambda x: x['cpu'] - x['child_cpu']),
                ('wall_ms', lambda x: x['wall']))} | {'n': len(v)}
               for name, v in sorted(f.items()) if v})


def _lines(prefix, value):
    if not isinstance(value, dict):
        return ['%-72s %s' % (prefix, value)]
    return [line for key, sub in value.items() for line in _lines(
        '%s.%s' % (prefix, key) if prefix else str(key), sub)]


def main(argv=None, out=sys.stdout, err=sys.stderr):
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks.recovery.costs',
        description=__doc__.split('\n\n')[1])
    for flag, kind, default, text in (
            ('--servers', int, 20, 'tagged servers on the failed host'),
            ('--computes', int, 4, 'fake compute hosts, the failed one too'),
            ('--spawn-delay', float, 0.5, 'seconds each fake spawn takes'),
            ('--dispatch-threads', int, None,
             '[nova_ha] dispatch_threads, where that option exists'),
            ('--services', int, 2000, 'then time the storm guard with this '
             'many more nova-compute rows in the cell (0: skip)'),
            ('--quiet', float, 3.0, "seconds of Nova's idle background "
             'counted before the call'),
            ('--statements', str, None, 'write every statement counted, '
             'with its phase, to this file')):
        parser.add_argument(flag, type=kind, default=default, help=text)
    parser.add_argument('--json', action='store_true',
                        help='one JSON object instead of lines')
    args = parser.parse_args(argv)
    # What benchmarks.recovery's --cloud inprocess takes, at its defaults.
    args.max_parallel = args.max_parallel_per_worker = None
    args.poll_interval, args.timeout = None, 600
    args.full_resource_tracker = False
    # As benchmarks/recovery/__main__.py, before Nova is imported: native
    # threads, so that time.thread_time() is one evacuation's CPU.
    os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', '1')
    import logging
    logging.getLogger('nova').setLevel(logging.WARNING)
    from nova import monkey_patch
    monkey_patch.patch()
    from benchmarks.recovery import cloud

    statements = open(args.statements, 'w') if args.statements else None
    meter, figures = Meter(statements), {}
    cloud.run(bench._settings(args), recovery(meter, args, figures),
              lambda line: err.write(line + '\n'))
    summary = summarize(meter, figures, args)
    out.write((json.dumps(summary, indent=1) if args.json
               else '\n'.join(_lines('', summary))) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
