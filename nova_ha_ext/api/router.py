"""The v2.1 paste application: Nova's router plus the /os-ha routes.

Nova's ``APIRouterV21`` accepts extra routes (``custom_routes``) in the same
format as its own ROUTE_LIST, so the extension's controllers sit behind
exactly the pipeline, auth, microversion handling and fault wrapping of
every Nova API without changing a line of Nova.
"""

import nova.conf

from nova_ha_ext.api import evacuations
from nova_ha_ext.api import hosts
from nova_ha_ext.api import nova_services
from nova_ha_ext.api import resource
from nova_ha_ext.api import unknown
from nova_ha_ext import conf as ha_conf

_METHODS = ('GET', 'PUT', 'POST', 'DELETE', 'PATCH')


def _resource(controller_cls, *args, resource_cls=resource.Resource):
    def create():
        return resource_cls(controller_cls(*args))
    return create


def _routes():
    hosts_controller = _resource(hosts.HostsController)
    evacuations_controller = _resource(evacuations.EvacuationsController)
    routes = (
        ('/os-ha/hosts', {
            'GET': [hosts_controller, 'index'],
        }),
        ('/os-ha/hosts/{id}', {
            'PUT': [hosts_controller, 'update'],
        }),
        ('/os-ha/evacuations', {
            'GET': [evacuations_controller, 'index'],
        }),
        ('/os-ha/evacuations/{id}', {
            'GET': [evacuations_controller, 'show'],
        }),
        ('/os-ha/evacuations/{id}/action', {
            'POST': [evacuations_controller, 'action'],
        }),
    )
    # Tried after every route above (and every Nova route), so it only
    # answers what nothing else matched.
    known = ['%s %s' % (method, path)
             for path, methods in routes for method in methods]
    catch_all = _resource(unknown.UnknownController, known,
                          resource_cls=resource.CatchAllResource)
    return routes + (
        ('/os-ha/{path:.*}', {
            method: [catch_all, 'unknown'] for method in _METHODS}),
        ('/os-ha', {method: [catch_all, 'unknown'] for method in _METHODS}),
    )


ROUTES = _routes()


class APIRouter(nova_services.HARouter):
    """Nova's v2.1 router with the /os-ha routes.

    A path under /os-ha holding a control character goes to the catch-all
    before Routes sees it: Routes anchors its patterns with ``$``, which
    matches before a trailing newline (``PUT /os-ha/hosts/host1%0A`` would
    be host1's route), and the catch-all's ``.*`` matches no newline at
    all (``/os-ha/%0A0`` would get webob's plain-text 404).
    """

    def __init__(self, custom_routes=ROUTES):
        super().__init__(custom_routes=custom_routes)
        self.catch_all = next(
            methods['GET'][0] for path, methods in custom_routes
            if path == '/os-ha')()

    def __call__(self, environ, start_response):
        rest = unknown.unroutable(environ.get('PATH_INFO', ''))
        if rest is None:
            return super().__call__(environ, start_response)
        environ['wsgiorg.routing_args'] = ((), {
            'action': 'unknown', 'path': rest})
        return self.catch_all(environ, start_response)


def app_factory(global_config, **local_config):
    """Paste ``app_factory`` for ``[app:osapi_compute_app_v21]``."""
    # NOTE: nova-api registers only Nova's options; the [nova_ha] ones
    # (read by the controllers) are registered when the app is built.
    ha_conf.register_opts(nova.conf.CONF)
    return APIRouter()
