"""Response bodies of the /os-ha API."""

from nova import utils

_COUNTS = ('succeeded', 'failed', 'skipped', 'cancelled')


def _time(value):
    return utils.isotime(value) if value else None


def evacuation(task):
    """A host evacuation without its items (lists, host responses)."""
    counts = {name: getattr(task, name + '_count') for name in _COUNTS}
    counts['total'] = task.total_count
    counts['remaining'] = max(0, task.total_count - sum(
        counts[name] for name in _COUNTS))
    return {
        'uuid': task.uuid,
        'host': task.host,
        'status': task.status,
        'selection': task.selection,
        'fenced': task.fenced,
        'reason': task.reason,
        'withheld_reason': task.withheld_reason,
        'requested_by': task.requested_by,
        'counts': counts,
        'created_at': _time(task.created_at),
        'updated_at': _time(task.updated_at),
        'started_at': _time(task.started_at),
        'finished_at': _time(task.finished_at),
        'closed_at': _time(task.closed_at),
        'closed_reason': task.closed_reason,
    }


def _item(item):
    return {
        'instance_uuid': item.instance_uuid,
        'status': item.status,
        'attempts': item.attempts,
        'source_host': item.source_host,
        'dest_host': item.dest_host,
        'last_error': item.last_error,
        'priority': item.priority,
        'server_group_uuid': item.server_group_uuid,
        'original_vm_state': item.original_vm_state,
        'started_at': _time(item.started_at),
        'finished_at': _time(item.finished_at),
        'call_window_ms': item.call_window_ms,
    }


def evacuation_detail(task):
    """A host evacuation with every instance item."""
    body = evacuation(task)
    body['instances'] = [_item(item) for item in task.instances]
    return body


def host(service, state, task):
    """A compute host after force-down/up, with its evacuation if any."""
    return {
        'host': service.host,
        'state': state,
        'forced_down': service.forced_down,
        'disabled': service.disabled,
        'disabled_reason': service.disabled_reason,
        'evacuation': evacuation(task) if task is not None else None,
    }
