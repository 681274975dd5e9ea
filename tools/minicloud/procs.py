"""Process control: start a service in its own process group with its own
log, wait for it with a bound, stop it with everything it forked.

Each service is started as the leader of a new session, so its pid is
also its process-group id: gunicorn's workers, mariadbd's and beam's
helpers all stay in that group and ``killpg`` ends them together, even
when the leader died first.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


class CloudError(Exception):
    """A step failed; the message names the service and shows its log."""


def tail(path, lines=25):
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode('utf-8', 'replace')
    except OSError as exc:
        return '(no log: %s)' % exc
    return '\n'.join('    ' + line for line in text.splitlines()[-lines:])


def failure(name, what, log):
    return CloudError('%s: %s\n  last lines of %s:\n%s' % (
        name, what, log, tail(log)))


def spawn(state, name, cmd, env=None, port=None, cwd=None):
    """Start ``cmd`` as service ``name``; recorded in the state at once."""
    log = state.path_of('logs', name + '.log')
    os.makedirs(os.path.dirname(log), exist_ok=True)
    full_env = dict(os.environ)
    full_env.update(env or {})
    with open(log, 'ab') as out:
        out.write(('--- %s starting: %s\n' % (
            time.strftime('%H:%M:%S'), ' '.join(cmd))).encode())
        out.flush()
        proc = subprocess.Popen(  # noqa: S603 -- argv built by minicloud
            cmd, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=full_env, cwd=cwd,
            start_new_session=True)
    state.data['services'][name] = {
        'pid': proc.pid, 'cmd': cmd, 'env': env or {}, 'port': port,
        'log': log, 'cwd': cwd, 'started': time.time()}
    state.save()
    return proc.pid


def alive(pid):
    """True while ``pid`` runs (a zombie child counts as dead)."""
    try:
        pid_done, _ = os.waitpid(pid, os.WNOHANG)
        if pid_done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def group_members(pgid):
    """Pids whose process group is ``pgid`` (the service and its forks)."""
    members = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != 'Z':
            members.append(int(entry))
    return members


def stop(pids, timeout=10.0, sig=signal.SIGTERM):
    """Stop the whole groups of ``pids`` together: ``sig`` first, SIGKILL
    for what is left after ``timeout`` (Nova's services may spend a minute
    in a graceful shutdown otherwise). Returns the groups still alive."""
    if isinstance(pids, int):
        pids = [pids]
    for pid in pids:
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    left = list(pids)
    for final in (False, True):
        while left and time.monotonic() < deadline:
            for pid in left:
                alive(pid)  # reap our own child, if it is one
            left = [pid for pid in left if group_members(pid)]
            time.sleep(0.2)
        if final or not left:
            break
        for pid in left:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
    return left


def rss_kib(pid):
    total = 0
    for member in group_members(pid):
        try:
            with open('/proc/%d/status' % member) as f:
                for line in f:
                    if line.startswith('VmRSS:'):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def port_open(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(('127.0.0.1', port)) == 0


def until(what, check, timeout, interval=0.5):
    """``check()``'s first true result, polled; CloudError after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise CloudError('%s not reached within %ds' % (what, timeout))
        time.sleep(interval)


def wait_for(state, name, check, what, timeout):
    """Poll ``check()`` until true; fail naming ``name`` and its log.

    Fails at once if the service's process died, instead of waiting out
    the bound for something that cannot happen any more.
    """
    service = state.data['services'].get(name)
    log = service['log'] if service else state.path_of('logs', name + '.log')
    deadline = time.monotonic() + timeout
    delay = 0.2
    while True:
        try:
            if check():
                return
        except Exception as exc:  # noqa: BLE001 -- the check is retried
            last = exc
        else:
            last = None
        if service and not alive(service['pid']):
            raise failure(name, 'exited while waiting for %s' % what, log)
        if time.monotonic() > deadline:
            extra = ' (last error: %s)' % last if last else ''
            raise failure(name, 'no %s after %ds%s' % (what, timeout, extra),
                          log)
        time.sleep(delay)
        delay = min(delay * 1.5, 2.0)


def http_ok(url):
    """True when ``url`` answers below 500 (401 means the app is up)."""
    try:
        # noqa below: the URLs are minicloud's own http://127.0.0.1 ones.
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310
            return resp.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500


def run(state, name, cmd, env=None, timeout=300):
    """Run a one-shot command (a db sync) with a bound, logging it."""
    log = state.path_of('logs', name + '.log')
    os.makedirs(os.path.dirname(log), exist_ok=True)
    full_env = dict(os.environ)
    full_env.update(env or {})
    with open(log, 'ab') as out:
        out.write(('--- %s: %s\n' % (time.strftime('%H:%M:%S'),
                                     ' '.join(cmd))).encode())
        out.flush()
        proc = subprocess.Popen(  # noqa: S603 -- argv built by minicloud
            cmd, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=full_env, start_new_session=True)
    # Recorded like a service so that down ends it after a crashed up.
    state.data['services'][name] = {'pid': proc.pid, 'cmd': cmd,
                                    'log': log, 'oneshot': True}
    state.save()
    return Job(state, name, proc, log, timeout)


class Job:
    """A one-shot command running in the background; ``wait`` bounds it."""

    def __init__(self, state, name, proc, log, timeout):
        self.state = state
        self.name, self.proc, self.log = name, proc, log
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout

    def wait(self):
        try:
            rc = self.proc.wait(max(1, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            stop(self.proc.pid, timeout=5)
            raise failure(self.name, 'did not finish within %ds'
                          % self.timeout, self.log)
        self.state.data['services'].pop(self.name, None)
        self.state.save()
        if rc != 0:
            raise failure(self.name, 'exited %d' % rc, self.log)
