"""What a fresh cloud needs before anyone can use it: schemas, Keystone's
projects, users, roles and catalog, an image, flavors, Nova's cells and
host mappings, and the rack aggregates of README's failure-domain
convention.
"""

import time

from keystoneauth1 import identity
from keystoneauth1 import session as ks_session

from minicloud import backends
from minicloud import configs
from minicloud import procs

# type -> (service name, port name, path); one endpoint per interface.
CATALOG = {
    'compute': ('nova', 'nova_api', '/v2.1'),
    'placement': ('placement', 'placement', ''),
    'image': ('glance', 'glance', ''),
    'network': ('neutron', 'neutron', ''),
}
INTERFACES = ('public', 'internal', 'admin')
COMPUTE_MICROVERSION = '2.95'


def schema_jobs(state, settings):
    """Start every database migration at once: they are independent, and
    on two cores running them side by side hides most of their I/O."""
    nova_conf = '%s --config-file %s' % (
        configs.etc(state, 'nova', 'nova.conf'),
        configs.etc(state, 'nova', 'nova-db.conf'))
    ks_conf = configs.etc(state, 'keystone', 'keystone.conf')
    cloud = dict(cloud=True)
    neutron = ['--config-file', configs.etc(state, 'neutron', 'neutron.conf'),
               '--config-file', configs.etc(state, 'neutron', 'ml2_conf.ini')]
    jobs = [
        procs.run(state, 'sync-keystone', [
            'sh', '-ec', ' && '.join([
                '%s --config-file %s db_sync' % (
                    settings.bin('keystone-manage', **cloud), ks_conf),
                '%s --config-file %s fernet_setup --keystone-user root '
                '--keystone-group root' % (
                    settings.bin('keystone-manage', **cloud), ks_conf),
                '%s --config-file %s credential_setup --keystone-user root '
                '--keystone-group root' % (
                    settings.bin('keystone-manage', **cloud), ks_conf),
                '%s --config-file %s bootstrap --bootstrap-password %s '
                '--bootstrap-region-id RegionOne '
                '--bootstrap-admin-url {u} --bootstrap-internal-url {u} '
                '--bootstrap-public-url {u}'.format(
                    u=state.url('keystone', '/v3')) % (
                    settings.bin('keystone-manage', **cloud), ks_conf,
                    state['password'])])]),
        procs.run(state, 'sync-glance', [
            settings.bin('glance-manage', **cloud), '--config-file',
            configs.etc(state, 'glance', 'glance-api.conf'), 'db_sync']),
        procs.run(state, 'sync-neutron', [
            settings.bin('neutron-db-manage', **cloud)] + neutron + [
            'upgrade', 'heads']),
        procs.run(state, 'sync-placement', [
            settings.bin('placement-manage'), '--config-file',
            configs.etc(state, 'placement', 'placement.conf'), 'db', 'sync']),
        procs.run(state, 'sync-nova', ['sh', '-ec', ' && '.join([
            '{m} --config-file {c} api_db sync',
            '{m} --config-file {c} cell_v2 map_cell0 --database_connection '
            '"{cell0}"',
            '{m} --config-file {c} cell_v2 create_cell --name cell1',
            '{m} --config-file {c} db sync',
            '{h} --config-file {c} db sync']).format(
                m=settings.bin('nova-manage'), c=nova_conf,
                h=settings.bin('nova-ha-manage'),
                cell0=state.db_url('nova_cell0'))]),
    ]
    return {job.name: job for job in jobs}


def admin_session(state, project='admin', user='admin'):
    auth = identity.Password(
        auth_url=state.url('keystone', '/v3'), username=user,
        password=state['password'], project_name=project,
        user_domain_id='default', project_domain_id='default')
    # Bounded like every other wait: a hung service fails the step.
    return ks_session.Session(auth=auth, timeout=120)


def _one(sess, url, kind, name):
    found = sess.get(url, params={'name': name}).json()[kind]
    return found[0]['id'] if found else None


def identity_setup(state):
    """Projects, users, roles and the catalog (Keystone's bootstrap made
    the admin user, the admin/member/reader roles and its own endpoint)."""
    sess = admin_session(state)
    ks = state.url('keystone', '/v3')
    roles = {name: _one(sess, ks + '/roles', 'roles', name)
             for name in ('admin', 'member', 'reader', 'service')}
    if not roles['service']:
        roles['service'] = sess.post(ks + '/roles', json={'role': {
            'name': 'service'}}).json()['role']['id']
    projects = {'admin': _one(sess, ks + '/projects', 'projects', 'admin')}
    for name in ('service', 'demo', 'other'):
        projects[name] = sess.post(ks + '/projects', json={'project': {
            'name': name, 'domain_id': 'default'}}).json()['project']['id']

    def user(name, project, role_names):
        user_id = sess.post(ks + '/users', json={'user': {
            'name': name, 'password': state['password'],
            'domain_id': 'default',
            'default_project_id': projects[project]}}).json()['user']['id']
        for role in role_names:
            sess.put('%s/projects/%s/users/%s/roles/%s' % (
                ks, projects[project], user_id, roles[role]))

    for name in configs.SERVICE_USERS:
        user(name, 'service', ('admin', 'service'))
    for name, (project, role) in configs.PROJECT_USERS.items():
        if name != 'admin':
            user(name, project, (role,))
    for kind, (name, port, path) in CATALOG.items():
        service_id = sess.post(ks + '/services', json={'service': {
            'type': kind, 'name': name}}).json()['service']['id']
        for interface in INTERFACES:
            sess.post(ks + '/endpoints', json={'endpoint': {
                'service_id': service_id, 'interface': interface,
                'region_id': 'RegionOne',
                'url': state.url(port, path)}})


def compute(sess, method, path, **kwargs):
    headers = {'OpenStack-API-Version': 'compute ' + COMPUTE_MICROVERSION}
    resp = sess.request(path, method, headers=headers, raise_exc=True,
                        endpoint_filter={'service_type': 'compute',
                                         'interface': 'public'}, **kwargs)
    return resp.json() if resp.content else None


def upload_image(state):
    # A few KB of zeros: the fake driver never reads it.
    sess = admin_session(state)
    ep = {'service_type': 'image', 'interface': 'public'}
    image = sess.post('/v2/images', endpoint_filter=ep, json={
        'name': 'cirros-mc', 'disk_format': 'raw',
        'container_format': 'bare', 'visibility': 'public'}).json()
    sess.put('/v2/images/%s/file' % image['id'], endpoint_filter=ep,
             data=b'\0' * 4096,
             headers={'Content-Type': 'application/octet-stream'})
    return image['id']


def create_flavors(state):
    sess = admin_session(state)
    for flavor_id, name, ram, disk in (('1', 'm1.tiny', 128, 1),
                                       ('2', 'm1.small', 512, 5)):
        compute(sess, 'POST', '/flavors', json={'flavor': {
            'id': flavor_id, 'name': name, 'ram': ram, 'vcpus': 1,
            'disk': disk}})


def wait_computes(state, settings, timeout):
    """Every nova-compute reports up, is discovered into cell1, and its
    resource provider exists; the first one still starting is named."""
    sess = admin_session(state)
    hosts = settings.hosts()

    def services_up():
        services = compute(sess, 'GET', '/os-services',
                           params={'binary': 'nova-compute'})['services']
        up = {s['host'] for s in services if s['state'] == 'up'}
        missing = [h for h in hosts if h not in up]
        waiting[0] = missing[0] if missing else None
        return not missing

    waiting = [hosts[0]]
    deadline = time.monotonic() + timeout
    while True:
        name = 'nova-compute-' + (waiting[0] or hosts[0])
        procs.wait_for(state, name, services_up, 'service up in Nova',
                       max(1, deadline - time.monotonic()))
        if waiting[0] is None:
            break
    discover = procs.run(state, 'discover-hosts', [
        settings.bin('nova-manage'),
        '--config-file', configs.etc(state, 'nova', 'nova.conf'),
        '--config-file', configs.etc(state, 'nova', 'nova-db.conf'),
        'cell_v2', 'discover_hosts', '--verbose'])
    discover.wait()
    conn = backends.mysql_connect(state, database=state.db_name('nova_api'))
    try:
        with conn.cursor() as cur:
            cur.execute('SELECT host FROM host_mappings')
            mapped = {row[0] for row in cur.fetchall()}
    finally:
        conn.close()
    missing = [h for h in hosts if h not in mapped]
    if missing:
        raise procs.failure('discover-hosts', 'hosts not mapped: %s'
                            % ', '.join(missing), discover.log)


def create_racks(state, settings):
    """Aggregates ``rack-rN`` with ``failure_domain:rack=rN`` (README)."""
    sess = admin_session(state)
    racks = {}
    for host in settings.hosts():
        racks.setdefault(settings.rack_of(host), []).append(host)
    for rack, hosts in sorted(racks.items()):
        agg = compute(sess, 'POST', '/os-aggregates', json={'aggregate': {
            'name': 'rack-' + rack}})['aggregate']
        compute(sess, 'POST', '/os-aggregates/%s/action' % agg['id'], json={
            'set_metadata': {'metadata': {'failure_domain:rack': rack}}})
        for host in hosts:
            compute(sess, 'POST', '/os-aggregates/%s/action' % agg['id'],
                    json={'add_host': {'host': host}})
    return racks
