"""Hypothesis strategies for the values a JSON schema of doc/openapi.yaml
accepts.

The API's schemas use a small part of JSON Schema; this covers exactly
that part and refuses any other keyword, so that a schema change the
strategies cannot follow fails the tests instead of going unfuzzed.
"""

from hypothesis import strategies as st

# Keywords that only describe, or that the strategies below honour.
_KNOWN = {
    '$ref', 'oneOf', 'const', 'enum', 'type', 'properties', 'required',
    'additionalProperties', 'items', 'minItems', 'maxItems', 'minLength',
    'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'description',
}
# Text a JSON body may carry: any code point, lone surrogates included
# (valid JSON escapes that no UTF-8 text holds; the API must refuse them
# cleanly). Query strings and paths are UTF-8: no surrogates there.
JSON_TEXT = st.characters()
URL_TEXT = st.characters(codec='utf-8')


class Schemas:
    """Strategies for the schemas of one OpenAPI document."""

    def __init__(self, document, text=JSON_TEXT):
        self.document = document
        self.text = text

    def resolve(self, schema):
        while '$ref' in schema:
            node = self.document
            for part in schema['$ref'].lstrip('#/').split('/'):
                node = node[part]
            schema = node
        return schema

    def values(self, schema):
        """A strategy for the values ``schema`` accepts."""
        schema = self.resolve(schema)
        unknown = set(schema) - _KNOWN
        if unknown:
            raise ValueError('no strategy for JSON schema keywords %s' %
                             sorted(unknown))
        if 'oneOf' in schema:
            return st.one_of([self.values(s) for s in schema['oneOf']])
        if 'const' in schema:
            return st.just(schema['const'])
        if 'enum' in schema:
            return st.sampled_from(schema['enum'])
        types = schema.get('type', ['null', 'boolean', 'integer', 'string'])
        if isinstance(types, str):
            types = [types]
        return st.one_of([self._typed(kind, schema) for kind in types])

    def _typed(self, kind, schema):
        if kind == 'object':
            return self._object(schema)
        if kind == 'array':
            return st.lists(self.values(schema.get('items', {})),
                            min_size=schema.get('minItems', 0),
                            max_size=schema.get('maxItems', 3))
        if kind == 'string':
            return self._string(schema)
        if kind == 'integer':
            return st.integers(min_value=schema.get('minimum'),
                               max_value=schema.get('maximum'))
        if kind == 'number':
            return st.floats(min_value=schema.get('minimum'),
                             allow_nan=False, allow_infinity=False)
        if kind == 'boolean':
            return st.booleans()
        if kind == 'null':
            return st.none()
        raise ValueError('no strategy for JSON type %r' % kind)

    def _string(self, schema):
        low = schema.get('minLength', 0)
        high = schema.get('maxLength', max(low, 40))
        fmt = schema.get('format')
        if fmt == 'uuid':
            return st.uuids().map(str)
        if fmt == 'date-time':
            return st.datetimes().map(
                lambda value: value.strftime('%Y-%m-%dT%H:%M:%SZ'))
        if 'pattern' in schema:
            return st.from_regex(schema['pattern'], fullmatch=True).filter(
                lambda value: low <= len(value) <= high)
        return st.text(self.text, min_size=low, max_size=high)

    def _object(self, schema):
        properties = schema.get('properties', {})
        required = set(schema.get('required', ()))
        return st.fixed_dictionaries(
            {name: self.values(properties[name]) for name in required},
            optional={name: self.values(value)
                      for name, value in properties.items()
                      if name not in required})
