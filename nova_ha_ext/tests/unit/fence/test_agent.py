"""fence_nova_ha's protocol side: options, metadata, exit codes.

The API calls themselves run against Nova in the functional tests
(tests/functional/cli/test_fence_agent.py); here a small stand-in client
answers, so each exit code and message can be checked in milliseconds.
"""

import contextlib
import io
import shlex
import sys
from xml.etree import ElementTree

from keystoneauth1 import exceptions as ks_exc
import testtools

from nova_ha_ext.client import exceptions as client_exc
from nova_ha_ext.fence import agent
from nova_ha_ext.fence import codes
from nova_ha_ext.fence import options

AUTH = ['--auth-url', 'http://keystone/v3', '-l', 'admin', '-p', 'secret',
        '--project-name', 'admin']
STDIN_AUTH = ('auth_url=http://keystone/v3\nlogin=admin\npasswd=secret\n'
              'tenant-name=admin\n')


def _run(argv=(), stdin='', client_factory=None):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = agent.main(list(argv), stdin=stdin,
                          client_factory=client_factory)
    return code, out.getvalue(), err.getvalue()


def _no_client(opts):
    raise AssertionError('this action must not call the API')


class FakeHA:
    """The client calls the actions make, with canned answers."""

    def __init__(self, forced_down=False, evacuation_uuid=None,
                 error=None, finishes=True, withheld=None, created=True,
                 total=2):
        self.forced_down = forced_down
        self.total = total
        self.evacuation_uuid = evacuation_uuid
        self.error = error
        self.finishes = finishes
        self.withheld = withheld
        self.created = created
        self.calls = []

    def __call__(self, opts):
        self.opts = opts
        return self

    def _check(self, name, *args):
        self.calls.append((name,) + args)
        if self.error is not None:
            raise self.error

    def list_hosts(self):
        self._check('list_hosts')
        return [{'host': 'compute1'}, {'host': 'compute2'}]

    def get_host(self, host):
        self._check('get_host', host)
        return {'host': host, 'forced_down': self.forced_down,
                'evacuation_uuid': self.evacuation_uuid}

    def force_down(self, host, **kwargs):
        self._check('force_down', host, kwargs)
        # As the API records it: withheld items make the task cancelled;
        # with nothing to evacuate it is completed, verdict or not.
        if not self.total:
            status = 'completed'
        else:
            status = 'cancelled' if self.withheld else 'pending'
        return self.created, {
            'host': host, 'forced_down': True,
            'evacuation': {'uuid': 'e-1', 'status': status,
                           'selection': kwargs['evacuate'],
                           'withheld_reason': self.withheld,
                           'counts': {'total': self.total}}}

    def force_up(self, host):
        self._check('force_up', host)
        return {'host': host, 'forced_down': False}

    def wait_for_evacuation(self, uuid, timeout, interval):
        self._check('wait', uuid, timeout)
        return {'uuid': uuid, 'status': 'completed'} if self.finishes \
            else None


class ArgvTest(testtools.TestCase):

    def test_flags_and_classic_names(self):
        raw = options.from_argv([
            '-o', 'Off', '--port', 'compute2', '-k', 'http://k/v3',
            '--login', 'admin', '--passwd=s=cret', '--tenant-name', 'p',
            '--endpoint-type', 'publicURL', '--insecure', '-vv',
            '--evacuation-wait', '30'])
        opts = options.resolve(raw)
        self.assertEqual(
            ('off', 'compute2', 'http://k/v3', 'admin', 's=cret', 'p',
             'public', True, 2, 30),
            (opts.action, opts.plug, opts.auth_url, opts.username,
             opts.password, opts.project_name, opts.endpoint_type,
             opts.insecure, opts.verbose, opts.evacuation_wait))

    def test_defaults(self):
        opts = options.resolve(options.from_argv(['-n', 'compute2']))
        self.assertEqual(
            ('reboot', 'internal', 'tagged', 600, 'Default', 'Default',
             False, False, None),
            (opts.action, opts.endpoint_type, opts.evacuate,
             opts.evacuation_wait, opts.user_domain, opts.project_domain,
             opts.force, opts.insecure, opts.region_name))
        self.assertEqual('fenced by fence_nova_ha (cluster node compute2)',
                         opts.reason)

    def test_unknown_flag_and_stray_argument_are_usage_errors(self):
        for argv in (['--bogus'], ['-o', 'off', 'compute2'], ['-o'],
                     ['--auth'],  # no abbreviations of --auth-url
                     ['--no-fenced']):
            code, out, err = _run(argv, client_factory=_no_client)
            self.assertEqual(codes.EC_GENERIC_ERROR, code, argv)
            self.assertIn('ERROR: ', err)
            self.assertIn('Usage: fence_nova_ha', err)
            self.assertEqual('', out)

    def test_bad_values_are_usage_errors(self):
        for argv, message in (
                (['-o', 'explode'], "Unrecognised action 'explode'"),
                (['--evacuate', 'some'], '--evacuate must be one of'),
                (['--endpoint-type', 'private'],
                 '--endpoint-type must be one of'),
                (['--evacuation-wait', 'soon'],
                 'not a valid time in seconds'),
                (['--evacuation-wait', '-1'], 'not a valid time'),
                (['--reason', 'x' * 201], 'longer than 200')):
            code, out, err = _run(argv + AUTH + ['-n', 'c'],
                                  client_factory=_no_client)
            # Never 2: to "status" that would mean the host is OFF.
            self.assertEqual(codes.EC_GENERIC_ERROR, code, argv)
            self.assertIn(message, err)
            self.assertIn('Usage: fence_nova_ha', err)

    def test_missing_options_are_named(self):
        code, out, err = _run(['-o', 'off'], client_factory=_no_client)
        self.assertEqual(codes.EC_GENERIC_ERROR, code)
        for text in ('-k/--auth-url (auth_url on stdin)',
                     '-l/--username (username on stdin)',
                     '-t/--project-name (project_name on stdin)',
                     'You have to set a password',
                     'You have to name the compute host'):
            self.assertIn(text, err)
        # list and monitor need no host.
        code, out, err = _run(['-o', 'list'] + AUTH[:4],
                              client_factory=_no_client)
        self.assertNotIn('compute host', err)
        self.assertIn('You have to set a password', err)


class StdinTest(testtools.TestCase):

    def test_pacemaker_input(self):
        ha = FakeHA()
        code, out, err = _run(stdin=(
            '# written by pacemaker-fenced\n\n'
            '  action=status\n'
            'auth-url=http://keystone/v3\n'
            'login=admin\n'
            'passwd="pass=word"\n'
            'project-name=demo\n'
            'region_name=RegionTwo\n'
            'endpoint_type=adminURL\n'
            'port=compute2\n'
            'nodename=node2.cluster\n'
            'pcmk_host_list=node1 node2\n'
            'insecure=1\n'
            'force=no\n'
            'verbose=maybe\n'
            'evacuate=ALL\n'
            'evacuate=none\n'),
            client_factory=ha)
        self.assertEqual(codes.EC_OK, code, err)
        self.assertEqual('Status: ON\n', out)
        self.assertEqual(('compute2', 'node2.cluster', 'RegionTwo', 'admin',
                          'none', True, False),
                         (ha.opts.plug, ha.opts.nodename,
                          ha.opts.region_name, ha.opts.endpoint_type,
                          ha.opts.evacuate, ha.opts.insecure,
                          ha.opts.force))
        self.assertIn("WARNING: Ignoring unknown option 'pcmk_host_list'",
                      err)
        self.assertIn("WARNING: Ignoring option 'verbose'", err)
        self.assertNotIn('pass=word', err)

    def test_parsed_values(self):
        with self.assertLogs('nova_ha_ext.fence', 'WARNING') as logs:
            raw = options.from_stdin([
                'action=meta-data', 'auth_url=http://k/v3', 'login=admin',
                'passwd=a=b', 'tenant_name=demo', 'user-domain=Ops',
                'nodename=node2', 'insecure=true', 'force=off', 'reason=',
                'no equals sign'])
        self.assertEqual(["Ignoring stdin line 11: no '=' after "
                          "'no equals sign'"],
                         [record.getMessage() for record in logs.records])
        opts = options.resolve(raw)
        self.assertEqual(
            ('metadata', 'admin', 'a=b', 'demo', 'Ops', 'node2', True,
             False),
            (opts.action, opts.username, opts.password, opts.project_name,
             opts.user_domain, opts.plug, opts.insecure, opts.force))
        # An empty value is unset: the default reason names the node.
        self.assertIn('node2', opts.reason)

    def test_plug_wins_over_nodename(self):
        # As the FenceAgentAPI says: port/plug is pcmk_host_map's answer.
        opts = options.resolve(options.from_stdin(
            ['nodename=node2', 'plug=compute2.example.org']))
        self.assertEqual('compute2.example.org', opts.plug)
        self.assertIn('fence_nova_ha', opts.reason)
        self.assertIn('node2', opts.reason)

    def test_bad_stdin_value_is_a_usage_error(self):
        code, out, err = _run(stdin=STDIN_AUTH + 'action=dance\n',
                              client_factory=_no_client)
        self.assertEqual(codes.EC_GENERIC_ERROR, code)
        self.assertIn("Unrecognised action 'dance'", err)
        self.assertIn('Usage:', err)

    def test_validate_all(self):
        code, out, err = _run(stdin=STDIN_AUTH + 'action=validate-all\n',
                              client_factory=_no_client)
        self.assertEqual((codes.EC_OK, '', ''), (code, out, err))
        code, out, err = _run(stdin='action=validate-all\nlogin=admin\n',
                              client_factory=_no_client)
        self.assertEqual(codes.EC_GENERIC_ERROR, code)
        self.assertIn('You have to set -k/--auth-url', err)


class MetadataTest(testtools.TestCase):

    def _metadata(self, **kwargs):
        code, out, err = _run(client_factory=_no_client, **kwargs)
        self.assertEqual(codes.EC_OK, code, err)
        return ElementTree.fromstring(out)

    def test_document(self):
        root = self._metadata(argv=['-o', 'metadata'])
        self.assertEqual('resource-agent', root.tag)
        self.assertEqual('fence_nova_ha', root.get('name'))
        self.assertTrue(root.get('shortdesc'))
        self.assertEqual(['longdesc', 'vendor-url', 'parameters', 'actions'],
                         [child.tag for child in root])
        self.assertIn('same fencing level', root.find('longdesc').text)

        parameters = {p.get('name'): p for p in root.iter('parameter')}
        names = set()
        for option in options.OPTIONS:
            names.add(option.name)
            parameter = parameters[option.name]
            self.assertEqual(
                ['getopt', 'content', 'shortdesc'],
                [child.tag for child in parameter])
            self.assertIn('--' + option.name.replace('_', '-'),
                          parameter.find('getopt').get('mixed'))
            content = parameter.find('content')
            self.assertEqual(option.content_type, content.get('type'))
            self.assertEqual(option.default, content.get('default'))
            self.assertEqual('en', parameter.find('shortdesc').get('lang'))
            self.assertEqual('1' if option.required else '0',
                             parameter.get('required'))
            if option.alias:
                names.add(option.alias)
                self.assertEqual(option.alias, parameter.get('obsoletes'))
                self.assertEqual('1',
                                 parameters[option.alias].get('deprecated'))
        self.assertEqual(names, set(parameters))
        for name in ('port', 'plug', 'login', 'passwd', 'passwd_script',
                     'tenant_name', 'auth_url', 'evacuate', 'force',
                     'evacuation_wait', 'endpoint_type'):
            self.assertIn(name, parameters)
        self.assertNotIn('fenced', parameters)
        self.assertEqual(
            ['tagged', 'all', 'none'],
            [o.get('value') for o in parameters['evacuate'].iter('option')])

        actions = {a.get('name'): a for a in root.find('actions')}
        self.assertEqual(['on', 'off', 'reboot', 'status', 'monitor', 'list',
                          'metadata', 'validate-all'], list(actions))
        self.assertEqual('1', actions['on'].get('automatic'))

    def test_from_stdin_needs_no_credentials(self):
        root = self._metadata(stdin='action=metadata\n')
        self.assertEqual('fence_nova_ha', root.get('name'))

    def test_help_and_version(self):
        code, out, err = _run(['-h'], client_factory=_no_client)
        self.assertEqual((codes.EC_OK, ''), (code, err))
        for option in options.OPTIONS:
            for flag in option.flags:
                self.assertIn(flag, out)
        self.assertIn('--tenant-name', out)
        code, out, err = _run(['-V'], client_factory=_no_client)
        self.assertEqual(codes.EC_OK, code)
        self.assertRegex(out, r'^\d+\.\d+')


class ActionTest(testtools.TestCase):

    def _run(self, action, ha, *extra):
        return _run(['-o', action, '-n', 'compute2'] + AUTH + list(extra),
                    client_factory=ha)

    def test_status(self):
        self.assertEqual((codes.EC_OK, 'Status: ON\n'),
                         self._run('status', FakeHA())[:2])
        self.assertEqual((codes.EC_STATUS_OFF, 'Status: OFF\n'),
                         self._run('status', FakeHA(forced_down=True))[:2])

    def test_off_and_reboot_attest_fencing(self):
        for action in ('off', 'reboot'):
            ha = FakeHA()
            code, out, err = self._run(action, ha, '--evacuate', 'all',
                                       '--force', '--reason', 'IPMI off')
            self.assertEqual(codes.EC_OK, code, err)
            self.assertEqual(
                [('force_down', 'compute2',
                  {'fenced': True, 'evacuate': 'all', 'force': True,
                   'reason': 'IPMI off'})], ha.calls)
            self.assertIn('Success: compute2 forced down', out)
            self.assertIn('Evacuation: e-1 pending', out)

    def test_off_repeat_and_withheld(self):
        code, out, err = self._run(
            'off', FakeHA(created=False, withheld='3 of 4 hosts down'))
        self.assertEqual(codes.EC_OK, code)
        self.assertIn('already forced down', out)
        self.assertIn('WARNING: Evacuation e-1 withheld: 3 of 4 hosts down',
                      err)

    def test_off_nothing_to_evacuate_is_no_storm_warning(self):
        # The guard judged the host (its record says so), but it held
        # nothing back: Pacemaker's log gets no storm warning.
        code, out, err = self._run(
            'off', FakeHA(withheld='3 of 4 hosts down', total=0))
        self.assertEqual(codes.EC_OK, code)
        self.assertIn('Evacuation: e-1 completed (selection tagged, '
                      '0 instance(s))', out)
        self.assertNotIn('withheld', err)

    def test_on_waits_then_forces_up(self):
        ha = FakeHA(forced_down=True, evacuation_uuid='e-1')
        code, out, err = self._run('on', ha, '--evacuation-wait', '7')
        self.assertEqual(codes.EC_OK, code, err)
        self.assertEqual([('get_host', 'compute2'), ('wait', 'e-1', 7),
                          ('force_up', 'compute2')], ha.calls)
        self.assertEqual('Success: compute2 forced up\n', out)

    def test_on_times_out(self):
        ha = FakeHA(forced_down=True, evacuation_uuid='e-1', finishes=False)
        code, out, err = self._run('on', ha)
        self.assertEqual(codes.EC_WAITING_ON, code)
        self.assertNotIn(('force_up', 'compute2'), ha.calls)
        self.assertIn('has not finished after 600 s', err)

    def test_list_and_monitor(self):
        code, out, err = _run(['-o', 'list'] + AUTH,
                              client_factory=FakeHA())
        self.assertEqual((codes.EC_OK, 'compute1,\ncompute2,\n'),
                         (code, out))
        code, out, err = _run(['-o', 'monitor'] + AUTH,
                              client_factory=FakeHA())
        self.assertEqual((codes.EC_OK, ''), (code, out))

    def test_errors_map_to_exit_codes(self):
        for error, code, text in (
                (client_exc.NotFound(404, 'Compute host compute2 could not '
                                          'be found.'),
                 codes.EC_GENERIC_ERROR, 'could not be found'),
                (client_exc.Conflict(409, 'Host busy.'),
                 codes.EC_GENERIC_ERROR, 'Host busy. (HTTP 409)'),
                (client_exc.Forbidden(403, 'Policy forbids it.'),
                 codes.EC_LOGIN_DENIED, 'Unable to authenticate'),
                (ks_exc.Unauthorized('The request you have made requires '
                                     'authentication.'),
                 codes.EC_LOGIN_DENIED, 'requires authentication'),
                (ks_exc.ConnectFailure('refused'),
                 codes.EC_CONNECTION_LOST, 'Unable to connect'),
                (ks_exc.ConnectTimeout('slow'), codes.EC_TIMED_OUT,
                 'Timed out'),
                (ks_exc.EndpointNotFound('Could not find endpoint'),
                 codes.EC_GENERIC_ERROR, 'check --endpoint-type')):
            result = self._run('status', FakeHA(error=error))
            self.assertEqual(code, result[0], error)
            self.assertIn('ERROR: ', result[2])
            self.assertIn(text, result[2])
            self.assertEqual('', result[1])

    def test_password_script(self):
        script = shlex.join([sys.executable, '-c', 'print("from-script")'])
        ha = FakeHA()
        code, out, err = _run(['-o', 'status', '-n', 'compute2', '-k', 'u',
                               '-l', 'admin', '-t', 'p', '-S', script],
                              client_factory=ha)
        self.assertEqual(codes.EC_OK, code, err)
        self.assertEqual('from-script', ha.opts.password)

        failing = shlex.join([sys.executable, '-c', 'raise SystemExit(3)'])
        code, out, err = _run(['-o', 'status', '-n', 'compute2', '-k', 'u',
                               '-l', 'admin', '-t', 'p', '-S', failing],
                              client_factory=_no_client)
        self.assertEqual(codes.EC_GENERIC_ERROR, code)
        self.assertIn('password script exited with status 3', err)
