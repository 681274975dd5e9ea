"""nova-ha-sim, run as a user runs it."""

import subprocess
import sys

import testtools


def _sim(*args):
    return subprocess.run(
        [sys.executable, '-m', 'nova_ha_ext.cmd.sim', *args],
        capture_output=True, text=True, timeout=300)


class SimTest(testtools.TestCase):

    def test_small_cloud_lists_hosts_from_the_extension_route(self):
        result = _sim('--computes', '3', '--servers', '3', '--fail',
                      'compute3')
        self.assertEqual(0, result.returncode, result.stderr)
        out = result.stdout
        self.assertIn('Started 3 fake computes', out)
        self.assertIn('Booted 3 servers', out)
        self.assertIn('GET /v2.1/os-ha/hosts', out)
        rows = {line.split('|')[1].strip(): line.split('|')[2].strip()
                for line in out.splitlines()
                if line.startswith('| compute')}
        self.assertEqual(
            {'compute1': 'up', 'compute2': 'up', 'compute3': 'down'}, rows)
        self.assertIn('Done in', out)

    def test_bad_arguments_exit_with_usage(self):
        result = _sim('--fail', 'compute9', '--computes', '2')
        self.assertEqual(2, result.returncode)
        self.assertIn('usage: nova-ha-sim', result.stderr)
        self.assertIn('--fail compute9 is not one of the hosts: '
                      'compute1, compute2', result.stderr)
        result = _sim('--computes', '0')
        self.assertEqual(2, result.returncode)
        self.assertIn('--computes must be at least 1', result.stderr)
