"""API calls that race: force-downs of several hosts against the storm
guard, force-down against force-up of one host, duplicate fence calls."""

import functools
import time

from nova_ha_ext.objects import fields
from nova_ha_ext.tests.functional.faults import base
from nova_ha_ext.tests.functional.faults import fixtures as fault_fixtures

_ACTIVE = fields.HostEvacuationStatus.ACTIVE


class StormGuardRaceTest(base.FaultTestBase):

    # 3 of 8 down is more than max_down_fraction (0.33), 2 of 8 is not.
    HOSTS = tuple('host%d' % i for i in range(1, 9))
    FAILED = ('host1', 'host2', 'host3')

    def _fence_calls(self, **params):
        return [functools.partial(self._fence_call, host, **params)
                for host in self.FAILED]

    def _withheld(self, answers):
        for answer in answers:
            self.assertAnswer(answer, 202)
        return [host for host, answer in zip(self.FAILED, answers, strict=True)
                if answer.body['host']['evacuation']['withheld_reason']]

    def _assert_one_withheld(self, servers, answers, label):
        withheld = self._withheld(answers)
        self.assertEqual(1, len(withheld), '%s: withheld for %s' % (
            label, withheld))
        for host, answer in zip(self.FAILED, answers, strict=True):
            uuid = answer.body['host']['evacuation']['uuid']
            evacuation = self._wait_for_end(uuid, timeout=base.WAIT)
            moved = self._host_of(servers[host]) != host
            if host in withheld:
                self.assertEqual('cancelled', evacuation['status'])
                self.assertFalse(moved, 'withheld, yet evacuated')
            else:
                self.assertEqual('completed', evacuation['status'])
                self.assertTrue(moved, 'not evacuated from %s' % host)
        return withheld

    def _boot_failed_hosts(self, tags=(base.TAG,)):
        servers = self._boot_on(self.FAILED, tags)
        for host in self.FAILED:
            self._fence(host)
        return servers

    def test_sequential_force_downs_withhold_the_third(self):
        servers = self._boot_failed_hosts()
        answers = [call() for call in self._fence_calls()]
        self.assertEqual(['host3'], self._assert_one_withheld(
            servers, answers, 'sequential'))
        self.assert_invariants()

    def test_concurrent_force_downs_withhold_exactly_one(self):
        # Untagged at first: nothing to evacuate, but the storm guard
        # judges the calls all the same, and the hosts can be forced up
        # again for the next round.
        servers = self._boot_failed_hosts(tags=())
        self.slow_service_writes()
        for round_ in range(2):
            answers = self._concurrently(*self._fence_calls())
            withheld = self._withheld(answers)
            self.assertEqual(1, len(withheld), 'round %d: withheld for %s'
                             % (round_, withheld))
            for answer in answers:
                self._wait_for_end(answer.body['host']['evacuation']['uuid'],
                                   timeout=base.WAIT)
            for host in self.FAILED:
                self.assertAnswer(self._back_up(host), 200)
        for server in servers.values():
            self.assertIn(self._call('PUT', '/servers/%s/tags/%s' % (
                server['id'], base.TAG)).status, (201, 204))
        answers = self._concurrently(*self._fence_calls())
        self._assert_one_withheld(servers, answers, 'with instances')
        self.assert_invariants()

    def test_force_downs_wait_for_the_one_holding_the_lock(self):
        servers = self._boot_failed_hosts()
        first = self.stall('api.force_down.locked',
                           lambda host, **context: host == 'host1')
        calls = self._fence_calls()
        started = [self._in_thread(calls[0])]
        first.wait()
        started += [self._in_thread(call) for call in calls[1:]]
        time.sleep(1)
        # The others wait for the lock rather than judge the cell without
        # host1 counted.
        self.assertEqual(['host1'], [hit['host'] for hit in first.hits],
                         'force-downs went on while host1\'s held the lock')
        self.assertEqual([True, True],
                         [thread.is_alive() for thread, _ in started[1:]])
        first.release()
        answers = [self._join(call) for call in started]
        self._assert_one_withheld(servers, answers, 'one holding the lock')
        self.assert_invariants()


class ForceDownUpRaceTest(base.FaultTestBase):

    def setUp(self):
        super().setUp()
        # The host is repaired at once: its nova-compute reports just as
        # each force-up reads the service, so only the race with the
        # force-down decides the force-up's answer.
        self.faults.add(fault_fixtures.Action(
            'api.force_up.locked',
            lambda host, **context: self._report_state(host)))

    def _assert_consistent(self, host, label, operator_reason=None):
        """Either down with one open record, or up with none open."""
        service = self._service(host)
        disabled = service['status'] == 'disabled'
        tasks = [self._evacuation(task['uuid'])
                 for task in self._tasks(host)]
        open_ = [task['uuid'] for task in tasks if not task['closed_at']]
        active = [task['uuid'] for task in tasks
                  if task['status'] in _ACTIVE]
        state = '%s: forced_down=%s disabled=%s (%s), open records %s, ' \
            'active tasks %s' % (label, service['forced_down'],
                                 disabled, service['disabled_reason'],
                                 open_, active)
        if service['forced_down']:
            self.assertTrue(disabled, state)
            self.assertEqual(1, len(open_), state)
        else:
            self.assertEqual(([], []), (open_, active), state)
            if operator_reason:
                self.assertEqual((True, operator_reason),
                                 (disabled, service['disabled_reason']),
                                 state)
            else:
                self.assertFalse(disabled, state)
        return service['forced_down']

    def _up_again(self, host, label, operator_reason=None):
        if self._service(host)['forced_down']:
            self.assertAnswer(self._back_up(host), 200)
        self.assertFalse(self._assert_consistent(
            host, label + ', then forced up', operator_reason))

    def test_concurrent_force_down_and_up_never_mix(self):
        self.slow_service_writes()
        # host2 was disabled by its operator (before it failed: Nova's
        # disable calls the compute): that disable must survive.
        reason = 'hardware swap'
        self.admin_api.put_service(self._service('host2')['id'], {
            'status': 'disabled', 'disabled_reason': reason})
        for host, operator_reason in (('host1', None), ('host2', reason)):
            self._fence(host)
            for round_ in range(3):
                down, up = self._concurrently(
                    functools.partial(self._fence_call, host,
                                      evacuate='none'),
                    functools.partial(self._host_call, host,
                                      forced_down=False))
                label = '%s, round %d' % (host, round_)
                self.assertIn(down.status, (200, 202), down.body)
                self.assertIn(up.status, (200, 409), up.body)
                self._assert_consistent(host, label, operator_reason)
                self._up_again(host, label, operator_reason)
        self.assert_invariants()

    def test_force_up_during_a_force_down_waits_for_it(self):
        self._fence('host1')
        recorded = self.stall('api.force_down.recorded')
        down = self._in_thread(functools.partial(
            self._fence_call, 'host1', evacuate='none'))
        recorded.wait()
        up = self._in_thread(functools.partial(
            self._host_call, 'host1', forced_down=False))
        time.sleep(0.5)
        recorded.release()
        down, up = self._join(down), self._join(up)
        self.assertAnswer(down, 202)
        self.assertIn(up.status, (200, 409), up.body)
        self._assert_consistent('host1', 'force-up during a force-down')
        self._up_again('host1', 'force-up during a force-down')
        self.assert_invariants()

    def test_force_down_during_a_force_up_waits_for_it(self):
        self._fence('host1')
        self.assertAnswer(self._fence_call('host1', evacuate='none'), 202)
        locked = self.stall('api.force_up.locked')
        up = self._in_thread(functools.partial(
            self._host_call, 'host1', forced_down=False))
        locked.wait()
        down = self._in_thread(functools.partial(
            self._fence_call, 'host1', evacuate='none'))
        time.sleep(0.5)
        locked.release()
        up, down = self._join(up), self._join(down)
        self.assertIn(up.status, (200, 409), up.body)
        self.assertIn(down.status, (200, 202), down.body)
        self._assert_consistent('host1', 'force-down during a force-up')
        self._up_again('host1', 'force-down during a force-up')
        self.assert_invariants()


class DuplicateCallsTest(base.FaultTestBase):

    def _force_down_notifications(self, host):
        return [n for n in self._notifications('ha.host.force_down')
                if n['payload']['nova_object.data']['host'] == host]

    def _sixteen(self, host, **params):
        answers = self._concurrently(*[
            functools.partial(self._fence_call, host, **params)
            for _ in range(16)])
        self.assertEqual([200] * 15 + [202],
                         sorted(answer.status for answer in answers),
                         [answer.body for answer in answers])
        uuids = {answer.body['host']['evacuation']['uuid']
                 for answer in answers}
        self.assertEqual(1, len(uuids), uuids)
        self.assertEqual(1, len(self._force_down_notifications(host)))
        return uuids.pop()

    def _repeat(self, host, uuid, **params):
        """A fence agent repeating its call after the task completed."""
        self._wait_for_end(uuid, timeout=base.WAIT)
        answer = self._fence_call(host, **params)
        self.assertAnswer(answer, 200)
        self.assertEqual(uuid, answer.body['host']['evacuation']['uuid'])
        self.assertEqual(1, len(self._force_down_notifications(host)))
        self.assertEqual([uuid], [task['uuid']
                                  for task in self._tasks(host)])

    def test_sixteen_identical_force_downs_make_one_record(self):
        server = self._boot('vnf', 'host1', tags=[base.TAG])
        self._fence('host1')
        uuid = self._sixteen('host1', evacuate='none')
        self._repeat('host1', uuid, evacuate='none')
        self.assertEqual('host1', self._host_of(server))
        self.assert_invariants()

    def test_repeat_after_completed_evacuation_answers_the_same_record(self):
        # Two of four hosts down is within the storm guard's bound here.
        self.flags(max_down_fraction=0.5, group='nova_ha')
        server = self._boot('db', 'host1', tags=[base.TAG])
        self._fence('host1')
        answer = self._fence_call('host1')
        self.assertAnswer(answer, 202)
        uuid = answer.body['host']['evacuation']['uuid']
        self._repeat('host1', uuid)
        self.assertEqual('completed', self._evacuation(uuid)['status'])
        self.assertNotEqual('host1', self._host_of(server))

        # An empty host, evacuate tagged: its task completes at once.
        self._fence('host2')
        uuid = self._sixteen('host2', evacuate='tagged')
        self._repeat('host2', uuid, evacuate='tagged')
        self.assert_invariants()
