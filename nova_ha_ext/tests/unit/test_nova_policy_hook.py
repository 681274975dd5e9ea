"""Nova's policy tooling lists the extension's rules as Nova's own."""

import os
import subprocess
import sys
import sysconfig

import fixtures
from nova import test

from nova_ha_ext import nova_policy_hook
from nova_ha_ext import policies

RULES = [rule.name for rule in policies.list_rules()]
PTH_NAME = 'nova-ha-ext-policies.pth'
PTH_LINE = ('import nova_ha_ext.nova_policy_hook; '
            'nova_ha_ext.nova_policy_hook.install()')


def _python(code, *args):
    """Run ``code`` in a fresh interpreter of this environment."""
    out = subprocess.run(
        [sys.executable, '-W', 'ignore', '-c', code] + list(args),
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OS_NOVA_DISABLE_EVENTLET_PATCHING='1'))
    return out


class NovaPolicyListTest(test.NoDBTestCase):

    def test_environment_has_the_pth_file(self):
        path = os.path.join(sysconfig.get_paths()['purelib'], PTH_NAME)
        self.assertTrue(os.path.exists(path), path)
        with open(path) as f:
            self.assertEqual(PTH_LINE, f.read().strip())

    def test_install_is_idempotent_and_answers_one_name_only(self):
        nova_policy_hook.install()
        nova_policy_hook.install()
        finders = [f for f in sys.meta_path
                   if getattr(f, 'nova_ha_ext_policies', False)]
        self.assertEqual(1, len(finders))
        self.assertIsNone(finders[0].find_spec('nova.policy'))
        self.assertIsNone(finders[0].find_spec('nova.policies.servers'))

    def test_nova_policies_lists_the_rules_once(self):
        # Start-up alone (the .pth file) does it, without importing Nova
        # before it is asked for.
        out = _python(
            'import sys\n'
            'assert "nova" not in sys.modules, "nova imported at start-up"\n'
            'from nova import policies\n'
            'for rule in policies.list_rules():\n'
            '    print(rule.name)\n')
        self.assertEqual(0, out.returncode, out.stderr)
        names = out.stdout.split()
        self.assertIn('os_compute_api:servers:index', names)
        for name in RULES:
            self.assertEqual(1, names.count(name), name)

    def test_in_nova_enforcer_from_its_own_init(self):
        from nova import policy as nova_policy
        nova_policy.reset()
        self.addCleanup(nova_policy.reset)
        nova_policy.init()
        for name in RULES:
            self.assertIn(name, nova_policy._ENFORCER.registered_rules)

    def test_oslopolicy_sample_generator_namespace_nova(self):
        output = self.useFixture(fixtures.TempDir()).join('policy.yaml')
        # What the oslopolicy-sample-generator console script runs.
        out = _python(
            'from oslo_policy import generator; generator.generate_sample()',
            '--namespace', 'nova', '--output-file', output)
        self.assertEqual(0, out.returncode, out.stderr)
        with open(output) as f:
            sample = f.read()
        self.assertIn('#"os_compute_api:servers:index"', sample)
        for rule in policies.list_rules():
            self.assertIn('#"%s": "%s"' % (rule.name, rule.check_str),
                          sample)

    def test_oslopolicy_policy_generator_namespace_nova(self):
        output = self.useFixture(fixtures.TempDir()).join('policy.yaml')
        # oslopolicy-policy-generator: Nova's enforcer (its oslo.policy
        # .enforcer entry point) with the defaults it registered.
        out = _python(
            'from oslo_policy import generator; generator.generate_policy()',
            '--namespace', 'nova', '--output-file', output)
        self.assertEqual(0, out.returncode, out.stderr)
        with open(output) as f:
            effective = f.read()
        for rule in policies.list_rules():
            self.assertIn('"%s": "%s"' % (rule.name, rule.check_str),
                          effective)

    def test_nova_policy_check(self):
        code = ('import sys; from nova.cmd import policy; '
                'sys.exit(policy.main())')
        args = ['--config-file', os.devnull]
        check = ['policy', 'check', '--api-name', 'os-ha']
        out = _python(code, *(args + ['--os-roles', 'admin'] + check))
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(sorted(RULES), sorted(out.stdout.split()))
        out = _python(code, *(args + ['--os-roles', 'member,reader',
                                      '--os-tenant-id', 'p',
                                      '--os-user-id', 'u'] + check))
        self.assertEqual(1, out.returncode, out.stderr)
        self.assertIn('No rules matched or allowed', out.stdout)
