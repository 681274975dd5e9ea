"""The recoveries the minicloud benchmark compares, each as its users run it.

Every contender gets the same cloud state: N tagged servers ACTIVE on the
failed host, whose nova-compute was just SIGKILLed. ``start`` is called at
the fence call's time; it returns once the contender's own command (fence
agent, notification, caller process) has returned. ``finish`` is called
once every instance is confirmed (or the run timed out): it reads the
contender's own view of the end, when it has one, and the CPU its own
long-running processes spent since ``start``.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
FENCE_COMPUTE = '/usr/sbin/fence_compute'
FENCE_EVACUATE = '/usr/sbin/fence_evacuate'
FINAL = ('completed', 'completed_with_errors', 'cancelled')


def run_measured(cmd, stdin=None, env=None, timeout=900):
    """Run ``cmd`` to its end: (exit code, output, CPU seconds, end time).

    The CPU time is the child's own, read by wait4 (the benchmark's other
    children, the cloud's services, do not count).
    """
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(  # noqa: S603 -- argv built here
            cmd, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT,
            env=dict(os.environ, **(env or {})))
        proc.stdin.write((stdin or '').encode())
        proc.stdin.close()
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        ended = time.time()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode('utf-8', 'replace')
    return (proc.returncode, output, usage.ru_utime + usage.ru_stime,
            ended)


class Contender:
    key = label = ''
    #: minicloud services whose CPU counts as this contender's own.
    services = ()

    def __init__(self, options):
        self.options = options

    def prepare(self, ctx):
        """Before the host fails (Masakari registers its segment)."""

    def start(self, ctx):
        raise NotImplementedError

    #: True when the contender tracks the recovery to an end of its own.
    tracks = False

    def poll(self, ctx, result):
        """True once the contender's own view says the recovery is over
        (asked every quarter second until then)."""
        return False

    def service_pids(self, ctx):
        return [s['pid'] for name, s in ctx.state.data['services'].items()
                if name.startswith(self.services) and self.services]


class NovaHAExt(Contender):
    key, label = 'nova-ha-ext', 'nova-ha-ext (fence_nova_ha -o off)'
    tracks = True
    services = ('nova-ha-conductor-',)

    def start(self, ctx):
        cmd = [ctx.settings.bin('fence_nova_ha'), '-o', 'off', '-n',
               ctx.host, '--auth-url', ctx.state.url('keystone', '/v3'),
               '-l', 'admin', '-p', ctx.state['password'],
               '--project-name', 'admin',
               '--reason', 'benchmark: nova-compute of %s killed' % ctx.host]
        rc, output, cpu, ended = run_measured(cmd)
        if rc != 0:
            raise RuntimeError('fence_nova_ha exited %d: %s' % (rc, output))
        return {'calls_returned': ended, 'command_cpu': cpu}

    def poll(self, ctx, result):
        # Its own record says when it confirmed the last instance; read
        # from its database rather than the API, so the watch costs the
        # cloud nothing.
        rows = ctx.ha_db(
            'SELECT status, succeeded_count, total_count FROM '
            'host_evacuations WHERE host = %s ORDER BY id DESC LIMIT 1',
            ctx.host)
        if rows and rows[0][0] in FINAL:
            result['notes'].append('its evacuation task: %s, %d/%d '
                                   'succeeded' % rows[0])
            return True
        return False


class Callers(Contender):
    """The operator loop and the floor: ``benchmarks.recovery.callers``."""

    def __init__(self, options, mode):
        super().__init__(options)
        self.mode = mode
        if mode == 'loop':
            self.key = 'operator-loop'
            self.label = 'operator loop (nova host-evacuate, 2.94)'
        else:
            self.key = 'floor'
            self.label = 'floor (%d parallel untracked callers)' % (
                options.floor_callers)

    def start(self, ctx):
        # NOTE: the caller tracks its own end (its poll): it runs until
        # every server has moved, in the background of the observer.
        cmd = [sys.executable, '-m', 'benchmarks.recovery.callers',
               self.mode, '--auth-url', ctx.state.url('keystone', '/v3'),
               '--password', ctx.state['password'], '--host', ctx.host,
               '--parallel', str(self.options.floor_callers),
               '--poll', str(self.options.operator_poll),
               '--timeout', str(ctx.timeout)]
        rc, output, cpu, ended = run_measured(cmd, env={'PYTHONPATH': REPO},
                                              timeout=ctx.timeout + 60)
        if rc != 0:
            raise RuntimeError('%s exited %d: %s' % (self.mode, rc,
                                                     output[-2000:]))
        report = json.loads(output.strip().splitlines()[-1])
        notes = ['%d evacuate calls refused: %s' % (
            len(report['errors']), report['errors'][:2])] \
            if report['errors'] else []
        return {'calls_returned': report['calls_returned'],
                'own_done': report['done'], 'command_cpu': cpu,
                'notes': notes}


# Pacemaker's attribute daemon as fence_compute and NovaEvacuate use it
# (shared with the e2e tier's stock-clients test).
_ATTRD_UPDATER = os.path.join(REPO, 'tools', 'minicloud', 'attrd_updater')
# NOTE: Debian 12's fence-agents 4.12.1 call inspect.getargspec, which
# Python 3.11 (Debian 12's python3) removed: as shipped, both agents exit
# 1 before any API call (e2e test_stock_clients shows it). To measure what
# they would do, the benchmark gives them the old name back through a
# sitecustomize module on their PYTHONPATH; their own code runs unchanged.
_SHIM = ('import inspect\n'
         'if not hasattr(inspect, "getargspec"):\n'
         '    inspect.getargspec = inspect.getfullargspec\n')


class FenceAgents(Contender):
    key = 'fence_compute'
    label = 'fence_compute + fence_evacuate (NovaEvacuate)'

    def _dir(self):
        path = tempfile.mkdtemp(prefix='bench-fence-')
        shutil.copy(_ATTRD_UPDATER, os.path.join(path, 'attrd_updater'))
        os.chmod(os.path.join(path, 'attrd_updater'), 0o700)
        with open(os.path.join(path, 'sitecustomize.py'), 'w') as f:
            f.write(_SHIM)
        return path

    def _agent(self, ctx, agent, bin_dir):
        # As stonithd and NovaEvacuate pass them: name=value on stdin.
        options = {
            'action': 'off', 'plug': ctx.host,
            'auth_url': ctx.state.url('keystone', '/v3'),
            'login': 'admin', 'passwd': ctx.state['password'],
            'tenant_name': 'admin', 'user_domain': 'Default',
            'project_domain': 'Default', 'endpoint_type': 'publicURL',
            'no_shared_storage': '1',
        }
        stdin = ''.join('%s=%s\n' % item for item in options.items())
        rc, output, cpu, ended = run_measured(
            [agent], stdin=stdin, timeout=ctx.timeout, env={
                'PATH': bin_dir + ':' + os.environ['PATH'],
                'PYTHONPATH': bin_dir})
        if rc != 0:
            raise RuntimeError('%s exited %d: %s' % (
                os.path.basename(agent), rc, output[-2000:]))
        return cpu, ended

    def start(self, ctx):
        if not os.path.exists(FENCE_EVACUATE):
            raise RuntimeError('%s missing (apt-get install fence-agents '
                               'python3-novaclient python3-keystoneclient)'
                               % FENCE_EVACUATE)
        bin_dir = self._dir()
        cpu1, fenced = self._agent(ctx, FENCE_COMPUTE, bin_dir)
        # NOTE: NovaEvacuate's monitor (every 10 s by default) sees the
        # node attribute fence_compute set and runs fence_evacuate; here
        # it runs at once, the peer's best case.
        cpu2, ended = self._agent(ctx, FENCE_EVACUATE, bin_dir)
        return {'calls_returned': ended, 'command_cpu': cpu1 + cpu2,
                'notes': ['fence_compute returned after %.1f s; '
                          'fence_evacuate run at once (NovaEvacuate waits '
                          'for its next monitor, 10 s by default)'
                          % (fenced - ctx.t0)]}


class Masakari(Contender):
    services = ('masakari-',)
    tracks = True

    def __init__(self, options, waits_zero):
        super().__init__(options)
        self.waits_zero = waits_zero
        self.key = 'masakari-waits0' if waits_zero else 'masakari'
        self.label = 'Masakari 22, %s' % (
            'waits set to 0' if waits_zero else 'defaults')
        self.service = None
        self.uuid = None

    def prepare(self, ctx):
        from benchmarks.recovery import masakari
        self.service = masakari.Masakari(ctx.state, ctx.settings,
                                         waits_zero=self.waits_zero)
        self.service.start()
        self.service.add_segment(ctx.settings.hosts())

    def start(self, ctx):
        self.uuid = self.service.notify_host_failure(ctx.host)
        return {'calls_returned': time.time()}

    def poll(self, ctx, result):
        from benchmarks.recovery import masakari
        status = self.service.notification(self.uuid)['status']
        # NOTE: not 'error': Masakari's periodic task retries it.
        if status in masakari.FINAL:
            result['notes'].append('notification %s' % status)
            return True
        return False


def all_contenders(options):
    made = {
        'nova-ha-ext': NovaHAExt(options),
        'operator-loop': Callers(options, 'loop'),
        'fence_compute': FenceAgents(options),
        'masakari': Masakari(options, False),
        'masakari-waits0': Masakari(options, True),
        'floor': Callers(options, 'floor'),
    }
    return [made[key] for key in options.tools]


KEYS = ('nova-ha-ext', 'operator-loop', 'fence_compute', 'masakari',
        'masakari-waits0', 'floor')


def services_cpu_delta(before, after, prefixes):
    """CPU seconds the services named ``prefixes*`` spent between two
    ``observe.services_cpu`` snapshots."""
    return sum(after.get(name, 0) - before.get(name, 0) for name in after
               if prefixes and name.startswith(prefixes))
