"""The HA conductor running a task dies; the other one finishes it."""

import glob
import os
import time

from e2e import base


class ConductorTakeoverTest(base.TestCase):

    def _conductor_of(self, owner):
        """The nova-ha-conductor service whose log names worker ``owner``."""
        for path in glob.glob(self.cloud.state.path_of(
                'logs', 'nova-ha-conductor-*.log')):
            with open(path, errors='replace') as f:
                if 'worker %s started' % owner in f.read():
                    return os.path.basename(path)[:-len('.log')]
        raise AssertionError('no conductor log names worker %s' % owner)

    def _owner(self, evacuation):
        rows = self.cloud.ha_db('SELECT lease_owner FROM host_evacuations '
                                'WHERE uuid = %s', evacuation)
        return rows[0][0] if rows else None

    def test_b_killed_conductor_task_is_taken_over_once(self):
        host = 'mc-compute2'
        ids, evacuation = self.evacuation_in_flight(host, 'b', 3)
        # Killed once each of its evacuate calls has returned: a kill
        # inside Nova's call (after Nova saved task_state=rebuilding,
        # before its migration) leaves the instance for an operator's
        # reset, a case the fault tier covers (DeadWorkerTest); this test
        # is about following evacuations Nova has accepted.
        task = base.wait('every evacuation accepted by Nova', lambda: (
            lambda t: t if all(
                i['status'] == 'evacuating' and
                i['call_window_ms'] is not None
                for i in t['instances']) else None)(
                    self.cloud.evacuation(evacuation)))
        owner = self._owner(evacuation)
        victim = self._conductor_of(owner)
        in_flight = [i['instance_uuid'] for i in task['instances']
                     if i['status'] == 'evacuating']
        self.cloud.kill(victim)
        killed_at = time.monotonic()
        self.addCleanup(self.cloud.restart, victim)
        self.log('SIGKILLed %s (worker %s) with %d evacuations in flight'
                 % (victim, owner, len(in_flight)))

        new_owner = base.wait('another worker holds the lease', lambda: (
            lambda o: o if o and o != owner else None)(
                self._owner(evacuation)))
        took_over = time.monotonic() - killed_at
        self.assertNotEqual(victim, self._conductor_of(new_owner))
        task = self.cloud.wait_final(evacuation)
        self.assertEqual('completed', task['status'],
                         self.cloud.explain(task))
        self.assertEqual(3, task['counts']['succeeded'])
        self.cloud.wait_status(ids, 'ACTIVE')
        self.assert_evacuated_once(ids, host)
        for item in task['instances']:
            self.assertEqual(1, item['attempts'], item)
        self.log('worker %s took over after %.1f s; each server has one '
                 'evacuation migration and one guest' % (new_owner,
                                                          took_over))
