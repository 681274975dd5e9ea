"""Command line of the recovery benchmark; see the package docstring."""

import argparse
import faulthandler
import logging
import os
import signal
import statistics
import sys
import time

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# The contenders of --cloud minicloud (benchmarks/recovery/contenders.py).
_KEYS = ('nova-ha-ext', 'operator-loop', 'fence_compute', 'masakari',
         'masakari-waits0', 'floor')
# The goals the in-process mode prints.
GOAL_ACCEPTED = 1.0
GOAL_RATIO = 1.1


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks.recovery',
        description='Time the recovery of a failed host by nova-ha-ext '
                    'against its peers: on freshly reset miniclouds of real '
                    'services (--cloud minicloud, the default), or in two '
                    'in-process clouds against the operator loop (--cloud '
                    'inprocess).')
    parser.add_argument('--cloud', choices=('minicloud', 'inprocess'),
                        default='minicloud',
                        help='real services in their own processes '
                             '(tools/minicloud.sh) or Nova in this process '
                             '(default minicloud)')
    parser.add_argument('--computes', type=int, default=10, metavar='N',
                        help='fake compute hosts, the failed one included '
                             '(default 10)')
    parser.add_argument('--servers', type=int, default=200, metavar='N',
                        help='tagged servers on the failed host (default '
                             '200)')
    parser.add_argument('--spawn-delay', type=float, default=0.5,
                        metavar='S',
                        help='seconds each fake spawn takes during the '
                             'recovery (default 0.5)')
    parser.add_argument('--timeout', type=int, metavar='S',
                        help='give up a boot or a recovery after S seconds '
                             '(default 600 + 6 per server: Masakari '
                             'confirms 3 at a time)')
    mc = parser.add_argument_group('--cloud minicloud')
    mc.add_argument('--tools', default=','.join(_KEYS), metavar='LIST',
                    help='contenders, comma-separated, in this order '
                         '(default: %s)' % ','.join(_KEYS))
    mc.add_argument('--floor-callers', type=int, default=4, metavar='P',
                    help='parallel callers of the floor (default 4: more '
                         'only queue behind the 2 nova-api workers)')
    mc.add_argument('--operator-poll', type=float, default=5.0,
                    metavar='S',
                    help='seconds between the operator loop\'s and the '
                         'floor\'s polls of the servers API (default 5, '
                         'as an operator\'s watch; the times shown are the '
                         'observer\'s, not the poll\'s)')
    mc.add_argument('--host-subset-size', type=int, default=9,
                    metavar='N',
                    help='Nova\'s [filter_scheduler] host_subset_size on '
                         'every contender\'s cloud (default 9, the '
                         'surviving computes: Nova\'s own default, 1, '
                         'piles concurrent evacuations onto one host)')
    mc.add_argument('--ha-option', action='append', default=[],
                    metavar='KEY=VALUE',
                    help='a [nova_ha] option of nova-ha-ext\'s HA '
                         'conductors, repeatable (default: none, the '
                         'extension\'s defaults)')
    mc.add_argument('--run-dir', metavar='DIR',
                    default=os.path.join(_REPO, '.minicloud-bench'),
                    help='run dir of the clouds (default .minicloud-bench)')
    mc.add_argument('--json', action='store_true',
                    help='print the figures as one JSON object instead of '
                         'the table')
    mc.add_argument('--plot', metavar='FILE.png',
                    help='write instances confirmed over time, one line '
                         'per contender')
    inproc = parser.add_argument_group('--cloud inprocess')
    inproc.add_argument('--repeat', type=int, default=1, metavar='N',
                        help='recover N times each way, alternating which '
                             'goes first; medians are shown (default 1)')
    inproc.add_argument('--max-parallel', type=int, metavar='N',
                        help='[nova_ha] max_parallel (default: the '
                             "option's default)")
    inproc.add_argument('--max-parallel-per-worker', type=int, metavar='N',
                        help='[nova_ha] max_parallel_per_worker (default: '
                             "the option's default)")
    inproc.add_argument('--poll-interval', type=float, metavar='S',
                        help='[nova_ha] poll_interval, also the operator '
                             "loop's poll interval (default: the option's "
                             'default)')
    inproc.add_argument('--full-resource-tracker', action='store_true',
                        help="keep Nova's per-claim re-read of every "
                             'allocation of the destination host (skipped '
                             'by default: see cloud._skip_allocation_rereads'
                             '); several times slower')
    args = parser.parse_args(argv)
    if args.timeout is None:
        args.timeout = 600 + 6 * args.servers
    if args.computes < 2:
        parser.error('--computes must be at least 2: one fails, the others '
                     'take its servers')
    for name in ('servers', 'repeat', 'timeout', 'floor_callers',
                 'host_subset_size'):
        if getattr(args, name) < 1:
            parser.error('--%s must be at least 1' % name.replace('_', '-'))
    if args.spawn_delay < 0:
        parser.error('--spawn-delay cannot be negative')
    if args.operator_poll <= 0:
        parser.error('--operator-poll must be positive')
    for option in args.ha_option:
        if '=' not in option or ',' in option:
            parser.error('--ha-option %r: give one KEY=VALUE' % option)
    args.tools = [t.strip() for t in args.tools.split(',') if t.strip()]
    unknown = [t for t in args.tools if t not in _KEYS]
    if unknown or not args.tools:
        parser.error('--tools: unknown %s; choose from %s' % (
            ', '.join(unknown) or '(none given)', ', '.join(_KEYS)))
    if args.cloud == 'inprocess' and (args.json or args.plot):
        parser.error('--json and --plot need --cloud minicloud')
    args.run_dir = os.path.abspath(args.run_dir)
    return args


def _settings(args):
    # Imported late: Nova must be loaded after the threading mode is set.
    from benchmarks.recovery import cloud
    from nova_ha_ext.conf import recovery as opts

    defaults = {opt.name: opt.default for opt in opts.CONDUCTOR_OPTS}

    def pick(value, name):
        return defaults[name] if value is None else value

    return cloud.Settings(
        computes=args.computes, servers=args.servers,
        spawn_delay=args.spawn_delay,
        max_parallel=pick(args.max_parallel, 'max_parallel'),
        max_parallel_per_worker=pick(args.max_parallel_per_worker,
                                     'max_parallel_per_worker'),
        poll_interval=pick(args.poll_interval, 'poll_interval'),
        timeout=args.timeout,
        skip_allocation_rereads=not args.full_resource_tracker)


def _median(results, attr):
    values = [getattr(r, attr) for r in results]
    if any(v is None for v in values):
        return None
    return statistics.median(values)


def _cell(results, attr):
    value = _median(results, attr)
    if value is None:
        return 'n/a'
    if len(results) == 1:
        return '%.2f' % value
    values = [getattr(r, attr) for r in results]
    return '%.2f (%.2f-%.2f)' % (value, min(values), max(values))


def _verdict(ok):
    return 'met' if ok else 'MISSED'


def table(settings, ext_runs, op_runs):
    import prettytable

    b = _median(ext_runs, 'confirmed')
    c = _median(op_runs, 'confirmed')
    a = _median(ext_runs, 'accepted')
    ratio = b / c if b is not None and c else None
    ext_all = all(r.all_moved and not r.problems for r in ext_runs)
    op_all = all(r.all_moved and not r.problems for r in op_runs)
    rows = [
        ('first call(s) returned: PUT 202 / force-down + list + '
         'evacuate each', _cell(ext_runs, 'calls_returned'),
         _cell(op_runs, 'calls_returned'), '', ''),
        ('(a) every evacuation accepted by Nova', _cell(ext_runs, 'accepted'),
         _cell(op_runs, 'accepted'), '(a) < %.1f s' % GOAL_ACCEPTED,
         _verdict(a is not None and a < GOAL_ACCEPTED)),
        ('Nova finished the last evacuation (migration done)',
         _cell(ext_runs, 'nova_done'), _cell(op_runs, 'nova_done'), '', ''),
        ('(b) / (c) every instance confirmed on a new host',
         _cell(ext_runs, 'confirmed'), _cell(op_runs, 'confirmed'), '', ''),
        ('ratio (b) / (c)', '%.2f' % ratio if ratio else 'n/a', '',
         '<= %.1f' % GOAL_RATIO,
         _verdict(ratio is not None and ratio <= GOAL_RATIO and ext_all)),
        ('every instance ACTIVE on a new host, once, in every run',
         'yes' if ext_all else 'NO', 'yes' if op_all else 'NO', 'yes',
         _verdict(ext_all and op_all)),
    ]
    times = prettytable.PrettyTable(
        ['seconds from the first call', 'nova-ha-ext', 'operator loop',
         'goal', ''])
    times.align = 'l'
    for row in rows:
        times.add_row(row)
    config = prettytable.PrettyTable(['setting', 'value'])
    config.align = 'l'
    for row in (
            ('computes (1 failed)', settings.computes),
            ('tagged servers on the failed host', settings.servers),
            ('spawn delay (s)', settings.spawn_delay),
            ('[nova_ha] max_parallel', settings.max_parallel),
            ('[nova_ha] max_parallel_per_worker',
             settings.max_parallel_per_worker),
            ('[nova_ha] poll_interval (s), also the operator poll',
             settings.poll_interval),
            ('destination claims re-read every allocation',
             'no (in-process artefact skipped)'
             if settings.skip_allocation_rereads else "yes (Nova's)"),
            ('runs each way (median shown, then min-max)', len(ext_runs))):
        config.add_row(row)
    notes = [
        '(a): the newest creation time of the evacuation migration records '
        'Nova wrote for the failed host (Nova writes one per accepted '
        'evacuate call, before it returns).',
        '(b): the evacuation task\'s finished_at (status completed, every '
        'item succeeded); then every server checked through the servers '
        'API: ACTIVE, on another host, one evacuation migration each.',
        '(c): when the operator\'s poll of GET /servers/detail (all '
        'servers, then changes-since the previous poll) first saw every '
        'server ACTIVE on another host.',
    ]
    for r in ext_runs + op_runs:
        for problem in r.problems:
            notes.append('%s: %s' % (r.name, problem))
    return '\n'.join([times.get_string(), config.get_string()] + notes)


def _minicloud(args, out, progress):
    # The minicloud package lives in tools/, as for the e2e tier.
    sys.path.insert(0, os.path.join(_REPO, 'tools'))
    from benchmarks.recovery import minicloud_run
    from benchmarks.recovery import report

    started = time.monotonic()
    try:
        results = minicloud_run.run(args, progress)
    except minicloud_run.BenchmarkError as error:
        progress('benchmark: %s' % error)
        return 1
    rows = (('computes (1 failed)', args.computes),
            ('servers on the failed host', args.servers),
            ('fake spawn delay during the recovery (s)', args.spawn_delay),
            ('floor: parallel callers', args.floor_callers),
            ('Nova [filter_scheduler] host_subset_size',
             args.host_subset_size),
            ('nova-ha-ext [nova_ha] options set',
             ', '.join(args.ha_option) or 'none (defaults)'),
            ('operator loop / floor: poll interval (s)', args.operator_poll),
            ('CPU cores of this machine', os.cpu_count()),
            ('wall time of the whole benchmark (s)',
             round(time.monotonic() - started)))
    out.write((report.document(results, rows) if args.json
               else report.table(results, rows)) + '\n')
    if args.plot:
        report.plot(results, args.plot, '%d servers of a failed host, %d '
                    'computes, spawn %.1f s' % (args.servers, args.computes,
                                                args.spawn_delay))
        progress('plot written to %s' % args.plot)
    return 0 if all(r['ok'] for r in results) else 2


def main(argv=None, out=sys.stdout, err=sys.stderr):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if args.cloud == 'minicloud':
        return _minicloud(args, out, lambda line: (
            err.write(line + '\n'), err.flush()))
    # Native threads, as Nova is moving to and as the simulator runs; must
    # be set before Nova is imported.
    os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', '1')
    logging.getLogger('nova').setLevel(logging.WARNING)

    # A run that seems stuck: ``kill -USR1 <pid>`` prints every thread's
    # stack to stderr and the run goes on.
    faulthandler.register(signal.SIGUSR1, file=err, all_threads=True)

    def progress(line):
        err.write(line + '\n')
        err.flush()

    started = time.monotonic()
    progress('loading Nova...')
    # As Nova's own test package does before anything else: apply the
    # concurrency mode before a library (futurist...) can load eventlet.
    from nova import monkey_patch
    monkey_patch.patch()
    from benchmarks.recovery import cloud
    settings = _settings(args)
    runs = {cloud.extension: [], cloud.operator_loop: []}
    for turn in range(args.repeat):
        # Alternate which recovery goes first so that neither always runs
        # in a warmer process.
        order = [cloud.extension, cloud.operator_loop]
        if turn % 2:
            order.reverse()
        for recovery in order:
            progress('run %d/%d: %s' % (turn + 1, args.repeat,
                                        recovery.__name__))
            try:
                result = cloud.run(settings, recovery, progress)
            except cloud.BenchmarkError as error:
                progress(str(error))
                return 1
            runs[recovery].append(result)
            progress('  %s: accepted %.2fs, confirmed %.2fs%s' % (
                recovery.__name__, result.accepted or -1,
                result.confirmed or -1,
                '; ' + '; '.join(result.problems) if result.problems
                else ''))
    out.write(table(settings, runs[cloud.extension],
                    runs[cloud.operator_loop]) + '\n')
    progress('done in %.0fs' % (time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
