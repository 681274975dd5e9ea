"""The OpenAPI 3.1 document of /v2.1/os-ha, built from the code.

Everything a route validates or answers is read from where the API itself
takes it, so ``doc/openapi.yaml`` cannot drift from the controllers:

- paths, methods and controller methods from :data:`router.ROUTES`;
- query, body and response schemas from the controllers' ``validation``
  decorators (the very dicts Nova's validator checks against);
- success codes from ``wsgi.response``, error codes from the
  ``wsgi.expected_errors`` of each method (plus 400 where a schema
  validates and 403 where a policy rule applies);
- path parameter names and policy rules from the policy defaults'
  documented operations.

What the code cannot say is kept below in :data:`_REFINED` (the two bodies
of ``PUT /os-ha/hosts/{host}``, which the route validates as their union;
a unit test checks each against the route's schema) and in the
descriptions. ``python -m nova_ha_ext.api.openapi`` (``tox -e genopenapi``)
rewrites the document; a unit test fails while the committed one differs.
"""

import argparse
import copy
import inspect
import json
import re
import sys

import yaml

from nova_ha_ext.api import router
from nova_ha_ext.api.schemas import hosts as hosts_schema
from nova_ha_ext import policies

TITLE = 'nova-ha-ext instance high availability API (/v2.1/os-ha)'
_FAULTS = {
    400: ('badRequest', 'The request is wrong; the message names what to '
                        'fix.'),
    403: ('forbidden', 'The policy rule named in the message does not '
                       'allow the caller.'),
    404: ('itemNotFound', 'No such host, evacuation, route or method; the '
                          'message says which.'),
    409: ('conflictingRequest', 'The request conflicts with the current '
                                'state; the message says what to wait for '
                                'or do first.'),
}
_PATH_PARAMETERS = {
    'host': {
        'description': 'The nova-compute service host, as GET /os-ha/hosts '
                       'lists it (no control characters).',
        'schema': {'type': 'string', 'minLength': 1},
    },
    'uuid': {
        'description': 'The uuid of a host evacuation.',
        'schema': {'type': 'string', 'format': 'uuid'},
    },
}
#: What a route validates as one schema but takes in distinct forms.
_REFINED = {
    ('PUT', '/os-ha/hosts/{id}'): {
        'bodies': [('force-down', hosts_schema.force_down),
                   ('force-up', hosts_schema.force_up)],
        # 202 when the call opened the host failure, 200 for a repeat and
        # for a force-up.
        'success': [200, 202],
    },
}
_CATCH_ALL = '/os-ha/{path}'


def _policy_operations():
    """``(method, path) -> [rule names]`` from the policy defaults."""
    found = {}
    for rule in policies.list_rules():
        for operation in rule.operations:
            path = operation['path'].split(' ')[0]
            found.setdefault((operation['method'], path), []).append(
                rule.name)
    return found


def _doc_path(route_path, method, rules):
    """The route's path with the parameter names its policy rules use."""
    pattern = re.compile('^%s$' % re.sub(
        r'\\\{[^}]*\\\}', r'\{([^}]+)\}', re.escape(route_path)))
    for rule_method, rule_path in rules:
        if rule_method == method and pattern.match(rule_path):
            return rule_path
    raise LookupError('no policy rule documents %s %s' % (method,
                                                          route_path))


def _schemas(func, attr):
    holder = getattr(func, attr, None)
    return [schema for schema, _min, _max in holder._schemas] if holder \
        else []


def _error_codes(func):
    # NOTE: expected_errors keeps its codes in the wrapper's closure only.
    codes = inspect.getclosurevars(func).nonlocals.get('errors', ())
    return [codes] if isinstance(codes, int) else list(codes)


def _success_codes(func):
    codes = getattr(func, 'wsgi_codes', None)
    return [code for code, _min, _max in codes._codes] if codes else [200]


def _one_of(schemas):
    unique = []
    for schema in schemas:
        if schema not in unique:
            unique.append(schema)
    return unique[0] if len(unique) == 1 else {'oneOf': unique}


def _query_parameters(query_schemas):
    parameters = []
    for schema in query_schemas:
        for name, param in schema.get('properties', {}).items():
            single = param.get('maxItems') == 1
            parameters.append({
                'name': name, 'in': 'query', 'required': False,
                'description': 'At most once (a repeat is a 400).' if single
                               else 'May be repeated.',
                'schema': param['items'] if single else param,
            })
    return parameters


def _json(schema, description):
    return {'description': description,
            'content': {'application/json': {'schema': schema}}}


def _operation(path, method, functions, rules, refined, components):
    first = functions[0]
    query = [s for func in functions
             for s in _schemas(func, 'request_query_schemas')]
    bodies = refined.get('bodies') or [
        (getattr(func, 'wsgi_action', None), s) for func in functions
        for s in _schemas(func, 'request_body_schemas')]
    codes = set(refined.get('success') or [
        code for func in functions for code in _success_codes(func)])
    errors = {code for func in functions for code in _error_codes(func)}
    errors.add(403)
    if query or bodies:
        errors.add(400)
    doc = inspect.getdoc(first) if len(functions) == 1 else None
    summary = (doc or 'One of the actions %s.' % ', '.join(
        sorted(func.wsgi_action for func in functions))).splitlines()[0]
    controller = first.__qualname__.split('.')[0]
    operation_id = '%s.%s' % (
        controller, 'action' if len(functions) > 1 else first.__name__)
    operation = {
        'operationId': operation_id,
        'summary': summary,
        'x-openstack-policy': rules,
    }
    parameters = [dict({'name': name, 'in': 'path', 'required': True},
                       **copy.deepcopy(_PATH_PARAMETERS[name]))
                  for name in re.findall(r'\{([^}]+)\}', path)]
    parameters += _query_parameters(query)
    operation['parameters'] = parameters
    if bodies:
        operation['requestBody'] = {
            'required': True,
            'description': ' | '.join(name for name, _ in bodies if name),
            'content': {'application/json': {
                'schema': _one_of([schema for _, schema in bodies])}},
        }
    responses = {}
    # NOTE: a component, so that 200 and 202 share one copy.
    name = operation_id + '.response'
    components[name] = _one_of([s for func in functions for s in _schemas(
        func, 'response_body_schemas')])
    for code in sorted(codes):
        responses[str(code)] = _json(
            {'$ref': '#/components/schemas/%s' % name}, 'Success.')
    for code in sorted(errors):
        responses[str(code)] = {
            '$ref': '#/components/responses/%s' % _FAULTS[code][0]}
    operation['responses'] = responses
    return operation


def _methods(resource, action):
    if action == 'action':
        return [resource.wsgi_actions[name]
                for name in sorted(resource.wsgi_actions)]
    return [getattr(resource.controller, action)]


def _fault_components():
    schemas, responses = {}, {}
    for code, (name, description) in sorted(_FAULTS.items()):
        schemas[name] = {
            'type': 'object',
            'properties': {name: {
                'type': 'object',
                'properties': {'code': {'const': code},
                               'message': {'type': 'string',
                                           'minLength': 1}},
                'required': ['code', 'message'],
            }},
            'required': [name],
            'additionalProperties': False,
        }
        responses[name] = _json({'$ref': '#/components/schemas/%s' % name},
                                description)
    return schemas, responses


def document():
    """The OpenAPI document as a dict (JSON types only)."""
    rules = _policy_operations()
    fault_schemas, fault_responses = _fault_components()
    schemas = {}
    paths = {}
    catch_all_methods = []
    for route_path, methods in router.ROUTES:
        for method, (create, action) in methods.items():
            if action == 'unknown':
                if route_path.startswith('/os-ha/{path'):
                    catch_all_methods.append(method)
                continue
            path = _doc_path(route_path, method, rules)
            functions = _methods(create(), action)
            paths.setdefault(path, {})[method.lower()] = _operation(
                path, method, functions, rules[(method, path)],
                _REFINED.get((method, route_path), {}), schemas)
    paths[_CATCH_ALL] = {method.lower(): {
        'operationId': 'UnknownController.unknown.%s' % method.lower(),
        'summary': 'Any other path or method below /os-ha.',
        'description': 'path may span several segments. Answers 404 with '
                       'a message listing the supported routes; a path '
                       'holding a control character (e.g. %0A) answers '
                       'the same, naming it.',
        'parameters': [{'name': 'path', 'in': 'path', 'required': True,
                        'schema': {'type': 'string'}}],
        'responses': {'404': {
            '$ref': '#/components/responses/itemNotFound'}},
    } for method in catch_all_methods}
    doc = {
        'openapi': '3.1.0',
        'info': {
            'title': TITLE,
            'version': '2.1',
            'description': (
                'Routes of nova-ha-ext served by Nova\'s own v2.1 router '
                '(also under /v2.1/{project_id}/os-ha); the same at every '
                'compute microversion. Admin-only by default; '
                'x-openstack-policy names the rules (see '
                'doc/api-ref.md for what each call does and who may make '
                'it). Generated from the controllers by '
                'nova_ha_ext.api.openapi: do not edit by hand.'),
        },
        'servers': [{'url': '{endpoint}/v2.1', 'variables': {
            'endpoint': {'default': 'http://localhost:8774',
                         'description': 'Nova\'s compute endpoint.'}}}],
        'security': [{'keystone': []}],
        'paths': paths,
        'components': {
            'securitySchemes': {'keystone': {
                'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token'}},
            'schemas': dict(schemas, **fault_schemas),
            'responses': fault_responses,
        },
    }
    # NOTE: through JSON so that tuples in schemas become lists.
    return json.loads(json.dumps(doc))


def dump(doc=None):
    return yaml.safe_dump(doc or document(), sort_keys=False, width=79,
                          allow_unicode=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--output-file', default='-',
                        help='where to write the YAML (default: stdout)')
    args = parser.parse_args(argv)
    text = dump()
    if args.output_file == '-':
        sys.stdout.write(text)
    else:
        with open(args.output_file, 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()
