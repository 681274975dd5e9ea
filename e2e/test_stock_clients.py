"""Stock clients as operators run them: ClusterLabs' fence_compute and
fence_evacuate (Debian's fence-agents), the way Pacemaker's NovaEvacuate
runs them (options on stdin), against the extension's nova-api."""

import os
import subprocess
import tempfile

from e2e import base

FENCE_COMPUTE = '/usr/sbin/fence_compute'
FENCE_EVACUATE = '/usr/sbin/fence_evacuate'

# Pacemaker's attribute daemon as fence_compute and NovaEvacuate use it
# (node attribute "evacuate"): -U sets, otherwise the query answers in
# attrd_updater's name="..." host="..." value="..." format.
ATTRD_UPDATER = """#!/bin/sh
node=; value=
while [ $# -gt 0 ]; do
    case $1 in -N) node=$2; shift ;; -U) value=$2; shift ;; esac
    shift
done
store="$(dirname "$0")/attr.$node"
if [ -n "$value" ]; then
    echo "$value" > "$store"
elif [ -f "$store" ]; then
    echo "name=\\"evacuate\\" host=\\"$node\\" value=\\"$(cat "$store")\\""
fi
"""


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
        with open(path, 'w') as f:
            f.write(ATTRD_UPDATER)
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

        result = self._stdin_agent(FENCE_COMPUTE, 'off', host)
        self.assertEqual(0, result.returncode, result.stderr)
        service = self._service(host)
        # Through os-services: forced down and disabled, as Nova records it.
        self.assertEqual((True, 'disabled'), (service['forced_down'],
                                              service['status']))
        # ...and marks the node for NovaEvacuate.
        self.assertEqual('yes', self._attribute(host))
        # The extension saw a force-down it did not make: no host failure
        # is opened and nothing is evacuated by the HA conductor.
        record = self.cloud.hosts()[host]
        self.assertEqual((True, None), (record['forced_down'],
                                        record['evacuation_uuid']))
        self.assertEqual([], self.cloud.api('GET', '/os-ha/evacuations',
                                            params={'host': host})[
                                                'evacuations'])

        # NovaEvacuate's second step: one evacuate call per server.
        result = self._stdin_agent(FENCE_EVACUATE, 'off', host)
        self.assertEqual(0, result.returncode, result.stderr)
        self.cloud.wait_status(ids, 'ACTIVE')
        base.wait('%s moved' % ids[0], lambda: self.cloud.server(ids[0])[
            'OS-EXT-SRV-ATTR:host'] != host)
        self.assert_evacuated_once(ids, host)
        self.assertEqual([], self.cloud.api('GET', '/os-ha/evacuations',
                                            params={'host': host})[
                                                'evacuations'])
        # NovaEvacuate clears the mark once fence_evacuate succeeded.
        with open(os.path.join(self.bin_dir, 'attr.' + host), 'w') as f:
            f.write('no\n')

        # Unfencing once the host is back: fence_compute forces it up and
        # enables it through os-services.
        self.cloud.restart('nova-compute-' + host)
        base.wait('migration completed', lambda: self.cloud.migrations(
            ids[0])[0]['status'] == 'completed')
        result = self._stdin_agent(FENCE_COMPUTE, 'on', host)
        self.assertEqual(0, result.returncode, result.stderr)
        service = self._service(host)
        self.assertEqual((False, 'enabled'), (service['forced_down'],
                                              service['status']))
