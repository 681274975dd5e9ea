"""Stock clients as operators run them: ClusterLabs' fence_compute and
fence_evacuate (Debian's fence-agents), the way Pacemaker's NovaEvacuate
runs them (options on stdin), against the extension's nova-api."""

import os
import shutil
import subprocess
import tempfile

from e2e import base

FENCE_COMPUTE = '/usr/sbin/fence_compute'
FENCE_EVACUATE = '/usr/sbin/fence_evacuate'

# Pacemaker's attribute daemon as fence_compute and NovaEvacuate use it:
# a stand-in shared with the recovery benchmark.
ATTRD_UPDATER = os.path.join(base.REPO, 'tools', 'minicloud', 'attrd_updater')


class StockFenceAgentsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        if not os.path.exists(FENCE_COMPUTE):
            self.skipTest('Debian fence-agents not installed '
                          '(tools/run-e2e.sh installs it)')
        # No Pacemaker here: a stand-in attrd_updater on PATH.
        self.bin_dir = tempfile.mkdtemp(prefix='e2e-attrd-')
        self.addCleanup(subprocess.run, ['rm', '-rf', self.bin_dir])
        path = os.path.join(self.bin_dir, 'attrd_updater')
        shutil.copy(ATTRD_UPDATER, path)
        os.chmod(path, 0o700)

    def _attribute(self, host):
        path = os.path.join(self.bin_dir, 'attr.' + host)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return f.read().strip()

    def _stdin_agent(self, agent, action, host):
        """Run ``agent`` as stonithd does: name=value lines on stdin."""
        options = {
            'action': action, 'plug': host,
            'auth_url': self.cloud.state.url('keystone', '/v3'),
            'login': 'admin', 'passwd': self.cloud.state['password'],
            'tenant_name': 'admin', 'user_domain': 'Default',
            'project_domain': 'Default', 'endpoint_type': 'publicURL',
            'no_shared_storage': '1',
        }
        stdin = ''.join('%s=%s\n' % item for item in options.items())
        result = subprocess.run(  # noqa: S603 -- Debian's fence agent
            [agent], input=stdin, capture_output=True, text=True,
            timeout=base.TIMEOUT, env=dict(os.environ, PATH=self.bin_dir +
                                           ':' + os.environ['PATH']))
        self.log('%s %s %s: exit %d; %s' % (
            os.path.basename(agent), action, host, result.returncode,
            (result.stdout + result.stderr).strip().replace('\n', ' | ')
            [-300:]))
        return result

    def _service(self, host):
        return self.cloud.api('GET', '/os-services', params={
            'host': host, 'binary': 'nova-compute'})['services'][0]

    def test_h_fence_compute_and_fence_evacuate(self):
        host = 'mc-compute1'
        ids = self.cloud.boot_many(host, 'h', 1)
        self.addCleanup(self.cloud.delete, ids)
        self.cloud.kill('nova-compute-' + host)
        self.addCleanup(self.cloud.restore, host)

        # NOTE: as they are on Debian 12: fence-agents 4.12.1 call
        # inspect.getargspec, removed in Python 3.11 (Debian 12's
        # python3), so both agents fail before any API call, exit 1.
        for agent in (FENCE_COMPUTE, FENCE_EVACUATE):
            result = self._stdin_agent(agent, 'off', host)
            self.assertEqual(1, result.returncode, result.stderr)
            self.assertIn("has no attribute 'getargspec'", result.stderr)
        # Nothing changed: not forced down, not marked for NovaEvacuate,
        # no host failure recorded, the server not moved.
        service = self._service(host)
        self.assertEqual((False, 'enabled'), (service['forced_down'],
                                              service['status']))
        self.assertIsNone(self._attribute(host))
        self.assertIsNone(self.cloud.hosts()[host]['evacuation_uuid'])
        self.assertEqual(host, self.cloud.server(ids[0])[
            'OS-EXT-SRV-ATTR:host'])
        self.assertEqual([], self.cloud.migrations(ids[0]))
