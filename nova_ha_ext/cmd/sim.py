"""nova-ha-sim: an in-process Nova cloud with nova-ha-ext enabled."""

import argparse
import logging
import os
import sys
import time

import prettytable


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='nova-ha-sim',
        description='Boot an in-process Nova cloud (real API, conductor, '
                    'scheduler and placement, fake hypervisors) with '
                    'nova-ha-ext enabled and show what the extension sees.')
    parser.add_argument('--computes', type=int, default=4, metavar='N',
                        help='fake compute hosts to start (default 4)')
    parser.add_argument('--servers', type=int, default=6, metavar='N',
                        help='servers to boot (default 6)')
    parser.add_argument('--fail', default='compute4', metavar='HOST',
                        help='host whose nova-compute stops reporting, so '
                             'it reads down (default compute4; "" for none)')
    args = parser.parse_args(argv)
    if args.computes < 1:
        parser.error('--computes must be at least 1')
    if args.servers < 0:
        parser.error('--servers cannot be negative')
    hosts = ['compute%d' % i for i in range(1, args.computes + 1)]
    if args.fail and args.fail not in hosts:
        parser.error('--fail %s is not one of the hosts: %s'
                     % (args.fail, ', '.join(hosts)))
    args.hosts = hosts
    return args


def _hosts_table(hosts, servers_per_host):
    table = prettytable.PrettyTable(
        ['Host', 'State', 'Forced down', 'Disabled', 'Disabled reason',
         'Servers', 'Active evacuation'])
    table.align = 'l'
    for host in hosts:
        table.add_row([
            host['host'], host['state'], host['forced_down'],
            host['disabled'], host['disabled_reason'] or '',
            servers_per_host.get(host['host'], 0),
            host['evacuation_uuid'] or ''])
    return table


def _scenario(args, out):
    def scenario(cloud):
        started = time.monotonic()
        for host in args.hosts:
            cloud._start_compute(host)
        out.write('Started %d fake computes in %.1fs\n'
                  % (len(args.hosts), time.monotonic() - started))

        booted = time.monotonic()
        servers = [
            cloud._create_server(name='vm%d' % i, networks='none',
                                 api=cloud.admin_api)
            for i in range(1, args.servers + 1)]
        out.write('Booted %d servers in %.1fs\n'
                  % (len(servers), time.monotonic() - booted))
        per_host = {}
        for server in servers:
            host = server['OS-EXT-SRV-ATTR:host']
            per_host[host] = per_host.get(host, 0) + 1

        if args.fail:
            cloud._mark_host_down(args.fail)
            out.write('%s stopped reporting (its heartbeat is now older '
                      'than service_down_time)\n' % args.fail)

        hosts = cloud.admin_api.api_get('/os-ha/hosts').body['hosts']
        out.write('\nGET /v2.1/os-ha/hosts\n')
        out.write(_hosts_table(hosts, per_host).get_string() + '\n')
        if sorted(h['host'] for h in hosts) != sorted(args.hosts):
            raise AssertionError('os-ha/hosts listed %s, expected %s'
                                 % ([h['host'] for h in hosts], args.hosts))
    return scenario


def main(argv=None, out=sys.stdout):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    # Nova is moving to native threads; run the cloud that way unless the
    # caller chose eventlet explicitly. Must be set before Nova is imported.
    os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', '1')
    # Nova's services log at INFO while the harness tears them down, after
    # its log capture has ended; keep that off the simulator's output.
    logging.getLogger('nova').setLevel(logging.WARNING)
    # Imported late: loading Nova and its fixtures takes seconds, which
    # --help and argument errors should not pay.
    from nova_ha_ext.sim import cloud

    started = time.monotonic()
    ok = cloud.run(_scenario(args, out))
    out.write('%s in %.1fs\n' % ('Done' if ok else 'FAILED',
                                  time.monotonic() - started))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
