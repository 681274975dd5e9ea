"""``openstack ha ...`` against Nova's API with the extension enabled.

Each command runs through OpenStackClient's own ``main``: the plugin is
found through its entry points, authenticates with the ``OS_*``
variables and finds Nova in the catalog, as an operator's shell would.
"""

import json

import fixtures
from openstackclient import shell
from osc_lib import clientmanager
from oslo_utils.fixture import uuidsentinel as uuids

from nova_ha_ext.tests.functional.cli import base
from nova_ha_ext.tests.functional.recovery import base as recovery_base


class OpenStackCLITest(base.CLITestBase):

    def openstack(self, *argv):
        # NOTE: OSC caches each plugin's client on osc-lib's ClientManager
        # class (a process normally runs one command); forget it so every
        # command here builds its own, on its own authenticated session.
        clientmanager.ClientManager.__dict__['ha']._handle = None
        # cliff names the program (usage lines, its logger) after argv[0]
        # when it is imported: the test runner's, here.
        self.useFixture(fixtures.MonkeyPatch(
            'openstackclient.shell.OpenStackShell.NAME', 'openstack'))
        return self.run_cli(shell.main, argv)

    def ok(self, *argv):
        result = self.openstack(*argv)
        self.assertEqual(0, result.code, result)
        return result.out

    def json(self, *argv):
        return json.loads(self.ok(*argv + ('-f', 'json')))

    def refused(self, *argv, code=1):
        result = self.openstack(*argv)
        self.assertEqual(code, result.code, result)
        self.assertEqual('', result.out)
        return result.err

    def _force_down(self, host):
        self._fence(host)
        down = self.json('ha', 'host', 'force', 'down', host, '--fenced')
        self.assertTrue(down['evacuation_created'])
        return down['evacuation_uuid']


class HostCommandsTest(OpenStackCLITest):

    def test_force_down_track_and_force_up(self):
        # Bad arguments: argparse's usage and error, exit 2, no API call.
        for argv, error in [
                (('ha', 'host', 'force', 'down', 'host1', '--evacuate',
                  'bogus'), "invalid choice: 'bogus'"),
                (('ha', 'host', 'force', 'down', '--fenced'),
                 'the following arguments are required: <host>'),
                (('ha', 'host', 'force', 'up'),
                 'the following arguments are required: <host>'),
                (('ha', 'evacuation', 'list', '--status', 'bogus'),
                 "invalid choice: 'bogus'"),
                (('ha', 'evacuation', 'list', '--limit', '0'),
                 "must be a positive integer, not '0'"),
                (('ha', 'evacuation', 'show'),
                 'the following arguments are required: <uuid>')]:
            err = self.refused(*argv, code=2)
            self.assertIn('usage: openstack %s' % ' '.join(argv[:3]), err)
            self.assertIn(error, err)

        hosts = self.json('ha', 'host', 'list')
        self.assertEqual(
            [{'Host': host, 'State': 'up', 'Forced Down': False,
              'Disabled': False, 'Disabled Reason': None,
              'Evacuation': None} for host in self.HOSTS],
            sorted(hosts, key=lambda host: host['Host']))
        server = self._boot('vm', 'host1', tags=[recovery_base.TAG])

        # Not fenced: the API's own message, exit 1, nothing changed.
        err = self.refused('ha', 'host', 'force', 'down', 'host1',
                           '--evacuate', 'tagged')
        self.assertIn('Host host1 is not forced down: fencing was not '
                      'confirmed', err)
        self.assertIn('repeat the command with --fenced', err)
        self.assertIn('(HTTP 409)', err)
        self.assertFalse(self._compute_service('host1')['forced_down'])

        self._fence('host1')
        down = self.json('ha', 'host', 'force', 'down', 'host1', '--fenced',
                         '--evacuate', 'tagged', '--reason', 'IPMI off')
        uuid = down.pop('evacuation_uuid')
        self.assertEqual(
            {'host': 'host1', 'state': 'down', 'forced_down': True,
             'disabled': True, 'disabled_reason': '[nova-ha] IPMI off',
             'evacuation_status': down['evacuation_status'],
             'withheld_reason': None, 'evacuation_created': True}, down)
        self.assertIn(down['evacuation_status'],
                      ('pending', 'running', 'completed'))
        service = self._compute_service('host1')
        self.assertEqual((True, 'disabled', '[nova-ha] IPMI off'),
                         (service['forced_down'], service['status'],
                          service['disabled_reason']))
        # A repeat answers with the same task instead of a new one.
        self.assertEqual(
            '%s\nFalse\n' % uuid,
            self.ok('ha', 'host', 'force', 'down', 'host1', '--fenced',
                    '-f', 'value', '-c', 'evacuation_uuid',
                    '-c', 'evacuation_created'))
        self._wait_for_evacuation(uuid)

        shown = self.json('ha', 'evacuation', 'show', uuid)
        item = shown.pop('instances')[0]
        self.assertEqual(
            (uuid, 'host1', 'completed', 'tagged', True, 'IPMI off'),
            (shown['uuid'], shown['host'], shown['status'],
             shown['selection'], shown['fenced'], shown['reason']))
        self.assertEqual((1, 0, 1, 0, 0, 0), tuple(shown[count] for count in (
            'total', 'remaining', 'succeeded', 'failed', 'skipped',
            'cancelled')))
        dest = self._host_of(server)
        self.assertNotEqual('host1', dest)
        self.assertEqual((server['id'], 'succeeded', 1, 'host1', dest),
                         (item['instance_uuid'], item['status'],
                          item['attempts'], item['source_host'],
                          item['dest_host']))
        table = self.ok('ha', 'evacuation', 'show', uuid)
        self.assertRegex(table, r'\| status +\| completed +\|')
        self.assertIn('%s succeeded (attempts: 1, host1 -> %s)' % (
            server['id'], dest), table)

        listed = self.json('ha', 'evacuation', 'list', '--host', 'host1')
        self.assertEqual(
            [{'UUID': uuid, 'Host': 'host1', 'Status': 'completed',
              'Total': 1, 'Succeeded': 1, 'Failed': 0, 'Skipped': 0,
              'Cancelled': 0, 'Remaining': 0,
              'Created At': shown['created_at']}], listed)
        self.assertEqual([], self.json('ha', 'evacuation', 'list',
                                       '--status', 'running'))
        self.assertEqual(uuid + '\n', self.ok(
            'ha', 'evacuation', 'list', '--limit', '1', '-f', 'value',
            '-c', 'UUID'))

        table = self.ok('ha', 'host', 'list')
        self.assertRegex(table, r'\| Host +\| State +\| Forced Down +\| '
                                r'Disabled +\| Disabled Reason +\| '
                                r'Evacuation +\|')
        # The host failure stays open (and listed) until the force-up.
        self.assertRegex(table, r'\| host1 +\| down +\| True +\| True +\| '
                                r'\[nova-ha\] IPMI off +\| %s +\|' % uuid)

        self._repair('host1')
        up = self.json('ha', 'host', 'force', 'up', 'host1')
        self.assertEqual(
            {'host': 'host1', 'forced_down': False, 'disabled': False,
             'disabled_reason': None, 'evacuation_uuid': None,
             'evacuation_status': None, 'withheld_reason': None},
            {key: up[key] for key in up if key != 'state'})
        service = self._compute_service('host1')
        self.assertEqual((False, 'enabled'),
                         (service['forced_down'], service['status']))

        # The API's advice as this CLI's commands, not REST calls.
        err = self.refused('ha', 'host', 'force', 'down', 'nohost',
                           '--fenced')
        self.assertIn('(HTTP 404)', err)
        self.assertIn('List the compute hosts with openstack ha host list',
                      err)
        err = self.refused('ha', 'evacuation', 'show', uuids.missing)
        self.assertIn(uuids.missing, err)
        self.assertIn('(HTTP 404)', err)
        self.assertIn('openstack ha evacuation list', err)
        self.assertNotIn('/os-ha', err)


class EvacuationActionsTest(OpenStackCLITest):

    def test_retry_failed_item(self):
        self.flags(max_attempts=1, group='nova_ha')
        server = self._boot('db', 'host1', tags=[recovery_base.TAG])
        self._disable_others()
        uuid = self._force_down('host1')
        self._wait_for_evacuation(uuid)

        failed = self.json('ha', 'evacuation', 'show', uuid)
        self.assertEqual(('completed_with_errors', 1, 1),
                         (failed['status'], failed['total'],
                          failed['failed']))
        item = failed['instances'][0]
        self.assertEqual((server['id'], 'failed', 1),
                         (item['instance_uuid'], item['status'],
                          item['attempts']))
        self.assertIn('No valid host', item['last_error'])
        self.assertIn('No valid host', self.ok(
            'ha', 'evacuation', 'show', uuid, '-c', 'instances'))

        self._disable_others(False)
        retried = self.json('ha', 'evacuation', 'retry', uuid)
        self.assertEqual(uuid, retried['uuid'])
        self.assertIn(retried['status'], ('pending', 'running', 'completed'))
        self.assertEqual(0, retried['failed'])
        self.assertIn(retried['instances'][0]['status'],
                      ('pending', 'evacuating', 'succeeded'))
        evacuation = self._wait_for_evacuation(uuid)
        self.assertEqual('completed', evacuation['status'])
        self.assertEqual(('succeeded', 1),
                         (evacuation['instances'][0]['status'],
                          evacuation['instances'][0]['attempts']))
        self.assertNotEqual('host1', self._host_of(server))

        err = self.refused('ha', 'evacuation', 'retry', uuid)
        self.assertIn('no failed instance to retry', err)
        self.assertIn('(HTTP 409)', err)

    def test_cancel_pending_items(self):
        self.flags(max_attempts=3, retry_backoff=600, group='nova_ha')
        servers = [self._boot('vm%d' % i, 'host1', tags=[recovery_base.TAG])
                   for i in range(2)]
        self._disable_others()
        uuid = self._force_down('host1')
        # First attempts fail (no host); the retries wait 10 minutes.
        self._wait_for_items(uuid, lambda items: all(
            item['status'] == 'pending' and item['attempts'] == 1
            for item in items))

        # The host may not come back while its evacuation runs.
        err = self.refused('ha', 'host', 'force', 'up', 'host1')
        self.assertIn('(HTTP 409)', err)
        self.assertIn('openstack ha evacuation show %s' % uuid, err)
        self.assertTrue(self._compute_service('host1')['forced_down'])

        cancelled = self.json('ha', 'evacuation', 'cancel', uuid)
        self.assertEqual(('cancelled', 2, 0),
                         (cancelled['status'], cancelled['cancelled'],
                          cancelled['remaining']))
        self.assertEqual(
            sorted((server['id'], 'cancelled') for server in servers),
            sorted((item['instance_uuid'], item['status'])
                   for item in cancelled['instances']))
        evacuation = self._wait_for_end(uuid)
        self.assertEqual('cancelled', evacuation['status'])
        for server in servers:
            self.assertEqual('host1', self._host_of(server))

        err = self.refused('ha', 'evacuation', 'cancel', uuid)
        self.assertIn('can no longer be cancelled', err)
        self.assertEqual('cancelled', self.ok(
            'ha', 'evacuation', 'list', '--host', 'host1', '--status',
            'cancelled', '-f', 'value', '-c', 'Status').strip())
        # host1 is repaired: its nova-compute reports again.
        self._report_state('host1')
        self.assertFalse(self.json('ha', 'host', 'force', 'up',
                                   'host1')['forced_down'])
