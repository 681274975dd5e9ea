"""``nova ha-*``: the novaclient extension, run as ``nova`` runs it.

Each command goes through novaclient's own ``main`` -- entry-point
discovery of the extension, authentication with ``OS_*`` variables,
the catalog, version discovery -- to Nova's API with the extension.
"""

import re

from novaclient import shell

from nova_ha_ext import objects as ha_objects
from nova_ha_ext.tests.functional.cli import base
from nova_ha_ext.tests.functional.recovery import base as recovery_base

# NOTE: registered at import: Nova's TestCase snapshots its object registry
# in every setUp and restores it afterwards, so objects first registered
# during a test would be gone for the next one run in the same process.
ha_objects.register_all()


def _rows(out):
    """The cells of every row of the prettytables in ``out``."""
    return [[cell.strip() for cell in line.strip('|').split('|')]
            for line in out.splitlines() if line.startswith('|')]


def _props(out):
    """The Property/Value rows of a ``print_dict`` table, as a dict."""
    return {row[0]: row[1] for row in _rows(out) if len(row) == 2}


class NovaCLITest(base.CLITestBase):

    def nova(self, *argv):
        return self.run_cli(shell.main, argv)

    def nova_ok(self, *argv):
        result = self.nova(*argv)
        self.assertEqual(0, result.code, result)
        return result

    def nova_error(self, *argv, code=1):
        result = self.nova(*argv)
        self.assertEqual(code, result.code, result)
        return result

    def _uuid(self, out):
        return re.search(r'Started evacuation (\S+) of host', out).group(1)

    def test_help_bad_arguments_and_api_errors(self):
        result = self.nova_ok('help', 'ha-force-down')
        self.assertIn('usage: nova ha-force-down [--fenced]', result.out)
        for words in ('<host>  ', '--evacuate <selection>', 'tagged, all, '
                      'none', '--reason <reason>', '[--force]',
                      'Force a compute host down'):
            self.assertIn(words, result.out)
        listing = self.nova_ok('help').out
        for command in ('ha-host-list', 'ha-force-down', 'ha-force-up',
                        'ha-evacuation-list', 'ha-evacuation-show',
                        'ha-evacuation-retry', 'ha-evacuation-cancel'):
            self.assertIn('    %s ' % command, listing)

        for argv, words in (
                (('ha-force-down', 'host1', '--fenced', '--evacuate',
                  'bogus'),
                 "argument --evacuate: invalid choice: 'bogus'"),
                (('ha-force-down',),
                 'the following arguments are required: <host>'),
                (('ha-force-up',),
                 'the following arguments are required: <host>'),
                (('ha-evacuation-list', '--status', 'lost'),
                 "argument --status: invalid choice: 'lost'"),
                (('ha-evacuation-show',),
                 'the following arguments are required: <uuid>'),
                (('ha-evacuation-retry',),
                 'the following arguments are required: <uuid>'),
                (('ha-evacuation-list', '--host'),
                 'argument --host: expected one argument')):
            result = self.nova_error(*argv, code=2)
            self.assertIn('usage: nova %s' % argv[0], result.err)
            self.assertIn(words, result.err)
            self.assertIn("Try 'nova help %s'" % argv[0], result.err)

        # The API's refusals: its message, status and the CLI's exit 1.
        result = self.nova_error('ha-force-down', 'host1')
        self.assertIn('ERROR (CommandError): ', result.err)
        self.assertIn('repeat the command with --fenced', result.err)
        self.assertIn('(HTTP 409)', result.err)
        self.assertFalse(self._compute_service('host1')['forced_down'])
        # The API's advice as this CLI's commands, not REST calls.
        result = self.nova_error('ha-force-down', 'nohost', '--fenced')
        self.assertIn('nohost', result.err)
        self.assertIn('List the compute hosts with nova ha-host-list',
                      result.err)
        self.assertIn('(HTTP 404)', result.err)
        result = self.nova_error('ha-evacuation-show',
                                 recovery_base.uuids.nothing)
        self.assertIn('could not be found', result.err)
        self.assertIn('existing ones with nova ha-evacuation-list',
                      result.err)
        self.assertIn('(HTTP 404)', result.err)
        self.assertNotIn('/os-ha', result.err)
        self.assertEqual('', result.out)

        result = self.nova_ok('ha-host-list')
        rows = _rows(result.out)
        self.assertEqual(['Host', 'State', 'Forced down', 'Disabled',
                          'Disabled reason', 'Evacuation'], rows[0])
        self.assertEqual([[host, 'up', 'False', 'False', '-', '-']
                          for host in self.HOSTS], rows[1:])
        result = self.nova_ok('ha-evacuation-list')
        self.assertEqual([['UUID', 'Host', 'Status', 'Total', 'Succeeded',
                           'Failed', 'Skipped', 'Cancelled', 'Remaining',
                           'Created at']], _rows(result.out))

    def test_storm_guard_on_a_host_with_nothing_to_evacuate(self):
        # 2 of 4 down is a storm, but host1 has no server: the guard's
        # verdict stays on the record (it counted the host), yet the
        # command warns of nothing, and --force is a plain repeat.
        self._mark_host_down('host2')
        self._fence('host1')
        result = self.nova_ok('ha-force-down', 'host1', '--fenced')
        props = _props(result.out)
        self.assertEqual(('completed', '-'),
                         (props['evacuation_status'],
                          props['evacuation_withheld_reason']))
        self.assertIn('nothing to evacuate (selection: tagged)', result.out)
        for words in ('was withheld', 'storm guard', 'hosts are down',
                      '--force'):
            self.assertNotIn(words, result.out + result.err)
        uuid = props['evacuation_uuid']
        shown = _props(self.nova_ok('ha-evacuation-show', uuid).out)
        self.assertIn('2 of the 4 nova-compute hosts',
                      shown['withheld_reason'])

        result = self.nova_ok('ha-force-down', 'host1', '--fenced', '--force')
        self.assertIn('Evacuation %s of host host1 is already active' % uuid,
                      result.out)
        self.assertNotIn('hosts are down', result.out + result.err)

    def test_force_down_storm_guard_and_force_up(self):
        server = self._boot('db', 'host1', tags=[recovery_base.TAG])
        # With host2 already down, host1 makes 2 of 4: the storm guard
        # withholds the evacuation.
        self._mark_host_down('host2')
        self._fence('host1')
        result = self.nova_ok('ha-force-down', 'host1', '--fenced',
                              '--evacuate', 'tagged', '--reason', 'IPMI off')
        props = _props(result.out)
        self.assertEqual(
            ('host1', 'True', 'True', '[nova-ha] IPMI off', 'cancelled',
             'tagged'),
            (props['host'], props['forced_down'], props['disabled'],
             props['disabled_reason'], props['evacuation_status'],
             props['evacuation_selection']))
        self.assertIn('2 of the 4 nova-compute hosts', result.out)
        self.assertIn('was withheld', result.out)
        self.assertIn('repeat the command with --force to evacuate anyway.',
                      result.out)
        self.assertEqual(1, result.out.count('evacuate anyway'), result.out)
        withheld = props['evacuation_uuid']
        service = self._compute_service('host1')
        self.assertEqual((True, 'disabled', '[nova-ha] IPMI off'),
                         (service['forced_down'], service['status'],
                          service['disabled_reason']))
        self.assertEqual('host1', self._host_of(server))

        # "force" releases what the storm guard withheld, in the same
        # host failure.
        result = self.nova_ok('ha-force-down', 'host1', '--fenced', '--force')
        uuid = self._uuid(result.out)
        self.assertEqual(withheld, uuid)
        self.assertEqual(uuid, _props(result.out)['evacuation_uuid'])
        self.assertIn('nova ha-evacuation-show %s' % uuid, result.out)
        self.assertEqual('completed',
                         self._wait_for_evacuation(uuid)['status'])
        self.assertIn(self._host_of(server), ('host3', 'host4'))

        # Custom recovery: down, nothing evacuated.
        result = self.nova_ok('ha-force-down', 'host2', '--fenced',
                              '--evacuate', 'none')
        self.assertIn('nothing to evacuate (selection: none)', result.out)
        self.assertEqual(('completed', 'none'),
                         (_props(result.out)['evacuation_status'],
                          _props(result.out)['evacuation_selection']))

        rows = _rows(self.nova_ok('ha-host-list').out)
        self.assertEqual(
            [['host1', 'down', 'True', 'True', '[nova-ha] IPMI off', uuid],
             ['host2', 'down', 'True', 'True']],
            [rows[1], rows[2][:4]])
        self.assertEqual(['host3', 'up', 'False', 'False', '-', '-'],
                         rows[3])

        result = self.nova_ok('ha-evacuation-list', '--host', 'host1')
        rows = _rows(result.out)
        self.assertEqual([[uuid, 'host1', 'completed', '1', '1', '0', '0',
                           '0', '0']], [row[:9] for row in rows[1:]])
        rows = _rows(self.nova_ok('ha-evacuation-list', '--status',
                                  'cancelled').out)
        self.assertEqual([], [row[0] for row in rows[1:]])

        self._repair('host1')
        result = self.nova_ok('ha-force-up', 'host1')
        props = _props(result.out)
        self.assertEqual(('host1', 'False', 'False', '-'),
                         (props['host'], props['forced_down'],
                          props['disabled'], props['disabled_reason']))
        service = self._compute_service('host1')
        self.assertEqual((False, 'enabled'),
                         (service['forced_down'], service['status']))

    def test_failed_instance_retried(self):
        self.flags(max_attempts=1, group='nova_ha')
        server = self._boot('db', 'host1', tags=[recovery_base.TAG])
        self._disable_others()
        self._fence('host1')
        uuid = self._uuid(self.nova_ok('ha-force-down', 'host1',
                                       '--fenced').out)
        self.assertEqual('completed_with_errors',
                         self._wait_for_evacuation(uuid)['status'])

        result = self.nova_ok('ha-evacuation-show', uuid)
        props = _props(result.out)
        self.assertEqual(
            (uuid, 'host1', 'completed_with_errors', 'tagged', 'True', '1',
             '1', '0'),
            (props['uuid'], props['host'], props['status'],
             props['selection'], props['fenced'], props['counts_total'],
             props['counts_failed'], props['counts_remaining']))
        rows = [row for row in _rows(result.out) if len(row) == 7]
        self.assertEqual(['Instance', 'Status', 'Attempts', 'Source',
                          'Destination', 'Priority', 'Last error'], rows[0])
        self.assertEqual([server['id'], 'failed', '1', 'host1'],
                         rows[1][:4])
        self.assertIn('No valid host', result.out)

        self._disable_others(False)
        result = self.nova_ok('ha-evacuation-retry', uuid)
        props = _props(result.out)
        self.assertEqual(uuid, props['uuid'])
        self.assertIn(props['status'], ('pending', 'running', 'completed'))
        self.assertEqual('completed',
                         self._wait_for_evacuation(uuid)['status'])
        rows = [row for row in _rows(self.nova_ok(
            'ha-evacuation-show', uuid).out) if len(row) == 7]
        self.assertEqual([server['id'], 'succeeded', '1', 'host1',
                          self._host_of(server)], rows[1][:5])
        self.assertNotEqual('host1', self._host_of(server))

        result = self.nova_error('ha-evacuation-retry', uuid)
        self.assertIn('no failed instance to retry', result.err)
        self.assertIn('(HTTP 409)', result.err)

    def test_repeat_cancel_and_force_up_refused_while_active(self):
        self.flags(max_attempts=3, retry_backoff=600, group='nova_ha')
        servers = [self._boot('vm%d' % i, 'host1', tags=[recovery_base.TAG])
                   for i in range(2)]
        self._disable_others()
        self._fence('host1')
        uuid = self._uuid(self.nova_ok('ha-force-down', 'host1',
                                       '--fenced').out)
        # First attempts fail (no host); the retries wait 10 minutes, so
        # the task stays active for what follows.
        self._wait_for_items(uuid, lambda items: all(
            item['status'] == 'pending' and item['attempts'] == 1
            for item in items))

        result = self.nova_ok('ha-force-down', 'host1', '--fenced')
        self.assertIn('Evacuation %s of host host1 is already active; no '
                      'new one was started.' % uuid, result.out)
        self.assertEqual(uuid, _props(result.out)['evacuation_uuid'])
        rows = _rows(self.nova_ok('ha-host-list').out)
        self.assertEqual(['host1', 'down', 'True', 'True'], rows[1][:4])
        self.assertEqual(uuid, rows[1][5])
        rows = _rows(self.nova_ok('ha-evacuation-list', '--status',
                                  'running').out)
        self.assertEqual([[uuid, 'host1', 'running', '2', '0', '0', '0', '0',
                           '2']], [row[:9] for row in rows[1:]])

        result = self.nova_error('ha-force-up', 'host1')
        self.assertIn('(HTTP 409)', result.err)
        self.assertIn(uuid, result.err)
        self.assertTrue(self._compute_service('host1')['forced_down'])

        result = self.nova_ok('ha-evacuation-cancel', uuid)
        props = _props(result.out)
        self.assertEqual(('cancelled', '2'),
                         (props['status'], props['counts_cancelled']))
        rows = [row for row in _rows(result.out) if len(row) == 7]
        self.assertEqual(
            sorted([server['id'], 'cancelled'] for server in servers),
            sorted(row[:2] for row in rows[1:]))
        self._wait_for_end(uuid)
        for server in servers:
            self.assertEqual('host1', self._host_of(server))
        result = self.nova_error('ha-evacuation-cancel', uuid)
        self.assertIn('can no longer be cancelled', result.err)

        # host1 is repaired: its nova-compute reports again.
        self._report_state('host1')
        self.nova_ok('ha-force-up', 'host1')
        self.assertFalse(self._compute_service('host1')['forced_down'])
