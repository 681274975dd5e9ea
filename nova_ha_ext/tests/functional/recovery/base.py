"""Helpers of the host recovery functional tests."""

import time

from nova.tests.functional.api import client
from oslo_utils.fixture import uuidsentinel as uuids  # noqa: F401

from nova_ha_ext.objects import fields
from nova_ha_ext.tests.functional import base

TAG = 'automatic-recovery'


class RecoveryTestBase(base.HAFunctionalTestBase):
    """Hosts, servers placed on them, and the /os-ha calls."""

    HOSTS = ('host1', 'host2', 'host3', 'host4')

    def setUp(self):
        super().setUp()
        # Fast loops so tests take seconds; the logic is the production one.
        self.flags(poll_interval=0.05, resume_interval=1, lease_seconds=3,
                   retry_backoff=0, group='nova_ha')
        for host in self.HOSTS:
            self._start_compute(host)
        self.conductor = self._start_ha_conductor()
        # NOTE: pinned now: Nova's _build_server otherwise takes the first
        # flavor listed, which a flavor a test creates (random uuid id)
        # can precede -- and an ``evacuable`` one would opt servers in.
        self.default_flavor_id = self.api.get_flavors()[0]['id']

    # -- servers -----------------------------------------------------------

    def _boot(self, name, host, tags=(), metadata=None, flavor_id=None,
              group=None):
        """Boot ``name`` on ``host`` (forced: filters are not consulted)."""
        server = self._build_server(name=name, networks='none',
                                    az='nova:%s' % host,
                                    flavor_id=flavor_id or
                                    self.default_flavor_id)
        if tags:
            server['tags'] = list(tags)
        if metadata:
            server['metadata'] = metadata
        body = {'server': server}
        if group:
            body['os:scheduler_hints'] = {'group': group}
        created = self.admin_api.post_server(body)
        return self._wait_for_state_change(created, 'ACTIVE')

    def _server(self, server):
        return self.admin_api.get_server(server['id'])

    def _host_of(self, server):
        return self._server(server)['OS-EXT-SRV-ATTR:host']

    def _disable_others(self, disabled=True):
        """(Re-)enable every host but host1: with them disabled, an
        evacuation off host1 fails with No valid host."""
        for host in self.HOSTS[1:]:
            self.admin_api.put_service(
                self._compute_service(host)['id'],
                {'status': 'disabled' if disabled else 'enabled'})

    def _fence(self, host):
        """What fencing does to a host: it stops, for good."""
        self.computes[host].stop()

    def _repair(self, host):
        """The host is back: its nova-compute starts again and, as Nova's
        does, destroys the evacuated guests and completes their
        evacuation migrations (which lets a force-up through)."""
        self.computes[host] = self.restart_compute_service(
            self.computes[host])
        self._report_state(host)

    # -- /os-ha --------------------------------------------------------------

    def _put_host(self, host, check=(200, 202), api=None, **params):
        api = api or self.admin_api
        return api.api_put('/os-ha/hosts/%s' % host, {'host': params},
                           check_response_status=list(check))

    def _force_down(self, host, **params):
        params.setdefault('fenced', True)
        return self._put_host(host, forced_down=True, **params)

    def _evacuation(self, uuid):
        return self.admin_api.api_get(
            '/os-ha/evacuations/%s' % uuid).body['evacuation']

    def _wait_for_evacuation(self, uuid, statuses=None, timeout=60):
        statuses = statuses or fields.HostEvacuationStatus.ALL[2:]
        deadline = time.monotonic() + timeout
        while True:
            evacuation = self._evacuation(uuid)
            if evacuation['status'] in statuses:
                return evacuation
            if time.monotonic() > deadline:
                self.fail('evacuation %s still %s after %d s: %s' % (
                    uuid, evacuation['status'], timeout, evacuation))
            time.sleep(0.05)

    def _wait_for_end(self, uuid, timeout=60):
        """Wait until the worker has closed the task (``finished_at``)."""
        deadline = time.monotonic() + timeout
        while True:
            evacuation = self._evacuation(uuid)
            if evacuation['finished_at']:
                return evacuation
            if time.monotonic() > deadline:
                self.fail('evacuation %s never finished: %s' % (
                    uuid, evacuation))
            time.sleep(0.05)

    def _wait_for_items(self, uuid, predicate, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            evacuation = self._evacuation(uuid)
            if predicate(evacuation['instances']):
                return evacuation
            if time.monotonic() > deadline:
                self.fail('evacuation %s items never matched: %s' % (
                    uuid, evacuation['instances']))
            time.sleep(0.05)

    def _api_error(self, status, func, *args, **kwargs):
        error = self.assertRaises(client.OpenStackApiException, func, *args,
                                  **kwargs)
        self.assertEqual(status, error.response.status_code,
                         error.response.text)
        return error.response.json()

    def _notifications(self, prefix='ha.'):
        return [n for n in self.notifier.versioned_notifications
                if n['event_type'].startswith(prefix)]
