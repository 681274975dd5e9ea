"""Nova's own force-up (``PUT /os-services/...``) closes the host failure;
with ``[nova_ha] track_nova_force_down``, its force-down opens one.

Nova's os-services API stays Nova's: its checks, its answers. When it has
forced a nova-compute host up, the host is no longer fenced, so the host
failure this extension holds open for it is closed, and nothing pending
of it is evacuated afterwards (I1 in doc/recovery-state-machine.md). The
HA conductor re-checks the service before every evacuate call too, which
also covers a nova-api that does not run this pipeline.
"""

import json
import re

from nova.api.openstack.compute import routes as nova_routes
from oslo_log import log as logging

import nova.conf

from nova_ha_ext.recovery import actions

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# /os-services/{id} (2.53+) and /os-services/force-down (older), with or
# without the project id in front.
_PATH = re.compile(r'^(/[^/]+)?/os-services/[^/]+/?$')


class HARouter(nova_routes.APIRouterV21):
    """Nova's v2.1 router, watching Nova's force-ups go by."""

    def __call__(self, environ, start_response):
        route = super().__call__
        if (environ.get('REQUEST_METHOD') != 'PUT' or
                not _PATH.match(environ.get('PATH_INFO', ''))):
            return route(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured['status'] = status
            return start_response(status, headers, exc_info)

        body = b''.join(route(environ, capture))
        if captured.get('status', '').startswith('200'):
            self._after(environ, body)
        return [body]

    @classmethod
    def _after(cls, environ, body):
        try:
            service = json.loads(body)['service']
        except (ValueError, KeyError, TypeError):
            return
        if (service.get('binary') not in (None, 'nova-compute') or
                service.get('forced_down') not in (True, False) or
                not service.get('host')):
            return
        context = environ.get('nova.context')
        if context is None:
            return
        if service['forced_down']:
            cls._track_force_down(context, service['host'])
            return
        try:
            actions.close_unforced(
                context, service['host'],
                'forced up through Nova\'s os-services API by %s' %
                context.user_id)
        except Exception:
            # Nova's answer stands; the HA conductor finds the host
            # un-forced at its next look and closes the failure then.
            LOG.exception('Closing the host failure of %s after Nova\'s '
                          'force-up failed', service['host'])

    @staticmethod
    def _track_force_down(context, host):
        """A stock agent's force-down (fence_compute forces a host down
        only once it is fenced) opens a fenced host failure, per
        ``[nova_ha] track_nova_force_down``."""
        mode = CONF.nova_ha.track_nova_force_down
        if mode == 'off':
            return
        try:
            actions.force_down(
                context, host, fenced=True,
                reason='forced down through Nova\'s os-services API by %s '
                       '(a stock fence agent)' % context.user_id,
                evacuate='none' if mode == 'record' else None)
        except Exception:
            # Nova's answer stands; the operator (or the fence agent's
            # repeat) can open the failure with PUT /os-ha/hosts.
            LOG.exception('Recording the host failure of %s after Nova\'s '
                          'force-down failed', host)
