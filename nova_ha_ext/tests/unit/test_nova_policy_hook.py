"""Nova's policy tooling lists the extension's rules as Nova's own."""

from importlib import machinery
import os
import subprocess
import sys

import fixtures
import nova
from nova import test

from nova_ha_ext import nova_policy_hook
from nova_ha_ext import policies

RULES = [rule.name for rule in policies.list_rules()]


def _python(code, *args):
    """Run ``code`` in a fresh interpreter of this environment."""
    out = subprocess.run(
        [sys.executable, '-W', 'ignore', '-c', code] + list(args),
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OS_NOVA_DISABLE_EVENTLET_PATCHING='1'))
    return out


class NovaPolicyListTest(test.NoDBTestCase):

    def test_finder_answers_nova_policies_alone_before_python(self):
        nova_policy_hook.install()
        finder = nova_policy_hook._Finder()
        spec = finder.find_spec(nova_policy_hook.MODULE, nova.__path__)
        self.assertIsInstance(spec.loader, nova_policy_hook._Loader)
        # Nova's own file, found where Python's path finder finds it.
        self.assertEqual(os.path.join(nova.__path__[0], 'policies',
                                      '__init__.py'), spec.origin)
        self.assertIsNone(finder.find_spec('nova.policy', nova.__path__))
        installed = next(f for f in sys.meta_path
                         if isinstance(f, nova_policy_hook._Finder))
        self.assertLess(sys.meta_path.index(installed),
                        sys.meta_path.index(machinery.PathFinder))

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

    def _generate(self, function):
        """What ``oslopolicy-<function> --namespace nova`` writes."""
        output = self.useFixture(fixtures.TempDir()).join('policy.yaml')
        # What the console script of that name runs.
        out = _python(
            'from oslo_policy import generator; generator.%s()' % function,
            '--namespace', 'nova', '--output-file', output)
        self.assertEqual(0, out.returncode, out.stderr)
        with open(output) as f:
            return f.read()

    def test_oslopolicy_generators_namespace_nova(self):
        # The sample (from the oslo.policy.policies entry point "nova") and
        # the effective policy (Nova's enforcer, from its
        # oslo.policy.enforcer entry point).
        sample = self._generate('generate_sample')
        self.assertIn('#"os_compute_api:servers:index"', sample)
        effective = self._generate('generate_policy')
        for rule in policies.list_rules():
            line = '"%s": "%s"' % (rule.name, rule.check_str)
            self.assertIn('#' + line, sample)
            self.assertIn(line, effective)

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
