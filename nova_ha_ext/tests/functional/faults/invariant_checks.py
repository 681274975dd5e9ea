"""The invariant checks of a randomized fault run (I1-I8 of
doc/recovery-state-machine.md), on what an operator and the hypervisors
see: Nova's migrations, services and servers, the fake drivers' guests,
the notifications and every answer, as well as the extension's rows.

A mixin of :class:`~.randomized.RandomizedFaultCase`: it reads the run's
log (``calls``, ``call_log``, ``ever_fenced``, ``touched``,
``nova_forced``, ``retried``) and reports through ``violation()``.
"""

import collections
import datetime
import time

from nova import objects
from nova.tests.functional.api import client
from oslo_utils import timeutils

from nova_ha_ext.objects import fields
from nova_ha_ext.objects import host_evacuation

_ITEM = fields.InstanceEvacuationStatus
WITHHELD = 'withheld by the storm guard'
_EXPECTED_STATUS = {'stopped': 'SHUTOFF', 'active': 'ACTIVE',
                    'error': 'ACTIVE'}


def poll(predicate, timeout, message, interval=0.25):
    """fault_fixtures.wait_until, polling less often: every poll here is
    API calls
    that compete, in this one process, with the work being waited for."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError('%s (after %.0f s)' % (
                message() if callable(message) else message, timeout))
        time.sleep(interval)


# -- fault helpers -----------------------------------------------------------

def uuid_of(call):
    try:
        return call.body['host']['evacuation']['uuid']
    except (KeyError, TypeError):
        return None


def naive(value):
    return timeutils.normalize_time(value) if value else None


def _payload(notification):
    return notification['payload']['nova_object.data']


def _whole_seconds(*stamps):
    """Whether the stamps were stored without fractions of a second."""
    stamps = [stamp for stamp in stamps if stamp is not None]
    return bool(stamps) and all(stamp.microsecond == 0 for stamp in stamps)


class InvariantChecks:
    """I1-I8 over a finished run; see the module docstring."""

    def _epoch(self, host, at):
        """How many successful force-ups of ``host`` answered before."""
        return sum(1 for c in list(self.calls)
                   if c.host == host and c.kind.startswith('force_up') and
                   c.status == 200 and c.answered < at)

    FAILURE_SCOPE = ' in one failure'

    def failure_of(self, migration):
        """A host forced up in between may have taken the instance back:
        a failure is told by the force-ups of the host before it."""
        return self._epoch(migration.source_compute,
                           naive(migration.created_at))

    def check(self):
        for message in self.monitor.violations:
            self.violation('I2', 'during the run: ' + message)
        # NOTE: reported here with the seed rather than again at cleanup.
        self.monitor.violations.clear()
        for message in self.current_violations():
            self.violation('I2', 'at the end: ' + message)
        rows = sorted(host_evacuation.HostEvacuationList.get_all(self.ctxt),
                      key=lambda t: (t.created_at, t.id))
        views = {t.uuid: self._evacuation(t.uuid) for t in rows}
        migrations = objects.MigrationList.get_by_filters(
            self.deleted_ctxt, {'migration_type': 'evacuation'})
        self._check_i1(rows, migrations)
        self._check_items(rows, views)
        self._check_notifications(rows)
        self._check_hosts()

    def _legit(self, host, at):
        """Whether ``host`` may have been forced down under an open failure
        at ``at``, by the calls' send and answer times: after a fence call
        was sent and before an un-force sent after its answer answered."""
        ups = [c for c in self.calls if c.host == host and
               c.kind.startswith('force_up') and c.status == 200]
        return any(
            fence.sent <= at and not any(
                up.sent >= fence.answered and up.answered <= at
                for up in ups)
            for fence in self.calls
            if fence.kind == 'fence' and fence.host == host)

    def _called(self, migration):
        """When the evacuate call that made ``migration`` started.

        I1 holds "at the moment of the call": Nova reads the service at
        the start of its evacuate and records the migration a little
        later, a force-up may come in between. Every evacuate call of the
        extension passes worker.before_evacuate; a migration without one
        is judged by its creation time.
        """
        created = naive(migration.created_at)
        return (self.call_log.call_before(migration.instance_uuid, created) or
                created)

    def _check_i1(self, rows, migrations):
        for migration in migrations:
            called = self._called(migration)
            if not self._legit(migration.source_compute, called):
                self.violation('I1', 'evacuation migration %s of %s off %s: '
                               'its evacuate call started at %s, when no '
                               'fence call had forced the host down since '
                               'its last force-up' % (
                                   migration.uuid, migration.instance_uuid,
                                   migration.source_compute, called))
        by_id = {m.id: m for m in migrations}
        for row in rows:
            opened, closed = naive(row.forced_down_at), naive(row.closed_at)
            for item in row.instances:
                migration = by_id.get(item.migration_id)
                if migration is None:
                    continue
                called = self._called(migration)
                # NOTE: MySQL/MariaDB DATETIME columns keep whole seconds:
                # a record written then is known only to the second, and
                # a call within that second cannot be told before or after.
                slack = (datetime.timedelta(seconds=1)
                         if _whole_seconds(opened, closed)
                         else datetime.timedelta(0))
                if (opened is None or called < opened - slack or
                        (closed and called > closed + slack)):
                    self.violation('I1', 'migration %s of %s (item of %s): '
                                   'its evacuate call started at %s, outside '
                                   'its failure (forced down %s, closed %s)'
                                   % (migration.uuid, item.instance_uuid,
                                      row.uuid, called, opened, closed))

    def _check_items(self, rows, views):
        latest = {}
        for row in rows:
            view = views[row.uuid]
            if row.forced_down_at is None:
                self.violation('I7', 'failure %s of %s was recorded but '
                               'the host never forced down under it' % (
                                   row.uuid, row.host))
            if row.closed_at and view['status'] in ('pending', 'running'):
                self.violation('I3', 'task %s is closed but %s' % (
                    row.uuid, view['status']))
            ours = (row.closed_reason or '').startswith('forced up by ')
            closed = naive(row.closed_at)
            for item in row.instances:
                latest[item.instance_uuid] = item
                if item.status not in _ITEM.TERMINAL:
                    self.violation('I3', 'item of %s in task %s left %s' % (
                        item.instance_uuid, row.uuid, item.status))
                elif item.status != _ITEM.SUCCEEDED and not item.last_error:
                    self.violation('I3', 'item of %s in task %s is %s '
                                   'without a reason' % (
                                       item.instance_uuid, row.uuid,
                                       item.status))
                if ours and (item.last_error == row.closed_reason or (
                        item.finished_at and
                        naive(item.finished_at) > closed)):
                    self.violation('I4', 'force-up closed task %s at %s '
                                   'while the item of %s was unsettled '
                                   '(%s at %s: %s)' % (
                                       row.uuid, closed, item.instance_uuid,
                                       item.status, item.finished_at,
                                       item.last_error))
        guests = self.live_guests()
        for uuid, item in latest.items():
            if item.status != _ITEM.SUCCEEDED or self._servers_gone(uuid):
                continue
            try:
                server = self.admin_api.get_server(uuid)
            except client.OpenStackApiNotFoundException:
                # Its delete (called just before quiescence) ended now.
                continue
            host = server['OS-EXT-SRV-ATTR:host']
            if host == item.source_host:
                self.violation('I2', 'instance %s succeeded but is on %s' % (
                    uuid, host))
            elif host not in self.ever_fenced and guests.get(uuid) != [host]:
                self.violation('I2', 'instance %s succeeded to %s but its '
                               'live guests are on %s' % (
                                   uuid, host, guests.get(uuid)))
            expected = _EXPECTED_STATUS.get(item.original_vm_state)
            if (uuid not in self.touched and expected and
                    server['status'] != expected):
                self.violation('I6', 'instance %s was %s, evacuated, and is '
                               '%s' % (uuid, item.original_vm_state,
                                       server['status']))

    def _count_events(self, event_types, key):
        return collections.Counter(
            _payload(n).get(key)
            for n in list(self.notifier.versioned_notifications)
            if n['event_type'] in event_types)

    def _check_notifications(self, rows):
        def problems():
            found = []
            starts = self._count_events(('ha.evacuation.start',), 'uuid')
            ends = self._count_events(
                ('ha.evacuation.end', 'ha.evacuation.error'), 'uuid')
            for row in rows:
                worked = row.started_at is not None or any(
                    i.status == _ITEM.CANCELLED and i.last_error != WITHHELD
                    for i in row.instances)
                if starts[row.uuid] != (1 if row.started_at else 0):
                    found.append(('I3', 'task %s: %d ha.evacuation.start' % (
                        row.uuid, starts[row.uuid])))
                if worked and not 1 <= ends[row.uuid] <= (
                        1 + self.retried[row.uuid]):
                    found.append(('I3', 'task %s (%d retries): %d '
                                  'ha.evacuation.end/.error' % (
                                      row.uuid, self.retried[row.uuid],
                                      ends[row.uuid])))
            downs = self._count_events(('ha.host.force_down',),
                                       'evacuation_uuid')
            created = collections.Counter(
                uuid_of(c) for c in self.calls
                if c.kind == 'fence' and c.status == 202)
            for uuid in set(downs) | set(created):
                if downs[uuid] != created[uuid]:
                    found.append(('I8', 'failure %s: %d ha.host.force_down '
                                  'for %d answers 202' % (
                                      uuid, downs[uuid], created[uuid])))
            return found
        try:
            # NOTE: a notification follows its write by a little.
            poll(lambda: not problems(), 3, '')
        except AssertionError:
            for invariant, message in problems():
                self.violation(invariant, message)

    def _check_hosts(self):
        for host, state in sorted(self._hosts().items()):
            if state['evacuation_uuid'] and not state['forced_down']:
                self.violation('I4', 'failure %s of %s is open but the host '
                               'is not forced down' % (
                                   state['evacuation_uuid'], host))
            if (state['forced_down'] and not state['evacuation_uuid'] and
                    host not in self.nova_forced):
                self.violation('I7', '%s is left forced down without a '
                               'host failure' % host)
