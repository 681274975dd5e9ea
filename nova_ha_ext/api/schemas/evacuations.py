"""JSON schemas of /os-ha/evacuations."""

from nova.api.validation import parameter_types

from nova_ha_ext.objects import fields

index_query = {
    'type': 'object',
    'properties': {
        'host': parameter_types.single_param(
            {'type': 'string', 'minLength': 1, 'maxLength': 255}),
        'status': parameter_types.single_param(
            {'type': 'string',
             'enum': list(fields.HostEvacuationStatus.ALL)}),
        'limit': parameter_types.single_param(
            parameter_types.non_negative_integer),
        'marker': parameter_types.single_param(
            {'type': 'string', 'format': 'uuid'}),
    },
    'additionalProperties': False,
}

show_query = {
    'type': 'object',
    'properties': {},
    'additionalProperties': False,
}

retry = {
    'type': 'object',
    'properties': {'retry': {'type': 'null'}},
    'required': ['retry'],
    'additionalProperties': False,
}

cancel = {
    'type': 'object',
    'properties': {'cancel': {'type': 'null'}},
    'required': ['cancel'],
    'additionalProperties': False,
}

_nullable_string = {'type': ['string', 'null']}
_timestamp = {'type': ['string', 'null'], 'format': 'date-time'}

evacuation_summary = {
    'type': 'object',
    'properties': {
        'uuid': {'type': 'string', 'format': 'uuid'},
        'host': {'type': 'string'},
        'status': {'type': 'string',
                   'enum': list(fields.HostEvacuationStatus.ALL)},
        'selection': {'type': 'string',
                      'enum': list(fields.EvacuationSelection.ALL)},
        'fenced': {'type': 'boolean'},
        'reason': _nullable_string,
        'withheld_reason': _nullable_string,
        'requested_by': _nullable_string,
        'counts': {
            'type': 'object',
            'properties': {
                name: {'type': 'integer', 'minimum': 0}
                for name in ('total', 'remaining', 'succeeded', 'failed',
                             'skipped', 'cancelled')},
            'required': ['total', 'remaining', 'succeeded', 'failed',
                         'skipped', 'cancelled'],
            'additionalProperties': False,
        },
        'created_at': _timestamp,
        'updated_at': _timestamp,
        'started_at': _timestamp,
        'finished_at': _timestamp,
        'closed_at': _timestamp,
        'closed_reason': _nullable_string,
    },
    'required': ['uuid', 'host', 'status', 'selection', 'fenced', 'reason',
                 'withheld_reason', 'requested_by', 'counts', 'created_at',
                 'updated_at', 'started_at', 'finished_at', 'closed_at',
                 'closed_reason'],
    'additionalProperties': False,
}

_item = {
    'type': 'object',
    'properties': {
        'instance_uuid': {'type': 'string', 'format': 'uuid'},
        'status': {'type': 'string',
                   'enum': list(fields.InstanceEvacuationStatus.ALL)},
        'attempts': {'type': 'integer', 'minimum': 0},
        'source_host': _nullable_string,
        'dest_host': _nullable_string,
        'last_error': _nullable_string,
        'priority': {'type': 'integer'},
        'server_group_uuid': _nullable_string,
        'original_vm_state': _nullable_string,
        'started_at': _timestamp,
        'finished_at': _timestamp,
        'call_window_ms': {'type': ['number', 'null'], 'minimum': 0},
    },
    'required': ['instance_uuid', 'status', 'attempts', 'source_host',
                 'dest_host', 'last_error', 'priority', 'server_group_uuid',
                 'original_vm_state', 'started_at', 'finished_at',
                 'call_window_ms'],
    'additionalProperties': False,
}

evacuation_detail = dict(
    evacuation_summary,
    properties=dict(evacuation_summary['properties'],
                    instances={'type': 'array', 'items': _item}),
    required=evacuation_summary['required'] + ['instances'],
)

index_response = {
    'type': 'object',
    'properties': {
        'evacuations': {'type': 'array', 'items': evacuation_summary},
        'evacuations_links': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {'href': {'type': 'string'},
                               'rel': {'type': 'string'}},
                'required': ['href', 'rel'],
            },
        },
    },
    'required': ['evacuations'],
    'additionalProperties': False,
}

show_response = {
    'type': 'object',
    'properties': {'evacuation': evacuation_detail},
    'required': ['evacuation'],
    'additionalProperties': False,
}

action_response = show_response
