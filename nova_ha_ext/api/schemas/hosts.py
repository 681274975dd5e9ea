"""JSON schemas of /os-ha/hosts."""

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
