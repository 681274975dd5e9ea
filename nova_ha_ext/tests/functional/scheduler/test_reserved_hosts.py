"""Spare hosts that take evacuations only, through Nova's API."""

from nova_ha_ext.tests.functional.scheduler import base


class EvacuationReservedHostTest(base.SchedulerFiltersTestBase):

    def test_spare_takes_only_the_evacuation(self):
        for host in ('h1', 'spare'):
            self._start_compute(host)
        self._aggregate('spares', ['spare'], {'ha_reserved': 'true'})
        # The spare is the emptier host for the second boot, and the only
        # other host for a cold migration: both skip it.
        first, second = self._boot(), self._boot()
        self.assertEqual(['h1', 'h1'], [self._host(first),
                                        self._host(second)])
        self.admin_api.post_server_action(first['id'], {'migrate': None})
        self._wait_for_migration_status(first, ['error'])
        self._wait_for_instance_action_event(
            first, 'migrate', 'conductor_migrate_server', 'Error')
        self.assertEqual('h1', self._host(first))
        # h1 dies: its instances may use the spare now.
        self._fail_host('h1')
        server = self._evacuate_server(first)
        self.assertEqual('spare', server['OS-EXT-SRV-ATTR:host'])
