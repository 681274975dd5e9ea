"""JSON schemas of /os-ha/hosts."""

from nova_ha_ext.api.schemas import evacuations
from nova_ha_ext.objects import fields

index_query = {
    'type': 'object',
    'properties': {},
    # NOTE: reject unknown query parameters (as Nova does from 2.102) so a
    # typo such as ?hots=... is an error rather than a silent full listing.
    'additionalProperties': False,
}

_host = {
    'type': 'object',
    'properties': {
        'host': {'type': 'string'},
        'state': {'type': 'string', 'enum': ['up', 'down']},
        'forced_down': {'type': 'boolean'},
        'disabled': {'type': 'boolean'},
        'disabled_reason': {'type': ['string', 'null']},
        'evacuation_uuid': {'type': ['string', 'null'], 'format': 'uuid'},
    },
    'required': ['host', 'state', 'forced_down', 'disabled',
                 'disabled_reason', 'evacuation_uuid'],
    'additionalProperties': False,
}

index_response = {
    'type': 'object',
    'properties': {
        'hosts': {'type': 'array', 'items': _host},
    },
    'required': ['hosts'],
    'additionalProperties': False,
}

_force_down = {
    'type': 'object',
    'properties': {
        'forced_down': {'const': True},
        'fenced': {'type': 'boolean'},
        'reason': {'type': 'string', 'minLength': 1, 'maxLength': 200},
        'evacuate': {'type': 'string',
                     'enum': list(fields.EvacuationSelection.ALL)},
        'force': {'type': 'boolean'},
    },
    'required': ['forced_down'],
    'additionalProperties': False,
}

# The only field of a force-up body (the controller refuses any other with
# a message saying so).
FORCE_UP_FIELDS = ('forced_down',)

_force_up = {
    'type': 'object',
    'properties': {'forced_down': {'const': False}},
    'required': list(FORCE_UP_FIELDS),
    'additionalProperties': False,
}


def _body(host):
    return {
        'type': 'object',
        'properties': {'host': host},
        'required': ['host'],
        'additionalProperties': False,
    }


#: The two request bodies of PUT /os-ha/hosts/{host}, as the API reference
#: and doc/openapi.yaml show them.
force_down = _body(_force_down)
force_up = _body(_force_up)

# NOTE: what the route validates is the union of the two, so that Nova's
# validator names the offending field ("'yes' is not of type 'boolean'");
# a oneOf would only say that neither alternative matched. The controller
# then holds a force-up to force_up's single field.
update = _body(dict(
    _force_down,
    properties=dict(_force_down['properties'],
                    forced_down={'type': 'boolean'})))

update_response = {
    'type': 'object',
    'properties': {
        'host': {
            'type': 'object',
            'properties': dict(
                {key: value for key, value in _host['properties'].items()
                 if key != 'evacuation_uuid'},
                evacuation={'oneOf': [evacuations.evacuation_summary,
                                      {'type': 'null'}]}),
            'required': ['host', 'state', 'forced_down', 'disabled',
                         'disabled_reason', 'evacuation'],
            'additionalProperties': False,
        },
    },
    'required': ['host'],
    'additionalProperties': False,
}
