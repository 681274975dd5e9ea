"""up, down, status and restart of a run."""

import glob
import os
import shutil
import signal
import subprocess
import time

from minicloud import backends
from minicloud import bootstrap
from minicloud import configs
from minicloud import procs
from minicloud.settings import State

# Health URLs of the HTTP services (401 counts: the app answers).
HEALTH = {'keystone': '/v3', 'glance': '/', 'neutron': '/',
          'placement': '/', 'nova-api': '/'}
PRIVATE = ('mariadb', 'rabbitmq', 'epmd')


def say(msg):
    print('minicloud: ' + msg, flush=True)


def _start(state, settings, name):
    argv, env, port, cwd = configs.commands(state, settings)[name]
    procs.spawn(state, name, argv, env=env, port=port, cwd=cwd)


def _wait_started(state, name, timeout):
    service = state.data['services'][name]
    if name in HEALTH:
        url = 'http://127.0.0.1:%d%s' % (service['port'], HEALTH[name])
        procs.wait_for(state, name, lambda: procs.http_ok(url),
                       'HTTP answer on %s' % url, timeout)
    else:
        # A service that crashes at start-up does it within a few seconds
        # (bad config, no database); the rest is waited for through Nova.
        procs.wait_for(state, name, lambda: time.time() - service[
            'started'] > 3, 'start-up', timeout)


def _service_row(state, binary):
    conn = backends.mysql_connect(state, database=state.db_name('nova'))
    try:
        with conn.cursor() as cur:
            cur.execute('SELECT COUNT(*) FROM services WHERE `binary` = %s '
                        'AND deleted = 0', (binary,))
            return cur.fetchone()[0] > 0
    finally:
        conn.close()


def up(settings):
    if State.load(settings):
        raise procs.CloudError(
            'a run already exists in %s (tools/minicloud.sh down first)'
            % settings.run_dir)
    started = time.monotonic()
    shutil.rmtree(os.path.join(settings.run_dir, 'logs'), ignore_errors=True)
    state = State.create(settings)
    timeout = settings.start_timeout
    say('run %s in %s' % (state.run_id, settings.run_dir))
    if settings.private_db:
        backends.start_private_mariadb(state, timeout)
    if settings.private_mq:
        backends.start_private_rabbitmq(state, timeout)
    else:
        backends.create_vhost(state)
    backends.create_mysql_databases(state)
    if state['ha_db'] == 'postgresql':
        backends.create_pg_database(state)
    configs.write_all(state, settings)
    say('databases and vhost ready; syncing schemas (%.0fs)' % (
        time.monotonic() - started))
    jobs = bootstrap.schema_jobs(state, settings)
    jobs['sync-keystone'].wait()
    _start(state, settings, 'keystone')
    _wait_started(state, 'keystone', timeout)
    bootstrap.identity_setup(state)
    say('keystone ready (%.0fs)' % (time.monotonic() - started))
    for sync, names in (('sync-placement', ['placement']),
                        ('sync-glance', ['glance']),
                        ('sync-nova', ['nova-api', 'nova-conductor',
                                       'nova-scheduler']),
                        ('sync-neutron', ['neutron'])):
        jobs[sync].wait()
        for name in names:
            _start(state, settings, name)
    # NOTE: a nova-compute started before nova-conductor listens waits
    # out a whole RPC timeout (60 s) before asking again.
    procs.wait_for(state, 'nova-conductor', lambda: _service_row(
        state, 'nova-conductor'), 'its service record', timeout)
    names = list(configs.commands(state, settings))
    for name in names:
        if name.startswith(('nova-compute-', 'nova-ha-conductor-')):
            _start(state, settings, name)
    for name in names:
        if name != 'keystone':
            _wait_started(state, name, timeout)
    say('all services started (%.0fs)' % (time.monotonic() - started))
    bootstrap.upload_image(state)
    bootstrap.create_flavors(state)
    bootstrap.wait_computes(state, settings, timeout)
    racks = bootstrap.create_racks(state, settings)
    configs.write_clients(state)
    state.data['up_seconds'] = round(time.monotonic() - started, 1)
    state.save()
    say('up in %.1fs: %d computes in racks %s; clouds.yaml and openrc in %s'
        % (state['up_seconds'], settings.computes, ', '.join(
            '%s=%s' % (r, '+'.join(h)) for r, h in sorted(racks.items())),
           settings.run_dir))
    return state


def down(settings):
    """Stop everything the run started and drop what it created; safe on
    a partial run, and after it nothing of the run is left."""
    state = State.load(settings)
    if state is None:
        say('nothing to stop in %s' % settings.run_dir)
        return []
    problems = []
    services = state.data['services']
    # Clients first, then the servers they talk to: fewer reconnect
    # storms and error lines in the logs while stopping.
    for group in ([n for n in services if n not in PRIVATE],
                  [n for n in services if n in PRIVATE]):
        pids = {services[n]['pid']: n for n in group}
        for pid in procs.stop(list(pids)):
            problems.append('%s (pid %d) survived SIGKILL' % (pids[pid], pid))
    mysql = [db for kind, db in state['databases'] if kind == 'mysql']
    pg = [db for kind, db in state['databases'] if kind == 'postgresql']
    if mysql and not state['private_db']:
        problems += backends.drop_mysql_databases(state, mysql)
    if pg:
        problems += backends.drop_pg_databases(pg)
    if state['vhost']:
        problems += backends.delete_vhost(state['vhost'])
    backends.remove_private_data(state)
    # The logs stay for a look after the fact; the next up clears them.
    for name in ('etc', 'lock', 'keystone', 'glance', 'neutron', 'nova'):
        shutil.rmtree(state.path_of(name), ignore_errors=True)
    for name in ('clouds.yaml', 'openrc', 'state.json'):
        if os.path.exists(state.path_of(name)):
            os.remove(state.path_of(name))
    for name in list(os.listdir(state.path_of())):
        if name.startswith('openrc.'):
            os.remove(state.path_of(name))
    for problem in problems:
        say('down: ' + problem)
    say('down: %d processes stopped, %d databases %s%s' % (
        len(services), len(state['databases']),
        'removed with the private server' if state['private_db']
        else 'dropped',
        ', vhost %s deleted' % state['vhost'] if state['vhost'] else ''))
    return problems


def total_rss_mib(state):
    return sum(procs.rss_kib(s['pid']) for s in state.data[
        'services'].values() if not s.get('oneshot')) / 1024.0


def versions(settings):
    """What runs: the Python distributions and the Debian servers."""
    found = {}
    for venv, names in ((settings.cloud_venv, ('keystone', 'glance',
                                               'neutron', 'gunicorn')),
                        (settings.venv, ('nova', 'openstack_placement',
                                         'nova_ha_ext'))):
        for path in glob.glob(os.path.join(
                venv, 'lib', 'python3*', 'site-packages', '*.dist-info')):
            name, _, version = os.path.basename(path)[:-10].partition('-')
            if name.lower().replace('-', '_') in names:
                found[name.lower().replace('_', '-')] = version
    for package in ('mariadb-server', 'rabbitmq-server', 'postgresql'):
        result = subprocess.run(  # noqa: S603 -- dpkg's own tool
            ['/usr/bin/dpkg-query', '-W', '-f', '${Version}', package],
            capture_output=True, text=True)
        if result.returncode == 0 and result.stdout:
            found[package] = result.stdout
    return ', '.join('%s %s' % item for item in sorted(found.items()))


def status(settings):
    state = State.load(settings)
    if state is None:
        say('no run in %s' % settings.run_dir)
        return 1
    print('run %s in %s (%s DB, %s MQ, nova_ha on %s)' % (
        state.run_id, settings.run_dir,
        'private' if state['private_db'] else 'shared',
        'private' if state['private_mq'] else 'shared', state['ha_db']))
    print('%-26s %8s %-5s %6s %9s' % ('service', 'pid', 'alive', 'port',
                                      'rss MiB'))
    dead = 0
    total = 0
    for name, service in state.data['services'].items():
        if service.get('oneshot'):
            continue
        is_alive = procs.alive(service['pid'])
        dead += not is_alive
        rss = procs.rss_kib(service['pid']) / 1024.0
        total += rss
        print('%-26s %8d %-5s %6s %9.0f' % (
            name, service['pid'], 'yes' if is_alive else 'NO',
            service['port'] or '-', rss))
    print('total RSS %.0f MiB; logs in %s' % (total, state.path_of('logs')))
    print('versions: ' + versions(settings))
    return 1 if dead else 0


def restart(settings, name, sig=signal.SIGTERM):
    """Stop one service (its whole group) and start it again as up did;
    for the private servers, wait until they serve again."""
    state = State.load(settings)
    if state is None:
        raise procs.CloudError('no run in %s' % settings.run_dir)
    services = state.data['services']
    if name not in services:
        raise procs.CloudError('no service %r; one of: %s' % (
            name, ', '.join(sorted(services))))
    service = services[name]
    procs.stop(service['pid'], sig=sig)
    if name == 'mariadb':
        procs.spawn(state, name, service['cmd'], port=service['port'])
        backends.wait_mariadb(state, settings.start_timeout)
    elif name == 'rabbitmq':
        procs.spawn(state, name, service['cmd'], env=service['env'],
                    port=service['port'], cwd=service['cwd'])
        backends.wait_rabbitmq(state, settings.start_timeout)
    else:
        procs.spawn(state, name, service['cmd'], env=service['env'],
                    port=service['port'], cwd=service.get('cwd'))
        _wait_started(state, name, settings.start_timeout)
    say('%s restarted (pid %d)' % (name, services[name]['pid']))


def kill(settings, name, sig):
    """Signal one service's process group without restarting it (a test
    simulating a dead host SIGKILLs its nova-compute)."""
    state = State.load(settings)
    if state is None or name not in state.data['services']:
        raise procs.CloudError('no service %r in %s' % (name,
                                                       settings.run_dir))
    os.killpg(state.data['services'][name]['pid'], sig)


def openstack(settings, state, cloud, *args):
    """Run the openstack CLI of the project venv against this run."""
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=state.path_of(
        'clouds.yaml'), OS_CLOUD=cloud)
    return subprocess.run(  # noqa: S603 -- the venv's CLI
        [settings.bin('openstack')] + list(args),
        capture_output=True, text=True, env=env, timeout=120)
