"""The baselines that call Nova's API themselves, run as their own process.

``python -m benchmarks.recovery.callers loop|floor --auth-url URL
--password PW --host HOST [--parallel P] [--poll S] [--timeout S]``

* ``loop``: today's operator -- force the service down, list the host's
  servers and evacuate them one after the other, as ``nova host-evacuate``
  does, then poll until every one is ACTIVE elsewhere;
* ``floor``: the same, the evacuate calls made by P callers at once, with
  nothing tracked but the final poll: how fast the cloud takes evacuations
  at all.

Both use microversion 2.94: from 2.95 an evacuated server ends stopped,
and nobody restoring service wants that. The last line on stdout is one
JSON object of wall-clock times (``time.time()``), so the benchmark can
line them up with what it observed; its own process's CPU time is read by
the benchmark when this process ends.
"""

import argparse
import json
import queue
import sys
import threading
import time

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

MICROVERSION = '2.94'


def _session(args):
    auth = v3.Password(auth_url=args.auth_url, username='admin',
                       password=args.password, project_name='admin',
                       user_domain_id='default', project_domain_id='default')
    return ks_session.Session(auth=auth, timeout=120)


def _call(sess, method, path, **kwargs):
    resp = sess.request(
        path, method, raise_exc=False,
        headers={'OpenStack-API-Version': 'compute ' + MICROVERSION},
        endpoint_filter={'service_type': 'compute', 'interface': 'public'},
        **kwargs)
    return resp


def force_down(sess, host):
    services = _call(sess, 'GET', '/os-services', params={
        'host': host, 'binary': 'nova-compute'}).json()['services']
    resp = _call(sess, 'PUT', '/os-services/%s' % services[0]['id'],
                 json={'forced_down': True})
    if resp.status_code != 200:
        raise SystemExit('force-down of %s: %d %s' % (host, resp.status_code,
                                                     resp.text))


def list_host(sess, host):
    return [s['id'] for s in _call(sess, 'GET', '/servers/detail', params={
        'host': host, 'all_tenants': 1, 'limit': 1000}).json()['servers']]


def evacuate(sess, server_id, errors):
    resp = _call(sess, 'POST', '/servers/%s/action' % server_id,
                 json={'evacuate': {}})
    if resp.status_code != 200:
        errors.append('%s: %d %s' % (server_id, resp.status_code,
                                     resp.text[:200]))


def wait_moved(sess, host, ids, poll, deadline):
    """Poll the servers API until every one of ``ids`` is ACTIVE, with no
    task, on another host; the time it first saw that, or None."""
    ids = set(ids)
    while time.time() < deadline:
        servers = _call(sess, 'GET', '/servers/detail', params={
            'all_tenants': 1, 'limit': 1000}).json()['servers']
        moved = {s['id'] for s in servers if s['id'] in ids and
                 s['status'] == 'ACTIVE' and
                 not s.get('OS-EXT-STS:task_state') and
                 s.get('OS-EXT-SRV-ATTR:host') not in (None, host)}
        if moved == ids:
            return time.time()
        time.sleep(poll)
    return None


def run(args):
    sess = _session(args)
    sess.get_token()  # not part of the recovery: the CLI has one cached
    # One session per caller, each with its token before the clock starts.
    own = [_session(args) for _ in range(args.parallel)] \
        if args.mode == 'floor' else []
    for caller_session in own:
        caller_session.get_token()
    result = {'started': time.time(), 'errors': []}
    force_down(sess, args.host)
    result['forced_down'] = time.time()
    ids = list_host(sess, args.host)
    result['listed'] = len(ids)
    if args.mode == 'loop':
        for server_id in ids:
            evacuate(sess, server_id, result['errors'])
    else:
        todo = queue.Queue()
        for server_id in ids:
            todo.put(server_id)

        def caller(caller_session):
            while True:
                try:
                    server_id = todo.get_nowait()
                except queue.Empty:
                    return
                evacuate(caller_session, server_id, result['errors'])

        threads = [threading.Thread(target=caller, args=(s,)) for s in own]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    result['calls_returned'] = time.time()
    result['done'] = wait_moved(sess, args.host, ids, args.poll,
                                result['started'] + args.timeout)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m '
                                     'benchmarks.recovery.callers')
    parser.add_argument('mode', choices=('loop', 'floor'))
    parser.add_argument('--auth-url', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--host', required=True)
    parser.add_argument('--parallel', type=int, default=1)
    parser.add_argument('--poll', type=float, default=1.0)
    parser.add_argument('--timeout', type=float, default=900)
    args = parser.parse_args(argv)
    print(json.dumps(run(args)), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
