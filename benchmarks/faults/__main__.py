"""Command line of the randomized fault batch; see the package docstring."""

import argparse
import collections
import faulthandler
import json
import os
import pathlib
import queue
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback

INVARIANTS = ('I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7', 'I8')
MODES = ('eventlet', 'threading')
_PREFIX = 'RUN '
# The repository root, so that a child finds both packages from a checkout.
_ROOT = pathlib.Path(__file__).resolve().parents[2]


def _seed_list(text):
    try:
        return [int(s) for s in text.split(',') if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError('a comma-separated list of integer '
                                         'seeds, e.g. 5,17,230')


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks.faults',
        description='Run seeded randomized fault runs of nova-ha-ext (fence '
                    'calls, stalls, kills, force-ups, cancels, retries, '
                    'instance actions, capacity loss) and check the '
                    'invariants I1-I8 after each.')
    parser.add_argument('--runs', type=int, default=300, metavar='N',
                        help='runs, seeds S..S+N-1 (default 300)')
    parser.add_argument('--seed', type=int, default=1, metavar='S',
                        help='first seed (default 1)')
    parser.add_argument('--seeds', type=_seed_list, metavar='LIST',
                        help='run exactly these seeds (comma-separated), '
                             'instead of --seed/--runs')
    parser.add_argument('--jobs', type=int, default=2, metavar='N',
                        help='child processes run at once (default 2)')
    parser.add_argument('--mode', choices=MODES + ('both',), default='both',
                        help="Nova's concurrency mode; 'both' (default) "
                             'runs even seeds with eventlet, odd ones with '
                             'native threads')
    parser.add_argument('--per-process', type=int, default=10, metavar='N',
                        help='runs per child process before a fresh one '
                             '(default 10)')
    parser.add_argument('--run-timeout', type=int, default=300, metavar='S',
                        help='give a run up for hung after S seconds '
                             '(default 300)')
    parser.add_argument('--records', metavar='FILE',
                        help='also write every run\'s record (JSON lines)')
    parser.add_argument('--reports', type=int, default=3, metavar='N',
                        help='print the full report (plan, history) of the '
                             'first N runs that broke something (default 3)')
    parser.add_argument('--json', action='store_true',
                        help='print the figures as one JSON object')
    parser.add_argument('--child', action='store_true',
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ('runs', 'jobs', 'per_process', 'run_timeout'):
        if getattr(args, name) < 1:
            parser.error('--%s must be at least 1' % name.replace('_', '-'))
    return args


def _mode(args, seed):
    if args.mode != 'both':
        return args.mode
    return MODES[seed % 2]


# -- child: runs in a fresh process, prints one record per line -------------

def child(seeds, out=sys.stdout):
    # Imported here: the parent set the concurrency mode in the environment,
    # and the test package applies it before Nova loads.
    import testtools

    from nova_ha_ext.tests.functional.faults import randomized

    for seed in seeds:
        sink = []
        outcome = testtools.TestResult()
        started = time.monotonic()
        case = randomized.RandomizedFaultCase('run_and_check', seed=seed,
                                              sink=sink)
        try:
            case.run(outcome)
        except Exception:
            outcome.errors.append((case, traceback.format_exc()))
        record = sink[0] if sink else {
            'seed': seed, 'faults': {}, 'violations': {},
            'max_call_window_ms': 0, 'max_call_window_ms_unstalled': 0,
            'errors': [], 'plan': [], 'history': []}
        record['total_seconds'] = round(time.monotonic() - started, 2)
        for _case, details in outcome.errors + outcome.failures:
            if 'InvariantViolationError' not in details or not sink:
                record['errors'].append(details[-4000:])
        if record['violations'] or record['errors']:
            record['report'] = randomized.report(record)
        out.write(_PREFIX + json.dumps(record) + '\n')
        out.flush()


# -- parent ------------------------------------------------------------------

class Batch:
    """Runs the chunks of seeds in child processes; collects records."""

    def __init__(self, args, progress):
        self.args = args
        self.progress = progress
        self.records = []
        self.total = 0
        self._lock = threading.Lock()
        self._chunks = queue.Queue()
        self._logs = None

    def run(self, seeds):
        self.total = len(seeds)
        by_mode = collections.defaultdict(list)
        for seed in seeds:
            by_mode[_mode(self.args, seed)].append(seed)
        for mode, mine in sorted(by_mode.items()):
            for i in range(0, len(mine), self.args.per_process):
                self._chunks.put((mode, mine[i:i + self.args.per_process]))
        threads = [threading.Thread(target=self._loop, daemon=True)
                   for _ in range(self.args.jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(self.records, key=lambda r: r['seed'])

    def _loop(self):
        while True:
            try:
                mode, seeds = self._chunks.get_nowait()
            except queue.Empty:
                return
            self._run_chunk(mode, seeds)

    def _add(self, record):
        with self._lock:
            self.records.append(record)
            broke = sorted(record['violations'])
            if record['errors']:
                broke.append('harness error')
            self.progress('%d/%d seed %d (%s): %.0f s, %s' % (
                len(self.records), self.total, record['seed'],
                record.get('mode'), record.get('total_seconds', 0),
                'BROKE ' + ', '.join(broke) if broke else 'ok'))

    def _run_chunk(self, mode, seeds):
        env = dict(os.environ, OS_NOVA_DISABLE_EVENTLET_PATCHING=(
            '1' if mode == 'threading' else '0'))
        with tempfile.TemporaryFile('w+') as stderr:
            proc = subprocess.Popen(  # noqa: S603 -- this very command
                [sys.executable, '-m', 'benchmarks.faults', '--child',
                 '--seeds', ','.join(map(str, seeds))],
                cwd=str(_ROOT), env=env, stdout=subprocess.PIPE,
                stderr=stderr, text=True)
            left = list(seeds)
            deadline = time.monotonic() + self.args.run_timeout
            problem = None
            while left:
                ready, _, _ = select.select(
                    [proc.stdout], [], [], max(0, deadline - time.monotonic()))
                if not ready:
                    problem = 'hung: no result within %d s' % (
                        self.args.run_timeout)
                    # Every thread's stack to its stderr, then the end.
                    proc.send_signal(signal.SIGUSR1)
                    time.sleep(3)
                    proc.kill()
                    break
                line = proc.stdout.readline()
                if not line:
                    problem = 'its process exited (%s)' % proc.wait()
                    break
                if not line.startswith(_PREFIX):
                    continue
                record = json.loads(line[len(_PREFIX):])
                record.setdefault('mode', mode)
                left.remove(record['seed'])
                self._add(record)
                deadline = time.monotonic() + self.args.run_timeout
            proc.stdout.close()
            proc.wait()
            if problem:
                stderr.seek(0)
                text = stderr.read()
                path = self._keep(left[0], text)
                self._add({'seed': left[0], 'mode': mode, 'faults': {},
                           'violations': {}, 'max_call_window_ms': 0,
                           'errors': ['run %s; its stderr is in %s and '
                                      'ends:\n%s' % (problem, path,
                                                     text[-2000:])],
                           'plan': [], 'history': []})
                if left[1:]:
                    self._chunks.put((mode, left[1:]))


    def _keep(self, seed, text):
        with self._lock:
            if self._logs is None:
                self._logs = tempfile.mkdtemp(prefix='nova-ha-faults-')
        path = os.path.join(self._logs, 'seed-%d.stderr' % seed)
        with open(path, 'w') as stream:
            stream.write(text)
        return path


def summary(records):
    faults = collections.Counter()
    faulted_runs = collections.Counter()
    violations = {name: [0, []] for name in INVARIANTS}
    for record in records:
        for kind, count in record['faults'].items():
            faults[kind] += count
            faulted_runs[kind] += 1
        for name, messages in record['violations'].items():
            entry = violations.setdefault(name, [0, []])
            entry[0] += len(messages)
            entry[1].append(record['seed'])
    widest = max(records, key=lambda r: r['max_call_window_ms'] or 0,
                 default=None)
    unstalled = max(records, default=None, key=lambda r: r.get(
        'max_call_window_ms_unstalled') or 0)
    seconds = [r['total_seconds'] for r in records if r.get('total_seconds')]
    return {
        'runs': len(records),
        'modes': dict(collections.Counter(r.get('mode') for r in records)),
        'seconds_per_run': {
            'median': round(statistics.median(seconds), 1) if seconds
            else None, 'max': max(seconds, default=None)},
        'faults': {k: {'count': faults[k], 'runs': faulted_runs[k]}
                   for k in sorted(faults)},
        'violations': {k: {'count': c, 'seeds': s}
                       for k, (c, s) in violations.items()},
        'harness_errors': [r['seed'] for r in records if r['errors']],
        'widest_call_window_ms': round(widest['max_call_window_ms'], 3)
        if widest else None,
        'widest_call_window_seed': widest['seed'] if widest else None,
        'widest_unstalled_call_window_ms': round(
            unstalled.get('max_call_window_ms_unstalled') or 0, 3)
        if unstalled else None,
        'widest_unstalled_call_window_seed': unstalled['seed']
        if unstalled else None,
    }


def table(figures):
    import prettytable

    lines = ['runs: %d (%s); seconds per run: median %s, max %s' % (
        figures['runs'], ', '.join('%s %d' % kv for kv in sorted(
            figures['modes'].items())),
        figures['seconds_per_run']['median'],
        figures['seconds_per_run']['max'])]
    faults = prettytable.PrettyTable(['fault injected', 'total',
                                      'runs with it'])
    faults.align = 'l'
    for kind, entry in figures['faults'].items():
        faults.add_row([kind, entry['count'], entry['runs']])
    checks = prettytable.PrettyTable(['invariant', 'violations', 'seeds'])
    checks.align = 'l'
    for name, entry in figures['violations'].items():
        checks.add_row([name, entry['count'],
                        ','.join(map(str, entry['seeds'])) or '-'])
    checks.add_row(['harness errors', len(figures['harness_errors']),
                    ','.join(map(str, figures['harness_errors'])) or '-'])
    lines += [faults.get_string(), checks.get_string(),
              'widest call_window_ms: %s (seed %s); without a stall '
              'injected at worker.before_evacuate: %s (seed %s)' % (
                  figures['widest_call_window_ms'],
                  figures['widest_call_window_seed'],
                  figures['widest_unstalled_call_window_ms'],
                  figures['widest_unstalled_call_window_seed'])]
    return '\n'.join(lines)


def main(argv=None, out=sys.stdout, err=sys.stderr):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    seeds = args.seeds or list(range(args.seed, args.seed + args.runs))
    if args.child:
        # A run that seems stuck: ``kill -USR1 <pid>`` of the child prints
        # every thread's stack to its stderr (shown if the run is given up).
        faulthandler.register(signal.SIGUSR1, all_threads=True)
        child(seeds, out)
        return 0

    def progress(line):
        err.write(line + '\n')
        err.flush()

    started = time.monotonic()
    progress('%d runs, %d at a time' % (len(seeds), args.jobs))
    records = Batch(args, progress).run(seeds)
    if args.records:
        with open(args.records, 'w') as stream:
            for record in records:
                stream.write(json.dumps(record) + '\n')
    figures = summary(records)
    figures['wall_seconds'] = round(time.monotonic() - started)
    broken = [r for r in records if r['violations'] or r['errors']]
    if args.json:
        out.write(json.dumps(figures, sort_keys=True) + '\n')
    else:
        out.write(table(figures) + '\n')
        for record in broken[:args.reports]:
            out.write('\n' + record.get('report', '\n'.join(
                ['seed %s:' % record['seed']] + record['errors'])) + '\n')
    progress('done in %d s' % figures['wall_seconds'])
    return 1 if broken else 0


if __name__ == '__main__':
    sys.exit(main())
