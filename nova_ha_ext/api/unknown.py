"""Answer unknown /os-ha paths with Nova's fault body and a hint.

Without this, a mistyped path falls through Nova's router to a bare webob
404 page; an operator scripting against the API gets a JSON fault naming
the routes that do exist instead.
"""

import webob

from nova.api.openstack import wsgi
from nova.api import validation

_response = {
    'type': 'object', 'properties': {}, 'additionalProperties': False,
}


@validation.validated
class UnknownController(wsgi.Controller):
    """Catch-all for /os-ha paths that no route of the extension matches."""

    def __init__(self, known_routes):
        super().__init__()
        self.known_routes = known_routes

    # NOTE: no query or body schema: whatever was sent, the answer is the
    # same 404; validating it first could only turn that into a 400.
    @wsgi.expected_errors(404)
    @validation.response_body_schema(_response)
    def unknown(self, req, path="", body=None):
        raise webob.exc.HTTPNotFound(explanation=(
            'The nova-ha-ext API has no resource or method "%(method)s '
            '/os-ha/%(path)s". Supported: %(routes)s.' % {
                'method': req.method, 'path': path,
                'routes': '; '.join(self.known_routes)}))
