"""The v2.1 paste application: Nova's router plus the /os-ha routes.

Nova's ``APIRouterV21`` accepts extra routes (``custom_routes``) in the same
format as its own ROUTE_LIST, so the extension's controllers sit behind
exactly the pipeline, auth, microversion handling and fault wrapping of
every Nova API without changing a line of Nova.
"""

from nova.api.openstack import wsgi
import nova.conf

from nova_ha_ext.api import evacuations
from nova_ha_ext.api import hosts
from nova_ha_ext.api import nova_services
from nova_ha_ext.api import unknown
from nova_ha_ext import conf as ha_conf

_METHODS = ('GET', 'PUT', 'POST', 'DELETE', 'PATCH')


def _resource(controller_cls, *args):
    def create():
        return wsgi.Resource(controller_cls(*args))
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
    known = ['%s %s' % (method, path)
             for path, methods in routes for method in methods]
    # Tried after every route above (and every Nova route), so it only
    # answers what nothing else matched.
    catch_all = _resource(unknown.UnknownController, known)
    return routes + (
        ('/os-ha/{path:.*}', {
            method: [catch_all, 'unknown'] for method in _METHODS}),
        ('/os-ha', {method: [catch_all, 'unknown'] for method in _METHODS}),
    )


ROUTES = _routes()


def app_factory(global_config, **local_config):
    """Paste ``app_factory`` for ``[app:osapi_compute_app_v21]``."""
    # NOTE: nova-api registers only Nova's options; the [nova_ha] ones
    # (read by the controllers) are registered when the app is built.
    ha_conf.register_opts(nova.conf.CONF)
    return nova_services.HARouter(custom_routes=ROUTES)
