"""What the minicloud benchmark sees of a recovery, the same for every tool.

One observer thread reads Nova's cell database every ``interval`` seconds
(two small queries: the instances, their evacuation migrations), so that
watching costs the cloud next to nothing and no tool is slowed by the
watch of another. It records, per instance, when its first evacuation
migration was seen (Nova accepted the evacuation: the API writes the
migration before it answers) and when it was first seen ACTIVE, with no
task, on a host other than the failed one. The final verdict is then read
through the compute API and from the fake hypervisors' guest lists.

Times are ``time.time()`` values: the tools run in other processes, and
the wall clock is what they share.
"""

import json
import os
import threading
import time

from minicloud import backends
from minicloud import procs

_TICK = os.sysconf('SC_CLK_TCK')


def group_cpu(pgid):
    """CPU seconds (user + system, reaped children included) of the live
    members of process group ``pgid``."""
    total = 0
    for pid in procs.group_members(pgid):
        try:
            with open('/proc/%d/stat' % pid) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        # Counted from the state field: utime(11) stime(12) cutime(13)
        # cstime(14).
        total += sum(int(v) for v in fields[11:15])
    return total / float(_TICK)


def services_cpu(state):
    """{service: CPU seconds so far} for every running minicloud service."""
    return {name: group_cpu(service['pid'])
            for name, service in state.data['services'].items()
            if not service.get('oneshot')}


class Observer(threading.Thread):
    """Samples the recovery of ``uuids`` off ``host`` until stopped."""

    def __init__(self, state, host, uuids, interval=0.25):
        super().__init__(daemon=True, name='observer')
        self.state, self.host = state, host
        self.uuids = set(uuids)
        self.interval = interval
        self.accepted = {}    # uuid -> time its first migration was seen
        self.confirmed = {}   # uuid -> time first seen ACTIVE elsewhere
        self.evacuations = {}  # uuid -> evacuation migrations seen
        self.samples = []     # (time, accepted, confirmed)
        self.error = None
        self._stopping = threading.Event()
        self.all_confirmed = threading.Event()

    def stop(self):
        self._stopping.set()
        self.join(30)

    def run(self):
        try:
            conn = backends.mysql_connect(
                self.state, database=self.state.db_name('nova'))
        except Exception as exc:  # noqa: BLE001 -- reported by the run
            self.error = 'observer could not connect: %s' % exc
            return
        try:
            while not self._stopping.is_set():
                self._sample(conn)
                self._stopping.wait(self.interval)
            self._sample(conn)
        except Exception as exc:  # noqa: BLE001 -- reported by the run
            self.error = 'observer stopped: %s: %s' % (type(exc).__name__,
                                                       exc)
        finally:
            conn.close()

    def _sample(self, conn):
        now = time.time()
        with conn.cursor() as cur:
            cur.execute(
                'SELECT instance_uuid, COUNT(*) FROM migrations WHERE '
                "source_compute = %s AND migration_type = 'evacuation' AND "
                'deleted = 0 GROUP BY instance_uuid', (self.host,))
            for uuid, count in cur.fetchall():
                if uuid in self.uuids:
                    self.evacuations[uuid] = count
                    self.accepted.setdefault(uuid, now)
            cur.execute(
                'SELECT uuid FROM instances WHERE deleted = 0 AND '
                "vm_state = 'active' AND task_state IS NULL AND "
                'host IS NOT NULL AND host != %s', (self.host,))
            for (uuid,) in cur.fetchall():
                if uuid in self.uuids:
                    self.confirmed.setdefault(uuid, now)
        self.samples.append((now, len(self.accepted), len(self.confirmed)))
        if len(self.confirmed) == len(self.uuids):
            self.all_confirmed.set()

    def wait_confirmed(self, timeout):
        return self.all_confirmed.wait(timeout)


def verify(api, state, settings, host, uuids):
    """Problems with the end state, read through the compute API and from
    the fake hypervisors: each instance ACTIVE on another host, exactly one
    evacuation migration each, and its guest on exactly one live host."""
    problems = []
    servers = {s['id']: s for s in api('GET', '/servers/detail', params={
        'all_tenants': 1, 'limit': 1000})['servers']}
    migrations = api('GET', '/os-migrations', params={
        'migration_type': 'evacuation', 'limit': 1000})['migrations']
    per_instance = {}
    for migration in migrations:
        if migration['source_compute'] == host:
            per_instance.setdefault(migration['instance_uuid'], []).append(
                migration)
    guests = {}
    for other in settings.hosts():
        if other == host:
            continue  # its nova-compute is dead: what it held is gone
        path = state.path_of('nova', other, 'fake-guests.json')
        try:
            with open(path) as f:
                for uuid in json.load(f):
                    guests.setdefault(uuid, []).append(other)
        except FileNotFoundError:
            pass
    bad = {'not ACTIVE elsewhere': [], 'evacuations != 1': [],
           'guests on live hosts != 1': []}
    for uuid in sorted(uuids):
        server = servers.get(uuid, {})
        if (server.get('status') != 'ACTIVE' or
                server.get('OS-EXT-STS:task_state') or
                server.get('OS-EXT-SRV-ATTR:host') in (None, host)):
            bad['not ACTIVE elsewhere'].append('%s (%s on %s)' % (
                uuid, server.get('status'), server.get(
                    'OS-EXT-SRV-ATTR:host')))
        if len(per_instance.get(uuid, [])) != 1:
            bad['evacuations != 1'].append('%s (%d)' % (
                uuid, len(per_instance.get(uuid, []))))
        if len(guests.get(uuid, [])) != 1:
            bad['guests on live hosts != 1'].append('%s (%s)' % (
                uuid, guests.get(uuid, [])))
    for what, items in bad.items():
        if items:
            problems.append('%d %s: %s%s' % (
                len(items), what, ', '.join(items[:3]),
                ' ...' if len(items) > 3 else ''))
    counts = [len(per_instance.get(uuid, [])) for uuid in uuids]
    # Where the scheduler put them: a burst of evacuations scheduled at
    # once can pile onto one host, whose nova-compute then rebuilds them
    # all together (see the README).
    destinations = {}
    for uuid in uuids:
        dest = servers.get(uuid, {}).get('OS-EXT-SRV-ATTR:host')
        if dest not in (None, host):
            destinations[dest] = destinations.get(dest, 0) + 1
    return problems, counts, destinations
