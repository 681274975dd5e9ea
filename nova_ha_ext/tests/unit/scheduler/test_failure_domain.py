"""FailureDomainAntiAffinityFilter and FailureDomainAffinityFilter."""

import logging

import fixtures
from nova import test
from oslo_utils.fixture import uuidsentinel as uuids

from nova_ha_ext.scheduler.filters import failure_domain
from nova_ha_ext.tests.unit.scheduler import fakes

RACK = {'failure_domain': 'rack'}


class _DomainFilterTestCase(test.NoDBTestCase):

    filter_cls = None

    def setUp(self):
        super().setUp()
        self.filt = self.filter_cls()
        self.cloud = self.useFixture(fakes.FakeCloud())
        # Racks r1 (h1, h2), r2 (h3, h4), r3 (h5); h6 is in no rack.
        self.cloud.domain('rack', 'r1', ['h1', 'h2'])
        self.cloud.domain('rack', 'r2', ['h3', 'h4'])
        self.cloud.domain('rack', 'r3', ['h5'])
        self.cloud.host('h6')
        self.log = self.useFixture(fixtures.FakeLogger(
            name=failure_domain.__name__, level=logging.DEBUG))

    def passing(self, spec, hosts=None):
        """Names of the hosts that pass, as nova-scheduler runs the filter."""
        names = hosts or sorted(self.cloud.hosts)
        states = [self.cloud.host(name) for name in names]
        return [state.host for state in self.filt.filter_all(states, spec)]

    def spec(self, policy, members, me=uuids.me, hints=RACK, **kw):
        group = fakes.group(policy, list(members) + [me],
                            hosts=kw.pop('group_hosts', ()),
                            rules=kw.pop('rules', None))
        return fakes.request(me, group, hints, **kw)


class AntiAffinityTest(_DomainFilterTestCase):

    filter_cls = failure_domain.FailureDomainAntiAffinityFilter

    def test_request_without_group_passes_every_host(self):
        spec = fakes.request(uuids.me, None, RACK)
        self.assertEqual(sorted(self.cloud.hosts), self.passing(spec))

    def test_group_without_level_passes_every_host_and_reads_nothing(self):
        self.cloud.place(uuids.a, 'h1')
        spec = self.spec('anti-affinity', [uuids.a], hints={})
        self.assertEqual(sorted(self.cloud.hosts), self.passing(spec))
        self.assertEqual({}, dict(self.cloud.calls))

    def test_other_policies_are_left_to_their_filters(self):
        self.cloud.place(uuids.a, 'h1')
        for policy in ('affinity', 'soft-affinity', 'soft-anti-affinity'):
            spec = self.spec(policy, [uuids.a])
            self.assertEqual(sorted(self.cloud.hosts), self.passing(spec),
                             policy)

    def test_racks_holding_a_member_fail(self):
        self.cloud.place(uuids.a, 'h1')
        self.cloud.place(uuids.b, 'h3')
        spec = self.spec('anti-affinity', [uuids.a, uuids.b])
        self.assertEqual(['h5'], self.passing(spec))
        self.assertIn('rack r1 already holds 1 member(s) of server group '
                      '%s, limit 1' % uuids.group, self.log.output)

    def test_host_without_domain_fails_and_says_why(self):
        spec = self.spec('anti-affinity', [])
        self.assertNotIn('h6', self.passing(spec))
        self.assertIn('(h6, h6) ram: 0MB disk: 0MB io_ops: 0 instances: 0, '
                      'allocation_candidates: 0 fails '
                      'FailureDomainAntiAffinityFilter for server group %s: '
                      'it is in no aggregate with metadata '
                      'failure_domain:rack, so its rack cannot be checked.'
                      % uuids.group, self.log.output)

    def test_host_with_conflicting_domains_fails(self):
        self.cloud.domain('rack', 'r9', ['h5'])
        spec = self.spec('anti-affinity', [])
        self.assertNotIn('h5', self.passing(spec))
        self.assertIn("has conflicting failure_domain:rack values "
                      "['r3', 'r9']", self.log.output)

    def test_level_selects_the_aggregate_key(self):
        # PDUs cut across racks: p1 = h1, h3; p2 = h2, h4, h5.
        self.cloud.domain('pdu', 'p1', ['h1', 'h3'])
        self.cloud.domain('pdu', 'p2', ['h2', 'h4', 'h5'])
        self.cloud.place(uuids.a, 'h1')
        spec = self.spec('anti-affinity', [uuids.a],
                         hints={'failure_domain': 'pdu'})
        self.assertEqual(['h2', 'h4', 'h5'], self.passing(spec))

    def test_default_level_applies_to_groups_without_hint(self):
        self.flags(default_failure_domain_level='rack', group='nova_ha')
        self.cloud.place(uuids.a, 'h1')
        spec = self.spec('anti-affinity', [uuids.a], hints={})
        self.assertEqual(['h3', 'h4', 'h5'], self.passing(spec))

    def _limit_two(self, **spec_args):
        """Members: one in r1, two in r2; a limit of 2 closes r2 only."""
        self.cloud.place(uuids.a, 'h1')
        self.cloud.place(uuids.b, 'h3')
        self.cloud.place(uuids.c, 'h4')
        spec = self.spec('anti-affinity', [uuids.a, uuids.b, uuids.c],
                         **spec_args)
        return self.passing(spec)

    def test_hint_raises_max_server_per_domain(self):
        self.assertEqual(['h1', 'h2', 'h5'], self._limit_two(
            hints=dict(RACK, max_server_per_domain='2')))

    def test_group_max_server_per_host_raises_the_domain_limit(self):
        self.assertEqual(['h1', 'h2', 'h5'], self._limit_two(
            rules={'max_server_per_host': 2}))

    def test_limit_defaults_to_one(self):
        self.assertEqual(['h5'], self._limit_two())

    def test_malformed_hints_fail_every_host_with_the_reason(self):
        for hints, reason in (
                (dict(RACK, max_server_per_domain='two'),
                 "scheduler hint max_server_per_domain must be a positive "
                 "integer, not 'two'"),
                (dict(RACK, max_server_per_domain='0'),
                 "must be a positive integer, not '0'"),
                ({'failure_domain': 'rack/row'},
                 "scheduler hint failure_domain must be one level name")):
            spec = self.spec('anti-affinity', [], hints=hints)
            self.assertEqual([], self.passing(spec), hints)
            self.assertIn(reason, self.log.output)

    def test_evacuated_member_is_not_its_own_sibling(self):
        # The member on h1 (rack r1) is evacuated: h1 is ignored by the
        # conductor, its rack-mate h2 is the only legal host -- the racks
        # of its siblings stay excluded.
        self.cloud.place(uuids.me, 'h1')
        self.cloud.place(uuids.b, 'h3')
        self.cloud.place(uuids.c, 'h5')
        spec = self.spec('anti-affinity', [uuids.b, uuids.c],
                         group_hosts=['h1', 'h3', 'h5'], ignore_hosts=['h1'])
        self.assertEqual(['h2'], self.passing(spec, ['h2', 'h3', 'h4', 'h5']))

    def test_sibling_on_the_failed_host_still_counts(self):
        # Two members shared h1 (max_server_per_host=2); one is evacuated,
        # the other still holds rack r1.
        self.cloud.place(uuids.me, 'h1')
        self.cloud.place(uuids.b, 'h1')
        spec = self.spec('anti-affinity', [uuids.b], ignore_hosts=['h1'])
        self.assertEqual(['h3', 'h4', 'h5'],
                         self.passing(spec, ['h2', 'h3', 'h4', 'h5']))

    def test_multi_create_counts_hosts_picked_in_this_request(self):
        spec = self.spec('anti-affinity', [uuids.second], me=uuids.first)
        self.assertEqual(['h1', 'h2', 'h3', 'h4', 'h5'], self.passing(spec))
        # What nova-scheduler does after picking h1 for the first instance
        # and before filtering hosts for the second one.
        spec.instance_group.hosts.append('h1')
        spec.instance_uuid = uuids.second
        self.assertEqual(['h3', 'h4', 'h5'], self.passing(spec))

    def test_request_state_is_read_once_not_per_host(self):
        self.cloud.place(uuids.a, 'h1')
        spec = self.spec('anti-affinity', [uuids.a])
        self.passing(spec)
        self.passing(spec)
        self.assertEqual({'member_hosts': 1, 'domain_aggregates': 1},
                         dict(self.cloud.calls))

    def test_rebuild_on_same_host_is_not_filtered(self):
        self.cloud.place(uuids.me, 'h1')
        self.cloud.place(uuids.a, 'h2')
        spec = self.spec('anti-affinity', [uuids.a])
        spec.scheduler_hints['_nova_check_type'] = ['rebuild']
        self.assertEqual(['h1'], self.passing(spec, ['h1']))


class AffinityTest(_DomainFilterTestCase):

    filter_cls = failure_domain.FailureDomainAffinityFilter

    def test_first_member_goes_to_any_host_with_a_domain(self):
        spec = self.spec('soft-affinity', [])
        self.assertEqual(['h1', 'h2', 'h3', 'h4', 'h5'], self.passing(spec))
        self.assertIn('fails FailureDomainAffinityFilter for server group '
                      '%s: it is in no aggregate' % uuids.group,
                      self.log.output)

    def test_members_share_a_rack_not_a_host(self):
        self.cloud.place(uuids.a, 'h3')
        for policy in ('soft-affinity', 'affinity'):
            spec = self.spec(policy, [uuids.a])
            self.assertEqual(['h3', 'h4'], self.passing(spec), policy)
        self.assertIn('it is in rack r1, members of server group %s are in '
                      "['r2']" % uuids.group, self.log.output)

    def test_anti_affinity_groups_are_left_alone(self):
        self.cloud.place(uuids.a, 'h3')
        spec = self.spec('anti-affinity', [uuids.a])
        self.assertEqual(sorted(self.cloud.hosts), self.passing(spec))

    def test_evacuated_member_stays_in_its_siblings_rack(self):
        # Both members were on h1; the one being evacuated goes to h2.
        self.cloud.place(uuids.me, 'h1')
        self.cloud.place(uuids.b, 'h1')
        spec = self.spec('soft-affinity', [uuids.b], ignore_hosts=['h1'])
        self.assertEqual(['h2'], self.passing(spec, ['h2', 'h3', 'h5']))

    def test_members_split_over_racks_may_join_either(self):
        self.cloud.place(uuids.a, 'h1')
        self.cloud.place(uuids.b, 'h3')
        spec = self.spec('soft-affinity', [uuids.a, uuids.b])
        self.assertEqual(['h1', 'h2', 'h3', 'h4'], self.passing(spec))
