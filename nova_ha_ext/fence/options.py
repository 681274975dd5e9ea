"""The agent's options: one table, read from argv or from stdin.

Pacemaker runs a fence agent with no arguments and writes its options as
``key=value`` lines on stdin; an operator testing by hand passes flags.
Both end up as the same raw ``{name: value}`` mapping, which
:func:`resolve` turns into checked options, so the two ways cannot
drift apart. The table also feeds the XML metadata and ``--help``.
"""

import argparse
import logging
import types

from nova_ha_ext.client import ha as ha_client

LOG = logging.getLogger(__name__)

PROG = 'fence_nova_ha'

ACTIONS = ('on', 'off', 'reboot', 'status', 'monitor', 'list', 'metadata',
           'validate-all')
# The OCF spelling, which some tools use to ask any agent for metadata.
_ACTION_ALIASES = {'meta-data': 'metadata'}
# Actions that act on one host, and those that call the API at all.
HOST_ACTIONS = ('on', 'off', 'reboot', 'status')
API_ACTIONS = HOST_ACTIONS + ('monitor', 'list')

ENDPOINT_TYPES = ('public', 'internal', 'admin')
REASON_MAX = 200  # the API's limit on "reason"

_TRUE = ('1', 'yes', 'on', 'true')
_FALSE = ('0', 'no', 'off', 'false')

USAGE = ('Usage: %s -o ACTION -n HOST --auth-url URL -l USER '
         '(-p PASSWORD | -S SCRIPT) --project-name PROJECT [options]\n'
         '   or: key=value lines on stdin (as Pacemaker runs it); '
         '%s -h lists the options.' % (PROG, PROG))


class UsageError(Exception):
    """The options are wrong; ``messages`` says how, one line each."""

    def __init__(self, *messages):
        self.messages = list(messages)
        super().__init__('; '.join(messages))


class Option:
    """One option: its stdin name, flags, type and documentation.

    :param kind: the metadata content type: ``string``, ``boolean`` (a
        flag), ``boolean_value`` (a boolean given as a value, unset by
        default), ``second``, ``integer`` or ``select`` (with ``choices``).
    :param alias: the classic name of the option (``login``, ``passwd``,
        ``port``, ...), still accepted on stdin and as a flag and listed
        as deprecated in the metadata.
    """

    def __init__(self, name, flags, shortdesc, kind='string', default=None,
                 required=False, choices=None, alias=None, metavar='value'):
        self.name = name
        self.flags = flags
        self.shortdesc = shortdesc
        self.kind = kind
        self.default = default
        self.required = required
        self.choices = choices
        self.alias = alias
        self.metavar = metavar

    @property
    def takes_value(self):
        return self.kind != 'boolean'

    @property
    def content_type(self):
        """The type the metadata gives (``boolean_value`` is a boolean
        spelled out, e.g. ``instance_filtering=0``)."""
        return 'boolean' if self.kind == 'boolean_value' else self.kind

    @property
    def alias_flag(self):
        return '--' + self.alias.replace('_', '-') if self.alias else None


OPTIONS = (
    Option('action', ('-o', '--action'),
           'Fencing action: %s' % ', '.join(ACTIONS), default='reboot',
           alias='option', metavar='action'),
    Option('plug', ('-n', '--plug'),
           'Compute host to fence, as Nova names it (its nova-compute '
           'service host); Pacemaker passes it', alias='port',
           metavar='host'),
    Option('auth_url', ('-k', '--auth-url'),
           'Keystone URL to authenticate against', required=True,
           metavar='url'),
    Option('username', ('-l', '--username'),
           'OpenStack user allowed to force hosts down (admin)',
           required=True, alias='login', metavar='name'),
    Option('password', ('-p', '--password'), "The user's password",
           alias='passwd', metavar='password'),
    Option('password_script', ('-S', '--password-script'),
           "Command that prints the user's password (run without a "
           "shell)", alias='passwd_script', metavar='script'),
    Option('project_name', ('-t', '--project-name'),
           'Project to scope the token to', required=True,
           alias='tenant_name', metavar='name'),
    Option('user_domain', ('--user-domain',), "The user's domain",
           default='Default', metavar='name'),
    Option('project_domain', ('--project-domain',), "The project's domain",
           default='Default', metavar='name'),
    Option('region_name', ('--region-name',),
           'Region of the compute endpoint', metavar='region'),
    Option('endpoint_type', ('-e', '--endpoint-type'),
           'Interface of the compute endpoint in the catalog',
           kind='select', choices=ENDPOINT_TYPES, default='internal',
           metavar='interface'),
    Option('insecure', ('--insecure',),
           "Do not verify the API's TLS certificate", kind='boolean'),
    Option('evacuate', ('--evacuate',),
           'Instances to evacuate: tagged, all or none', kind='select',
           choices=ha_client.EVACUATE_CHOICES, default='tagged',
           metavar='selection'),
    Option('force', ('--force',),
           "Evacuate even when the API's storm guard would withhold it",
           kind='boolean'),
    # fence_compute's options, with their meanings there, so that its
    # stonith resources move over by changing the agent's name only.
    Option('record_only', ('--record-only',),
           "fence_compute's: force the host down and record its failure, "
           "evacuate nothing (as --evacuate none)", kind='boolean'),
    Option('instance_filtering', ('--instance-filtering',),
           "fence_compute's: true evacuates the tagged instances, false "
           "all of them; overrides --evacuate", kind='boolean_value',
           metavar='true|false'),
    Option('no_shared_storage', ('--no-shared-storage',),
           "fence_compute's: accepted; Nova finds out itself whether the "
           "instances' disks are shared (compute API 2.14 and later)",
           kind='boolean'),
    Option('domain', ('-d', '--domain'),
           "fence_compute's: DNS domain of the compute hosts, appended to "
           "(or taken off) the node name to find its nova-compute host",
           metavar='domain'),
    Option('reason', ('--reason',),
           'Reason recorded on the host (default: names the agent and the '
           'node)', metavar='text'),
    Option('evacuation_wait', ('--evacuation-wait',),
           "Seconds 'on' waits for the host's evacuation to finish before "
           "failing", kind='second', default='600', metavar='seconds'),
    Option('shell_timeout', ('--shell-timeout',),
           'Seconds to wait for each answer of the API', kind='second',
           default='180', metavar='seconds'),
    Option('login_timeout', ('--login-timeout',),
           'Accepted for compatibility (authentication is bounded by '
           '--shell-timeout)', kind='second', default='5',
           metavar='seconds'),
    Option('verbose', ('-v', '--verbose'),
           'Verbose mode: debug messages on stderr', kind='boolean'),
    Option('version', ('-V', '--version'),
           'Display version information and exit', kind='boolean'),
    Option('help', ('-h', '--help'), 'Display help and exit',
           kind='boolean'),
)

_BY_KEY = {}
for _option in OPTIONS:
    _BY_KEY[_option.name] = _option
    if _option.alias:
        _BY_KEY[_option.alias] = _option


class _Parser(argparse.ArgumentParser):

    def error(self, message):
        # argparse would print and exit 2, which ``status`` callers read
        # as "OFF"; usage errors are reported by main() instead.
        raise UsageError(message)


def _parser():
    parser = _Parser(prog=PROG, add_help=False, allow_abbrev=False)
    for option in OPTIONS:
        flags = list(option.flags)
        if option.alias:
            flags.append(option.alias_flag)
        if option.name == 'verbose':
            kwargs = {'action': 'count'}
        elif option.takes_value:
            kwargs = {'metavar': option.metavar}
        else:
            kwargs = {'action': 'store_true'}
        parser.add_argument(*flags, dest=option.name,
                            default=argparse.SUPPRESS, **kwargs)
    return parser


def from_argv(argv):
    """The options given as flags: ``{name: value}``.

    :raises UsageError: for an unknown flag, a missing value or a stray
        argument.
    """
    return dict(vars(_parser().parse_args(argv)))


def from_stdin(lines):
    """The options given as ``key=value`` lines: ``{name: value}``.

    Keys may use dashes or underscores and the classic names; Pacemaker
    adds keys of its own, so an unknown key is logged and skipped (the
    FenceAgentAPI says so), as is a boolean with a value that is neither
    true nor false. ``nodename`` (the cluster node) is kept for
    :func:`resolve`.
    """
    raw = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        key, sep, value = line.partition('=')
        key = key.strip().lower().replace('-', '_')
        if not sep:
            LOG.warning("Ignoring stdin line %d: no '=' after %r",
                        number, key)
            continue
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if key == 'nodename':
            raw['nodename'] = value
            continue
        option = _BY_KEY.get(key)
        if option is None:
            # NOTE: only the key: the value may be a secret.
            LOG.warning("Ignoring unknown option '%s'", key)
            continue
        if option.takes_value:
            raw[option.name] = value
        elif value.lower() in _TRUE:
            raw[option.name] = 1 if option.name == 'verbose' else True
        elif value.lower() in _FALSE:
            raw.pop(option.name, None)
        else:
            LOG.warning("Ignoring option '%s': %r is neither true nor "
                        "false", key, value)
    return raw


def _number(option, value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise UsageError('The value %r of --%s is not a valid %s' % (
            value, option.name.replace('_', '-'),
            'time in seconds' if option.kind == 'second' else 'integer'))
    return number


def _boolean(option, value):
    value = str(value).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UsageError('--%s must be true or false, not %r' % (
        option.name.replace('_', '-'), value))


def _endpoint_type(value):
    # fence_compute's spelling (internalURL) is accepted, so its stonith
    # resources can be moved over unchanged.
    value = value.lower()
    return value[:-3] if value.endswith('url') else value


def resolve(raw):
    """Checked options (a namespace with one attribute per option).

    Empty values count as unset (Pacemaker may pass ``key=``); defaults
    are applied, numbers converted, choices checked.

    :raises UsageError: for an unknown action, choice or number.
    """
    values = {key: value for key, value in raw.items()
              if value not in ('', None)}
    opts = types.SimpleNamespace(nodename=values.pop('nodename', None))
    errors = []
    for option in OPTIONS:
        value = values.get(option.name, option.default)
        if option.kind == 'boolean':
            value = value or False
        elif value is not None:
            try:
                value = _convert(option, value)
            except UsageError as error:
                errors.extend(error.messages)
        setattr(opts, option.name, value)
    if errors:
        raise UsageError(*errors)
    # NOTE: the FenceAgentAPI prefers port (plug) over nodename when both
    # are given: the plug is what pcmk_host_map translated the node to.
    opts.plug = opts.plug or opts.nodename
    if opts.record_only:
        opts.evacuate = 'none'
    elif opts.instance_filtering is not None:
        opts.evacuate = 'tagged' if opts.instance_filtering else 'all'
    if opts.reason is None and opts.plug:
        node = opts.nodename or opts.plug
        opts.reason = ('fenced by %s (cluster node %s)' % (
            PROG, node))[:REASON_MAX]
    return opts


def _convert(option, value):
    if option.name == 'action':
        value = value.lower()
        value = _ACTION_ALIASES.get(value, value)
        if value not in ACTIONS:
            raise UsageError('Unrecognised action %r: use one of %s' % (
                value, ', '.join(ACTIONS)))
    elif option.name == 'endpoint_type':
        value = _endpoint_type(value)
    elif option.name == 'evacuate':
        value = value.lower()
    elif option.kind == 'boolean_value':
        return _boolean(option, value)
    elif option.name == 'reason' and len(value) > REASON_MAX:
        raise UsageError('--reason is longer than %d characters' %
                         REASON_MAX)
    if option.kind in ('second', 'integer'):
        return _number(option, value)
    if option.choices and value not in option.choices:
        raise UsageError('--%s must be one of %s, not %r' % (
            option.name.replace('_', '-'), ', '.join(option.choices),
            value))
    return value


def missing(opts):
    """What ``opts`` lack for their action, one message each (or [])."""
    if opts.action not in API_ACTIONS + ('validate-all',):
        return []
    messages = []
    for option in OPTIONS:
        if option.required and getattr(opts, option.name) is None:
            messages.append('You have to set %s (%s on stdin)' % (
                '/'.join(option.flags), option.name))
    if opts.password is None and opts.password_script is None:
        messages.append('You have to set a password: -p/--password or '
                        '-S/--password-script (password or password_script '
                        'on stdin)')
    if opts.action in HOST_ACTIONS and opts.plug is None:
        messages.append('You have to name the compute host: -n/--plug '
                        '(plug, port or nodename on stdin)')
    return messages
