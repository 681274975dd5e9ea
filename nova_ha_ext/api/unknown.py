"""Answer unknown /os-ha paths with Nova's fault body and a hint.

Without this, a mistyped path falls through Nova's router to a bare webob
404 page; an operator scripting against the API gets a JSON fault naming
the routes that do exist instead.
"""

import re

import webob

from nova.api.openstack import wsgi
from nova.api import validation

# /os-ha and below, with or without the legacy project id in front.
_CONTROL_CHARS = r'\x00-\x1f\x7f'
_CONTROL = re.compile('[%s]' % _CONTROL_CHARS)
_OS_HA = re.compile(
    r'^(?:/[0-9a-f-]+)?/os-ha(?P<rest>[/%s][\s\S]*)?\Z' % _CONTROL_CHARS)


def _escaped(path):
    return _CONTROL.sub(lambda match: '%%%02X' % ord(match.group()), path)


def unroutable(path):
    """The part after /os-ha/ of an /os-ha path with a control character.

    None for any other path: those are routed as usual.
    """
    match = _OS_HA.match(path)
    if match is None or not _CONTROL.search(path):
        return None
    rest = match.group('rest') or ''
    return rest[1:] if rest.startswith('/') else rest


_response = {
    'type': 'object', 'properties': {}, 'additionalProperties': False,
}


@validation.validated
class UnknownController(wsgi.Controller):
    """Catch-all for /os-ha paths that no route of the extension matches."""

    def __init__(self, known_routes):
        super().__init__()
        self.known_routes = known_routes

    # NOTE: no query or body schema (and CatchAllResource reads no body):
    # whatever was sent, the answer is the same 404; validating it first
    # could only turn that into a 400.
    @wsgi.expected_errors(404)
    @validation.response_body_schema(_response)
    def unknown(self, req, path=""):
        hint = ''
        if _CONTROL.search(path):
            # NOTE: shown percent-encoded: the raw character would break
            # the message (and a log line) where it stands.
            hint = (' The path holds a control character (%s), which no '
                    'route, host name or uuid has: remove it.' %
                    ', '.join(sorted(set(map(_escaped,
                                             _CONTROL.findall(path))))))
        raise webob.exc.HTTPNotFound(explanation=(
            'The nova-ha-ext API has no resource or method "%(method)s '
            '/os-ha%(path)s".%(hint)s Supported: %(routes)s.' % {
                'method': req.method,
                'path': '/' + _escaped(path) if path else '',
                'hint': hint, 'routes': '; '.join(self.known_routes)}))
