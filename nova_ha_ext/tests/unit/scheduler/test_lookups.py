"""The database reads behind the failure-domain filters, on Nova's test DBs."""

from nova import context as nova_context
from nova import objects
from nova import test
from oslo_utils.fixture import uuidsentinel as uuids

from nova_ha_ext.scheduler import domains
from nova_ha_ext.scheduler import filters
from nova_ha_ext.scheduler import lookups
from nova_ha_ext.tests.unit.scheduler import fakes


class LookupsTest(test.TestCase):

    NUMBER_OF_CELLS = 2

    def setUp(self):
        super().setUp()
        self.ctxt = nova_context.get_admin_context()

    def _instance(self, cell, uuid, host, deleted=False):
        with nova_context.target_cell(
                self.ctxt, self.cell_mappings[cell]) as cctxt:
            inst = objects.Instance(cctxt, uuid=uuid, host=host,
                                    project_id='p', user_id='u')
            inst.create()
            if deleted:
                inst.destroy()

    def test_member_hosts_reads_every_cell(self):
        self._instance('cell1', uuids.a, 'h1')
        self._instance('cell2', uuids.b, 'h7')
        self._instance('cell1', uuids.unplaced, None)
        self._instance('cell1', uuids.gone, 'h2', deleted=True)
        self._instance('cell1', uuids.not_a_member, 'h3')
        self.assertEqual(
            {uuids.a: 'h1', uuids.b: 'h7'},
            lookups.member_hosts(self.ctxt, [
                uuids.a, uuids.b, uuids.unplaced, uuids.gone]))

    def test_domain_aggregates_are_those_with_the_level_key(self):
        for name, metadata in (('r1', {'failure_domain:rack': 'r1'}),
                               ('p1', {'failure_domain:pdu': 'p1'})):
            agg = objects.Aggregate(self.ctxt, name=name, metadata=metadata)
            agg.create()
            agg.add_host('h-' + name)
        found = lookups.domain_aggregates(
            self.ctxt, domains.domain_key('rack'))
        self.assertEqual([('r1', ['h-r1'])],
                         [(agg.name, agg.hosts) for agg in found])

    def test_request_context_is_admin(self):
        user = nova_context.RequestContext('u', 'p')
        spec = fakes.request(uuids.me)
        spec._context = user
        self.assertTrue(lookups.request_context(spec).is_admin)
        self.assertFalse(user.is_admin)

    def test_all_filters_names_the_extension_filters(self):
        # What nova-scheduler loads from available_filters.
        self.assertEqual(['FailureDomainAntiAffinityFilter',
                          'FailureDomainAffinityFilter',
                          'EvacuationReservedHostFilter'],
                         [cls.__name__ for cls in filters.all_filters()])
