"""The [nova_ha] options and the sample config generated from them."""

import os
import subprocess
import sys

import fixtures
from oslo_config import cfg
from nova import test

from nova_ha_ext import conf as ha_conf
from nova_ha_ext.conf import auth as ha_auth

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))))
_GENERATOR_CONF = os.path.join(_REPO, 'etc', 'nova-ha-config-generator.conf')
_SAMPLE = os.path.join(_REPO, 'etc', 'nova-ha.conf.sample')


class OptionsTest(test.NoDBTestCase):

    def test_registration_is_repeatable_and_local(self):
        conf = cfg.ConfigOpts()
        ha_conf.register_opts(conf)
        ha_conf.register_opts(conf)
        conf([], default_config_files=[])
        self.assertTrue(conf.nova_ha.connection.startswith('sqlite:///'))
        # Nothing is registered on an object the caller did not pass.
        self.assertNotIn('nova_ha', cfg.ConfigOpts())

    def test_every_option_has_help(self):
        for group, opts in ha_conf.list_opts():
            if group.name == ha_auth.GROUP_NAME:
                # keystoneauth's own options, with keystoneauth's help.
                continue
            for opt in opts:
                self.assertGreater(len(opt.help or ''), 20, opt.name)


class SampleConfigTest(test.NoDBTestCase):
    """etc/nova-ha.conf.sample is what oslo-config-generator writes."""

    def _generate(self):
        out = self.useFixture(fixtures.TempDir()).join('sample.conf')
        subprocess.run(
            [sys.executable, '-m', 'oslo_config.generator',
             '--config-file', _GENERATOR_CONF, '--output-file', out],
            check=True, cwd=_REPO)
        with open(out) as f:
            return f.read()

    def test_sample_documents_every_option(self):
        generated = self._generate()
        for group, opts in ha_conf.list_opts():
            self.assertIn('[%s]' % group.name, generated)
            for opt in opts:
                # (an empty list default is written "#name =")
                self.assertRegex(generated, '\\n#%s =( |\\n)' % opt.dest)
                # The first words of the help text are in the sample.
                self.assertIn(' '.join(opt.help.split()[:4]), generated)

    def test_committed_sample_is_up_to_date(self):
        with open(_SAMPLE) as f:
            committed = f.read()
        self.assertEqual(
            self._generate(), committed,
            'etc/nova-ha.conf.sample is stale: run "tox -e genconfig"')
