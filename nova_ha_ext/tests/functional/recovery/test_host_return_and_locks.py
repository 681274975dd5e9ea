"""Masakari's and InstanceHA's conventions around an evacuation: the
server is locked while it moves, and the host comes back by itself."""

import time

from nova.tests.functional.api import client

from nova_ha_ext.tests.functional.faults import base as fault_base
from nova_ha_ext.tests.functional.recovery import base


class ServerLockTest(fault_base.FaultTestBase):

    def _in_flight(self, server):
        self.spawns.hold(server['id'])
        self._fence('host1')
        uuid = self._fence_call('host1').body['host']['evacuation']['uuid']
        self.spawns.wait_entered(server['id'])
        self._wait_for_item(uuid, server['id'], ['evacuating'])
        return uuid

    def test_server_locked_while_evacuated_then_unlocked(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        uuid = self._in_flight(server)
        shown = self.admin_api.get_server(server['id'])
        self.assertTrue(shown['locked'], shown)
        self.assertIn('nova-ha-ext', shown['locked_reason'])
        self.assertIn(uuid, shown['locked_reason'])
        # Its owner cannot stop it while it moves.
        owner = self.api_fixture.api
        owner.microversion = '2.73'
        error = self.assertRaises(
            client.OpenStackApiException, owner.post_server_action,
            server['id'], {'os-stop': None})
        self.assertEqual(409, error.response.status_code)
        self.assertIn('locked', error.response.text)

        self.spawns.release(server['id'])
        item = self._wait_for_item(uuid, server['id'], ['succeeded'])
        shown = self.admin_api.get_server(server['id'])
        self.assertEqual((False, None),
                         (shown['locked'], shown['locked_reason']))
        self.assertEqual(item['dest_host'], shown['OS-EXT-SRV-ATTR:host'])
        self.assert_invariants()

    def test_a_lock_of_someone_else_is_kept(self):
        server = self._boot('db', 'host1', tags=[base.TAG])
        self.admin_api.post_server_action(
            server['id'], {'lock': {'locked_reason': 'maintenance'}})
        uuid = self._in_flight(server)
        self.spawns.release(server['id'])
        self._wait_for_item(uuid, server['id'], ['succeeded'])
        shown = self.admin_api.get_server(server['id'])
        self.assertEqual((True, 'maintenance'),
                         (shown['locked'], shown['locked_reason']))
        self.assert_invariants()

    def test_locking_can_be_turned_off(self):
        self.flags(lock_servers=False, group='nova_ha')
        server = self._boot('db', 'host1', tags=[base.TAG])
        uuid = self._in_flight(server)
        self.assertFalse(self.admin_api.get_server(server['id'])['locked'])
        self.spawns.release(server['id'])
        self._wait_for_item(uuid, server['id'], ['succeeded'])
        self.assert_invariants()


class HostReturnTest(base.RecoveryTestBase):

    def setUp(self):
        super().setUp()
        self.admin_api.microversion = '2.73'

    def _recovered(self, disabled_reason=None):
        server = self._boot('db', 'host1', tags=[base.TAG])
        if disabled_reason:
            self.admin_api.put_service(
                self._compute_service('host1')['id'],
                {'status': 'disabled', 'disabled_reason': disabled_reason})
        self._fence('host1')
        uuid = self._force_down('host1').body['host']['evacuation']['uuid']
        evacuation = self._wait_for_end(uuid)
        self.assertEqual('completed', evacuation['status'], evacuation)
        return server, uuid

    def _wait(self, fetch, failure, timeout=15):
        """``fetch()``'s first truthy answer within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = fetch()
            if found:
                return found
            time.sleep(0.1)
        self.fail('%s after %d s' % (failure(), timeout))

    def _wait_forced_up(self, host, timeout=15):
        def up():
            service = self._compute_service(host)
            return None if service['forced_down'] else service
        return self._wait(up, lambda: '%s still forced down: %s' % (
            host, self._compute_service(host)), timeout)

    def _wait_for_notifications(self, event_type, timeout=15):
        return self._wait(lambda: self._notifications(event_type),
                          lambda: 'no %s notification' % event_type, timeout)

    def test_host_forced_up_once_nova_compute_is_back(self):
        self.flags(auto_force_up=True, group='nova_ha')
        server, uuid = self._recovered()
        # Not before nova-compute is back: Nova's 'done' migrations and
        # the missing report hold it.
        time.sleep(2.5)
        self.assertTrue(self._compute_service('host1')['forced_down'])

        self._repair('host1')
        service = self._wait_forced_up('host1')
        self.assertEqual('enabled', service['status'])
        self.assertIsNotNone(self._evacuation(uuid)['closed_at'])
        # The conductor notifies after it has synced Placement's disabled
        # trait, so the notification can trail the service update.
        [note] = self._wait_for_notifications('ha.host.force_up')
        payload = note['payload']['nova_object.data']
        self.assertEqual(uuid, payload['evacuation_uuid'])
        self.assertIn('auto_force_up', payload['reason'])
        self.assertTrue(note['publisher_id'].startswith('nova-ha-conductor'),
                        note['publisher_id'])
        self.assertNotEqual('host1', self._host_of(server))

    def test_host_left_down_by_default(self):
        self._recovered()
        self._repair('host1')
        time.sleep(2.5)
        self.assertTrue(self._compute_service('host1')['forced_down'])
        self.assertEqual([], self._notifications('ha.host.force_up'))

    def test_disabled_before_the_failure_stays_disabled(self):
        # Only what nova-ha-ext disabled is enabled again.
        self.flags(auto_force_up=True, group='nova_ha')
        self._recovered(disabled_reason='rack move')
        self._repair('host1')
        service = self._wait_forced_up('host1')
        self.assertEqual(('disabled', 'rack move'),
                         (service['status'], service['disabled_reason']))
