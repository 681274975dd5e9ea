"""``nova ha-*`` commands: the /os-ha API in the nova CLI.

novaclient finds this module through the ``novaclient.extension`` entry
point and turns each ``do_*`` function into a subcommand
(``do_ha_host_list`` becomes ``nova ha-host-list``), with the arguments
its ``utils.arg`` decorators declare. The calls go through
:mod:`nova_ha_ext.client` on novaclient's own adapter, so the endpoint,
region, interface and token are the ones every other ``nova`` command
uses.
"""

import functools

from novaclient import exceptions
from novaclient import utils

from nova_ha_ext.cli import advice
from nova_ha_ext import client

_COUNTS = ('total', 'succeeded', 'failed', 'skipped', 'cancelled',
           'remaining')
# What force-down shows of the host's evacuation: enough to follow it
# with ha-evacuation-show, and why it was withheld if it was.
_FORCE_DOWN_EVACUATION = ('uuid', 'status', 'selection', 'withheld_reason')


def _client(cs):
    """Our client on the connection novaclient built for ``cs``: its
    session, auth, endpoint and catalog filters."""
    return client.Client(cs.client)


def _ha_command(func):
    """Give a command our client and make API refusals CLI errors.

    novaclient's ``main`` prints a CommandError as
    ``ERROR (CommandError): <text>`` and exits 1; keeping the client's
    text keeps the API's own message, its HTTP status and the request ID
    an operator needs to find the call in Nova's logs.
    """
    @functools.wraps(func)
    def command(cs, args):
        try:
            return func(_client(cs), args)
        except client.ClientException as exc:
            raise exceptions.CommandError(
                advice.for_cli(str(exc), 'nova')) from exc
    return command


def _cell(value):
    # Same rendering as utils.print_list gives object attributes (it
    # does not apply it to formatter output, and we format every column).
    return '-' if value is None else str(value).replace('\r', '')


def _print_rows(rows, columns):
    """utils.print_list for dicts: ``columns`` are (title, key) pairs."""
    formatters = {title: (lambda row, key=key: _cell(row.get(key)))
                  for title, key in columns}
    utils.print_list(rows, [title for title, _key in columns], formatters)


def _print_evacuation(evacuation):
    """A task as ``print_dict`` rows, then its instances as a table."""
    task = {key: value for key, value in evacuation.items()
            if key not in ('counts', 'instances')}
    # Flattened rather than printed as JSON so each count gets its own
    # row, sorted next to the others.
    for name in _COUNTS:
        task['counts_' + name] = evacuation['counts'].get(name)
    utils.print_dict(task)
    _print_rows(evacuation.get('instances', []), [
        ('Instance', 'instance_uuid'), ('Status', 'status'),
        ('Attempts', 'attempts'), ('Source', 'source_host'),
        ('Destination', 'dest_host'), ('Priority', 'priority'),
        ('Last error', 'last_error')])


def _print_host(host, evacuation_keys=()):
    row = {key: value for key, value in host.items() if key != 'evacuation'}
    evacuation = host.get('evacuation') or {}
    for key in evacuation_keys:
        value = evacuation.get(key)
        if key == 'withheld_reason':
            # NOTE: only when instances were held back; the full record
            # (ha-evacuation-show) has the guard's verdict in any case.
            value = client.ha.withheld_warning(evacuation)
            value = value and advice.for_cli(value, 'nova')
        row['evacuation_' + key] = value
    utils.print_dict(row)


@_ha_command
def do_ha_host_list(ha, args):
    """List the compute hosts as host recovery sees them."""
    _print_rows(ha.list_hosts(), [
        ('Host', 'host'), ('State', 'state'), ('Forced down', 'forced_down'),
        ('Disabled', 'disabled'), ('Disabled reason', 'disabled_reason'),
        ('Evacuation', 'evacuation_uuid')])


@utils.arg('host', metavar='<host>', help='Name of the compute host.')
@utils.arg(
    '--fenced', action='store_true', default=False,
    help='Attest that the host is fenced (powered off or isolated), so '
         'its instances cannot still be running there. Nova refuses the '
         'force-down without it unless its configuration allows that.')
@utils.arg(
    '--evacuate', metavar='<selection>', choices=client.EVACUATE_CHOICES,
    default=None,
    help='Which instances to evacuate: %s. Default: the cloud\'s '
         '[nova_ha] default_evacuate.' % ', '.join(client.EVACUATE_CHOICES))
@utils.arg(
    '--reason', metavar='<reason>', default=None,
    help='Why the host is forced down; recorded as the service\'s '
         'disabled reason and on the evacuation.')
@utils.arg(
    '--force', action='store_true', default=False,
    help='Evacuate even if the storm guard would withhold it (many hosts '
         'down at once look like a network partition).')
@_ha_command
def do_ha_force_down(ha, args):
    """Force a compute host down and evacuate its instances."""
    created, host = ha.force_down(args.host, fenced=args.fenced,
                                  evacuate=args.evacuate, reason=args.reason,
                                  force=args.force)
    _print_host(host, _FORCE_DOWN_EVACUATION)
    evacuation = host.get('evacuation')
    if evacuation is None:
        return
    # A repeated force-down (a fence agent retrying) answers with the
    # running evacuation; say so, or the operator may think a second one
    # was started.
    if not created:
        print('Evacuation %s of host %s is already active; no new one was '
              'started.' % (evacuation['uuid'], args.host))
    elif client.ha.withheld_warning(evacuation):
        # NOTE: the table above has the reason, ending with what to do.
        print('Evacuation %s of host %s was withheld by the storm guard: '
              'nothing was evacuated (evacuation_withheld_reason says why).'
              % (evacuation['uuid'], args.host))
    elif evacuation['status'] in client.ha.FINAL_STATUSES:
        # --evacuate none, or nothing on the host matched the selection
        # (then the storm guard, had it judged a storm, held nothing
        # back: no warning).
        print('Recorded evacuation %s of host %s: nothing to evacuate '
              '(selection: %s).' % (evacuation['uuid'], args.host,
                                    evacuation['selection']))
    else:
        print('Started evacuation %s of host %s. Follow it with: nova '
              'ha-evacuation-show %s' % (evacuation['uuid'], args.host,
                                         evacuation['uuid']))


@utils.arg('host', metavar='<host>', help='Name of the compute host.')
@_ha_command
def do_ha_force_up(ha, args):
    """Let a repaired compute host report up again (not while it is being
    evacuated); re-enables its service if force-down disabled it."""
    _print_host(ha.force_up(args.host))


@utils.arg('--host', metavar='<host>', default=None,
           help='Only the evacuations of this compute host.')
@utils.arg('--status', metavar='<status>', choices=client.STATUS_CHOICES,
           default=None,
           help='Only evacuations in this status: %s.'
                % ', '.join(client.STATUS_CHOICES))
@_ha_command
def do_ha_evacuation_list(ha, args):
    """List host evacuations, newest first."""
    tasks = ha.list_evacuations(host=args.host, status=args.status)
    for task in tasks:
        for name in _COUNTS:
            task['count_' + name] = task['counts'].get(name)
    _print_rows(tasks, [
        ('UUID', 'uuid'), ('Host', 'host'), ('Status', 'status'),
        ('Total', 'count_total'), ('Succeeded', 'count_succeeded'),
        ('Failed', 'count_failed'), ('Skipped', 'count_skipped'),
        ('Cancelled', 'count_cancelled'), ('Remaining', 'count_remaining'),
        ('Created at', 'created_at')])


@utils.arg('evacuation', metavar='<uuid>', help='UUID of the evacuation.')
@_ha_command
def do_ha_evacuation_show(ha, args):
    """Show a host evacuation and each of its instances."""
    _print_evacuation(ha.get_evacuation(args.evacuation))


@utils.arg('evacuation', metavar='<uuid>', help='UUID of the evacuation.')
@_ha_command
def do_ha_evacuation_retry(ha, args):
    """Evacuate the failed instances of a host evacuation again."""
    _print_evacuation(ha.retry_evacuation(args.evacuation))


@utils.arg('evacuation', metavar='<uuid>', help='UUID of the evacuation.')
@_ha_command
def do_ha_evacuation_cancel(ha, args):
    """Cancel the instances of a host evacuation that have not started."""
    _print_evacuation(ha.cancel_evacuation(args.evacuation))
