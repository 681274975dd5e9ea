"""nova-ha-sim end to end: a small run, then its --serve mode and CLIs.

The simulator builds its own in-process cloud, so it runs as a separate
process here, as a newcomer runs it; the CLI lines it prints are then run
as printed (each a process of its own) against the API it serves.
"""

import json
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time

import testtools

BIN = os.path.dirname(sys.executable)
_TIMEOUT = 300


class _Lines:
    """Lines of a process's stdout, readable with a deadline."""

    def __init__(self, stream):
        self.seen = []
        self._queue = queue.Queue()
        thread = threading.Thread(target=self._pump, args=(stream,),
                                  daemon=True)
        thread.start()

    def _pump(self, stream):
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def until(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(
                    timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = ''
            if line is None or time.monotonic() > deadline:
                raise AssertionError('no line matching %r; output:\n%s' % (
                    pattern, ''.join(self.seen)))
            self.seen.append(line)
            if re.search(pattern, line):
                return line

    def rest(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            self.seen.append(line)
        return ''.join(self.seen)


class SimulatorTest(testtools.TestCase):

    def _cli(self, line, env):
        argv = shlex.split(line)
        result = subprocess.run(argv, env=env, capture_output=True,
                                text=True, timeout=120)
        self.assertEqual(0, result.returncode,
                         '%s\n%s%s' % (line, result.stdout, result.stderr))
        return result.stdout

    def test_small_run_recovers_every_tagged_server_then_serves(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_') or k.startswith('OS_NOVA')}
        sim = subprocess.Popen(
            [os.path.join(BIN, 'nova-ha-sim'), '--computes', '4',
             '--racks', '2', '--tagged', '4', '--untagged', '2',
             '--group-size', '2', '--spawn-delay', '0', '--serve'],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=env)
        self.addCleanup(sim.kill)
        lines = _Lines(sim.stdout)

        summary = lines.until(r'opted-in servers on|FAILED', _TIMEOUT)
        match = re.search(r'(\d+) of (\d+) opted-in servers on (\S+) '
                          r'recovered', summary)
        self.assertIsNotNone(match, ''.join(lines.seen))
        recovered, expected, failed_host = match.groups()
        self.assertEqual(recovered, expected)
        self.assertGreater(int(expected), 0)
        output = ''.join(lines.seen)
        for heading in ('Hosts (GET /os-ha/hosts):',
                        'Servers of the failed host(s), before -> after:',
                        'fence call -> all evacuations confirmed'):
            self.assertIn(heading, output)
        task = lines.until(r'evacuation \S+ of \S+: ', 30)
        uuid = task.split()[1]
        self.assertIn(': completed', task)
        lines.until(r'Hosts after their return', 120)
        returned = ''.join(lines.seen)
        self.assertIn('%s: evacuation migrations' % failed_host, returned)
        self.assertIn('completed', returned.split(
            '%s: evacuation migrations' % failed_host)[1])
        self.assertIn('fence_nova_ha: Success: %s forced up' % failed_host,
                      returned)

        export = lines.until(r'^\s+export OS_', 60).strip()
        commands = [lines.until(r'^\s+\S*(nova|openstack) ', 5).strip()
                    for _ in range(9)]
        lines.until('Press Ctrl-C', 5)
        for assignment in shlex.split(export)[1:]:
            name, _, value = assignment.partition('=')
            env[name] = value
        self.assertTrue(env['OS_AUTH_URL'].startswith('http://127.0.0.1:'))
        by_verb = {' '.join(c.split()[1:]): c for c in commands}

        # The run ended with the host's return: repaired, forced up.
        hosts = self._cli(by_verb['ha-host-list'], env)
        self.assertRegex(hosts, r'\| %s\s+\| up\s+\| False\s+\| False'
                         % failed_host)
        shown = self._cli(by_verb['ha-evacuation-show %s' % uuid], env)
        self.assertRegex(shown, r'\| status\s+\| completed')
        listed = self._cli(by_verb['ha host list'], env)
        self.assertRegex(listed, r'\| %s\s+\| up\s+\| False'
                         % failed_host)
        evacuations = json.loads(self._cli(
            by_verb['ha evacuation list -f json'], env))
        self.assertEqual([(uuid, failed_host, 'completed')],
                         [(e['UUID'], e['Host'], e['Status'])
                          for e in evacuations])
        servers = self._cli(by_verb['list --all-tenants'], env)
        self.assertEqual(8, servers.count('ACTIVE'), servers)
        # Stock openstack commands: the catalog has identity and image.
        servers = self._cli(by_verb['server list --all-projects'], env)
        self.assertEqual(8, servers.count('ACTIVE'), servers)
        self.assertIn('fakeimage123456', servers)
        images = self._cli(by_verb['image list'], env)
        self.assertIn('active', images)

        sim.send_signal(signal.SIGINT)
        rest = lines.rest(60)
        self.assertEqual(0, sim.wait(60), rest)
        self.assertIn('Done in', rest)
