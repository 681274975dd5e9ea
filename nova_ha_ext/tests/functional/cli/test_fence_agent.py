"""fence_nova_ha against Nova's API, as Pacemaker and an operator run it.

The agent authenticates with keystoneauth against the stand-in identity
endpoint and finds Nova in the catalog, through its real client path;
options come as flags (an operator testing by hand) or as ``key=value``
lines on stdin (Pacemaker).
"""

import re
import socket

import fixtures

from nova_ha_ext.fence import agent
from nova_ha_ext.fence import codes
from nova_ha_ext.tests.functional.cli import base
from nova_ha_ext.tests.functional.recovery import base as recovery_base


class AgentTestBase(base.CLITestBase):
    """Runs the agent in-process against the functional cloud."""

    def setUp(self):
        super().setUp()
        # "on" polls the evacuation every 2 s in production.
        self.useFixture(fixtures.MonkeyPatch(
            'nova_ha_ext.fence.agent.POLL_INTERVAL', 0.05))

    def _argv(self, action, host=None, *extra, auth_url=None):
        env = self.cli_env
        argv = ['-o', action,
                '--auth-url', auth_url or env['OS_AUTH_URL'],
                '--username', env['OS_USERNAME'],
                '--password', env['OS_PASSWORD'],
                '--project-name', env['OS_PROJECT_NAME'],
                '--region-name', env['OS_REGION_NAME'],
                '--endpoint-type', 'public']
        if host:
            argv += ['-n', host]
        return argv + list(extra)

    def _stdin(self, action, host, **extra):
        """What pacemaker-fenced writes: classic names, its own keys."""
        env = self.cli_env
        lines = ['# from pacemaker-fenced', '',
                 'action=%s' % action,
                 'auth-url=%s' % env['OS_AUTH_URL'],
                 'login=%s' % env['OS_USERNAME'],
                 'passwd=%s' % env['OS_PASSWORD'],
                 'tenant_name=%s' % env['OS_PROJECT_NAME'],
                 'region-name=%s' % env['OS_REGION_NAME'],
                 'endpoint_type=publicURL',
                 'port=%s' % host,
                 'nodename=node-%s' % host,
                 'pcmk_host_map=node-%s:%s' % (host, host)]
        lines += ['%s=%s' % item for item in extra.items()]
        return '\n'.join(lines) + '\n'

    def _agent(self, argv=(), stdin=''):
        return self.run_cli(agent.main, argv, stdin=stdin)

    def _evacuation_uuid(self, result):
        match = re.search(r'^Evacuation: (\S+) ', result.out, re.M)
        self.assertIsNotNone(match, result)
        return match.group(1)


class FenceAgentTest(AgentTestBase):

    def test_off_status_on_with_flags(self):
        server = self._boot('db', 'host1', tags=[recovery_base.TAG])
        untagged = self._boot('scratch', 'host1')

        result = self._agent(self._argv('list'))
        self.assertEqual((0, 'host1,\nhost2,\nhost3,\nhost4,\n'),
                         (result.code, result.out), result)
        result = self._agent(self._argv('monitor'))
        self.assertEqual((0, ''), (result.code, result.out), result)
        result = self._agent(self._argv('status', 'host1'))
        self.assertEqual((codes.EC_OK, 'Status: ON\n'),
                         (result.code, result.out), result)

        self._fence('host1')
        result = self._agent(self._argv('off', 'host1'))
        self.assertEqual(codes.EC_OK, result.code, result)
        self.assertIn('Success: host1 forced down, fencing attested',
                      result.out)
        uuid = self._evacuation_uuid(result)
        service = self._compute_service('host1')
        self.assertTrue(service['forced_down'])
        self.assertEqual('disabled', service['status'])
        self.assertEqual(
            '[nova-ha] fenced by fence_nova_ha (cluster node host1)',
            service['disabled_reason'])
        result = self._agent(self._argv('status', 'host1'))
        self.assertEqual((codes.EC_STATUS_OFF, 'Status: OFF\n'),
                         (result.code, result.out), result)

        # "on" waits for the evacuation, then forces the host up (once
        # its nova-compute is back and cleaned up after the evacuation).
        self._wait_for_end(uuid)
        self._repair('host1')
        result = self._agent(self._argv('on', 'host1'))
        self.assertEqual((codes.EC_OK, 'Success: host1 forced up\n'),
                         (result.code, result.out), result)
        evacuation = self._evacuation(uuid)
        self.assertEqual(('completed', 'tagged', True),
                         (evacuation['status'], evacuation['selection'],
                          evacuation['fenced']))
        self.assertEqual([server['id']], [i['instance_uuid']
                                          for i in evacuation['instances']])
        self.assertNotEqual('host1', self._host_of(server))
        self.assertEqual('host1', self._host_of(untagged))
        service = self._compute_service('host1')
        self.assertEqual((False, 'enabled'),
                         (service['forced_down'], service['status']))
        result = self._agent(self._argv('status', 'host1'))
        self.assertEqual((codes.EC_OK, 'Status: ON\n'),
                         (result.code, result.out), result)

    def test_pacemaker_stdin_repeat_and_on_timeout(self):
        # No other host can take the instance and retries wait 10 min:
        # the evacuation stays active for as long as the test needs.
        self.flags(max_attempts=3, retry_backoff=600, group='nova_ha')
        server = self._boot('db', 'host1', tags=[recovery_base.TAG])
        self._disable_others()
        self._fence('host1')

        result = self._agent(stdin=self._stdin('reboot', 'host1'))
        self.assertEqual(codes.EC_OK, result.code, result)
        self.assertIn('Success: host1 forced down', result.out)
        self.assertIn("Ignoring unknown option 'pcmk_host_map'", result.err)
        uuid = self._evacuation_uuid(result)
        self.assertEqual(
            '[nova-ha] fenced by fence_nova_ha (cluster node node-host1)',
            self._compute_service('host1')['disabled_reason'])

        # Fence agents are retried; a repeat answers with the same task.
        result = self._agent(stdin=self._stdin('off', 'host1'))
        self.assertEqual(codes.EC_OK, result.code, result)
        self.assertIn('Success: host1 already forced down', result.out)
        self.assertEqual(uuid, self._evacuation_uuid(result))
        self.assertEqual([uuid], [task['uuid'] for task in self.admin_api.
                                  api_get('/os-ha/evacuations?host=host1')
                                  .body['evacuations']])
        result = self._agent(stdin=self._stdin('status', 'host1'))
        self.assertEqual((codes.EC_STATUS_OFF, 'Status: OFF\n'),
                         (result.code, result.out), result)

        self._wait_for_items(uuid, lambda items: all(
            item['status'] == 'pending' and item['attempts'] == 1
            for item in items))
        result = self._agent(stdin=self._stdin('on', 'host1',
                                               evacuation_wait=1))
        self.assertEqual(codes.EC_WAITING_ON, result.code, result)
        self.assertIn('ERROR: Timed out waiting to force the host up: '
                      'Evacuation %s of host1 has not finished after 1 s'
                      % uuid, result.err)
        self.assertEqual('', result.out)
        self.assertTrue(self._compute_service('host1')['forced_down'])
        self.assertEqual('running', self._evacuation(uuid)['status'])

        self.admin_api.api_post('/os-ha/evacuations/%s/action' % uuid,
                                {'cancel': None})
        # host1 is repaired: its nova-compute reports again.
        self._report_state('host1')
        result = self._agent(stdin=self._stdin('on', 'host1'))
        self.assertEqual((codes.EC_OK, 'Success: host1 forced up\n'),
                         (result.code, result.out), result)
        self.assertFalse(self._compute_service('host1')['forced_down'])
        self.assertEqual('host1', self._host_of(server))

    def test_errors(self):
        for action in ('status', 'off', 'on'):
            result = self._agent(self._argv(action, 'nohost'))
            self.assertEqual(codes.EC_GENERIC_ERROR, result.code, result)
            self.assertIn('ERROR: ', result.err)
            self.assertIn('host nohost', result.err)
            self.assertEqual('', result.out)

        result = self._agent(self._argv('status', 'host1',
                                        '--region-name', 'Elsewhere'))
        self.assertEqual(codes.EC_GENERIC_ERROR, result.code, result)
        self.assertIn('check --endpoint-type and --region-name', result.err)

        # A port nothing listens on: the identity service is unreachable.
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        sock.close()
        for url in ('http://127.0.0.1:%d/v3' % port,
                    # Unversioned: keystoneauth looks the versions up.
                    'http://127.0.0.1:%d' % port):
            result = self._agent(self._argv('status', 'host1',
                                            auth_url=url))
            self.assertEqual(codes.EC_CONNECTION_LOST, result.code, result)
            self.assertIn('ERROR: Unable to connect to OpenStack',
                          result.err)

        # Bad arguments: a usage message, never exit 2 ("OFF").
        result = self._agent(self._argv('status', 'host1', '--fenced'))
        self.assertEqual(codes.EC_GENERIC_ERROR, result.code, result)
        self.assertIn('unrecognized arguments: --fenced', result.err)
        self.assertIn('Usage: fence_nova_ha', result.err)
        result = self._agent(stdin='action=status\nport=host1\n')
        self.assertEqual(codes.EC_GENERIC_ERROR, result.code, result)
        self.assertIn('You have to set -k/--auth-url', result.err)
        self.assertIn('Usage: fence_nova_ha', result.err)


class FenceComputeOptionsTest(AgentTestBase):
    """fence_compute's stonith lines work with the agent's name changed."""

    def _off_selection(self, **extra):
        self._fence('host1')
        result = self._agent(stdin=self._stdin('off', 'host1', **extra))
        self.assertEqual(codes.EC_OK, result.code, result)
        for key in extra:
            self.assertNotIn("option '%s'" % key, result.err)
        return self._evacuation(self._evacuation_uuid(result))

    def test_record_only_records_and_evacuates_nothing(self):
        server = self._boot('db', 'host1', tags=[recovery_base.TAG])
        # As Pacemaker passes fence_compute's booleans: "1"/"0".
        evacuation = self._off_selection(record_only='1',
                                         no_shared_storage='0')
        self.assertEqual(('none', [], True),
                         (evacuation['selection'], evacuation['instances'],
                          evacuation['fenced']))
        self.assertTrue(self._compute_service('host1')['forced_down'])
        self.assertIsNone(evacuation['closed_at'])
        self.assertEqual('host1', self._host_of(server))

    def test_instance_filtering_false_evacuates_all(self):
        tagged = self._boot('db', 'host1', tags=[recovery_base.TAG])
        untagged = self._boot('scratch', 'host1')
        evacuation = self._off_selection(instance_filtering='0',
                                         no_shared_storage='1')
        self.assertEqual('all', evacuation['selection'])
        self._wait_for_end(evacuation['uuid'])
        self.assertNotEqual('host1', self._host_of(tagged))
        self.assertNotEqual('host1', self._host_of(untagged))

    def test_instance_filtering_true_is_tagged(self):
        self._boot('scratch', 'host1')
        evacuation = self._off_selection(instance_filtering='true',
                                         evacuate='all')
        self.assertEqual(('tagged', []), (evacuation['selection'],
                                          evacuation['instances']))

    def test_domain_maps_the_node_name_to_the_nova_host(self):
        self._fence('host1')
        # The cluster knows the node by its FQDN, Nova by its short name.
        result = self._agent(self._argv('off', 'host1.cloud.example',
                                        '--domain', 'cloud.example'))
        self.assertEqual(codes.EC_OK, result.code, result)
        self.assertIn('Success: host1 forced down', result.out)
        result = self._agent(stdin=self._stdin(
            'status', 'host1.cloud.example', domain='cloud.example'))
        self.assertEqual((codes.EC_STATUS_OFF, 'Status: OFF\n'),
                         (result.code, result.out), result)

    def test_bad_instance_filtering_is_a_usage_error(self):
        result = self._agent(self._argv('status', 'host1',
                                        '--instance-filtering', 'maybe'))
        self.assertEqual(codes.EC_GENERIC_ERROR, result.code, result)
        self.assertIn('--instance-filtering must be true or false',
                      result.err)
