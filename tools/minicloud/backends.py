"""Databases and message bus of a run: on the machine's shared servers
(per-run database names and vhost) or on private ones started in the run
dir (own port, data dir, node name, Erlang distribution and epmd ports),
which tests may restart without disturbing anything else.
"""

import os
import shutil
import subprocess

import pymysql

from minicloud import procs
from minicloud import settings as mc_settings

RABBIT_BIN = '/usr/lib/rabbitmq/bin'  # the scripts behind Debian's wrapper


# -- MariaDB ---------------------------------------------------------------

def mysql_connect(state, **kwargs):
    server = state.mysql_server()
    return pymysql.connect(host=server['host'], port=server['port'],
                           user=server['user'], password=server['password'],
                           connect_timeout=5, autocommit=True, **kwargs)


def query(state, name, sql, *args):
    """Rows of one statement on the run's database ``name`` (e.g. nova)."""
    conn = mysql_connect(state, database=state.db_name(name))
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


def _mariadb_cmd(state):
    data = state.path_of('mariadb')
    return ['/usr/sbin/mariadbd', '--no-defaults',
            '--datadir=' + os.path.join(data, 'data'),
            '--socket=' + os.path.join(data, 'mysqld.sock'),
            '--pid-file=' + os.path.join(data, 'mysqld.pid'),
            '--port=%d' % state.port('mariadb'),
            '--bind-address=127.0.0.1', '--skip-name-resolve',
            '--user=root',
            # Small: the whole cloud's data is a few MB.
            '--innodb-buffer-pool-size=64M', '--max-connections=1000',
            # Throwaway data: no durability wanted, and DDL-heavy schema
            # syncs (Neutron's) run far faster without it.
            '--innodb-flush-log-at-trx-commit=0', '--skip-innodb-doublewrite',
            '--character-set-server=utf8mb3']


def start_private_mariadb(state, timeout):
    data = os.path.join(state.path_of('mariadb'), 'data')
    if not os.path.isdir(os.path.join(data, 'mysql')):
        os.makedirs(data, exist_ok=True)
        procs.run(state, 'mariadb-install-db', [
            '/usr/bin/mariadb-install-db', '--no-defaults',
            '--datadir=' + data, '--user=root',
            '--auth-root-authentication-method=normal',
            '--skip-test-db'], timeout=timeout).wait()
    procs.spawn(state, 'mariadb', _mariadb_cmd(state),
                port=state.port('mariadb'))
    wait_mariadb(state, timeout)


def wait_mariadb(state, timeout):
    def ready():
        mysql_connect(state).close()
        return True
    procs.wait_for(state, 'mariadb', ready, 'SQL connection', timeout)


def create_mysql_databases(state):
    conn = mysql_connect(state)
    try:
        with conn.cursor() as cur:
            for name in mc_settings.MYSQL_DATABASES:
                if name == 'nova_ha' and state['ha_db'] == 'postgresql':
                    continue
                db = state.db_name(name)
                # Recorded before creation: down drops it even if we die.
                state.data['databases'].append(['mysql', db])
                state.save()
                cur.execute('CREATE DATABASE `%s` CHARACTER SET utf8' % db)
    finally:
        conn.close()


def _drop_each(server, connect, statement, names):
    """Drop the databases ``names``; what could not be done, as messages.

    ``down`` goes on whatever happens here, so an unreachable server is
    reported rather than raised.
    """
    try:
        conn = connect()
    except Exception as exc:  # noqa: BLE001 -- reported, down goes on
        return ['%s unreachable, databases %s not dropped: %s'
                % (server, ', '.join(names), exc)]
    try:
        with conn.cursor() as cur:
            for db in names:
                cur.execute(statement % db)
    finally:
        conn.close()
    return []


def drop_mysql_databases(state, names):
    return _drop_each('MariaDB', lambda: mysql_connect(state),
                      'DROP DATABASE IF EXISTS `%s`', names)


# -- PostgreSQL (the extension's own database, as a variant) ----------------

def _pg_connect():
    import psycopg2
    conn = psycopg2.connect(dbname='postgres', connect_timeout=5,
                            **mc_settings.SHARED_PG)
    conn.autocommit = True
    return conn


def create_pg_database(state):
    db = state.db_name('nova_ha')
    state.data['databases'].append(['postgresql', db])
    state.save()
    conn = _pg_connect()
    try:
        with conn.cursor() as cur:
            cur.execute('CREATE DATABASE "%s"' % db)
    finally:
        conn.close()


def drop_pg_databases(names):
    # WITH (FORCE): a leftover connection must not keep it.
    return _drop_each('PostgreSQL', _pg_connect,
                      'DROP DATABASE IF EXISTS "%s" WITH (FORCE)', names)


# -- RabbitMQ --------------------------------------------------------------

def _rabbit_env(state):
    base = state.path_of('rabbitmq')
    return {
        # HOME holds the node's own Erlang cookie; with a private epmd
        # and node name nothing is shared with the machine's broker.
        'HOME': base,
        'RABBITMQ_NODENAME': '%s@localhost' % state.run_id,
        'RABBITMQ_NODE_IP_ADDRESS': '127.0.0.1',
        'RABBITMQ_NODE_PORT': str(state.port('rabbitmq')),
        'RABBITMQ_DIST_PORT': str(state.port('rabbitmq_dist')),
        'ERL_EPMD_PORT': str(state.port('epmd')),
        'ERL_EPMD_ADDRESS': '127.0.0.1',
        'RABBITMQ_MNESIA_BASE': os.path.join(base, 'mnesia'),
        'RABBITMQ_LOG_BASE': os.path.join(base, 'log'),
        'RABBITMQ_CONFIG_FILE': os.path.join(base, 'rabbitmq'),
        'RABBITMQ_ADVANCED_CONFIG_FILE': os.path.join(base, 'advanced'),
        'RABBITMQ_ENABLED_PLUGINS_FILE': os.path.join(base,
                                                      'enabled_plugins'),
        'RABBITMQ_PID_FILE': os.path.join(base, 'rabbit.pid'),
        'RABBITMQ_LOGS': '-',
    }


def start_private_rabbitmq(state, timeout):
    base = state.path_of('rabbitmq')
    os.makedirs(base, exist_ok=True)
    with open(os.path.join(base, 'enabled_plugins'), 'w') as f:
        f.write('[].\n')
    with open(os.path.join(base, 'rabbitmq.conf'), 'w') as f:
        f.write('loopback_users = none\n'
                'listeners.tcp.default = 127.0.0.1:%d\n'
                # A run dir's disk is the machine's: don't block
                # publishers over free space a laptop would have.
                'disk_free_limit.absolute = 50MB\n' % state.port('rabbitmq'))
    env = _rabbit_env(state)
    if 'epmd' not in state.data['services'] or not procs.alive(
            state.data['services']['epmd']['pid']):
        # Foreground epmd in our process group: beam would otherwise
        # start a daemonised one that outlives the run.
        procs.spawn(state, 'epmd', ['epmd', '-port', env['ERL_EPMD_PORT'],
                                    '-address', '127.0.0.1'],
                    port=state.port('epmd'))
        procs.wait_for(state, 'epmd',
                       lambda: procs.port_open(state.port('epmd')),
                       'listening port', timeout)
    procs.spawn(state, 'rabbitmq',
                [os.path.join(RABBIT_BIN, 'rabbitmq-server')], env=env,
                port=state.port('rabbitmq'), cwd=base)
    wait_rabbitmq(state, timeout)


def wait_rabbitmq(state, timeout):
    procs.wait_for(state, 'rabbitmq',
                   lambda: procs.port_open(state.port('rabbitmq')),
                   'AMQP port %d' % state.port('rabbitmq'), timeout)


def _rabbitmqctl(*args):
    # Debian's wrapper runs it as the rabbitmq user, whose cookie reaches
    # the machine's broker.
    return subprocess.run(  # noqa: S603 -- fixed binary, our arguments
        ['/usr/sbin/rabbitmqctl'] + list(args),
        capture_output=True, text=True, timeout=60)


def create_vhost(state):
    vhost = state.run_id
    state.data['vhost'] = vhost
    state.save()
    for args in (('add_vhost', vhost),
                 ('set_permissions', '-p', vhost, 'guest', '.*', '.*',
                  '.*')):
        result = _rabbitmqctl(*args)
        if result.returncode != 0:
            raise procs.CloudError('rabbitmqctl %s failed: %s%s' % (
                ' '.join(args), result.stdout, result.stderr))


def delete_vhost(vhost):
    result = _rabbitmqctl('delete_vhost', vhost)
    if result.returncode != 0 and 'does_not_exist' not in (
            result.stdout + result.stderr) and 'not exist' not in (
            result.stdout + result.stderr):
        return ['vhost %s not deleted: %s%s' % (vhost, result.stdout,
                                                  result.stderr)]
    return []


def remove_private_data(state):
    for name in ('mariadb', 'rabbitmq'):
        shutil.rmtree(state.path_of(name), ignore_errors=True)
