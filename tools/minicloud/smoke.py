"""smoke: the whole recovery on real services, as an operator sees it.

up; boot tagged servers as the demo member; SIGKILL the nova-compute of
the host with the most of them (its "power loss"); run the real
``fence_nova_ha -o off`` through Keystone; wait (bounded) until every
server of that host is ACTIVE elsewhere and the evacuation task is
final; check that with the ``openstack`` CLI; down. The last line is
``smoke: N/N recovered in S s`` (S from the fence call to all recovered).
"""

import json
import signal
import subprocess
import threading
import time

from minicloud import bootstrap
from minicloud import cloud
from minicloud import procs
from minicloud.settings import State

TAG = 'automatic-recovery'  # README: the tag `tagged` recovery selects
FINAL = ('completed', 'completed_with_errors', 'cancelled')


def _wait(what, check, timeout):
    return procs.until('smoke: ' + what, check, timeout)


def _servers(admin, ids):
    servers = bootstrap.compute(admin, 'GET', '/servers/detail', params={
        'all_tenants': 1})['servers']
    return {s['id']: s for s in servers if s['id'] in ids}


def _boot(state, settings, admin):
    demo = bootstrap.admin_session(state, project='demo', user='demo-member')
    image = demo.get('/v2/images', params={'name': 'cirros-mc'},
                     endpoint_filter={'service_type': 'image',
                                      'interface': 'public'}).json()
    ids = []
    for index in range(settings.smoke_servers):
        server_id = bootstrap.compute(demo, 'POST', '/servers', json={
            'server': {'name': 'smoke-%d' % (index + 1),
                       'imageRef': image['images'][0]['id'],
                       'flavorRef': '1', 'networks': 'none',
                       'tags': [TAG]}})['server']['id']
        ids.append(server_id)
        # NOTE: one at a time, each placed before the next is asked for:
        # boots sent together all see the same free RAM and land on one
        # host, while the smoke wants the failed host to hold only some.
        _wait('server %s placed' % server_id, lambda i=server_id: _servers(
            admin, [i]).get(i, {}).get('OS-EXT-SRV-ATTR:host'),
            settings.smoke_timeout)
    return ids


def _fence(state, settings, host):
    cmd = [settings.bin('fence_nova_ha'), '-o', 'off', '-n', host,
           '--auth-url', state.url('keystone', '/v3'), '-l', 'admin',
           '-p', state['password'], '--project-name', 'admin',
           '--reason', 'minicloud smoke: nova-compute of %s killed' % host]
    result = subprocess.run(  # noqa: S603 -- the venv's fence agent
        cmd, capture_output=True, text=True, timeout=200)
    for line in (result.stdout + result.stderr).splitlines():
        cloud.say('  fence_nova_ha: ' + line)
    if result.returncode != 0:
        raise procs.CloudError('fence_nova_ha -o off -n %s exited %d'
                               % (host, result.returncode))


def _cli_check(settings, state, ids, failed_host):
    """The same answer through the openstack CLI, as the brief asks."""
    result = cloud.openstack(settings, state, 'minicloud-admin', 'server',
                             'list', '--all-projects', '--long', '-f', 'json')
    if result.returncode != 0:
        raise procs.CloudError('openstack server list failed: %s'
                               % result.stderr)
    rows = {row['ID']: row for row in json.loads(result.stdout)}
    bad = ['%s: %s on %s' % (i, rows.get(i, {}).get('Status'),
                             rows.get(i, {}).get('Host')) for i in ids
           if i not in rows or rows[i]['Status'] != 'ACTIVE'
           or rows[i]['Host'] in (None, failed_host)]
    if bad:
        raise procs.CloudError('openstack CLI shows servers not recovered: '
                               + '; '.join(bad))
    return {i: rows[i]['Host'] for i in ids}


def scenario(settings):
    state = cloud.up(settings)
    admin = bootstrap.admin_session(state)
    ids = _boot(state, settings, admin)
    servers = _wait('%d servers ACTIVE' % len(ids), lambda: (
        lambda s: s if all(v['status'] == 'ACTIVE' for v in s.values())
        and len(s) == len(ids) else None)(_servers(admin, ids)),
        settings.smoke_timeout)
    by_host = {}
    for server in servers.values():
        by_host.setdefault(server['OS-EXT-SRV-ATTR:host'], []).append(
            server['id'])
    host, victims = max(sorted(by_host.items()), key=lambda i: len(i[1]))
    cloud.say('%d servers ACTIVE on %s; killing nova-compute of %s (%d '
              'servers)' % (len(ids), ', '.join(
                  '%s: %d' % (h, len(v)) for h, v in sorted(by_host.items())),
                  host, len(victims)))
    cloud.kill(settings, 'nova-compute-' + host, signal.SIGKILL)
    started = time.monotonic()
    _fence(state, settings, host)

    def recovered():
        now = _servers(admin, victims)
        done = [i for i, s in now.items() if s['status'] == 'ACTIVE'
                and s['OS-EXT-SRV-ATTR:host'] not in (None, host)
                and not s.get('OS-EXT-STS:task_state')]
        return len(done) == len(victims) and done

    _wait('recovery of %s' % host, recovered, settings.smoke_timeout)
    seconds = time.monotonic() - started
    hosts = bootstrap.compute(admin, 'GET', '/os-ha/hosts')['hosts']
    evacuation = [h['evacuation_uuid'] for h in hosts
                  if h['host'] == host][0]
    task = _wait('evacuation %s final' % evacuation, lambda: (
        lambda e: e if e['status'] in FINAL else None)(bootstrap.compute(
            admin, 'GET', '/os-ha/evacuations/%s' % evacuation)[
                'evacuation']), settings.smoke_timeout)
    new_hosts = _cli_check(settings, state, victims, host)
    cloud.say('evacuation %s %s; now on %s' % (
        evacuation, task['status'], ', '.join(sorted(set(
            new_hosts.values())))))
    if task['status'] != 'completed':
        raise procs.CloudError('evacuation %s ended %s' % (evacuation,
                                                           task['status']))
    return len(victims), len(victims), seconds


class PeakRSS(threading.Thread):
    """Samples the cloud's summed RSS every two seconds."""

    def __init__(self, settings):
        super().__init__(daemon=True)
        self.settings, self.peak, self.stopping = settings, 0.0, False

    def run(self):
        while not self.stopping:
            state = State.load(self.settings)
            if state:
                self.peak = max(self.peak, cloud.total_rss_mib(state))
            time.sleep(2)


def run(settings):
    result = None
    sampler = PeakRSS(settings)
    sampler.start()
    try:
        result = scenario(settings)
    except procs.CloudError as exc:
        print('minicloud: ERROR: %s' % exc, flush=True)
    finally:
        sampler.stopping = True
        state = State.load(settings)
        up_seconds = state.data.get('up_seconds') if state else None
        cloud.down(settings)
    if up_seconds:
        cloud.say('up took %ss; peak RSS of the cloud %.0f MiB; %s' % (
            up_seconds, sampler.peak, cloud.versions(settings)))
    if result is None:
        print('smoke: FAILED (logs kept in %s/logs)' % settings.run_dir)
        return 1
    print('smoke: %d/%d recovered in %.1f s' % result)
    return 0
