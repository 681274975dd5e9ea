"""Command line of tools/minicloud.sh (run as ``python -m minicloud``)."""

import argparse
import signal
import sys

from minicloud import cloud
from minicloud import procs
from minicloud import settings as mc_settings


def _raise_exit(signum, frame):
    # SIGTERM/SIGHUP end the command through its finally clauses, so a
    # smoke or up that is killed still runs down.
    raise SystemExit(128 + signum)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='tools/minicloud.sh',
        description='Real OpenStack services on 127.0.0.1 with nova-ha-ext '
                    '(settings: MINICLOUD_* variables, see '
                    'tools/minicloud/README.md).')
    sub = parser.add_subparsers(dest='command', required=True)
    sub.add_parser('up', help='start a cloud (fails if one runs in the dir)')
    sub.add_parser('down', help='stop it and drop everything it created')
    sub.add_parser('status', help='services, pids, liveness, ports, RSS')
    sub.add_parser('smoke', help='up, fail a compute, fence it, check the '
                                 'recovery, down')
    restart = sub.add_parser(
        'restart', help='restart one service (mariadb, rabbitmq, '
                        'nova-compute-mc-compute1, ...)')
    restart.add_argument('service')
    kill = sub.add_parser('kill', help='signal one service (no restart)')
    kill.add_argument('service')
    kill.add_argument('--signal', default='KILL',
                      help='signal name (default KILL)')
    args = parser.parse_args(argv)
    settings = mc_settings.Settings()
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.signal(signal.SIGHUP, _raise_exit)
    try:
        if args.command == 'up':
            try:
                cloud.up(settings)
            except BaseException as exc:
                # Leave nothing half-started behind; the logs stay.
                if isinstance(exc, procs.CloudError):
                    print('minicloud: ERROR: %s' % exc, file=sys.stderr)
                cloud.say('up failed; stopping what was started (logs '
                          'kept in %s/logs)' % settings.run_dir)
                cloud.down(settings)
                if isinstance(exc, procs.CloudError):
                    return 1
                raise
        elif args.command == 'down':
            return 1 if cloud.down(settings) else 0
        elif args.command == 'status':
            return cloud.status(settings)
        elif args.command == 'smoke':
            from minicloud import smoke
            return smoke.run(settings)
        elif args.command == 'restart':
            cloud.restart(settings, args.service)
        elif args.command == 'kill':
            name = args.signal.upper()
            sig = getattr(signal, name if name.startswith('SIG')
                          else 'SIG' + name)
            cloud.kill(settings, args.service, sig)
    except procs.CloudError as exc:
        print('minicloud: ERROR: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
