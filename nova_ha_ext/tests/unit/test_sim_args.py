"""nova-ha-sim's arguments: bad ones exit 2 with usage, before any cloud."""

import contextlib
import io
import os
import sys

import fixtures
import testtools

from nova_ha_ext.cmd import sim
from nova_ha_ext.sim import settings


class SimArgumentsTest(testtools.TestCase):

    def _error(self, *argv):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            exc = self.assertRaises(SystemExit, sim.main, list(argv))
        self.assertEqual(2, exc.code)
        self.assertIn('usage: nova-ha-sim', err.getvalue())
        return err.getvalue()

    def test_bad_arguments_exit_with_usage(self):
        for argv, message in (
                (['--computes', '0'], '--computes: must be at least 1'),
                (['--spawn-delay', '-1'], '--spawn-delay: cannot be '
                                          'negative'),
                (['--fail', 'compute9', '--computes', '4'],
                 '--fail compute9: no such host; the hosts are compute1, '
                 'compute2, compute3, compute4'),
                (['--fail-rack', 'r7'], '--fail-rack r7: no such rack; the '
                                        'racks are r1, r2, r3'),
                (['--fail', 'compute1', '--fail-rack', 'r1'],
                 'give --fail or --fail-rack, not both'),
                (['--racks', '4', '--computes', '3'],
                 '--racks 4 needs at least as many --computes (got 3)'),
                (['--group-size', '4'], '--group-size 4 cannot exceed '
                                        '--racks 3'),
                (['--evacuate', 'some'], "invalid choice: 'some'")):
            self.assertIn(message, self._error(*argv), argv)

    def test_racks_split_hosts_contiguously(self):
        placed = settings.Settings(computes=8, racks=3).racks
        self.assertEqual(
            {'compute1': 'r1', 'compute2': 'r1', 'compute3': 'r1',
             'compute4': 'r2', 'compute5': 'r2', 'compute6': 'r2',
             'compute7': 'r3', 'compute8': 'r3'}, placed)

    def test_cli_lines_show_the_evacuation(self):
        lines = sim.cli_lines({'OS_AUTH_URL': 'http://127.0.0.1:1/x y'},
                              'abc')
        self.assertEqual("export OS_AUTH_URL='http://127.0.0.1:1/x y'",
                         lines[0])
        self.assertTrue(any(line.endswith('nova ha-evacuation-show abc')
                            for line in lines), lines)
        self.assertTrue(any(line.endswith('openstack ha evacuation show abc')
                            for line in lines), lines)

    def test_cli_lines_name_this_environments_commands(self):
        # A system nova (without the extension's commands) first on PATH
        # must not be the one the printed lines run.
        other = self.useFixture(fixtures.TempDir()).path
        fake = os.path.join(other, 'nova')
        with open(fake, 'w') as stream:
            stream.write('#!/bin/sh\nexit 1\n')
        os.chmod(fake, 0o755)
        self.useFixture(fixtures.EnvironmentVariable(
            'PATH', other + os.pathsep + os.environ.get('PATH', '')))
        own = os.path.join(os.path.dirname(sys.executable), 'nova')
        lines = sim.cli_lines({}, 'abc')
        self.assertIn('%s ha-host-list' % own, lines)
        # The environment's own bin first on PATH: the bare name.
        self.useFixture(fixtures.EnvironmentVariable(
            'PATH', os.path.dirname(sys.executable)))
        self.assertIn('nova ha-host-list', sim.cli_lines({}, 'abc'))
