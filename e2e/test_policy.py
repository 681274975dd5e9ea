"""Every /os-ha route with real Keystone tokens of four kinds of user."""

import json
import os
import subprocess

from oslo_utils import uuidutils

from e2e import base

ROLES = ('admin', 'member', 'reader', 'other')


class PolicyTest(base.TestCase):

    def _routes(self):
        """(method, path, body, the admin's answer, the others' answer):
        admin-only by default (nova_ha_ext/policies)."""
        unknown = uuidutils.generate_uuid()
        host = 'mc-compute1'
        return [
            ('GET', '/os-ha/hosts', None, 200, 403),
            # No such route (doc/api-ref.md): the catch-all's 404 for all.
            ('GET', '/os-ha/hosts/%s' % host, None, 404, 404),
            # Without "fenced": refused before anything changes.
            ('PUT', '/os-ha/hosts/%s' % host, {'host': {
                'forced_down': True}}, 409, 403),
            # A host with no open failure: forcing it up is a no-op.
            ('PUT', '/os-ha/hosts/%s' % host, {'host': {
                'forced_down': False}}, 200, 403),
            ('GET', '/os-ha/evacuations', None, 200, 403),
            ('GET', '/os-ha/evacuations/%s' % unknown, None, 404, 403),
            ('POST', '/os-ha/evacuations/%s/action' % unknown,
             {'cancel': None}, 404, 403),
            ('POST', '/os-ha/evacuations/%s/action' % unknown,
             {'retry': None}, 404, 403),
        ]

    def test_g_only_admin_passes_every_route(self):
        seen = {}
        for method, path, body, admin, others in self._routes():
            for who in ROLES:
                resp = self.cloud.request(who, method, path, json=body)
                seen['%s %s %s' % (who, method, path)] = resp.status_code
                expected = admin if who == 'admin' else others
                self.assertEqual(expected, resp.status_code,
                                 '%s %s as %s: %s' % (method, path, who,
                                                      resp.text))
                if expected in (403, 404):
                    self.assertIn('forbidden' if expected == 403
                                  else 'itemNotFound', resp.json())
        host = self.cloud.hosts()['mc-compute1']
        self.assertFalse(host['forced_down'])
        self.assertIsNone(host['evacuation_uuid'])
        self.log('%d calls answered as the policy says' % len(seen))

    def test_g_openstack_cli_with_each_cloud(self):
        env = {'OS_CLIENT_CONFIG_FILE': self.cloud.state.path_of(
            'clouds.yaml')}
        for cloud, ok in (('minicloud-admin', True),
                          ('minicloud-demo', False),
                          ('minicloud-demo-reader', False),
                          ('minicloud-other', False)):
            result = subprocess.run(  # noqa: S603 -- the venv's CLI
                [self.cloud.settings.bin('openstack'), '--os-cloud', cloud,
                 'ha', 'host', 'list', '-f', 'json'],
                capture_output=True, text=True, timeout=120,
                env=dict(os.environ, **env))
            if ok:
                self.assertEqual(0, result.returncode, result.stderr)
                hosts = [row for row in json.loads(result.stdout)]
                self.assertEqual(len(self.cloud.settings.hosts()),
                                 len(hosts))
            else:
                self.assertNotEqual(0, result.returncode, result.stdout)
                self.assertIn('403', result.stderr)
