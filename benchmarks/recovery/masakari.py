"""Masakari 22 as a peer of the recovery benchmark on the minicloud.

masakari-api and masakari-engine from PyPI (``.venv-masakari``, pinned by
``masakari-constraints.txt``) run as two more services of a running
minicloud: their own database on the run's MariaDB, the run's vhost,
a Keystone service user and an ``instance-ha`` entry in the catalog.
They reach Nova only through that catalog, as masakari-engine does in a
deployment, and the benchmark talks to masakari-api only over HTTP, the
way masakari-hostmonitor reports a failed host.

Nothing here forces a service down in Nova or otherwise helps Masakari:
what it does with Nova's answers is its own behaviour.
"""

import datetime
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# NOTE: the minicloud package lives in tools/ (as e2e/base.py finds it).
if os.path.join(REPO, 'tools') not in sys.path:
    sys.path.insert(0, os.path.join(REPO, 'tools'))

from minicloud import backends  # noqa: E402
from minicloud import bootstrap  # noqa: E402
from minicloud import configs  # noqa: E402
from minicloud import procs  # noqa: E402
from minicloud import settings as mc_settings  # noqa: E402

VENV = os.path.join(REPO, '.venv-masakari')
CONSTRAINTS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           'masakari-constraints.txt')
# A copy of the constraints the venv was built from: install() redoes the
# install when the file changes, and is a few stat calls otherwise.
STAMP = os.path.join(VENV, '.masakari-constraints')
PACKAGES = ('masakari==22.0.0', 'PyMySQL')

API, ENGINE = 'masakari-api', 'masakari-engine'
USER = 'masakari'
SERVICE_TYPE = 'instance-ha'
# masakari-engine's RPC topic ([DEFAULT] masakari_topic, default).
ENGINE_TOPIC = 'ha_engine'
# Notification statuses Masakari leaves alone; 'error' is retried by the
# engine's periodic task (every 120 s), which then ends it 'failed' if the
# retry fails too.
FINAL = ('finished', 'failed', 'ignored')

# "Waits 0": every pause of the host-failure path set to 0 (defaults in
# the comments, from masakari/conf/engine.py and conf/api.py of 22.0.0).
WAITS_ZERO = {
    # 180: the sleep after disabling the failed host's nova-compute,
    # "until nova recognizes the node down".
    'wait_period_after_service_update': 0,
    # 90: the bound of each instance's evacuation confirmation. Not a
    # sleep: oslo.service's timed looping call treats 0 as no bound.
    'wait_period_after_evacuation': 0,
    # 180: the bound of stopping an instance that was stopped before the
    # failure, after its evacuation (0: no bound, as above).
    'wait_period_after_power_off': 0,
    # 5: masakari-api sleeps a random 0..5 s before it records a
    # notification when no coordination backend is configured.
    'notification_delay_max': 0,
}


def _bin(name):
    return os.path.join(VENV, 'bin', name)


def install():
    """Create ``.venv-masakari`` from the constraints file, once."""
    if os.path.exists(STAMP) and os.access(_bin(ENGINE), os.X_OK) and \
            filecmp.cmp(CONSTRAINTS, STAMP, shallow=False):
        return
    print('masakari: installing %s into %s (about a minute)' % (
        ' '.join(PACKAGES), VENV), flush=True)
    python = os.environ.get('PYTHON', 'python3')
    with tempfile.NamedTemporaryFile(prefix='masakari-install.',
                                     suffix='.log', delete=False) as log:
        steps = [[_bin('python'), '-m', 'pip', 'install', '-c', CONSTRAINTS]
                 + list(PACKAGES)]
        if not os.access(_bin('python'), os.X_OK):
            steps.insert(0, [python, '-m', 'venv', VENV])
        for cmd in steps:
            log.write(('--- %s\n' % ' '.join(cmd)).encode())
            log.flush()
            rc = subprocess.call(  # noqa: S603 -- fixed argv
                cmd, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
            if rc != 0:
                raise SystemExit('masakari: install failed (%s exited %d)\n'
                                 '  last lines of %s:\n%s' % (
                                     ' '.join(cmd[:4]), rc, log.name,
                                     procs.tail(log.name, 40)))
    os.remove(log.name)
    shutil.copy(CONSTRAINTS, STAMP)


def _utcnow_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        '%Y-%m-%dT%H:%M:%S.%fZ')


def wait_nova_sees_down(state, host, timeout=180):
    """Wait until Nova reports ``host``'s nova-compute down; the seconds
    waited.

    That is the moment Nova stops refusing an evacuation from the host
    (its last heartbeat is ``service_down_time`` old), without anybody
    forcing the service down. Masakari notified with its waits at 0
    before then has its evacuations refused and retries only in its
    periodic task: call this first for a "waits 0" run that measures
    Masakari rather than its retry period.
    """
    sess = bootstrap.admin_session(state)
    started = time.monotonic()

    def down():
        services = bootstrap.compute(sess, 'GET', '/os-services', params={
            'binary': 'nova-compute', 'host': host})['services']
        if not services:
            raise procs.CloudError('Nova has no nova-compute on %s' % host)
        return services[0]['state'] == 'down'

    procs.until('nova-compute on %s down in Nova' % host, down, timeout,
                interval=0.5)
    return time.monotonic() - started


class Masakari:
    """masakari-api and masakari-engine of one minicloud run."""

    def __init__(self, state, settings, waits_zero=False):
        self.state = state
        self.settings = settings
        self.waits_zero = waits_zero
        self._session = None
        self._segments = 0

    @property
    def conf_path(self):
        return self.state.path_of('etc', 'masakari', 'masakari.conf')

    def _log(self, name):
        return self.state.path_of('logs', name + '.log')

    # -- life cycle ---------------------------------------------------------
    def start(self):
        install()
        if self.pids():
            raise procs.CloudError('masakari: already running (pids %s); '
                                   'stop() it first' % self.pids())
        timeout = self.settings.start_timeout
        try:
            self._fresh_database()
            self._identity()
            self._write_conf()
            procs.run(self.state, 'sync-masakari', [
                _bin('masakari-manage'), '--config-file', self.conf_path,
                'db', 'sync'], timeout=timeout).wait()
            for name in (API, ENGINE):
                procs.spawn(self.state, name, [
                    _bin(name), '--config-file', self.conf_path],
                    port=self.port if name == API else None)
            url = 'http://127.0.0.1:%d/' % self.port
            procs.wait_for(self.state, API, lambda: procs.http_ok(url),
                           'HTTP answer on %s' % url, timeout)
            # NOTE: masakari-api casts each notification to the engine's
            # topic; a cast before the engine's queue exists is dropped,
            # and found again only by the engine's periodic task (every
            # 120 s, for notifications new for 60 s), so the engine counts
            # as started once it consumes.
            procs.wait_for(self.state, ENGINE, self._engine_consuming,
                           "a consumer on RPC queue '%s'" % ENGINE_TOPIC,
                           timeout)
        except BaseException:
            self.stop()
            raise
        self._session = bootstrap.admin_session(self.state)

    def stop(self):
        """Stop both process groups; the database stays for ``down``."""
        services = self.state.data['services']
        names = [name for name in (API, ENGINE) if name in services]
        left = procs.stop([services[name]['pid'] for name in names])
        if left:
            raise procs.CloudError('masakari: process groups %s survived '
                                   'SIGKILL' % left)
        # Forgotten once stopped: `status` would call them dead, and a
        # later start() records its new pids under the same names.
        for name in names:
            services.pop(name)
        self.state.save()
        self._session = None

    def pids(self):
        """Process-group ids of masakari-api (its workers are in the group)
        and masakari-engine, while they run."""
        services = self.state.data['services']
        return [services[name]['pid'] for name in (API, ENGINE)
                if name in services and procs.alive(services[name]['pid'])]

    # -- what start() sets up -----------------------------------------------
    @property
    def port(self):
        ports = self.state.data['ports']
        if 'masakari_api' not in ports:
            # Kept in the state file: a later start() reuses the port, so
            # the catalog's endpoints stay right.
            ports['masakari_api'] = mc_settings.free_port()
            self.state.save()
        return ports['masakari_api']

    def _fresh_database(self):
        # Fresh on every start(): both variants begin with no segment,
        # host or notification left by the other one.
        name = self.state.db_name('masakari')
        if ['mysql', name] not in self.state.data['databases']:
            # Recorded before creation: `down` drops it even if we die.
            self.state.data['databases'].append(['mysql', name])
            self.state.save()
        conn = backends.mysql_connect(self.state)
        try:
            with conn.cursor() as cur:
                cur.execute('DROP DATABASE IF EXISTS `%s`' % name)
                cur.execute('CREATE DATABASE `%s` CHARACTER SET utf8' % name)
        finally:
            conn.close()

    def _identity(self):
        """The service user (admin and service in project ``service``, like
        minicloud's others) and the ``instance-ha`` catalog entry."""
        sess = bootstrap.admin_session(self.state)
        ks = self.state.url('keystone', '/v3')

        def find(kind, **params):
            return sess.get('%s/%s' % (ks, kind), params=params).json()[kind]

        if not find('users', name=USER):
            project = find('projects', name='service')[0]['id']
            user = sess.post(ks + '/users', json={'user': {
                'name': USER, 'password': self.state['password'],
                'domain_id': 'default',
                'default_project_id': project}}).json()['user']['id']
            for role in ('admin', 'service'):
                role_id = find('roles', name=role)[0]['id']
                sess.put('%s/projects/%s/users/%s/roles/%s' % (
                    ks, project, user, role_id))
        services = find('services', type=SERVICE_TYPE)
        if services:
            service_id = services[0]['id']
        else:
            service_id = sess.post(ks + '/services', json={'service': {
                'type': SERVICE_TYPE, 'name': 'masakari'}}).json()[
                    'service']['id']
        url = 'http://127.0.0.1:%d/v1' % self.port
        endpoints = {e['interface']: e for e in find(
            'endpoints', service_id=service_id)}
        for interface in bootstrap.INTERFACES:
            if interface not in endpoints:
                sess.post(ks + '/endpoints', json={'endpoint': {
                    'service_id': service_id, 'interface': interface,
                    'region_id': 'RegionOne', 'url': url}})
            elif endpoints[interface]['url'] != url:
                sess.patch('%s/endpoints/%s' % (
                    ks, endpoints[interface]['id']), json={
                        'endpoint': {'url': url}})

    def _write_conf(self):
        keystone = self.state.url('keystone', '/v3')
        password = self.state['password']
        default = {
            'debug': self.settings.debug,
            'transport_url': self.state.transport_url(),
            # The engine's RPC server name, and the log's.
            'host': 'mc-masakari',
            'masakari_api_listen': '127.0.0.1',
            'masakari_api_listen_port': self.port,
            # One worker (default: one per CPU): two cores for the cloud.
            'masakari_api_workers': 1,
            # How masakari 22 reaches Nova (masakari/compute/nova.py): this
            # user's password session, the endpoint from the catalog by
            # [DEFAULT] nova_catalog_admin_info (default
            # compute:nova:publicURL, left so), and the keystoneauth
            # plugin named by [keystone_authtoken] auth_type.
            'os_privileged_user_name': USER,
            'os_privileged_user_password': password,
            'os_privileged_user_tenant': 'service',
            'os_privileged_user_auth_url': keystone,
            'os_user_domain_name': 'Default',
            'os_project_domain_name': 'Default',
            'os_region_name': 'RegionOne',
        }
        if self.waits_zero:
            default.update(WAITS_ZERO)
        db = self.state.db_url('masakari')
        configs._ini(self.conf_path, {
            'DEFAULT': default,
            # The wheel's paste file (installed under the venv's etc/).
            'wsgi': {'api_paste_config': os.path.join(
                VENV, 'etc', 'masakari', 'api-paste.ini')},
            'database': {'connection': db},
            # The engine's taskflow progress, in the same database (db sync
            # creates its tables when this is set).
            'taskflow': {'connection': db},
            'keystone_authtoken': {
                'www_authenticate_uri': keystone, 'auth_url': keystone,
                'auth_type': 'password', 'username': USER,
                'password': password, 'project_name': 'service',
                'user_domain_name': 'Default',
                'project_domain_name': 'Default',
            },
            'oslo_concurrency': {'lock_path': self.state.path_of(
                'lock', 'masakari')},
            'oslo_messaging_rabbit': {'rabbit_interval_max': 3},
        })

    def _engine_consuming(self):
        # NOTE: kombu comes with oslo.messaging in the project's .venv;
        # imported here so that importing this module stays light.
        import kombu

        url = 'amqp://' + self.state.transport_url().split('://', 1)[1]
        with kombu.Connection(url, connect_timeout=5) as conn:
            declared = conn.default_channel.queue_declare(
                queue=ENGINE_TOPIC, passive=True)
        return declared.consumer_count > 0

    # -- the API, as masakari-hostmonitor and an operator use it -------------
    def _api(self, method, path, **kwargs):
        if self._session is None:
            raise procs.CloudError('masakari: not started (start() first)')
        resp = self._session.request(
            path, method, raise_exc=False, endpoint_filter={
                'service_type': SERVICE_TYPE, 'interface': 'public'},
            **kwargs)
        if resp.status_code >= 400:
            raise procs.failure(API, '%s %s answered %d: %s' % (
                method, path, resp.status_code, resp.text[:500]),
                self._log(API))
        return resp.json() if resp.content else None

    def add_segment(self, hosts):
        """One failover segment, recovery_method ``auto``, with these Nova
        compute hosts; its uuid."""
        self._segments += 1
        segment = self._api('POST', '/segments', json={'segment': {
            'name': 'mc-segment-%d' % self._segments,
            'recovery_method': 'auto', 'service_type': 'COMPUTE'}})['segment']
        for host in hosts:
            # masakari-api checks each name against Nova's os-services.
            self._api('POST', '/segments/%s/hosts' % segment['uuid'], json={
                'host': {'name': host, 'type': 'COMPUTE',
                         'control_attributes': 'SSH'}})
        return segment['uuid']

    def notify_host_failure(self, host):
        """POST the notification masakari-hostmonitor sends when the
        cluster sees ``host`` go offline; the notification's uuid."""
        body = {'notification': {
            'type': 'COMPUTE_HOST', 'hostname': host,
            'generated_time': _utcnow_iso(),
            # host_status NORMAL: the host was healthy until it stopped
            # (Masakari ignores hosts it did not consider healthy).
            'payload': {'event': 'STOPPED', 'host_status': 'NORMAL',
                        'cluster_status': 'OFFLINE'}}}
        return self._api('POST', '/notifications', json=body)[
            'notification']['notification_uuid']

    def notification(self, uuid):
        return self._api('GET', '/notifications/%s' % uuid)['notification']
