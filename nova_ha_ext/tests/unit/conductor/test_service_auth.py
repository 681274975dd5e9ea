"""The worker's own Keystone credentials ([nova_ha_auth]), against a
Keystone answered by requests-mock with keystoneauth's token fixtures."""

import datetime
import os

import fixtures

from keystoneauth1 import fixture as ks_fixture
from nova import context as nova_context
from nova import test
from oslo_config import cfg
from oslo_utils import timeutils
from requests_mock.contrib import fixture as rm_fixture

from nova_ha_ext.conductor import service_auth
from nova_ha_ext import conf as ha_conf

AUTH_URL = 'http://keystone.example:5000/v3'
TOKENS = AUTH_URL + '/auth/tokens'
GLANCE = 'http://glance.example:9292'


class ServiceAuthTest(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.conf_dir = self.useFixture(fixtures.TempDir()).path
        self._use_conf('')
        service_auth.reset()
        self.addCleanup(service_auth.reset)
        self.keystone = self.useFixture(rm_fixture.Fixture())
        # The generic password plugin discovers the identity API first.
        self.keystone.get(AUTH_URL, json={
            'version': ks_fixture.V3Discovery(AUTH_URL)})
        self.issued = 0

    def _token(self, expires=None):
        """One answer of Keystone's POST /v3/auth/tokens."""
        token = ks_fixture.V3Token(user_id='ha-user', project_id='svc',
                                   expires=expires)
        token.add_role(name='admin')
        service = token.add_service('image', name='glance')
        service.add_standard_endpoints(public=GLANCE, internal=GLANCE,
                                       region='RegionOne')
        self.issued += 1
        return {'json': token,
                'headers': {'X-Subject-Token': 'token-%d' % self.issued}}

    def _use_conf(self, text):
        """A nova.conf of ``text``, read as a service reads it at start."""
        path = os.path.join(self.conf_dir, 'nova.conf')
        with open(path, 'w') as conf_file:
            conf_file.write(text)
        conf = cfg.ConfigOpts()
        ha_conf.register_opts(conf)
        conf([], default_config_files=[path])
        self.useFixture(fixtures.MockPatchObject(service_auth, 'CONF', conf))

    def _configure(self):
        self._use_conf("""
[nova_ha_auth]
auth_type = password
auth_url = %s
username = nova-ha
password = secret
user_domain_name = Default
project_name = service
project_domain_name = Default
""" % AUTH_URL)

    def test_unconfigured_keeps_the_api_callers_context(self):
        caller = nova_context.RequestContext(
            'u', 'p', auth_token='callers', service_catalog=[{'type': 'x'}])
        self.assertIs(caller, service_auth.worker_context(caller))
        resumed = service_auth.worker_context(
            nova_context.get_admin_context())
        self.assertIsNone(resumed.auth_token)
        self.assertFalse(self.keystone.called)

    def test_context_carries_the_workers_token_and_catalog(self):
        self._configure()
        self.keystone.post(TOKENS, [self._token()])
        context = service_auth.worker_context(
            nova_context.get_admin_context())
        self.assertEqual(('ha-user', 'svc', 'token-1', True, ['admin']),
                         (context.user_id, context.project_id,
                          context.auth_token, context.is_admin,
                          context.roles))
        # Nova's services rebuild this plugin from the context's token and
        # catalog after the RPC cast: it finds Glance.
        plugin = context.get_auth_plugin()
        self.assertEqual(GLANCE, plugin.get_endpoint(
            None, service_type='image', interface='internal',
            region_name='RegionOne'))
        self.assertEqual('token-1', plugin.get_token())
        sent = self.keystone.last_request.json()['auth']['identity']
        self.assertEqual('nova-ha', sent['password']['user']['name'])

    def test_token_about_to_expire_is_renewed(self):
        self._configure()
        soon = timeutils.utcnow() + datetime.timedelta(seconds=60)
        self.keystone.post(TOKENS, [self._token(expires=soon),
                                    self._token()])
        context = service_auth.worker_context(None)
        self.assertEqual('token-2', context.auth_token)
        self.assertEqual(2, len([r for r in self.keystone.request_history
                                 if r.method == 'POST']))

    def test_refresh_renews_only_the_workers_contexts(self):
        self._configure()
        soon = timeutils.utcnow() + datetime.timedelta(seconds=60)
        self.keystone.post(TOKENS, [self._token(expires=soon),
                                    self._token(), self._token()])
        ours = service_auth.worker_context(None)
        self.assertEqual('token-2', ours.auth_token)
        # token-2 is now the one about to expire.
        service_auth.reset()
        self.keystone.post(TOKENS, [self._token(expires=soon),
                                    self._token()])
        caller = nova_context.RequestContext('someone', 'p',
                                             auth_token='callers')
        service_auth.refresh(ours, caller)
        self.assertEqual(('token-5', 'callers'),
                         (ours.auth_token, caller.auth_token))

    def test_keystone_down_keeps_the_token_held(self):
        self._configure()
        self.keystone.post(TOKENS, [self._token(), {'status_code': 503}])
        ours = service_auth.worker_context(None)
        service_auth.reset()
        service_auth.refresh(ours)
        self.assertEqual('token-1', ours.auth_token)
