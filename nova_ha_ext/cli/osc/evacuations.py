"""``openstack ha evacuation list|show|retry|cancel``."""

from osc_lib.command import command

from nova_ha_ext import client
from nova_ha_ext.cli.osc import common

_LIST_COLUMNS = ('UUID', 'Host', 'Status', 'Total', 'Succeeded', 'Failed',
                 'Skipped', 'Cancelled', 'Remaining', 'Created At')
_COUNT_COLUMNS = ('Total', 'Succeeded', 'Failed', 'Skipped', 'Cancelled',
                  'Remaining')


def _list_row(task):
    counts = task.get('counts') or {}
    row = []
    for label in _LIST_COLUMNS:
        key = label.lower().replace(' ', '_')
        row.append(counts.get(key) if label in _COUNT_COLUMNS
                   else task.get(key))
    return tuple(row)


def _add_uuid(parser, action):
    parser.add_argument('uuid', metavar='<uuid>',
                        help='Evacuation task to %s' % action)


class ListEvacuation(command.Lister):
    """List host evacuation tasks, newest first."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--host', metavar='<host>',
                            help='Only the tasks of this compute host')
        parser.add_argument(
            '--status', metavar='<status>', choices=client.STATUS_CHOICES,
            help='Only tasks in this status: %s'
                 % ', '.join(client.STATUS_CHOICES))
        parser.add_argument(
            '--limit', metavar='<num-tasks>', type=common.positive_int,
            help='Show at most this many tasks (one page); without it '
                 'every page is fetched')
        parser.add_argument(
            '--marker', metavar='<uuid>',
            help='Start after this task (the last one of a previous page)')
        return parser

    def take_action(self, parsed_args):
        with common.api_errors():
            tasks = self.app.client_manager.ha.list_evacuations(
                host=parsed_args.host, status=parsed_args.status,
                limit=parsed_args.limit, marker=parsed_args.marker)
        return _LIST_COLUMNS, [_list_row(task) for task in tasks]


class _TaskCommand(command.ShowOne):
    """A call on one task that answers with the whole task."""

    #: The verb in the UUID argument's help, and the client method.
    verb = None
    method = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_uuid(parser, self.verb)
        return parser

    def take_action(self, parsed_args):
        with common.api_errors():
            task = getattr(self.app.client_manager.ha, self.method)(
                parsed_args.uuid)
        return common.task_fields(task)


class ShowEvacuation(_TaskCommand):
    """Show an evacuation task with its counts and every instance."""

    verb, method = 'show', 'get_evacuation'


class RetryEvacuation(_TaskCommand):
    """Evacuate a task's failed instances again."""

    verb, method = 'retry', 'retry_evacuation'


class CancelEvacuation(_TaskCommand):
    """Cancel a task's instances that have not started evacuating."""

    verb, method = 'cancel', 'cancel_evacuation'
