"""Nova's ``wsgi.Resource``, saying what is wrong with a request body.

``POST .../action`` picks the controller method from the body's single
key (``wsgi.action``). Nova's Resource answers a body that names no known
action with a bare 404 (``[]``, ``1``, ``null``, ``"r"``) or a 400
"Malformed request body" (``{}``, two actions, an unknown key), and any
body that is not JSON with that same "Malformed request body", which
tells a caller neither the problem nor what to send. This Resource looks
at the body first and refuses it with a message naming both; any other
request goes on to Nova's dispatch unchanged.
"""

from nova.api.openstack import wsgi
from oslo_serialization import jsonutils
import webob

_JSON_TYPES = (
    (bool, 'a boolean'), (dict, 'an object'), (list, 'an array'),
    (str, 'a string'), ((int, float), 'a number'), (type(None), 'null'),
)


def _json_type(value):
    return next(name for types, name in _JSON_TYPES
                if isinstance(value, types))


def action_body_problem(body, actions):
    """What is wrong with ``body`` as a request for one of ``actions``.

    :param body: the raw request body (bytes)
    :param actions: the action names the resource offers
    :returns: a message saying what to fix, or None for a body naming
        exactly one known action
    """
    actions = sorted(actions)
    send = 'Send one of %s.' % ', '.join(
        '{"%s": null}' % action for action in actions)
    if not body:
        return 'The action request has no body. %s' % send
    try:
        decoded = jsonutils.loads(body)
    except ValueError:
        return 'The action request body is not JSON. %s' % send
    if not isinstance(decoded, dict):
        return ('The action request body is %s; it must be an object whose '
                'one key names the action. %s' % (_json_type(decoded), send))
    unknown = sorted(set(decoded) - set(actions))
    if unknown:
        return ('%s %s not an action of this resource (the actions are '
                '%s). %s' % (', '.join('"%s"' % key for key in unknown),
                             'is' if len(unknown) == 1 else 'are',
                             ', '.join(actions), send))
    if not decoded:
        return 'The action request body names no action. %s' % send
    if len(decoded) > 1:
        return ('The action request body names %d actions (%s); a request '
                'makes exactly one. %s' % (
                    len(decoded), ', '.join(sorted(decoded)), send))
    return None


def json_body_problem(body):
    """Why ``body`` (bytes) is not JSON, or None if it is (or is empty:
    the schema then names what is missing)."""
    if not body:
        return None
    try:
        jsonutils.loads(body)
    except ValueError as error:
        return ('The request body is not JSON (%s). Send a JSON object as '
                'doc/api-ref.md shows for this call.' % error)
    return None


class Resource(wsgi.Resource):
    """A Resource that refuses bodies it cannot dispatch, saying why."""

    def get_method(self, request, action, content_type, body):
        if action == 'action' and self.wsgi_actions:
            problem = action_body_problem(body, self.wsgi_actions)
        elif self._should_have_body(request):
            problem = json_body_problem(body)
        else:
            problem = None
        if problem:
            # NOTE: a Fault is a webob HTTPException: the wsgify decorator
            # of Resource.__call__ answers with it, as Nova's fault body.
            raise wsgi.Fault(webob.exc.HTTPBadRequest(explanation=problem))
        return super().get_method(request, action, content_type, body)


class CatchAllResource(wsgi.Resource):
    """Nova's Resource, never reading the body.

    What is not a route is a 404 whatever was sent with it; Nova's Resource
    would refuse a body that is not JSON first (a 400 for a path that does
    not exist).
    """

    def _get_request_content(self, body, request):
        return {}
