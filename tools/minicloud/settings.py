"""What a minicloud run is made of: settings from the environment and the
run's state file.

Every choice a test may want to change is an environment variable read
here, once, so the other modules take a ``Settings`` and never look at
``os.environ`` themselves. The state file (``state.json`` in the run dir)
is written before anything is created and after every step, so that
``down`` after a partial or crashed ``up`` knows exactly which processes,
databases and vhost belong to the run.
"""

import json
import os
import secrets
import socket

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

SHARED_MYSQL = dict(host='127.0.0.1', port=3306, user='root', password='')
SHARED_PG = dict(host='127.0.0.1', port=5432, user='postgres')
SHARED_RABBIT_PORT = 5672

# Databases of one run; each gets the run's prefix on a shared server.
MYSQL_DATABASES = ('keystone', 'glance', 'neutron', 'placement',
                   'nova_api', 'nova_cell0', 'nova', 'nova_ha')

# Ports every run needs; the private servers add theirs.
API_PORTS = ('keystone', 'glance', 'neutron', 'placement', 'nova_api')
PRIVATE_PORTS = ('mariadb', 'rabbitmq', 'rabbitmq_dist', 'epmd')


def _flag(name):
    return os.environ.get(name, '').lower() in ('1', 'true', 'yes', 'on')


def _int(name, default):
    value = os.environ.get(name, '')
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit('%s must be an integer, not %r' % (name, value))


def _pairs(name):
    pairs = {}
    for item in filter(None, os.environ.get(name, '').split(',')):
        key, sep, value = item.partition('=')
        if not sep or not key.strip():
            raise SystemExit('%s: %r is not key=value' % (name, item))
        pairs[key.strip()] = value.strip()
    return pairs


class Settings:
    """The knobs of a run (all from MINICLOUD_* variables)."""

    def __init__(self):
        self.run_dir = os.path.abspath(os.environ.get(
            'MINICLOUD_DIR', os.path.join(REPO, '.minicloud')))
        self.computes = _int('MINICLOUD_COMPUTES', 3)
        # Round-robin over racks, so 3 computes are 3 racks of one host
        # and 6 computes are 3 racks of two.
        self.racks = _int('MINICLOUD_RACKS', min(self.computes, 3))
        self.ha_conductors = _int('MINICLOUD_HA_CONDUCTORS', 2)
        self.api_workers = _int('MINICLOUD_API_WORKERS', 2)
        self.placement_workers = _int('MINICLOUD_PLACEMENT_WORKERS', 1)
        # Nova's [filter_scheduler] host_subset_size (Nova's default, 1,
        # unless set): the benchmark's cloud spreads bursts of concurrent
        # evacuations with it, as an operator of an HA cloud would.
        self.host_subset_size = _int('MINICLOUD_HOST_SUBSET_SIZE', 1)
        # Extra [nova_ha] options, "key=value,key=value" (the benchmark's
        # --ha-option): a setting measured without editing configs.py.
        self.ha_options = _pairs('MINICLOUD_HA_OPTIONS')
        self.private_db = _flag('MINICLOUD_PRIVATE_DB')
        self.private_mq = _flag('MINICLOUD_PRIVATE_MQ')
        self.ha_db = os.environ.get('MINICLOUD_HA_DB') or 'mysql'
        if self.ha_db not in ('mysql', 'mariadb', 'postgresql'):
            raise SystemExit('MINICLOUD_HA_DB must be mysql or postgresql')
        self.ha_lease_seconds = _int('MINICLOUD_HA_LEASE_SECONDS', 60)
        self.ha_resume_interval = _int('MINICLOUD_HA_RESUME_INTERVAL', 30)
        # The e2e tier's nova_ha_ext.virt.recording_fake.RecordingFakeDriver
        # shows each compute's guests on disk and can slow spawns.
        self.recording_driver = _flag('MINICLOUD_RECORDING_DRIVER')
        self.password = os.environ.get('MINICLOUD_PASSWORD', 'minicloud')
        self.start_timeout = _int('MINICLOUD_TIMEOUT', 180)
        self.smoke_servers = _int('MINICLOUD_SMOKE_SERVERS', 6)
        self.smoke_timeout = _int('MINICLOUD_SMOKE_TIMEOUT', 300)
        self.debug = _flag('MINICLOUD_DEBUG')
        self.venv = os.path.join(REPO, '.venv')
        self.cloud_venv = os.path.abspath(os.environ.get(
            'MINICLOUD_CLOUD_VENV', os.path.join(REPO, '.venv-cloud')))

    def hosts(self):
        return ['mc-compute%d' % (i + 1) for i in range(self.computes)]

    def rack_of(self, host):
        index = self.hosts().index(host)
        return 'r%d' % (index % max(self.racks, 1) + 1)

    def bin(self, name, cloud=False):
        return os.path.join(self.cloud_venv if cloud else self.venv,
                            'bin', name)


def free_port():
    # NOTE: the kernel picks a port nobody listens on; a run records its
    # ports at once, so two runs racing for one port is the only (tiny)
    # window, and the service that loses it fails its bounded wait.
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class State:
    """``state.json``: what this run created, kept current on disk."""

    def __init__(self, path, data):
        self.path = path
        self.data = data

    @classmethod
    def load(cls, settings):
        path = os.path.join(settings.run_dir, 'state.json')
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return cls(path, json.load(f))

    @classmethod
    def create(cls, settings):
        os.makedirs(settings.run_dir, exist_ok=True)
        run_id = 'mc_' + secrets.token_hex(4)
        names = list(API_PORTS)
        if settings.private_db:
            names.append('mariadb')
        if settings.private_mq:
            names += ['rabbitmq', 'rabbitmq_dist', 'epmd']
        ports = {}
        for name in names:
            port = free_port()
            while port in ports.values():
                port = free_port()
            ports[name] = port
        data = {
            'run_id': run_id,
            'run_dir': settings.run_dir,
            'private_db': settings.private_db,
            'private_mq': settings.private_mq,
            'ha_db': 'postgresql' if settings.ha_db == 'postgresql'
                     else 'mysql',
            'computes': settings.computes,
            'password': settings.password,
            'ports': ports,
            # Filled in as they are created, so down drops exactly them.
            'databases': [],
            'vhost': None,
            'services': {},
        }
        state = cls(os.path.join(settings.run_dir, 'state.json'), data)
        state.save()
        return state

    def save(self):
        tmp = self.path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def __getitem__(self, key):
        return self.data[key]

    @property
    def run_id(self):
        return self.data['run_id']

    def port(self, name):
        return self.data['ports'][name]

    def path_of(self, *parts):
        return os.path.join(self.data['run_dir'], *parts)

    def mysql_server(self):
        if self.data['private_db']:
            return dict(host='127.0.0.1', port=self.port('mariadb'),
                        user='root', password='')
        return dict(SHARED_MYSQL)

    def rabbit_port(self):
        if self.data['private_mq']:
            return self.port('rabbitmq')
        return SHARED_RABBIT_PORT

    def db_name(self, name):
        return '%s_%s' % (self.run_id, name)

    def db_url(self, name):
        if name == 'nova_ha' and self.data['ha_db'] == 'postgresql':
            return 'postgresql+psycopg2://%s@%s:%d/%s' % (
                SHARED_PG['user'], SHARED_PG['host'], SHARED_PG['port'],
                self.db_name(name))
        server = self.mysql_server()
        return 'mysql+pymysql://%s@%s:%d/%s?charset=utf8' % (
            server['user'], server['host'], server['port'],
            self.db_name(name))

    def transport_url(self):
        # The vhost name is the run id: one per run, dropped by down.
        vhost = self.run_id if not self.data['private_mq'] else ''
        return 'rabbit://guest:guest@127.0.0.1:%d/%s' % (
            self.rabbit_port(), vhost)

    def url(self, service, path=''):
        return 'http://127.0.0.1:%d%s' % (self.port(service), path)
