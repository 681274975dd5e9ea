"""``openstack ha host list|force down|force up``."""

from osc_lib.command import command

from nova_ha_ext.cli import advice
from nova_ha_ext import client
from nova_ha_ext.cli.osc import common

_LIST_COLUMNS = (('Host', 'host'), ('State', 'state'),
                 ('Forced Down', 'forced_down'), ('Disabled', 'disabled'),
                 ('Disabled Reason', 'disabled_reason'),
                 ('Evacuation', 'evacuation_uuid'))
_HOST_FIELDS = ('host', 'state', 'forced_down', 'disabled',
                'disabled_reason')


def _host_fields(host, **extra):
    """A force-down/up answer as ``(columns, values)``.

    The host's evacuation is summed up in three fields (its uuid and
    status, and why the storm guard held its instances back, if it did;
    nothing when there was nothing to evacuate); ``openstack
    ha evacuation show`` has the rest.
    """
    evacuation = host.get('evacuation') or {}
    # NOTE: the guard's verdict only when it held instances back
    # (``openstack ha evacuation show`` has the record's in any case).
    withheld = client.ha.withheld_warning(evacuation)
    names = _HOST_FIELDS + ('evacuation_uuid', 'evacuation_status',
                            'withheld_reason') + tuple(extra)
    values = tuple(host[name] for name in _HOST_FIELDS) + (
        evacuation.get('uuid'), evacuation.get('status'),
        withheld and advice.for_cli(withheld, 'openstack')
    ) + tuple(extra.values())
    return names, values


def _add_host(parser, action):
    parser.add_argument('host', metavar='<host>',
                        help='Compute host (its nova-compute service) to '
                             '%s' % action)


class ListHost(command.Lister):
    """List compute hosts with their state and active evacuation."""

    def take_action(self, parsed_args):
        with common.api_errors():
            hosts = self.app.client_manager.ha.list_hosts()
        return ([label for label, _key in _LIST_COLUMNS],
                [tuple(host.get(key) for _label, key in _LIST_COLUMNS)
                 for host in hosts])


class ForceDownHost(command.ShowOne):
    """Force a failed host's nova-compute down and evacuate it.

    Nova then treats the host as down at once, without waiting for its
    heartbeat to time out. Evacuation is allowed only once the host is
    fenced (powered off or isolated): say so with --fenced.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_host(parser, 'force down')
        parser.add_argument(
            '--fenced', action='store_true',
            help='Attest that the host is fenced, so its instances can '
                 'safely be rebuilt elsewhere')
        parser.add_argument(
            '--evacuate', metavar='<selection>',
            choices=client.EVACUATE_CHOICES,
            help='Instances to evacuate: %s (default: the deployment\'s '
                 '[nova_ha] default_evacuate)'
                 % ', '.join(client.EVACUATE_CHOICES))
        parser.add_argument(
            '--reason', metavar='<reason>',
            help='Why the host is down; recorded on the task and in the '
                 'service\'s disabled reason')
        parser.add_argument(
            '--force', action='store_true',
            help='Evacuate even if the storm guard would withhold it '
                 '(too many hosts down at once)')
        return parser

    def take_action(self, parsed_args):
        with common.api_errors():
            created, host = self.app.client_manager.ha.force_down(
                parsed_args.host, fenced=parsed_args.fenced,
                evacuate=parsed_args.evacuate, reason=parsed_args.reason,
                force=parsed_args.force)
        # A repeat (the host already has an active evacuation) answers
        # with that task; say so, as the API does with 200 for 202.
        return _host_fields(host, evacuation_created=created)


class ForceUpHost(command.ShowOne):
    """Let a repaired host's nova-compute report up again.

    Refused while the host's evacuation still runs. The service is
    re-enabled if force down disabled it.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_host(parser, 'force up')
        return parser

    def take_action(self, parsed_args):
        with common.api_errors():
            host = self.app.client_manager.ha.force_up(parsed_args.host)
        return _host_fields(host)
