"""Requests for one operation of doc/openapi.yaml, valid or mutated.

A valid request takes its path parameters, query parameters and body from
the document's schemas (path parameters often from the names and uuids
the world holds, so that requests reach past the 404). A mutated one is a
valid one with one thing made wrong: a required field dropped, an unknown
field or parameter added, a value of another type, a body that is no
object or no JSON, a repeated or junk parameter, a control character or an
extra segment in the path. ``target`` names the field or parameter a
mutation broke: a 400 must name it.
"""

import collections
import json
from urllib import parse

from hypothesis import strategies as st
import jsonschema

from nova_ha_ext.tests import schema_strategies

Request = collections.namedtuple(
    'Request', 'method path query raw mutation target')

# Values of every JSON type, and strings a parser or a database may choke on.
_JSON_POOL = [None, True, 0, -1, 1.5, 2 ** 64, '', 'x', '9' * 4301, '\n',
              '\ud800', [], [None], {}, {'x': 1}]
_QUERY_POOL = ['', '-1', 'x', '1.5', '9' * 4301, '\n', '\u00fc' * 300,
               '1e3', 'null', '%00']
_CONTROL = ['\n', '\r', '\x00', '\t', '\x7f']
_UNKNOWN_NAME = st.sampled_from(['colour', 'hots', 'forced', 'Forced_down',
                                 'retry_all', 'x'])


def _encode(value):
    return parse.quote(value, safe='')


def _valid_for(value, schema):
    return jsonschema.Draft202012Validator(schema).is_valid(value)


class RequestStrategies:
    """Strategies for the requests of the document's operations."""

    def __init__(self, document, known):
        """:param known: path parameter name -> values the world holds."""
        self.document = document
        self.known = known
        self.bodies = schema_strategies.Schemas(document)
        self.urls = schema_strategies.Schemas(
            document, text=schema_strategies.URL_TEXT)

    def operation(self, path, method):
        return self.document['paths'][path][method.lower()]

    def _path_values(self, path, operation):
        values = {}
        for param in operation.get('parameters', ()):
            if param['in'] != 'path':
                continue
            known = self.known.get(param['name'])
            # NOTE: no empty or dot segments: the client would drop them
            # or resolve them away before the API saw the request.
            generated = self.urls.values(param['schema']).filter(
                lambda value: value not in ('', '.', '..'))
            values[param['name']] = (
                st.sampled_from(known) | generated if known else generated)
        return st.fixed_dictionaries(values)

    def _query(self, operation):
        params = {param['name']: self.urls.values(param['schema']).map(str)
                  for param in operation.get('parameters', ())
                  if param['in'] == 'query'}
        return st.fixed_dictionaries({}, optional=params).map(
            lambda given: sorted(given.items()))

    def _body(self, operation):
        body = operation.get('requestBody')
        if body is None:
            return st.none()
        schema = body['content']['application/json']['schema']
        return self.bodies.values(schema)

    def requests(self, path, method):
        """Valid and mutated requests of ``method path``, half each."""
        operation = self.operation(path, method)
        valid = st.tuples(self._path_values(path, operation),
                          self._query(operation), self._body(operation))
        return st.tuples(valid, st.booleans(), st.data()).map(
            lambda drawn: self._build(path, method, operation, *drawn))

    def _build(self, path, method, operation, valid, mutate, data):
        params, query, body = valid
        mutation = target = None
        raw = None if body is None else json.dumps(body)
        segments = {name: _encode(value) for name, value in params.items()}
        suffix = ''
        if mutate:
            kinds = ['query-extra', 'path-control', 'path-extra']
            if query or any(p['in'] == 'query'
                            for p in operation.get('parameters', ())):
                kinds += ['query-junk', 'query-repeat']
            if body is not None:
                kinds += ['body-drop', 'body-extra', 'body-retype',
                          'body-replace', 'body-raw']
            mutation = data.draw(st.sampled_from(kinds), label='mutation')
            if mutation.startswith('body'):
                raw, target = self._mutate_body(operation, body, mutation,
                                                data)
            elif mutation.startswith('query'):
                query, target = self._mutate_query(operation, query,
                                                   mutation, data)
            elif mutation == 'path-control':
                char = _encode(data.draw(st.sampled_from(_CONTROL)))
                if segments:
                    name = data.draw(st.sampled_from(sorted(segments)))
                    segments[name] += char
                else:
                    suffix = char
            else:
                suffix = '/' + _encode(data.draw(
                    st.text(schema_strategies.URL_TEXT, min_size=1,
                            max_size=8), label='segment'))
        url = path.format(**segments) + suffix
        if query:
            url += '?' + parse.urlencode(query, quote_via=parse.quote)
        return Request(method, url, query, raw, mutation, target)

    def _mutate_query(self, operation, query, mutation, data):
        names = [p['name'] for p in operation.get('parameters', ())
                 if p['in'] == 'query']
        if mutation == 'query-extra':
            name = data.draw(_UNKNOWN_NAME.filter(
                lambda n: n not in names))
            return query + [(name, '1')], name
        name = data.draw(st.sampled_from(names))
        rest = [(k, v) for k, v in query if k != name]
        if mutation == 'query-repeat':
            return rest + [(name, '1'), (name, '2')], name
        return rest + [(name, data.draw(st.sampled_from(_QUERY_POOL)))], name

    def _objects(self, body, schema, at=()):
        """(path, object, its schema) of every object in ``body``."""
        schema = self.bodies.resolve(schema)
        if 'oneOf' in schema:
            schema = next(s for s in schema['oneOf'] if _valid_for(body, s))
        if not isinstance(body, dict):
            return []
        found = [(at, body, schema)]
        for key, value in body.items():
            found += self._objects(value, schema['properties'][key],
                                   at + (key,))
        return found

    def _mutate_body(self, operation, body, mutation, data):
        if mutation == 'body-replace':
            return json.dumps(data.draw(st.sampled_from(
                [v for v in _JSON_POOL if not isinstance(v, dict)] +
                [[body]]))), None
        if mutation == 'body-raw':
            return data.draw(st.sampled_from(
                ['', '{', 'retry', json.dumps(body)[:-1], '\x00{}'])), None
        schema = operation['requestBody']['content']['application/json'][
            'schema']
        objects = self._objects(body, schema)
        if mutation == 'body-drop':
            objects = [o for o in objects if o[2].get('required')]
        else:
            objects = [o for o in objects if o[1] or
                       mutation == 'body-extra']
        at, obj, obj_schema = data.draw(st.sampled_from(objects))
        if mutation == 'body-drop':
            target = data.draw(st.sampled_from(obj_schema['required']))
            del obj[target]
        elif mutation == 'body-extra':
            target = data.draw(_UNKNOWN_NAME.filter(lambda n: n not in obj))
            obj[target] = data.draw(st.sampled_from(_JSON_POOL))
        else:
            target = data.draw(st.sampled_from(sorted(obj)))
            field = obj_schema['properties'][target]
            obj[target] = data.draw(st.sampled_from(
                [v for v in _JSON_POOL if not _valid_for(v, field)]))
        return json.dumps(body), target
