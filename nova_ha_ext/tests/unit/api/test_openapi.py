"""doc/openapi.yaml is what the controllers validate and answer."""

import os

from hypothesis import given
from hypothesis import settings
import jsonschema
from nova.api.validation import validators
from nova import test
import yaml

from nova_ha_ext.api import openapi
from nova_ha_ext.api import router
from nova_ha_ext.api.schemas import hosts as hosts_schema
from nova_ha_ext.tests import schema_strategies

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))))
DOCUMENT = os.path.join(REPO, 'doc', 'openapi.yaml')


def _route_schema(path, method):
    for route_path, methods in router.ROUTES:
        if route_path == path:
            create, action = methods[method]
            func = getattr(create().controller, action)
            return func.request_body_schemas._schemas[0][0]
    raise LookupError(path)


class DocumentTest(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        with open(DOCUMENT) as f:
            self.committed = f.read()
        self.doc = yaml.safe_load(self.committed)

    def test_committed_document_is_up_to_date(self):
        self.assertEqual(openapi.dump(), self.committed,
                         'doc/openapi.yaml is stale: run "tox -e genopenapi"')

    def test_every_route_and_policy_rule_is_documented(self):
        operations = {(path, method)
                      for path, methods in self.doc['paths'].items()
                      for method in methods}
        routed = sum(len(methods) for _path, methods in router.ROUTES)
        # /os-ha itself is the catch-all too: documented with /os-ha/{path}.
        self.assertEqual(routed - 5, len(operations))
        rules = {rule for methods in self.doc['paths'].values()
                 for operation in methods.values()
                 for rule in operation.get('x-openstack-policy', [])}
        self.assertEqual(7, len(rules))

    def test_schemas_are_valid_json_schema(self):
        checked = 0

        def walk(node):
            nonlocal checked
            if isinstance(node, dict):
                if 'schema' in node and isinstance(node['schema'], dict):
                    jsonschema.Draft202012Validator.check_schema(
                        node['schema'])
                    checked += 1
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.doc['paths'])
        for schema in self.doc['components']['schemas'].values():
            jsonschema.Draft202012Validator.check_schema(schema)
        self.assertGreaterEqual(checked, 20)

    def test_error_bodies_are_nova_faults(self):
        schema = self.doc['components']['schemas']['badRequest']
        jsonschema.validate(
            {'badRequest': {'code': 400, 'message': 'limit must be an '
                                                    'integer'}}, schema)
        self.assertRaises(jsonschema.ValidationError, jsonschema.validate,
                          {'badRequest': {'code': 400}}, schema)


class RefinedBodiesTest(test.NoDBTestCase):
    """The documented force-down and force-up bodies are what the route
    validates: each narrows its schema, together they cover its fields."""

    route = _route_schema('/os-ha/hosts/{id}', 'PUT')

    def test_fields_are_the_route_fields(self):
        fields = set(self.route['properties']['host']['properties'])
        documented = set()
        for body in (hosts_schema.force_down, hosts_schema.force_up):
            documented |= set(body['properties']['host']['properties'])
        self.assertEqual(fields, documented)
        self.assertEqual(set(hosts_schema.FORCE_UP_FIELDS),
                         set(hosts_schema.force_up['properties']['host'][
                             'properties']))

    @settings(max_examples=60, deadline=None, database=None,
              derandomize=True)
    @given(schema_strategies.Schemas({}).values(
        {'oneOf': [hosts_schema.force_down, hosts_schema.force_up]}))
    def test_documented_bodies_pass_the_route_schema(self, body):
        # Raises ValidationError (a 400) if the route refused it.
        validators._SchemaValidator(self.route, is_body=True).validate(body)
