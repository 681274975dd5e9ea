"""The fuzz tier's world and the properties every answer must have.

One Nova control plane per test (Nova's fixtures are per test), with
three compute hosts, a tagged server on host1, host1 fenced and forced
down through the API, then ``EXAMPLES`` requests of one operation. The
casts to the HA conductor are recorded, not delivered: no worker runs, so
nothing moves under the fuzzer's feet (the evacuation stays pending). For
each answer:

- no 5xx;
- its status is one doc/openapi.yaml documents for the operation the
  path reaches (the catch-all's 404 for any other path);
- a 2xx body matches the documented response schema;
- a 4xx body is Nova's fault (``{"badRequest": {"code": 400, "message":
  ...}}``) whose message says what is wrong -- not one of the generic
  texts, and naming the field or parameter a mutation broke on a 400;
- after a 4xx, Nova's services, the extension's records, the
  notifications sent and the casts made are as they were before.
"""

import os
import re
from urllib import parse

import fixtures
from hypothesis import HealthCheck
from hypothesis import settings
import jsonschema
import sqlalchemy
import yaml

from nova import objects

from nova_ha_ext.api import openapi
from nova_ha_ext.db import models
from nova_ha_ext.tests.functional.fuzz import requests
from nova_ha_ext.tests.functional import base

DOCUMENT = os.path.join(os.path.dirname(os.path.abspath(openapi.__file__)),
                        '..', '..', 'doc', 'openapi.yaml')
#: Examples per operation; NOVA_HA_FUZZ_EXAMPLES runs more (or fewer).
EXAMPLES = int(os.environ.get('NOVA_HA_FUZZ_EXAMPLES', 200))
# NOTE: derandomized (the seed comes from the test's name) so CI runs the
# same examples every time; NOVA_HA_FUZZ_RANDOM=1 draws new ones.
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, database=None,
    derandomize=not os.environ.get('NOVA_HA_FUZZ_RANDOM'),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much])
# Messages that name no problem (Nova's defaults before issue 13).
_GENERIC = re.compile(r'^(Malformed request body|The resource could not be '
                      r'found\.|There is no such action.*)$')
_CONTROL = re.compile(r'[\x00-\x1f\x7f]')
_TABLES = (models.HostEvacuation.__table__,
           models.InstanceEvacuation.__table__)

with open(DOCUMENT) as _f:
    _DOC = yaml.safe_load(_f)


def _template(path):
    return re.compile('^%s$' % re.sub(r'\\\{[^}]*\\\}', '[^/]+',
                                      re.escape(path)))


_TEMPLATES = [(_template(path), path) for path in _DOC['paths']
              if path != openapi._CATCH_ALL]


def reached(method, url):
    """The documented operation ``method url`` reaches, as the router
    would route it: ``(path template, operation)``."""
    path = parse.unquote(parse.urlsplit(url).path)
    if not _CONTROL.search(path):
        for pattern, template in _TEMPLATES:
            operation = _DOC['paths'][template].get(method.lower())
            if operation and pattern.match(path):
                return template, operation
    return openapi._CATCH_ALL, _DOC['paths'][openapi._CATCH_ALL][
        method.lower()]


class FuzzTestBase(base.HAFunctionalTestBase):

    HOSTS = ('host1', 'host2', 'host3')

    def setUp(self):
        super().setUp()
        self.casts = []
        self.useFixture(fixtures.MockPatch(
            'nova_ha_ext.conductor.rpcapi.HAConductorAPI.start_evacuation',
            side_effect=lambda context, task: self.casts.append(task.uuid)))
        for host in self.HOSTS:
            self._start_compute(host)
        server = self._build_server(name='vm', networks='none',
                                    az='nova:host1')
        server['tags'] = ['automatic-recovery']
        self._wait_for_state_change(
            self.admin_api.post_server({'server': server}), 'ACTIVE')
        self.computes['host1'].stop()
        self.evacuation = self.admin_api.api_put(
            '/os-ha/hosts/host1', {'host': {'forced_down': True,
                                            'fenced': True}}
        ).body['host']['evacuation']['uuid']
        self.strategies = requests.RequestStrategies(_DOC, {
            'host': list(self.HOSTS) + ['nohost'],
            'uuid': [self.evacuation],
            'path': ['nodes', 'hosts', 'evacuations', 'hosts%2Fhost2'],
        })
        self.answers = {}
        self.known_state = self._state()

    def _state(self):
        services = sorted(
            (s.host, s.binary, s.disabled, s.disabled_reason, s.forced_down)
            for s in objects.ServiceList.get_all(self.ctxt))
        with self.ha_db.engine.connect() as connection:
            records = [list(connection.execute(
                sqlalchemy.select(table).order_by(table.c.id)))
                for table in _TABLES]
        notifications = [n['event_type'] for n in
                         self.notifier.versioned_notifications
                         if n['event_type'].startswith('ha.')]
        return services, records, notifications, list(self.casts)

    def check(self, request):
        """Send ``request`` and assert the properties of its answer."""
        status, body = self._request(request.method, request.path,
                                     raw=request.raw)
        # NOTE: one snapshot per example: the state before this request is
        # the one after the previous (nothing else runs in this world).
        before, self.known_state = self.known_state, self._state()
        self.answers[status] = self.answers.get(status, 0) + 1
        context = '%s %s %r -> %s %s' % (request.method, request.path,
                                         request.raw, status, body)
        self.assertLess(status, 500, context)
        template, operation = reached(request.method, request.path)
        self.assertIn(str(status), operation['responses'],
                      '%s: undocumented for %s' % (context, template))
        documented = operation['responses'][str(status)]
        if status < 400:
            schema = documented['content']['application/json']['schema']
            jsonschema.validate(body, dict(schema,
                                           components=_DOC['components']))
            return
        fault = documented['$ref'].rsplit('/', 1)[1]
        self.assertEqual([fault], list(body or {}), context)
        self.assertEqual(status, body[fault]['code'], context)
        message = body[fault]['message']
        self.assertFalse(_GENERIC.match(message), context)
        if status == 400 and request.target:
            self.assertIn(request.target, message, context)
        self.assertEqual(before, self.known_state,
                         '%s changed something' % context)

    def assertAnswered(self, *statuses):
        """The examples reached past the first checks: each of
        ``statuses`` was answered at least once."""
        for status in statuses:
            self.assertIn(status, self.answers, self.answers)
