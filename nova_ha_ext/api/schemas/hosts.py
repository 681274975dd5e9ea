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

update = {
    'type': 'object',
    'properties': {
        'host': {
            'type': 'object',
            'properties': {
                'forced_down': {'type': 'boolean'},
                'fenced': {'type': 'boolean'},
                'reason': {'type': 'string', 'minLength': 1,
                           'maxLength': 200},
                'evacuate': {'type': 'string',
                             'enum': list(fields.EvacuationSelection.ALL)},
                'force': {'type': 'boolean'},
            },
            'required': ['forced_down'],
            'additionalProperties': False,
        },
    },
    'required': ['host'],
    'additionalProperties': False,
}

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
