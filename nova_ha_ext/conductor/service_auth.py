"""The HA conductor's own Keystone credentials ([nova_ha_auth]).

An evacuation started by an API call runs under that call's context: its
token and service catalog travel with Nova's RPC casts, and Nova's
conductor and the destination's nova-compute use them to reach Glance,
Neutron and Cinder. A worker that resumes a task (after another worker
died, at its periodic look) has no such call: an admin context without a
token or catalog makes Nova's rebuild fail with ``EmptyCatalog`` on a real
cloud. With [nova_ha_auth] set, every evacuation runs under a context
built from the worker's own token, renewed before it expires, so the
first attempt and a resumed one are alike.
"""

import threading

from keystoneauth1 import loading as ks_loading
from nova import context as nova_context
from oslo_log import log as logging

import nova.conf

from nova_ha_ext.conf import auth as auth_opts

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

GROUP = auth_opts.GROUP_NAME
# Seconds of validity a token must still have to be handed to Nova: its
# casts may wait in the broker and the rebuild calls Glance later.
_MIN_VALIDITY = 300

_lock = threading.Lock()
_state = {}


def configured():
    return bool(CONF[GROUP].auth_type)


def _session_and_auth():
    with _lock:
        if 'auth' not in _state:
            auth = ks_loading.load_auth_from_conf_options(CONF, GROUP)
            _state['session'] = ks_loading.load_session_from_conf_options(
                CONF, GROUP, auth=auth)
            _state['auth'] = auth
        return _state['session'], _state['auth']


def reset():
    """Forget the loaded credentials (tests; a configuration reload)."""
    with _lock:
        _state.clear()


def v2_catalog(access):
    """The catalog in the form Nova's contexts carry (what Keystone's
    middleware puts in X-Service-Catalog): one entry per service, with an
    endpoint per region holding a URL per interface."""
    services = []
    for service in access.service_catalog.catalog:
        regions = {}
        for endpoint in service.get('endpoints', ()):
            if 'url' not in endpoint:
                # Already in the v2 form (a v2 token).
                regions.setdefault(endpoint.get('region'), {}).update(
                    endpoint)
                continue
            region = endpoint.get('region_id') or endpoint.get('region')
            entry = regions.setdefault(region, {'region': region})
            entry[endpoint['interface'] + 'URL'] = endpoint['url']
        services.append({'type': service.get('type'),
                         'name': service.get('name'),
                         'endpoints': list(regions.values())})
    return services


def worker_context(fallback=None):
    """The context a worker gives Nova for an evacuation.

    With [nova_ha_auth] configured: the worker's own token and catalog.
    Otherwise ``fallback`` (the API call's context) when it carries a
    token, else Nova's admin context, which works only where Nova's
    service clients need no catalog (endpoint overrides everywhere).

    :raises keystoneauth1.exceptions.ClientException: Keystone refused or
        did not answer; the caller retries later.
    """
    if not configured():
        if fallback is not None and fallback.auth_token:
            return fallback
        if not _state.get('warned'):
            _state['warned'] = True
            LOG.warning('[%s] is not configured: evacuations this worker '
                        'resumes run without a token or service catalog, '
                        'and Nova fails them (EmptyCatalog) unless its '
                        'Glance, Neutron and Cinder clients have endpoint '
                        'overrides. See doc/deployment.md.', GROUP)
        return fallback or nova_context.get_admin_context()
    access = _access()
    return nova_context.RequestContext(
        user_id=access.user_id, project_id=access.project_id,
        auth_token=access.auth_token, service_catalog=v2_catalog(access),
        roles=access.role_names, is_admin=True, overwrite=False)


def _access():
    session, auth = _session_and_auth()
    access = auth.get_access(session)
    if access.will_expire_soon(_MIN_VALIDITY):
        auth.invalidate()
        access = auth.get_access(session)
    return access


def refresh(*contexts):
    """Put a token valid for a while longer into ``contexts`` (a task's
    contexts, before each round of Nova calls); a no-op without
    [nova_ha_auth]. When Keystone does not answer the token they hold is
    kept: it may still be valid, and Nova says so if not."""
    if not configured():
        return
    try:
        access = _access()
    except Exception as error:
        LOG.warning('Could not renew the worker\'s token from Keystone: %s',
                    error)
        return
    catalog = v2_catalog(access)
    for context in contexts:
        # Only the worker's own contexts (worker_context) are renewed.
        if context.user_id == access.user_id:
            context.auth_token = access.auth_token
            context.service_catalog = catalog
