"""The storm guard, on Nova's real service and aggregate records."""

from nova import context as nova_context
from nova import objects
from nova import test

import nova.conf

from nova_ha_ext import conf as ha_conf
from nova_ha_ext.recovery import compute_hosts
from nova_ha_ext.recovery import storm_guard

CONF = nova.conf.CONF


class StormGuardTest(test.TestCase):

    def setUp(self):
        super().setUp()
        ha_conf.register_opts(CONF)
        self.ctxt = nova_context.get_admin_context()
        self.services = {}
        for i in range(1, 11):
            host = 'host%d' % i
            service = objects.Service(self.ctxt, host=host,
                                      binary='nova-compute', topic='compute')
            service.create()
            objects.HostMapping(
                self.ctxt, host=host,
                cell_mapping=self.cell_mappings['cell1']).create()
            self.services[host] = service

    def _down(self, *hosts):
        # As the extension's force-down leaves a host: forced down and
        # disabled.
        for host in hosts:
            self.services[host].forced_down = True
            self.services[host].disabled = True
            self.services[host].save()

    def _aggregate(self, name, hosts):
        aggregate = objects.Aggregate(self.ctxt, name=name)
        aggregate.create()
        for host in hosts:
            aggregate.add_host(host)

    def _check(self, host):
        return storm_guard.check(compute_hosts.find(self.ctxt, host))

    def test_one_host_of_ten_is_not_a_storm(self):
        self.assertIsNone(self._check('host1'))

    def test_too_much_of_the_cell_down(self):
        self._down('host2', 'host3')
        self.assertIsNone(self._check('host1'))   # 3 of 10 = 30%
        self._down('host4')
        reason = self._check('host1')              # 4 of 10 = 40%
        self.assertIn('4 of the 10 nova-compute hosts of its cell are down '
                      '(40%, more than [nova_ha] max_down_fraction = 33%)',
                      reason)

    def test_disabled_but_up_hosts_count_as_up(self):
        for host in ('host5', 'host6', 'host7'):
            self.services[host].disabled = True
            self.services[host].save()
        self._down('host2', 'host3')
        self.assertIsNone(self._check('host1'))   # 3 of 10, not 3 of 7

    def test_too_much_of_an_aggregate_down(self):
        self._aggregate('rack1', ['host1', 'host2', 'host3', 'host4'])
        self._aggregate('rack2', ['host5', 'host6', 'host7', 'host8'])
        self._down('host2')
        reason = self._check('host1')              # rack1: 2 of 4
        self.assertIn('2 of the 4 nova-compute hosts of aggregate rack1',
                      reason)
        self.assertIsNone(self._check('host5'))    # rack2: 1 of 4

    def test_small_groups_are_not_judged(self):
        self._aggregate('pair', ['host1', 'host2'])
        self._down('host2')
        self.assertIsNone(self._check('host1'))
        self.flags(storm_guard_min_hosts=2, group='nova_ha')
        self.assertIn('aggregate pair', self._check('host1'))

    def test_threshold_is_configurable(self):
        self._down('host2', 'host3', 'host4')
        self.flags(max_down_fraction=0.5, group='nova_ha')
        self.assertIsNone(self._check('host1'))
