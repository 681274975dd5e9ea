"""The /os-ha calls on top of a keystoneauth session or adapter."""

import time

from keystoneauth1 import adapter as ks_adapter

from nova_ha_ext.client import exceptions

# The API's enums, repeated so the client needs nothing but keystoneauth
# (a unit test keeps them equal to the server's).
EVACUATE_CHOICES = ('tagged', 'all', 'none')
STATUS_CHOICES = ('pending', 'running', 'completed', 'completed_with_errors',
                  'cancelled')
# A task in one of these states will not change any more by itself.
FINAL_STATUSES = ('completed', 'completed_with_errors', 'cancelled')


def withheld_warning(evacuation):
    """The storm guard's reason if it held instances back, else None.

    The guard judges every fenced force-down, so that concurrent calls
    count each other's hosts; a host with nothing to evacuate still gets
    ``withheld_reason`` on its record, but nothing was held back, so there
    is nothing to warn about (nor to release with ``force``). Such a
    record ends ``completed``; one that held instances back, ``cancelled``
    until ``force`` releases it.
    """
    if not evacuation or not evacuation.get('withheld_reason'):
        return None
    if evacuation.get('status') != 'cancelled':
        return None
    return evacuation['withheld_reason']


class Client:
    """The /os-ha API of one Nova deployment.

    :param session: a ``keystoneauth1.session.Session``, or an adapter
        already bound to the compute service (such as novaclient's or the
        openstack CLI's); with a session, the compute endpoint is looked up
        in the catalog unless ``endpoint_override`` is given.
    """

    def __init__(self, session, endpoint_override=None, interface=None,
                 region_name=None, service_type='compute',
                 user_agent='nova-ha-ext'):
        auth = service_name = None
        # NOTE: novaclient's SessionClient is a LegacyJsonAdapter, which
        # keystoneauth does not derive from Adapter.
        if isinstance(session, (ks_adapter.Adapter,
                                ks_adapter.LegacyJsonAdapter)):
            # Keep where the caller's adapter points (catalog filters or an
            # explicit endpoint) and its auth plugin.
            bound = session
            session, auth = bound.session, bound.auth
            interface = interface or bound.interface
            region_name = region_name or bound.region_name
            endpoint_override = endpoint_override or bound.endpoint_override
            service_type = bound.service_type or service_type
            service_name = bound.service_name
        self._api = ks_adapter.Adapter(
            session, auth=auth, service_type=service_type,
            service_name=service_name, interface=interface,
            region_name=region_name,
            endpoint_override=endpoint_override, user_agent=user_agent)

    # -- plumbing ------------------------------------------------------------

    def _call(self, method, url, body=None, params=None):
        response = self._api.request(
            url, method, json=body, params=params, raise_exc=False,
            headers={'Accept': 'application/json'})
        if response.status_code >= 400:
            raise exceptions.from_response(response)
        return response.status_code, (response.json() if response.content
                                      else None)

    # -- hosts ---------------------------------------------------------------

    def list_hosts(self):
        """Every nova-compute host with its state and active evacuation."""
        return self._call('GET', '/os-ha/hosts')[1]['hosts']

    def force_down(self, host, fenced=False, evacuate=None, reason=None,
                   force=False):
        """Force ``host``'s nova-compute down; returns (created, host).

        ``created`` is False when the host was already down with an active
        evacuation, which the API then returns unchanged.
        """
        params = {'forced_down': True, 'fenced': bool(fenced)}
        if evacuate is not None:
            params['evacuate'] = evacuate
        if reason is not None:
            params['reason'] = reason
        if force:
            params['force'] = True
        status, body = self._call('PUT', '/os-ha/hosts/%s' % host,
                                  {'host': params})
        return status == 202, body['host']

    def force_up(self, host):
        """Let ``host`` report up again; returns the host."""
        return self._call('PUT', '/os-ha/hosts/%s' % host,
                          {'host': {'forced_down': False}})[1]['host']

    def get_host(self, host):
        """One host of :meth:`list_hosts`; NotFound if Nova has no such."""
        for entry in self.list_hosts():
            if entry['host'] == host:
                return entry
        raise exceptions.NotFound(
            404, 'Compute host %s could not be found.' % host)

    # -- evacuations ---------------------------------------------------------

    def list_evacuations(self, host=None, status=None, limit=None,
                         marker=None):
        """Evacuation tasks, newest first; follows the pages unless
        ``limit`` asks for one page."""
        params = {key: value for key, value in (
            ('host', host), ('status', status), ('limit', limit),
            ('marker', marker)) if value is not None}
        tasks = []
        while True:
            body = self._call('GET', '/os-ha/evacuations', params=params)[1]
            tasks.extend(body['evacuations'])
            if limit is not None or not body.get('evacuations_links'):
                return tasks
            params['marker'] = tasks[-1]['uuid']

    def get_evacuation(self, uuid):
        """One task with its per-instance items and counts."""
        return self._call('GET', '/os-ha/evacuations/%s' % uuid)[1][
            'evacuation']

    def retry_evacuation(self, uuid):
        """Evacuate the task's failed instances again."""
        return self._action(uuid, 'retry')

    def cancel_evacuation(self, uuid):
        """Cancel the task's instances that have not started."""
        return self._action(uuid, 'cancel')

    def _action(self, uuid, name):
        return self._call('POST', '/os-ha/evacuations/%s/action' % uuid,
                          {name: None})[1]['evacuation']

    def wait_for_evacuation(self, uuid, timeout, interval=2.0,
                            clock=time.monotonic, sleep=time.sleep):
        """Poll a task until it is finished (nothing pending or in flight,
        a cancelled one drained too); returns it, or None on timeout."""
        deadline = clock() + timeout
        while True:
            evacuation = self.get_evacuation(uuid)
            if (evacuation['status'] in FINAL_STATUSES and
                    evacuation.get('finished_at')):
                return evacuation
            if clock() >= deadline:
                return None
            sleep(min(interval, max(0.0, deadline - clock())))
