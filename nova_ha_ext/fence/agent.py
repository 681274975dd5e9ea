"""``fence_nova_ha``: parse the options, run one action, exit as agents do.

Each action is one or two calls of :mod:`nova_ha_ext.client`; every
failure becomes a line on stderr ("ERROR: ...") and an exit code of
:mod:`nova_ha_ext.fence.codes`, since Pacemaker reads only those.
"""

import contextlib
import importlib.metadata
import logging
import shlex
import subprocess
import sys
import time

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading
from keystoneauth1 import session as ks_session

from nova_ha_ext import client
from nova_ha_ext.client import exceptions
from nova_ha_ext.fence import codes
from nova_ha_ext.fence import metadata
from nova_ha_ext.fence import options as opts_mod

LOG = logging.getLogger('nova_ha_ext.fence')

#: Seconds between two looks at an evacuation while "on" waits for it.
POLL_INTERVAL = 2.0


class AgentError(Exception):
    """An action failed; ``code`` is the exit code to report."""

    def __init__(self, code, message):
        self.code = code
        self.message = message
        super().__init__(message)


def make_client(opts):
    """The /os-ha client for ``opts``: a keystoneauth password session,
    the compute endpoint found in its catalog."""
    auth = loading.get_plugin_loader('password').load_from_options(
        auth_url=opts.auth_url, username=opts.username,
        password=opts.password, project_name=opts.project_name,
        user_domain_name=opts.user_domain,
        project_domain_name=opts.project_domain)
    session = ks_session.Session(auth=auth, verify=not opts.insecure,
                                 timeout=opts.shell_timeout or None,
                                 user_agent=opts_mod.PROG)
    return client.Client(session, interface=opts.endpoint_type,
                         region_name=opts.region_name)


def _password(opts):
    """The password, from --password-script when given (it wins, as in
    the fencing library)."""
    if opts.password_script is None:
        return opts.password
    try:
        argv = shlex.split(opts.password_script)
        # NOTE: no shell: the command comes from the cluster's own
        # configuration, and an argument list keeps quoting predictable.
        result = subprocess.run(  # noqa: S603
            argv, capture_output=True, text=True, check=False,
            timeout=opts.shell_timeout or None)
    except (OSError, ValueError, IndexError,
            subprocess.TimeoutExpired) as error:
        raise AgentError(codes.EC_GENERIC_ERROR,
                         'The password script could not be run: %s' % error)
    if result.returncode != 0:
        raise AgentError(codes.EC_GENERIC_ERROR,
                         'The password script exited with status %d: %s' % (
                             result.returncode, result.stderr.strip()))
    password = result.stdout.rstrip('\r\n')
    if not password:
        raise AgentError(codes.EC_GENERIC_ERROR,
                         'The password script printed no password')
    return password


# -- actions -----------------------------------------------------------------

def _status(ha, opts):
    host = ha.get_host(opts.plug)
    off = bool(host['forced_down'])
    print('Status: %s' % ('OFF' if off else 'ON'))
    return codes.EC_STATUS_OFF if off else codes.EC_OK


def _off(ha, opts):
    # NOTE: the agent always attests fencing: it is configured to run only
    # after the device that cut the power (same fencing level, after it).
    created, host = ha.force_down(opts.plug, fenced=True,
                                  evacuate=opts.evacuate,
                                  reason=opts.reason, force=opts.force)
    if not host.get('forced_down'):
        raise AgentError(codes.EC_WAITING_OFF,
                         'Nova answered, but %s is not forced down' %
                         opts.plug)
    if created:
        print('Success: %s forced down, fencing attested' % host['host'])
    else:
        print('Success: %s already forced down' % host['host'])
    evacuation = host.get('evacuation')
    if evacuation:
        print('Evacuation: %s %s (selection %s, %d instance(s))' % (
            evacuation['uuid'], evacuation['status'],
            evacuation['selection'], evacuation['counts']['total']))
        withheld = client.ha.withheld_warning(evacuation)
        if withheld:
            # Fencing itself succeeded, so this is no failure for
            # Pacemaker; the operator decides (--force, or the CLIs).
            # Nothing to evacuate, nothing held back: no warning.
            LOG.warning('Evacuation %s withheld: %s', evacuation['uuid'],
                        withheld)
    return codes.EC_OK


def _on(ha, opts):
    host = ha.get_host(opts.plug)
    uuid = host.get('evacuation_uuid')
    if uuid:
        LOG.info('Waiting up to %d s for evacuation %s of %s',
                 opts.evacuation_wait, uuid, opts.plug)
        done = ha.wait_for_evacuation(uuid, opts.evacuation_wait,
                                      interval=POLL_INTERVAL)
        if done is None:
            # Forcing the host up now would let it start instances that
            # are being rebuilt elsewhere: fail, and let Pacemaker retry.
            raise AgentError(
                codes.EC_WAITING_ON,
                'Evacuation %s of %s has not finished after %d s; the host '
                'stays forced down. Follow it with "openstack ha evacuation '
                'show %s"' % (uuid, opts.plug, opts.evacuation_wait, uuid))
        LOG.info('Evacuation %s is %s', uuid, done['status'])
    host = _force_up(ha, opts)
    if host.get('forced_down'):
        raise AgentError(codes.EC_WAITING_ON,
                         'Nova answered, but %s is still forced down' %
                         opts.plug)
    print('Success: %s forced up' % host['host'])
    return codes.EC_OK


def _force_up(ha, opts, clock=time.monotonic, sleep=time.sleep):
    """Force the host up; while Nova's guard refuses it because the
    repaired host's nova-compute has not started yet (and cleaned up the
    evacuated guests), wait for it, within ``evacuation_wait``."""
    deadline = clock() + opts.evacuation_wait
    while True:
        try:
            return ha.force_up(opts.plug)
        except exceptions.Conflict as error:
            if 'Restart nova-compute' not in error.message or (
                    clock() >= deadline):
                raise AgentError(codes.EC_WAITING_ON,
                                 '%s stays forced down: %s' %
                                 (opts.plug, error.message))
            LOG.info('Waiting for nova-compute on %s: %s', opts.plug,
                     error.message)
            sleep(POLL_INTERVAL)


def with_domain(ha, opts):
    """The nova-compute host of ``opts.plug`` under ``--domain``.

    As with fence_compute, the cluster's node name and Nova's host name
    may differ by the DNS domain: the one of the node name, the name with
    the domain appended, or with it taken off, that Nova knows.
    """
    plug, suffix = opts.plug, '.' + opts.domain.strip('.')
    candidates = [plug]
    if plug.endswith(suffix):
        candidates.append(plug[:-len(suffix)])
    else:
        candidates.append(plug + suffix)
    known = {host['host'] for host in ha.list_hosts()}
    for name in candidates:
        if name in known:
            if name != plug:
                LOG.info('Node %s is compute host %s (domain %s)', plug,
                         name, opts.domain)
            return name
    return plug


def _monitor(ha, opts):
    LOG.info('%d compute host(s)', len(ha.list_hosts()))
    return codes.EC_OK


def _list(ha, opts):
    # The fence-agents list format: "plug,alias", without alias here.
    for host in ha.list_hosts():
        print('%s,' % host['host'])
    return codes.EC_OK


_ACTIONS = {'off': _off, 'reboot': _off, 'on': _on, 'status': _status,
            'monitor': _monitor, 'list': _list}


def _fail(code, detail):
    title = codes.MESSAGES.get(code)
    if title:
        LOG.error('%s: %s', title, detail)
    else:
        LOG.error('%s', detail)
    return code


def run(opts, client_factory=None):
    """Run ``opts.action`` against the API; returns the exit code.

    :param client_factory: ``f(opts) -> client`` (default
        :func:`make_client`), for tests that fake the API.
    """
    try:
        opts.password = _password(opts)
        ha = (client_factory or make_client)(opts)
        if opts.domain and opts.action in opts_mod.HOST_ACTIONS:
            opts.plug = with_domain(ha, opts)
        return _ACTIONS[opts.action](ha, opts)
    except AgentError as error:
        return _fail(error.code, error.message)
    except client.ClientException as error:
        if error.status_code in (401, 403):
            return _fail(codes.EC_LOGIN_DENIED, error)
        return _fail(codes.EC_GENERIC_ERROR, error)
    except (ks_exc.Unauthorized, ks_exc.Forbidden,
            ks_exc.AuthorizationFailure) as error:
        return _fail(codes.EC_LOGIN_DENIED, error)
    except ks_exc.ConnectTimeout as error:
        return _fail(codes.EC_TIMED_OUT, error)
    except ks_exc.ConnectionError as error:
        return _fail(codes.EC_CONNECTION_LOST, error)
    except ks_exc.EndpointNotFound as error:
        return _fail(codes.EC_GENERIC_ERROR, '%s: no compute endpoint for '
                     'interface %s%s; check --endpoint-type and '
                     '--region-name' % (error, opts.endpoint_type,
                                        ' in region %s' % opts.region_name
                                        if opts.region_name else ''))
    except ks_exc.DiscoveryFailure as error:
        # NOTE: an auth URL without a version is looked up first; an
        # identity service that cannot be reached fails that lookup.
        if _connection_failed(error):
            return _fail(codes.EC_CONNECTION_LOST, error)
        return _fail(codes.EC_GENERIC_ERROR, error)
    except ks_exc.ClientException as error:
        return _fail(codes.EC_GENERIC_ERROR, error)


def _connection_failed(error):
    """Whether ``error`` was caused by a connection that failed."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, ks_exc.ConnectionError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _version():
    try:
        return importlib.metadata.version('nova-ha-ext')
    except importlib.metadata.PackageNotFoundError:
        return 'unknown'


def _usage_error(error):
    for message in error.messages:
        LOG.error('%s', message)
    sys.stderr.write(opts_mod.USAGE + '\n')
    return codes.EC_GENERIC_ERROR


def _read_options(argv, stdin):
    if argv:
        return opts_mod.from_argv(argv)
    stream = sys.stdin if stdin is None else stdin
    if isinstance(stream, str):
        return opts_mod.from_stdin(stream.splitlines())
    if stream.isatty():
        # Pacemaker always pipes options in; a person gets the usage
        # rather than a prompt-less wait.
        raise opts_mod.UsageError('No options given')
    return opts_mod.from_stdin(stream.read().splitlines())


def _main(argv, stdin, client_factory):
    try:
        opts = opts_mod.resolve(_read_options(argv, stdin))
    except opts_mod.UsageError as error:
        return _usage_error(error)
    if opts.verbose:
        LOG.setLevel(logging.DEBUG)
    if opts.help:
        sys.stdout.write(metadata.help_text())
        return codes.EC_OK
    if opts.version:
        print(_version())
        return codes.EC_OK
    if opts.action == 'metadata':
        sys.stdout.write(metadata.xml())
        return codes.EC_OK
    missing = opts_mod.missing(opts)
    if missing:
        return _usage_error(opts_mod.UsageError(*missing))
    if opts.action == 'validate-all':
        return codes.EC_OK
    return run(opts, client_factory)


@contextlib.contextmanager
def _stderr_logging():
    """Log as fence agents print ("ERROR: ..."), to the current stderr.

    keystoneauth's warnings (an unreachable identity service, say) come
    out the same way; its debug output (requests) stays off even with
    --verbose. Loggers are restored afterwards, for callers in-process.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter('%(levelname)s: %(message)s'))
    loggers = [LOG, logging.getLogger('keystoneauth')]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    try:
        yield
    finally:
        for logger, (level, propagate) in zip(loggers, saved, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


def main(argv=None, stdin=None, client_factory=None):
    """The ``fence_nova_ha`` command; returns its exit code.

    :param argv: the arguments (default ``sys.argv[1:]``); none means the
        options come as ``key=value`` lines on ``stdin``.
    :param stdin: a file or a string (default ``sys.stdin``).
    :param client_factory: see :func:`run`.
    """
    if argv is None:
        argv = sys.argv[1:]
    with _stderr_logging():
        return _main(list(argv), stdin, client_factory)
