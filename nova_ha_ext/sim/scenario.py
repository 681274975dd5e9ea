"""The default simulation: racks of hosts, servers, a host failure, recovery.

Every step goes through the interfaces an operator's tools use: servers
are booted through Nova's API and placed by its scheduler (with the
extension's filters), the failure is reported by ``fence_nova_ha`` itself
(authenticating through keystoneauth to the simulator's endpoint), and
recovery is watched through ``/os-ha`` with the client library.
"""

import collections
import contextlib
import io
import signal
import threading
import time

import fixtures
from nova.virt import fake

from nova_ha_ext import client
from nova_ha_ext.fence import agent
from nova_ha_ext.sim import endpoint
from nova_ha_ext.sim import report

TAG = 'automatic-recovery'
SIM_URL = 'http://nova-ha-sim.test:80'
_POLL = 0.1
_TIMEOUT = 600


class Simulation:
    """One run of the scenario in a cloud from ``sim.cloud``."""

    def __init__(self, settings, out, cli_lines=None):
        self.settings = settings
        self.out = out
        self.cli_lines = cli_lines
        self.timings = []

    def say(self, text=''):
        self.out.write(text + '\n')
        self.out.flush()

    def _step(self, label, started):
        seconds = time.monotonic() - started
        self.timings.append((label, seconds))
        return seconds

    # -- set-up --------------------------------------------------------------

    def _slow_spawn(self, cloud):
        delay = self.settings.spawn_delay
        original = fake.FakeDriver.spawn

        def spawn(driver, *args, **kwargs):
            # A hypervisor takes a while to start a guest; evacuations pay
            # it too (Nova's rebuild spawns on the new host).
            time.sleep(delay)
            return original(driver, *args, **kwargs)
        if delay > 0:
            cloud.useFixture(fixtures.MonkeyPatch(
                'nova.virt.fake.FakeDriver.spawn', spawn))

    def _endpoint(self, cloud):
        glance = cloud.glance
        self.endpoint = endpoint.Endpoint(
            cloud.api_fixture.app(), cloud.api_fixture.project_id,
            images=lambda: glance.detail(None))
        cloud.addCleanup(self.endpoint.intercept(SIM_URL)
                         .uninstall_intercept)
        self.ha = self.endpoint.client(SIM_URL)

    def _build_cloud(self, cloud):
        started = time.monotonic()
        for host in self.settings.hosts:
            cloud._start_compute(host)
        by_rack = collections.defaultdict(list)
        for host, rack in self.settings.racks.items():
            by_rack[rack].append(host)
        for rack, hosts in sorted(by_rack.items()):
            aggregate = cloud.admin_api.post_aggregate(
                {'aggregate': {'name': 'rack-' + rack}})
            cloud.admin_api.post_aggregate_action(aggregate['id'], {
                'set_metadata': {'metadata': {'failure_domain:rack': rack}}})
            for host in hosts:
                cloud.admin_api.add_host_to_aggregate(aggregate['id'], host)
        cloud._start_ha_conductor('sim-worker')
        seconds = self._step('start %d computes, %d racks, HA conductor' % (
            len(self.settings.hosts), len(by_rack)), started)
        self.say('Started %d fake computes in %d racks (aggregates with '
                 'failure_domain:rack) and an HA conductor in %.1fs' % (
                     len(self.settings.hosts), len(by_rack), seconds))

    def _boot(self, cloud):
        """Boot the group one member at a time, the rest all at once."""
        started = time.monotonic()
        settings = self.settings
        api = cloud.admin_api
        self.opted_in, self.group_of = {}, {}
        group = api.post_server_groups({'name': 'db-replicas',
                                        'policy': 'anti-affinity'})
        flavor_id = api.get_flavors()[0]['id']

        def post(name, how, hints=None):
            server = cloud._build_server(name=name, networks='none',
                                         flavor_id=flavor_id)
            if how == 'tag':
                server['tags'] = [TAG]
            elif how == 'metadata':
                server['metadata'] = {'HA_Enabled': 'True'}
            body = {'server': server}
            if hints:
                body['os:scheduler_hints'] = hints
            created = api.post_server(body)
            self.opted_in[created['id']] = {
                'tag': 'tag', 'metadata': 'HA_Enabled'}.get(how, '-')
            return created

        members = []
        for index in range(settings.group_size):
            created = post('db%d' % (index + 1), 'tag',
                           {'group': group['id'], 'failure_domain': 'rack'})
            members.append(cloud._wait_for_state_change(created, 'ACTIVE'))
            self.group_of[created['id']] = group['name']
        others = [post('app%d' % (i + 1), ('tag', 'metadata')[i % 2])
                  for i in range(settings.tagged)]
        others += [post('web%d' % (i + 1), None)
                   for i in range(settings.untagged)]
        servers = members + [cloud._wait_for_state_change(s, 'ACTIVE')
                             for s in others]
        self.servers = {s['id']: s for s in servers}
        seconds = self._step('boot %d servers' % len(servers), started)
        self.say('Booted %d servers (%d opted in to recovery, %d in '
                 'anti-affinity group %s spread over racks) in %.1fs' % (
                     len(servers),
                     sum(1 for v in self.opted_in.values() if v != '-'),
                     len(members), group['name'], seconds))
        return members

    def _placement(self, cloud):
        placement = {}
        for server in cloud.admin_api.get_servers(detail=True):
            placement[server['id']] = (server['OS-EXT-SRV-ATTR:host'],
                                       server['status'])
        return placement

    # -- the failure ---------------------------------------------------------

    def _failed_hosts(self, members, before):
        settings = self.settings
        if settings.fail:
            return settings.fail
        if settings.fail_rack:
            return [h for h in settings.hosts
                    if settings.racks[h] == settings.fail_rack]
        if members:
            # The first replica's host: its evacuation must stay in its own
            # rack, the only one holding no sibling.
            return [before[members[0]['id']][0]]
        return [settings.hosts[-1]]

    def _fence_call(self, host, action='off'):
        """What Pacemaker runs once IPMI has powered ``host`` off (or,
        with ``action='on'``, once the repaired node rejoins)."""
        env = self.endpoint.env(SIM_URL)
        argv = ['--action', action, '--plug', host,
                '--auth-url', env['OS_AUTH_URL'],
                '--username', env['OS_USERNAME'],
                '--password', env['OS_PASSWORD'],
                '--project-name', env['OS_PROJECT_NAME'],
                '--endpoint-type', 'public',
                '--evacuate', self.settings.evacuate]
        if self.settings.force:
            argv.append('--force')
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), \
                contextlib.redirect_stderr(printed):
            code = agent.main(argv)
        for line in printed.getvalue().splitlines():
            self.say('  fence_nova_ha: ' + line)
        if code != 0:
            raise AssertionError('fence_nova_ha -o %s -n %s exited %s'
                                 % (action, host, code))

    def _host_return(self, cloud, hosts):
        """The repaired hosts rejoin: nova-compute starts again (and
        destroys the evacuated guests, completing their migrations), then
        Pacemaker unfences each node (fence_nova_ha -o on)."""
        if not hosts:
            return
        self.say('\n%s repaired: its nova-compute starts again, then '
                 'Pacemaker runs fence_nova_ha -o on' % ', '.join(hosts))
        started = time.monotonic()
        for host in hosts:
            cloud.computes[host] = cloud.restart_compute_service(
                cloud.computes[host])
            statuses = collections.Counter(
                migration['status'] for migration in cloud.admin_api.api_get(
                    '/os-migrations?source_compute=%s&migration_type='
                    'evacuation' % host).body['migrations'])
            self.say('  %s: evacuation migrations %s' % (host, ', '.join(
                '%d %s' % (n, status)
                for status, n in sorted(statuses.items())) or 'none'))
            self._fence_call(host, action='on')
        seconds = self._step('host return (nova-compute restart, force-up)',
                             started)
        self.say('\nHosts after their return, %.1fs later (GET '
                 '/os-ha/hosts):' % seconds)
        for host in self.ha.list_hosts():
            if host['host'] in hosts:
                self.say('  %s: %s, forced_down %s, disabled %s' % (
                    host['host'], host['state'], host['forced_down'],
                    host['disabled']))

    def _watch(self, uuids, called):
        progress = report.Progress(self.out, called)
        dispatched = confirmed = None
        deadline = time.monotonic() + _TIMEOUT
        while True:
            tasks = [self.ha.get_evacuation(uuid) for uuid in uuids]
            merged = _merge(tasks)
            progress.update(merged)
            items = merged['instances']
            if dispatched is None and all(
                    item['status'] != 'pending' or item['attempts']
                    for item in items):
                dispatched = time.monotonic() - called
            if all(t['status'] in client.ha.FINAL_STATUSES for t in tasks):
                confirmed = time.monotonic() - called
                progress.finish()
                return tasks, dispatched, confirmed
            if time.monotonic() > deadline:
                progress.finish()
                raise AssertionError('evacuations %s not finished after %d s'
                                     % (uuids, _TIMEOUT))
            time.sleep(_POLL)

    # -- the whole run -------------------------------------------------------

    def __call__(self, cloud):
        self._slow_spawn(cloud)
        self._endpoint(cloud)
        self._build_cloud(cloud)
        members = self._boot(cloud)
        before = self._placement(cloud)
        failed = self._failed_hosts(members, before)

        for host in failed:
            cloud.computes[host].stop()
        self.say('\n%s lost power; Pacemaker fenced %s (IPMI off) and runs '
                 'fence_nova_ha -o off for %s' % (
                     ', '.join(failed),
                     'it' if len(failed) == 1 else 'them',
                     'it' if len(failed) == 1 else 'each'))
        called = time.monotonic()
        uuids, withheld = [], []
        for host in failed:
            self._fence_call(host)
            # The host's newest task: a withheld one is final at once, so
            # the host no longer lists it as active.
            newest = self.ha.list_evacuations(host=host, limit=1)
            task = newest[0] if newest else None
            if task and task['withheld_reason']:
                withheld.append((host, task['withheld_reason']))
            elif task:
                uuids.append(task['uuid'])
        self._step('fence call(s) answered', called)

        self.uuids = uuids
        tasks, dispatched, confirmed = ([], None, None)
        if uuids:
            self.say('Recovering (polling /os-ha/evacuations every %.1fs):'
                     % _POLL)
            tasks, dispatched, confirmed = self._watch(uuids, called)
        self.timings.append(('fence call -> all instances dispatched',
                             dispatched))
        self.timings.append(('fence call -> all evacuations confirmed',
                             confirmed))
        after = self._placement(cloud)
        self._print_results(failed, before, after, tasks, withheld)
        if self.settings.host_return:
            self._host_return(cloud, [host for host in failed if host not in
                                      {h for h, _ in withheld}])
        if self.settings.serve:
            self._serve(cloud)

    def _print_results(self, failed, before, after, tasks, withheld):
        racks = self.settings.racks
        items = {item['instance_uuid']: item
                 for item in _merge(tasks)['instances']}
        count_before = collections.Counter(h for h, _ in before.values())
        count_after = collections.Counter(h for h, _ in after.values())
        self.say('\nHosts (GET /os-ha/hosts):')
        self.say(report.hosts_table(self.ha.list_hosts(), racks,
                                    count_before, count_after))

        withheld_hosts = {host for host, _ in withheld}
        rows, recovered, expected, not_recovered = [], 0, 0, []
        for uuid, (host, status) in sorted(
                before.items(), key=lambda kv: self.servers[kv[0]]['name']):
            if host not in failed:
                continue
            new_host, new_status = after[uuid]
            item = items.get(uuid)
            opted = self.opted_in.get(uuid, '-')
            name = self.servers[uuid]['name']
            if opted != '-' and host not in withheld_hosts:
                expected += 1
                if new_host not in failed and new_status == status:
                    recovered += 1
                else:
                    not_recovered.append((name, item))
            rows.append([name, opted, self.group_of.get(uuid, '-'),
                         '%s (%s)' % (host, racks[host]),
                         '%s (%s)' % (new_host, racks.get(new_host, '-')),
                         new_status, item['status'] if item else '-'])
        self.say('\nServers of the failed host(s), before -> after:')
        self.say(report.servers_table(rows))
        self.say('\nTimings:')
        self.say(report.timings_table(self.timings))
        self._summary(failed, withheld_hosts, tasks, recovered, expected,
                      not_recovered)

    def _summary(self, failed, withheld_hosts, tasks, recovered, expected,
                 not_recovered):
        self.say('\nSummary:')
        evacuated = [host for host in failed if host not in withheld_hosts]
        if expected:
            self.say('  %d of %d opted-in servers on %s recovered '
                     '(same power state, on surviving hosts); '
                     'servers that did not opt in stayed put.' % (
                         recovered, expected, ', '.join(evacuated)))
        untracked = []
        for name, item in not_recovered:
            if item and item['status'] == 'failed' and item['last_error']:
                # Not lost: recorded with the reason, retryable.
                self.say('  %s not recovered after %d attempt(s): %s' % (
                    name, item['attempts'], item['last_error']))
                if item['server_group_uuid'] and (
                        self.settings.group_size >= len(
                            set(self.settings.racks.values()))):
                    self.say('    (as it should: its anti-affinity group '
                             'keeps one member per rack, and every '
                             'surviving rack holds one; it stays recorded '
                             'for "nova ha-evacuation-retry")')
            else:
                untracked.append(name)
        for host in sorted(withheld_hosts):
            self.say('  %s: evacuation withheld by the storm guard, its '
                     'servers stay until an operator repeats the call with '
                     'force (nova-ha-sim --force shows that).' % host)
        for task in tasks:
            self.say('  evacuation %s of %s: %s' % (
                task['uuid'], task['host'], task['status']))
        if untracked:
            raise AssertionError('opted-in servers neither recovered nor '
                                 'recorded as failed: %s'
                                 % ', '.join(untracked))

    def _serve(self, cloud):
        server = endpoint.serve(self.endpoint, port=self.settings.port)
        cloud.addCleanup(server.shutdown)
        url = 'http://127.0.0.1:%d' % server.server_port
        self.say('\nThe API is listening on %s (no authentication: any '
                 'user name and password are accepted). In another shell:'
                 % url)
        self.say()
        for line in self.cli_lines(self.endpoint.env(url),
                                   self.uuids[0] if self.uuids else None):
            self.say('    ' + line)
        self.say('\nPress Ctrl-C to stop.')
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.wait(0.5):
            pass
        self.say('Stopping.')


def _merge(tasks):
    """One view of several tasks' items, for a single progress bar."""
    counts = collections.Counter()
    instances = []
    for task in tasks:
        counts.update(task['counts'])
        instances.extend(task['instances'])
    final = all(t['status'] in client.ha.FINAL_STATUSES for t in tasks)
    return {'counts': {key: counts[key] for key in (
                'total', 'remaining', 'succeeded', 'failed', 'skipped',
                'cancelled')},
            'instances': instances,
            'status': 'finished' if final else 'running'}
