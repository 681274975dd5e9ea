"""nova-ha-sim: an in-process Nova cloud with nova-ha-ext enabled.

By default it starts 8 fake computes in 3 racks, boots servers (some opted
in to recovery, an anti-affinity group spread over racks), fails one
host, lets ``fence_nova_ha`` report it, shows the recovery and prints the
before/after placement and the timings.
"""

import argparse
import logging
import os
import shlex
import shutil
import sys
import time
import warnings

from nova_ha_ext.sim import settings as sim_settings


def _at_least(minimum, words, kind=int):
    """An argparse type: a ``kind`` number no smaller than ``minimum``."""
    def convert(value):
        number = kind(value)
        if number < minimum:
            raise argparse.ArgumentTypeError('%s, got %s' % (words, value))
        return number
    return convert


_positive = _at_least(1, 'must be at least 1')
_non_negative = _at_least(0, 'cannot be negative')
_seconds = _at_least(0, 'cannot be negative', float)


def _parser():
    parser = argparse.ArgumentParser(
        prog='nova-ha-sim',
        description='Run an in-process Nova cloud (real API, conductor, '
                    'scheduler and placement, fake hypervisors, SQLite, '
                    'in-memory bus) with nova-ha-ext enabled: boot servers '
                    'over racks, fail a host, report it with fence_nova_ha '
                    'and watch the HA conductor recover its servers.')
    add = parser.add_argument
    add('--computes', type=_positive, default=8, metavar='N',
        help='fake compute hosts (default 8)')
    add('--racks', type=_positive, default=3, metavar='N',
        help='racks the hosts are split into, as aggregates with '
             'failure_domain:rack metadata (default 3)')
    add('--tagged', type=_non_negative, default=24, metavar='N',
        help='servers opted in to recovery, half by the '
             'automatic-recovery tag, half by HA_Enabled=True metadata '
             '(default 24)')
    add('--untagged', type=_non_negative, default=8, metavar='N',
        help='servers not opted in: they stay on a failed host '
             '(default 8)')
    add('--group-size', type=_non_negative, default=3, metavar='N',
        help='members of an anti-affinity server group spread over racks '
             '(opted in; at most --racks; default 3)')
    add('--spawn-delay', type=_seconds, default=0.5, metavar='SECONDS',
        help='time each fake hypervisor takes to start a guest, on boot and '
             'on evacuation (default 0.5)')
    add('--fail', action='append', default=[], metavar='HOST',
        help='host to fail (repeatable; default: the host of the first '
             'group member, else the last host)')
    add('--fail-rack', metavar='RACK',
        help='fail every host of rack RACK (r1, r2, ...): enough hosts go '
             'down at once for the storm guard to withhold evacuation')
    add('--evacuate', choices=sim_settings.EVACUATE_CHOICES, default='tagged',
        help='what the fence agent asks to evacuate (default tagged)')
    add('--force', action='store_true',
        help='let the fence agent override the storm guard')
    add('--keep-down', action='store_true',
        help='end with the failed hosts still down; by default they are '
             'repaired: nova-compute restarts (destroying the evacuated '
             'guests, completing their migrations) and fence_nova_ha -o on '
             'forces them up')
    add('--serve', action='store_true',
        help='afterwards keep the API listening on 127.0.0.1 (no '
             'authentication) and print nova/openstack command lines that '
             'work against it; Ctrl-C stops')
    add('--port', type=_non_negative, default=0,
        help='port for --serve (default: any free one)')
    return parser


def _parse_args(argv):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.racks > args.computes:
        parser.error('--racks %d needs at least as many --computes (got %d)'
                     % (args.racks, args.computes))
    if args.group_size > args.racks:
        parser.error('--group-size %d cannot exceed --racks %d: each member '
                     'needs a rack of its own' % (args.group_size,
                                                  args.racks))
    if args.fail and args.fail_rack:
        parser.error('give --fail or --fail-rack, not both')
    settings = sim_settings.Settings(
        computes=args.computes, racks=args.racks, tagged=args.tagged,
        untagged=args.untagged, group_size=args.group_size,
        spawn_delay=args.spawn_delay, fail=args.fail,
        fail_rack=args.fail_rack, evacuate=args.evacuate, force=args.force,
        serve=args.serve, port=args.port, host_return=not args.keep_down)
    unknown = [host for host in args.fail if host not in settings.hosts]
    if unknown:
        parser.error('--fail %s: no such host; the hosts are %s' % (
            ', '.join(unknown), ', '.join(settings.hosts)))
    racks = sorted(set(settings.racks.values()))
    if args.fail_rack and args.fail_rack not in racks:
        parser.error('--fail-rack %s: no such rack; the racks are %s' % (
            args.fail_rack, ', '.join(racks)))
    return settings


def _command(name):
    """``name`` as the user can type it: this environment's own command,
    bare when that is the one on PATH, else its full path (a ``nova`` of
    the system's, without the extension's commands, may come first)."""
    local = os.path.join(os.path.dirname(sys.executable), name)
    if not os.path.exists(local):
        return name
    found = shutil.which(name)
    if found and os.path.realpath(found) == os.path.realpath(local):
        return name
    return local


def cli_lines(env, evacuation_uuid=None):
    """Shell lines that drive the served API with both CLIs."""
    exports = ' '.join('%s=%s' % (k, shlex.quote(v))
                       for k, v in sorted(env.items()))
    nova, openstack = _command('nova'), _command('openstack')
    lines = ['export ' + exports,
             '%s ha-host-list' % nova,
             '%s ha-evacuation-list' % nova]
    if evacuation_uuid:
        lines.append('%s ha-evacuation-show %s' % (nova, evacuation_uuid))
    lines += ['%s list --all-tenants' % nova,
              '%s server list --all-projects' % openstack,
              '%s image list' % openstack,
              '%s ha host list' % openstack,
              '%s ha evacuation list -f json' % openstack]
    if evacuation_uuid:
        lines.append('%s ha evacuation show %s' % (openstack,
                                                  evacuation_uuid))
    return lines


def main(argv=None, out=sys.stdout):
    settings = _parse_args(sys.argv[1:] if argv is None else argv)
    # NOTE: the cloud runs in Nova's default (eventlet) mode unless
    # OS_NOVA_DISABLE_EVENTLET_PATCHING=1 is set: under native threads,
    # Nova 34's in-process cell-database test fixture can deadlock when
    # dozens of servers are booted at once (a reader-writer lock taken
    # from many request threads), which a simulator must not risk. The
    # extension itself runs in both modes (see tox -e functional-threading).
    # A test-suite time limit must not cut a --serve session short.
    os.environ.pop('OS_TEST_TIMEOUT', None)
    # Eventlet's and Nova's notices that eventlet mode is deprecated say
    # nothing to a simulator user; Nova's services log at INFO while the
    # harness tears them down, after its log capture has ended.
    warnings.filterwarnings('ignore', message='(?s).*eventlet')
    logging.getLogger('nova.monkey_patch').setLevel(logging.ERROR)
    logging.getLogger('nova').setLevel(logging.WARNING)
    # Imported late (loading Nova takes seconds, which --help and argument
    # errors should not pay) and in this order: Nova's functional package
    # applies the concurrency mode before anything imports urllib3.
    import nova.tests.functional  # noqa: F401
    from nova_ha_ext.sim import cloud
    from nova_ha_ext.sim import scenario

    started = time.monotonic()
    simulation = scenario.Simulation(settings, out, cli_lines=cli_lines)
    ok = cloud.run(simulation, ha_flags={})
    out.write('%s in %.1fs\n' % ('Done' if ok else 'FAILED',
                                  time.monotonic() - started))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
