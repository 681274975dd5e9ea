"""The simulator's API endpoint: Nova's API plus stand-in identity and
image services.

The ``nova`` and ``openstack`` CLIs always authenticate through keystoneauth
before calling Nova, and read Nova's URL from the catalog Keystone returns.
The simulator has no Keystone, so this endpoint answers the two identity
calls the CLIs make (version discovery, token issue) with a token for any
user name and password and a catalog whose compute entry points back here,
and hands every other request to Nova's API as the admin of the simulator's
project. That makes the CLIs work unmodified, with ordinary ``OS_*``
variables; it is for a loopback-only sandbox, never for a real cloud.
"""

import datetime
import json
import socketserver
import threading
from wsgiref import simple_server

from nova_ha_ext.sim import image_api

IDENTITY_PREFIX = '/identity'
REGION = 'RegionOne'
_ROLES = ('admin', 'member', 'reader')


def _json(start_response, status, body, headers=()):
    data = json.dumps(body).encode('utf-8')
    start_response(status, [('Content-Type', 'application/json'),
                            ('Content-Length', str(len(data)))] +
                   list(headers))
    return [data]


class Endpoint:
    """WSGI app serving ``/identity/v3`` and, under it, Nova's API."""

    def __init__(self, nova_app, project_id, user='admin', images=None):
        """:param images: a callable listing Nova's image dicts (the
            Glance fixture's); with it, ``/image`` answers Glance v2's
            read calls and the catalog lists an image service."""
        self.nova_app = nova_app
        self.project_id = project_id
        self.user = user
        self.image_api = image_api.ImageAPI(images) if images else None

    def env(self, base_url):
        """``OS_*`` variables that point both CLIs at ``base_url``."""
        return {
            'OS_AUTH_URL': base_url + IDENTITY_PREFIX + '/v3',
            'OS_AUTH_TYPE': 'password',
            'OS_IDENTITY_API_VERSION': '3',
            'OS_USERNAME': self.user,
            'OS_PASSWORD': 'sim',
            'OS_PROJECT_NAME': 'sim',
            'OS_PROJECT_ID': self.project_id,
            'OS_USER_DOMAIN_NAME': 'Default',
            'OS_PROJECT_DOMAIN_NAME': 'Default',
            'OS_REGION_NAME': REGION,
            'OS_INTERFACE': 'public',
        }

    def intercept(self, base_url):
        """Answer ``requests`` calls to ``base_url`` in-process (no
        socket); returns the interceptor, to ``uninstall_intercept()``."""
        # NOTE: imported here: wsgi-intercept is a test/sim dependency.
        from wsgi_intercept import interceptor
        intercept = interceptor.RequestsInterceptor(lambda: self,
                                                    url=base_url + '/')
        intercept.install_intercept()
        return intercept

    def client(self, base_url):
        """The /os-ha client as the CLIs get it: a keystoneauth password
        session against this identity service, Nova from its catalog."""
        from keystoneauth1 import loading
        from keystoneauth1 import session as ks_session

        from nova_ha_ext import client
        env = self.env(base_url)
        auth = loading.get_plugin_loader('password').load_from_options(
            auth_url=env['OS_AUTH_URL'], username=env['OS_USERNAME'],
            password=env['OS_PASSWORD'], project_name=env['OS_PROJECT_NAME'],
            user_domain_name=env['OS_USER_DOMAIN_NAME'],
            project_domain_name=env['OS_PROJECT_DOMAIN_NAME'])
        return client.Client(ks_session.Session(auth=auth),
                             interface=env['OS_INTERFACE'],
                             region_name=env['OS_REGION_NAME'])

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        if path == IDENTITY_PREFIX or path.startswith(IDENTITY_PREFIX + '/'):
            return self._identity(environ, start_response,
                                  path[len(IDENTITY_PREFIX):].rstrip('/'))
        if self.image_api and (path == image_api.PREFIX or path.startswith(
                image_api.PREFIX + '/')):
            return self.image_api(environ, start_response,
                                  path[len(image_api.PREFIX):],
                                  self._base_url(environ))
        # Who the caller is, as Keystone's middleware would have said.
        environ['HTTP_X_AUTH_USER'] = self.user
        environ['HTTP_X_AUTH_PROJECT_ID'] = self.project_id
        environ['HTTP_X_ROLES'] = ','.join(_ROLES)
        return self.nova_app(environ, start_response)

    # -- identity ------------------------------------------------------------

    def _base_url(self, environ):
        return '%s://%s' % (environ['wsgi.url_scheme'],
                            environ.get('HTTP_HOST') or '%s:%s' % (
                                environ['SERVER_NAME'],
                                environ['SERVER_PORT']))

    def _identity(self, environ, start_response, path):
        base = self._base_url(environ)
        method = environ['REQUEST_METHOD']
        if method == 'GET' and path in ('', '/v3'):
            version = {
                'id': 'v3.14', 'status': 'stable',
                'updated': '2020-04-07T00:00:00Z',
                'links': [{'rel': 'self',
                           'href': base + IDENTITY_PREFIX + '/v3/'}],
                'media-types': [{
                    'base': 'application/json',
                    'type': 'application/vnd.openstack.identity-v3+json'}],
            }
            if path == '':
                # Keystone's answer at its root: the versions it has.
                return _json(start_response, '300 Multiple Choices',
                             {'versions': {'values': [version]}})
            return _json(start_response, '200 OK', {'version': version})
        if method == 'POST' and path == '/v3/auth/tokens':
            return _json(start_response, '201 Created', self._token(base),
                         headers=[('X-Subject-Token', 'sim-token')])
        return _json(start_response, '404 Not Found', {'error': {
            'code': 404, 'title': 'Not Found',
            'message': 'nova-ha-sim answers only version discovery and '
                       'POST /v3/auth/tokens'}})

    def _token(self, base):
        now = datetime.datetime.now(datetime.timezone.utc)
        stamp = '%Y-%m-%dT%H:%M:%S.000000Z'
        domain = {'id': 'default', 'name': 'Default'}
        services = [('compute', 'nova', base + '/v2.1'),
                    ('identity', 'keystone', base + IDENTITY_PREFIX)]
        if self.image_api:
            services.append(('image', 'glance', base + image_api.PREFIX))
        catalog = [{'id': kind, 'type': kind, 'name': name, 'endpoints': [
            {'id': '%s-%s' % (kind, interface), 'interface': interface,
             'region': REGION, 'region_id': REGION, 'url': url}
            for interface in ('public', 'internal', 'admin')]}
            for kind, name, url in services]
        return {'token': {
            'methods': ['password'],
            'issued_at': now.strftime(stamp),
            'expires_at': (now + datetime.timedelta(hours=12)).strftime(
                stamp),
            'user': {'id': self.user, 'name': self.user, 'domain': domain},
            'project': {'id': self.project_id, 'name': 'sim',
                        'domain': domain},
            'roles': [{'id': role, 'name': role} for role in _ROLES],
            'catalog': catalog,
        }}


class _ThreadingServer(socketserver.ThreadingMixIn,
                       simple_server.WSGIServer):
    daemon_threads = True


class _QuietHandler(simple_server.WSGIRequestHandler):

    def log_message(self, format, *args):
        # The simulator prints its own summary; one line per request
        # would bury the command lines it shows.
        pass


def serve(app, host='127.0.0.1', port=0):
    """Serve ``app`` on ``host:port`` in a thread; returns the server.

    ``port`` 0 picks a free one (``server.server_port``); stop it with
    ``server.shutdown()``.
    """
    server = simple_server.make_server(host, port, app,
                                       server_class=_ThreadingServer,
                                       handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever,
                              name='nova-ha-sim-api', daemon=True)
    thread.start()
    return server
