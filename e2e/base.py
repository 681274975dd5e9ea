"""What every e2e test needs: the running minicloud, real Keystone
sessions per user, the real CLIs, and the records to check.

The cloud is the one ``tools/run-e2e.sh`` brought up (``MINICLOUD_DIR``);
tests never bring a cloud up or down themselves, and each test leaves
every host as it found it (up, not forced down) so the next one can use
the same cloud.
"""

import json
import os
import signal
import subprocess
import sys
import time
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'tools'))

from minicloud import backends  # noqa: E402
from minicloud import bootstrap  # noqa: E402
from minicloud import cloud  # noqa: E402
from minicloud import procs  # noqa: E402
from minicloud import settings as mc_settings  # noqa: E402

MICROVERSION = '2.95'  # 2.74: admins boot onto a named host
TAG = 'automatic-recovery'
FINAL = ('completed', 'completed_with_errors', 'cancelled')
# nova.compute.power_state
RUNNING, SHUTDOWN = 1, 4
SPAWN_DELAY = 25  # seconds each held rebuild sleeps in the fake driver
TIMEOUT = int(os.environ.get('E2E_TIMEOUT', '240'))
USERS = {'admin': ('admin', 'admin'), 'member': ('demo', 'demo-member'),
         'reader': ('demo', 'demo-reader'),
         'other': ('other', 'other-member')}


def wait(what, check, timeout=TIMEOUT):
    return procs.until(what, check, timeout, interval=1.0)


class Cloud:
    """The running minicloud, as its users and its operator see it."""

    def __init__(self):
        self.settings = mc_settings.Settings()
        self.state = mc_settings.State.load(self.settings)
        if self.state is None:
            raise unittest.SkipTest('no minicloud in %s (run tools/run-e2e.sh)'
                                    % self.settings.run_dir)
        self._sessions = {}

    def session(self, who='admin'):
        if who not in self._sessions:
            project, user = USERS[who]
            self._sessions[who] = bootstrap.admin_session(
                self.state, project=project, user=user)
        return self._sessions[who]

    def request(self, who, method, path, **kwargs):
        """One compute API call; the response, whatever its status."""
        return self.session(who).request(
            path, method, raise_exc=False,
            headers={'OpenStack-API-Version': 'compute ' + MICROVERSION},
            endpoint_filter={'service_type': 'compute',
                             'interface': 'public'}, **kwargs)

    def api(self, method, path, who='admin', **kwargs):
        resp = self.request(who, method, path, **kwargs)
        if resp.status_code >= 400:
            raise AssertionError('%s %s: %d %s' % (method, path,
                                                   resp.status_code,
                                                   resp.text))
        return resp.json() if resp.content else None

    # -- servers ------------------------------------------------------------
    def image_id(self):
        images = self.session().get('/v2/images', params={
            'name': 'cirros-mc'}, endpoint_filter={
                'service_type': 'image', 'interface': 'public'}).json()
        return images['images'][0]['id']

    def boot(self, host, name, tagged=True):
        body = {'name': name, 'imageRef': self.image_id(), 'flavorRef': '1',
                'networks': 'none', 'host': host}
        if tagged:
            body['tags'] = [TAG]
        server = self.api('POST', '/servers', json={'server': body})
        return server['server']['id']

    def server(self, server_id):
        return self.api('GET', '/servers/%s' % server_id)['server']

    def wait_status(self, ids, status, host=None):
        def done():
            now = [self.server(i) for i in ids]
            errors = [s['id'] for s in now if s['status'] == 'ERROR'
                      and status != 'ERROR']
            if errors:
                raise AssertionError('%s in ERROR: %s' % (errors, [
                    s.get('fault', {}).get('message') for s in now]))
            return all(s['status'] == status and not s.get(
                'OS-EXT-STS:task_state') and (host is None or s[
                    'OS-EXT-SRV-ATTR:host'] == host) for s in now)
        wait('%s %s' % (', '.join(ids), status), done)

    def boot_many(self, host, prefix, count, tagged=True):
        ids = [self.boot(host, '%s-%d' % (prefix, i), tagged)
               for i in range(count)]
        self.wait_status(ids, 'ACTIVE', host)
        return ids

    def stop(self, server_id):
        self.api('POST', '/servers/%s/action' % server_id,
                 json={'os-stop': None})
        self.wait_status([server_id], 'SHUTOFF')

    def delete(self, ids):
        for server_id in ids:
            self.request('admin', 'DELETE', '/servers/%s' % server_id)

    def migrations(self, server_id):
        return self.api('GET', '/os-migrations', params={
            'instance_uuid': server_id,
            'migration_type': 'evacuation'})['migrations']

    # -- hosts --------------------------------------------------------------
    def hosts(self):
        return {h['host']: h for h in self.api('GET', '/os-ha/hosts')[
            'hosts']}

    def schedulable(self, host):
        """Placement offers ``host`` again: Nova syncs the provider's
        COMPUTE_STATUS_DISABLED trait after an enable asynchronously."""
        ep = {'service_type': 'placement', 'interface': 'public'}
        sess = self.session()
        providers = sess.get('/resource_providers', params={'name': host},
                             endpoint_filter=ep).json()['resource_providers']
        traits = sess.get('/resource_providers/%s/traits' % providers[0][
            'uuid'], endpoint_filter=ep, headers={
                'OpenStack-API-Version': 'placement 1.6'}).json()['traits']
        return 'COMPUTE_STATUS_DISABLED' not in traits

    def guests(self, host):
        """The fake hypervisor's guests {uuid: power state} on ``host``
        (written by nova_ha_ext.virt.recording_fake)."""
        path = self.state.path_of('nova', host, 'fake-guests.json')
        with open(path) as f:
            return json.load(f)

    def spawning(self, host):
        """Instances whose spawn the fake driver on ``host`` holds now."""
        path = self.state.path_of('nova', host, 'fake-spawning.json')
        try:
            with open(path) as f:
                return json.load(f)
        except FileNotFoundError:
            return []

    def holders(self, server_id):
        """Hosts whose nova-compute runs and holds the guest."""
        return [h for h in self.settings.hosts() if self.alive(
            'nova-compute-' + h) and server_id in self.guests(h)]

    def alive(self, service):
        self.reload()
        return procs.alive(self.state['services'][service]['pid'])

    def reload(self):
        self.state = mc_settings.State.load(self.settings)

    def kill(self, service, sig=signal.SIGKILL):
        cloud.kill(self.settings, service, sig)
        wait('%s dead' % service, lambda: not self.alive(service), 30)

    def restart(self, service):
        cloud.restart(self.settings, service)
        self.reload()

    def fence(self, action, host, *options, stdin=None):
        """The real fence agent, as Pacemaker runs it."""
        cmd = [self.settings.bin('fence_nova_ha'), '-o', action, '-n', host,
               '--auth-url', self.state.url('keystone', '/v3'),
               '-l', 'admin', '-p', self.state['password'],
               '--project-name', 'admin'] + list(options)
        return subprocess.run(  # noqa: S603 -- the venv's fence agent
            cmd, capture_output=True, text=True, timeout=TIMEOUT + 60,
            input=stdin)

    def evacuation(self, uuid):
        return self.api('GET', '/os-ha/evacuations/%s' % uuid)['evacuation']

    def wait_final(self, uuid):
        return wait('evacuation %s final' % uuid, lambda: (
            lambda e: e if e['status'] in FINAL else None)(
                self.evacuation(uuid)))

    def explain(self, task, limit=40):
        """``task`` and the cloud's last ERROR lines (HA conductors,
        nova-compute, nova-conductor): a failed assertion's message, so
        that a CI log shows why without the run dir."""
        lines = []
        logs = self.state.path_of('logs')
        for name in sorted(os.listdir(logs)):
            if not name.startswith(('nova-ha-conductor', 'nova-compute',
                                    'nova-conductor')):
                continue
            with open(os.path.join(logs, name), errors='replace') as f:
                lines += ['%s: %s' % (name, line.rstrip()[:400])
                          for line in f if ' ERROR ' in line]
        return '%s\n%s' % (task, '\n'.join(lines[-limit:]))

    def ha_db(self, sql, *args):
        return backends.query(self.state, 'nova_ha', sql, *args)

    def restore(self, host):
        """The repaired host's return: nova-compute started again, its
        evacuation migrations completed, then fence_nova_ha -o on. Each
        step only if still needed (a test may have done it)."""
        if not self.alive('nova-compute-' + host):
            self.restart('nova-compute-' + host)
        if self.hosts()[host]['forced_down']:
            # Bounded: a task that cannot finish fails the cleanup, not
            # hangs it for fence_nova_ha's default 600 s.
            result = self.fence('on', host, '--evacuation-wait',
                                str(TIMEOUT // 2))
            if result.returncode != 0:
                raise AssertionError('fence_nova_ha -o on %s: %d %s%s' % (
                    host, result.returncode, result.stdout, result.stderr))
            wait('%s up' % host, lambda: self.hosts()[host]['state'] == 'up')
        wait('%s schedulable' % host, lambda: self.schedulable(host))


class TestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud()

    def setUp(self):
        self.started = time.monotonic()
        self.addCleanup(self._say_time)

    def _say_time(self):
        print('%s: %.1f s' % (self.id(), time.monotonic() - self.started))

    def log(self, msg):
        print('%s: %s' % (self.id().rsplit('.', 1)[-1], msg), flush=True)

    def fence_off(self, host, reason):
        result = self.cloud.fence('off', host, '--reason', reason)
        self.assertEqual(0, result.returncode, result.stdout + result.stderr)
        uuid = self.cloud.hosts()[host]['evacuation_uuid']
        self.assertTrue(uuid)
        return uuid

    def delay_spawns(self, seconds):
        """Hold every rebuild ``seconds`` in the fake driver, until the
        test ends."""
        path = self.cloud.state.path_of('nova', 'fake-spawn-delay')
        with open(path, 'w') as f:
            f.write(str(seconds))
        self.addCleanup(os.remove, path)

    def evacuation_in_flight(self, host, prefix, count):
        """Boot ``count`` tagged servers on ``host``, kill its nova-compute,
        fence it, and return (server ids, evacuation uuid) once Nova has
        accepted evacuations whose rebuilds are held in the fake driver."""
        ids = self.cloud.boot_many(host, prefix, count)
        self.addCleanup(self.cloud.delete, ids)
        self.delay_spawns(SPAWN_DELAY)
        self.cloud.kill('nova-compute-' + host)
        self.addCleanup(self.cloud.restore, host)
        evacuation = self.fence_off(host, 'e2e %s: nova-compute killed'
                                    % prefix)
        wait('evacuations in flight', lambda: self.cloud.evacuation(
            evacuation)['status'] == 'running' and any(
                i['status'] == 'evacuating' for i in self.cloud.evacuation(
                    evacuation)['instances']))
        return ids, evacuation

    def rebuilds_held(self, ids):
        """Wait until every server's rebuild sits in its destination's
        fake driver (held by delay_spawns): past Nova's own database and
        RPC work, which Nova loses in a restart of its servers (a rebuild
        that meets a database error before its spawn stays
        ``pre-migrating`` for ever, whatever the extension does)."""
        wait('every rebuild held in a destination\'s driver', lambda: set(
            ids) <= {uuid for host in self.cloud.settings.hosts()
                     for uuid in self.cloud.spawning(host)})

    def assert_evacuated_once(self, ids, failed_host):
        """Nova's records and the guests: each server moved exactly once,
        off the failed host, and runs on exactly one live hypervisor."""
        for server_id in ids:
            server = self.cloud.server(server_id)
            host = server['OS-EXT-SRV-ATTR:host']
            self.assertNotEqual(failed_host, host, server_id)
            migrations = self.cloud.migrations(server_id)
            self.assertEqual(1, len(migrations), migrations)
            self.assertEqual(failed_host, migrations[0]['source_compute'])
            self.assertEqual(host, migrations[0]['dest_compute'])
            self.assertIn(migrations[0]['status'], ('done', 'completed'))
            self.assertEqual([host], self.cloud.holders(server_id),
                             server_id)
        return {i: self.cloud.server(i) for i in ids}
