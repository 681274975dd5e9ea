"""Failure-domain (anti-)affinity through Nova's API, scheduler and evacuate.

Evacuations here are plain ``nova evacuate`` calls on a host forced down,
the path the HA conductor takes too.
"""

from nova_ha_ext.tests.functional.scheduler import base

RACK = {'failure_domain': 'rack'}


class FailureDomainAntiAffinityTest(base.SchedulerFiltersTestBase):

    def _spread_group(self):
        """An anti-affinity group of three, one member per rack."""
        self._racks({'r1': ['h1'], 'r2': ['h2'], 'r3': ['h3']})
        group = self._group('anti-affinity')
        servers = [self._boot(group, RACK) for _ in range(3)]
        self.assertEqual({'h1', 'h2', 'h3'},
                         {self._host(server) for server in servers})
        by_host = {self._host(server): server for server in servers}
        return group, by_host

    def test_evacuated_member_stays_out_of_its_siblings_racks(self):
        group, by_host = self._spread_group()
        # A spare in every rack; Nova's per-host rule would accept any.
        self._racks({'r1': ['h1-spare'], 'r2': ['h2-spare'],
                     'r3': ['h3-spare']})
        self._fail_host('h1')
        server = self._evacuate_server(by_host['h1'])
        self.assertEqual('h1-spare', server['OS-EXT-SRV-ATTR:host'])

    def test_evacuation_without_legal_host_fails_cleanly_then_recovers(self):
        group, by_host = self._spread_group()
        # Free hosts only in the siblings' racks.
        self._racks({'r2': ['h2-spare'], 'r3': ['h3-spare']})
        self._fail_host('h1')
        server = self._evacuate_server(
            by_host['h1'], expected_state='ERROR',
            expected_migration_status='error')
        self.assertEqual('h1', server['OS-EXT-SRV-ATTR:host'])
        self.assertIn('No valid host', server['fault']['message'])
        # Still recoverable: once r1 has room, the same call succeeds.
        self._racks({'r1': ['h1-spare']})
        server = self._evacuate_server(server, expected_state='ACTIVE')
        self.assertEqual('h1-spare', server['OS-EXT-SRV-ATTR:host'])

    def test_multi_create_spreads_over_racks(self):
        self._racks({'r1': ['h1', 'h2'], 'r2': ['h3', 'h4'],
                     'r3': ['h5', 'h6']})
        group = self._group('anti-affinity')
        body = self._build_server(image_uuid=base.IMAGE, networks='none')
        body.update(min_count=3, return_reservation_id=True)
        reservation = self.api.post_server({
            'server': body,
            'os:scheduler_hints': dict(RACK, group=group['id'])})
        servers = self.api.get_servers(search_opts={
            'reservation_id': reservation['reservation_id']})
        racks = {'h1': 'r1', 'h2': 'r1', 'h3': 'r2', 'h4': 'r2',
                 'h5': 'r3', 'h6': 'r3'}
        placed = [self._host(self._wait_for_state_change(s, 'ACTIVE'))
                  for s in servers]
        self.assertEqual(['r1', 'r2', 'r3'],
                         sorted(racks[host] for host in placed))
        # A fourth member has no rack left.
        self._boot(group, RACK, expected_state='ERROR')

    def test_host_outside_any_rack_takes_no_member(self):
        self._racks({'r1': ['h1']})
        self._start_compute('loose')
        group = self._group('anti-affinity')
        self.assertEqual('h1', self._host(self._boot(group, RACK)))
        self._boot(group, RACK, expected_state='ERROR')
        # Without the hint the group is Nova's per-host business only.
        plain = self._group('anti-affinity')
        self._boot(plain)
        self._boot(plain)


class FailureDomainAffinityTest(base.SchedulerFiltersTestBase):

    def test_members_share_a_rack_and_evacuate_within_it(self):
        self._racks({'r1': ['h1']})
        group = self._group('soft-affinity')
        self.assertEqual('h1', self._host(self._boot(group, RACK)))
        # Another rack, and another host in the first member's rack.
        self._racks({'r1': ['h2'], 'r2': ['h3', 'h4']})
        second = self._boot(group, RACK)
        failed = self._host(second)
        self.assertIn(failed, ('h1', 'h2'))
        self._fail_host(failed)
        server = self._evacuate_server(second)
        self.assertEqual({'h1', 'h2'} - {failed},
                         {server['OS-EXT-SRV-ATTR:host']})
