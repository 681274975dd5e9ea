"""The extension's rules live in Nova's enforcer."""

import os
import subprocess
import sys

import fixtures
from nova import context as nova_context
from nova import exception
from nova import policy as nova_policy
from nova import test
from nova.tests import fixtures as nova_fixtures

from nova_ha_ext import policies
from nova_ha_ext.policies import hosts as hosts_policies
from nova_ha_ext import policy


class PolicyTest(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.policy = self.useFixture(nova_fixtures.RealPolicyFixture())
        self.admin = nova_context.RequestContext(
            'admin', 'project', roles=['admin', 'member', 'reader'])
        self.member = nova_context.RequestContext(
            'user', 'project', roles=['member', 'reader'])

    def test_rules_are_documented_admin_project_scoped(self):
        rules = policies.list_rules()
        self.assertIn(hosts_policies.HOSTS_LIST, [r.name for r in rules])
        for rule in rules:
            self.assertEqual('rule:context_is_admin', rule.check_str)
            self.assertEqual(['project'], rule.scope_types)
            self.assertTrue(rule.description)
            self.assertTrue(all(op['path'].startswith('/os-ha')
                                for op in rule.operations))

    def test_read_rules_say_they_are_for_operators_only(self):
        # What they answer is not filtered by project: opened to members,
        # they show other projects' instances (doc/api-ref.md).
        reads = [rule for rule in policies.list_rules()
                 if rule.operations[0]['method'] == 'GET']
        self.assertEqual(3, len(reads))
        for rule in reads:
            self.assertIn('For operators only', rule.description)
            self.assertIn('instances of every project', rule.description)

    def test_admin_allowed_member_refused(self):
        self.assertTrue(policy.authorize(
            self.admin, hosts_policies.HOSTS_LIST))
        self.assertRaises(exception.PolicyNotAuthorized, policy.authorize,
                          self.member, hosts_policies.HOSTS_LIST)

    def test_survives_nova_enforcer_reset(self):
        policy.authorize(self.admin, hosts_policies.HOSTS_LIST)
        # SIGHUP and Nova's own tests rebuild the enforcer from scratch,
        # knowing only Nova's rules.
        nova_policy.reset()
        self.assertTrue(policy.authorize(
            self.admin, hosts_policies.HOSTS_LIST))
        self.assertIn(hosts_policies.HOSTS_LIST,
                      nova_policy._ENFORCER.registered_rules)



class PolicyFileOverrideTest(test.NoDBTestCase):
    """An override in Nova's policy.yaml applies to the extension's rules.

    Nova loads the file before the extension registers its defaults; the
    override must still win over the registered default.
    """

    def test_override_in_policy_file(self):
        tmp = self.useFixture(fixtures.TempDir())
        policy_file = tmp.join('policy.yaml')
        with open(policy_file, 'w') as f:
            f.write('"%s": "role:member"\n' % hosts_policies.HOSTS_LIST)

        class _Fixture(nova_fixtures.RealPolicyFixture):
            def _prepare_policy(self):
                self.policy_file = policy_file

        self.useFixture(_Fixture())
        member = nova_context.RequestContext(
            'user', 'project', roles=['member', 'reader'])
        self.assertTrue(policy.authorize(member, hosts_policies.HOSTS_LIST))


class PolicySampleTest(test.NoDBTestCase):
    """etc/nova-ha.policy.yaml.sample is what oslopolicy writes."""

    def test_committed_sample_is_up_to_date(self):
        repo = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.dirname(os.path.abspath(__file__)))))
        out = self.useFixture(fixtures.TempDir()).join('policy.yaml')
        subprocess.run(
            # What the oslopolicy-sample-generator console script runs.
            [sys.executable, '-c',
             'from oslo_policy import generator; generator.generate_sample()',
             '--namespace', 'nova_ha_ext', '--output-file', out],
            check=True, cwd=repo, capture_output=True)
        with open(out) as generated, open(os.path.join(
                repo, 'etc', 'nova-ha.policy.yaml.sample')) as committed:
            generated = generated.read()
            self.assertEqual(
                generated, committed.read(),
                'etc/nova-ha.policy.yaml.sample is stale: run '
                '"tox -e genpolicy"')
        for rule in policies.list_rules():
            self.assertIn('"%s": "%s"' % (rule.name, rule.check_str),
                          generated)
