"""EvacuationReservedHostFilter, and how it recognises an evacuation.

These tests keep Nova's records in Nova's test databases (API and cell1):
whether a request is an evacuation is read from the migration record that
Nova's compute API writes for it.
"""

import logging

import fixtures
from nova import context as nova_context
from nova import objects
from nova import test
from nova.tests.unit.scheduler import fakes as nova_fakes
from oslo_utils.fixture import uuidsentinel as uuids

from nova_ha_ext.scheduler.filters import reserved_host
from nova_ha_ext.tests.unit.scheduler import fakes


class EvacuationReservedHostFilterTest(test.TestCase):

    def setUp(self):
        super().setUp()
        self.ctxt = nova_context.get_admin_context()
        self.cell = self.cell_mappings['cell1']
        self.filt = reserved_host.EvacuationReservedHostFilter()
        spare_agg = objects.Aggregate(
            id=1, name='spares', hosts=['spare'],
            metadata={'ha_reserved': 'true'})
        off_agg = objects.Aggregate(
            id=2, name='not-reserved', hosts=['plain'],
            metadata={'ha_reserved': 'false'})
        self.spare = nova_fakes.FakeHostState(
            'spare', 'spare', {'aggregates': [spare_agg]})
        self.plain = nova_fakes.FakeHostState(
            'plain', 'plain', {'aggregates': [off_agg]})
        self.log = self.useFixture(fixtures.FakeLogger(
            name=reserved_host.__name__, level=logging.DEBUG))

    def _migration(self, migration_type, status, source='failed'):
        with nova_context.target_cell(self.ctxt, self.cell) as cctxt:
            objects.Migration(
                cctxt, instance_uuid=uuids.instance, source_compute=source,
                source_node=source, dest_compute=None,
                migration_type=migration_type, status=status).create()

    def _move(self, ignore_hosts=('failed',), cell=True, **kw):
        """The RequestSpec the conductor sends for a move of the instance."""
        dest = objects.Destination(cell=self.cell) if cell else None
        return fakes.request(uuids.instance, ignore_hosts=list(ignore_hosts),
                             requested_destination=dest, **kw)

    def passing(self, spec):
        hosts = self.filt.filter_all([self.spare, self.plain], spec)
        return [host.host for host in hosts]

    def test_boot_skips_the_spare(self):
        self.assertEqual(['plain'], self.passing(
            fakes.request(uuids.instance, ignore_hosts=None)))
        self.assertIn('(spare, spare) ram: 0MB disk: 0MB io_ops: 0 '
                      'instances: 0, allocation_candidates: 0 fails '
                      'EvacuationReservedHostFilter: it is in an aggregate '
                      'with ha_reserved=true and takes only evacuations; '
                      'this request is not one.', self.log.output)

    def test_evacuation_may_use_the_spare(self):
        self._migration('evacuation', 'accepted')
        self.assertEqual(['spare', 'plain'], self.passing(self._move()))

    def test_evacuation_found_through_the_instance_mapping(self):
        # A spec that does not name the cell (not built by the conductor).
        objects.InstanceMapping(
            self.ctxt, instance_uuid=uuids.instance, cell_mapping=self.cell,
            project_id='fake').create()
        self._migration('evacuation', 'accepted')
        self.assertEqual(['spare', 'plain'],
                         self.passing(self._move(cell=False)))

    def test_other_moves_skip_the_spare(self):
        for migration_type, status in (('migration', 'pre-migrating'),
                                       ('resize', 'pre-migrating'),
                                       ('live-migration', 'accepted')):
            self._migration(migration_type, status)
            self.assertEqual(['plain'], self.passing(self._move()),
                             migration_type)

    def test_evacuation_that_already_failed_is_not_one_now(self):
        # A later cold migration off the same host after a failed attempt.
        self._migration('evacuation', 'error')
        self._migration('migration', 'pre-migrating')
        self.assertEqual(['plain'], self.passing(self._move()))

    def test_stale_evacuation_record_from_another_host_is_ignored(self):
        self._migration('evacuation', 'accepted', source='old-host')
        self.assertEqual(['plain'], self.passing(self._move()))

    def test_unshelve_skips_the_spare(self):
        self._migration('evacuation', 'accepted')
        self.assertEqual(['plain'], self.passing(self._move(ignore_hosts=())))

    def test_rebuild_in_place_on_the_spare_is_not_refused(self):
        spec = self._move(ignore_hosts=())
        spec.scheduler_hints['_nova_check_type'] = ['rebuild']
        self.assertEqual(['spare', 'plain'], self.passing(spec))

    def test_evacuation_is_looked_up_once_per_request(self):
        self._migration('evacuation', 'accepted')
        spec = self._move()
        with fixtures.MockPatchObject(
                objects.MigrationList, 'get_by_filters',
                wraps=objects.MigrationList.get_by_filters) as lookup:
            for _ in range(3):
                self.assertEqual(['spare', 'plain'], self.passing(spec))
        self.assertEqual(1, lookup.mock.call_count)
