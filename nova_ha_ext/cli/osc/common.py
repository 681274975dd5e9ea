"""What the ``openstack ha`` commands share: errors and columns."""

import argparse
import contextlib

from cliff import columns
from osc_lib import exceptions

from nova_ha_ext.cli import advice
from nova_ha_ext.client import exceptions as client_exceptions

_COUNTS = ('total', 'remaining', 'succeeded', 'failed', 'skipped',
           'cancelled')
# An evacuation task's fields in the order ``show`` prints them; the
# counts are spread into fields of their own so ``-c failed`` works.
_TASK_FIELDS = (('uuid', 'host', 'status', 'selection', 'fenced', 'reason',
                 'withheld_reason', 'requested_by') + _COUNTS +
                ('created_at', 'updated_at', 'started_at', 'finished_at',
                 'closed_at'))


@contextlib.contextmanager
def api_errors():
    """Turn the API's refusals into errors OSC prints and exits 1 for.

    The fault message says what was wrong and what to do, so it is the
    whole error text; a traceback would only bury it.
    """
    try:
        yield
    except client_exceptions.ClientException as exc:
        raise exceptions.CommandError(
            advice.for_cli(str(exc), 'openstack')) from exc


def positive_int(text):
    """An argparse type for counts such as ``--limit``."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            'must be a positive integer, not %r' % text)
    return value


class InstancesColumn(columns.FormattableColumn):
    """A task's instance items: a line each in a table, dicts in JSON."""

    def human_readable(self):
        lines = []
        for item in self._value or ():
            line = '%s %s (attempts: %s, %s -> %s)' % (
                item['instance_uuid'], item['status'], item['attempts'],
                item['source_host'], item['dest_host'] or '-')
            if item.get('last_error'):
                line += ': %s' % item['last_error']
            lines.append(line)
        return '\n'.join(lines)

    def machine_readable(self):
        return [dict(item) for item in self._value or ()]


def task_fields(task):
    """``(columns, values)`` of an evacuation task for a ShowOne.

    Fields the API adds later are shown after the known ones rather
    than dropped, so a newer server is never hidden by an older CLI.
    """
    flat = dict(task)
    flat.update(flat.pop('counts', None) or {})
    instances = flat.pop('instances', None)
    names = [name for name in _TASK_FIELDS if name in flat]
    names += sorted(set(flat) - set(names))
    values = [flat[name] for name in names]
    if instances is not None:
        names.append('instances')
        values.append(InstancesColumn(instances))
    return tuple(names), tuple(values)
