"""Configuration files of a run, written into ``<run dir>/etc``.

Each service gets the smallest configuration that makes it serve on
127.0.0.1 with this run's databases, vhost and ports; anything left out
is the service's own default. ``commands()`` says how each long-running
service is started (argv and environment), so that ``restart`` can start
one again exactly as ``up`` did.
"""

import os

from minicloud import settings as mc_settings

# The users of the run; every password is the run's password.
SERVICE_USERS = ('nova', 'placement', 'glance', 'neutron', 'nova-ha')
# name -> (project, role); clouds.yaml and openrc files are written for
# these (tests pick them by cloud name, e.g. OS_CLOUD=minicloud-demo).
PROJECT_USERS = {
    'admin': ('admin', 'admin'),
    'demo-member': ('demo', 'member'),
    'demo-reader': ('demo', 'reader'),
    'other-member': ('other', 'member'),
}
CLOUD_NAMES = {'admin': 'minicloud-admin', 'demo-member': 'minicloud-demo',
               'demo-reader': 'minicloud-demo-reader',
               'other-member': 'minicloud-other'}

PASTE = os.path.join(mc_settings.REPO, 'etc', 'nova-ha-ext', 'api-paste.ini')

# README "Scheduler filters": Nova's usual ones plus the extension's.
ENABLED_FILTERS = ','.join([
    'ComputeFilter', 'ComputeCapabilitiesFilter', 'ImagePropertiesFilter',
    'ServerGroupAntiAffinityFilter', 'ServerGroupAffinityFilter',
    'FailureDomainAntiAffinityFilter', 'FailureDomainAffinityFilter',
    'EvacuationReservedHostFilter'])


def _ini(path, sections):
    """Write ``sections`` ({section: {key: value or [values]}})."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lines = []
    for section, options in sections.items():
        lines.append('[%s]' % section)
        for key, value in options.items():
            # A list repeats the key: oslo.config's MultiStrOpt syntax.
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, bool):
                    item = 'true' if item else 'false'
                lines.append('%s = %s' % (key, item))
        lines.append('')
    with open(path, 'w') as f:
        f.write('\n'.join(lines))


def _authtoken(state, user):
    return {
        'www_authenticate_uri': state.url('keystone', '/v3'),
        'auth_url': state.url('keystone', '/v3'),
        'auth_type': 'password',
        'username': user,
        'password': state['password'],
        'project_name': 'service',
        'user_domain_name': 'Default',
        'project_domain_name': 'Default',
    }


def _client(state, user='nova'):
    # A [placement] / [neutron] style section: keystoneauth options.
    options = _authtoken(state, user)
    del options['www_authenticate_uri']
    options.update(region_name='RegionOne', valid_interfaces='internal')
    return options


def _service_auth(state):
    options = _authtoken(state, 'nova-ha')
    del options['www_authenticate_uri']
    return options


def _common(state, service):
    return {
        'DEFAULT': {'debug': bool(os.environ.get('MINICLOUD_DEBUG')),
                    'transport_url': state.transport_url()},
        'oslo_concurrency': {'lock_path': state.path_of('lock', service)},
        # Reconnect within seconds after a private broker restart.
        'oslo_messaging_rabbit': {'rabbit_interval_max': 3},
    }


def etc(state, *parts):
    return state.path_of('etc', *parts)


def write_keystone(state):
    conf = _common(state, 'keystone')
    del conf['DEFAULT']['transport_url']
    conf.update({
        'database': {'connection': state.db_url('keystone')},
        'token': {'provider': 'fernet'},
        'fernet_tokens': {'key_repository': state.path_of(
            'keystone', 'fernet-keys')},
        'fernet_receipts': {'key_repository': state.path_of(
            'keystone', 'fernet-keys')},
        'credential': {'key_repository': state.path_of(
            'keystone', 'credential-keys')},
    })
    _ini(etc(state, 'keystone', 'keystone.conf'), conf)


def write_glance(state, settings):
    conf = _common(state, 'glance')
    conf['DEFAULT'].update({'enabled_backends': 'fs:file', 'workers': 1})
    data = state.path_of('glance')
    conf.update({
        'database': {'connection': state.db_url('glance')},
        'keystone_authtoken': _authtoken(state, 'glance'),
        'paste_deploy': {'flavor': 'keystone', 'config_file': os.path.join(
            settings.cloud_venv, 'etc', 'glance', 'glance-api-paste.ini')},
        'glance_store': {'default_backend': 'fs'},
        'fs': {'filesystem_store_datadir': os.path.join(data, 'images')},
        'os_glance_staging_store': {
            'filesystem_store_datadir': os.path.join(data, 'staging')},
        'os_glance_tasks_store': {
            'filesystem_store_datadir': os.path.join(data, 'tasks')},
        'oslo_messaging_notifications': {'driver': 'noop'},
    })
    _ini(etc(state, 'glance', 'glance-api.conf'), conf)


def write_neutron(state, settings):
    conf = _common(state, 'neutron')
    conf['DEFAULT'].update({
        'core_plugin': 'ml2',
        'service_plugins': '',
        'auth_strategy': 'keystone',
        'state_path': state.path_of('neutron'),
        'api_paste_config': os.path.join(
            settings.cloud_venv, 'etc', 'neutron', 'api-paste.ini'),
        # No agent and no port of a server ever changes: nothing to tell
        # Nova, so Neutron needs no [nova] credentials.
        'notify_nova_on_port_status_changes': False,
        'notify_nova_on_port_data_changes': False,
    })
    conf.update({
        'database': {'connection': state.db_url('neutron')},
        'keystone_authtoken': _authtoken(state, 'neutron'),
        'oslo_messaging_notifications': {'driver': 'noop'},
    })
    _ini(etc(state, 'neutron', 'neutron.conf'), conf)
    # ML2 without mechanism drivers: networks and ports are plain records,
    # enough for Nova's servers booted with "networks": "none".
    _ini(etc(state, 'neutron', 'ml2_conf.ini'), {
        'ml2': {'type_drivers': 'flat,vlan', 'tenant_network_types': '',
                'mechanism_drivers': '', 'extension_drivers': ''},
        'ml2_type_flat': {'flat_networks': '*'},
    })


def write_placement(state):
    _ini(etc(state, 'placement', 'placement.conf'), {
        'DEFAULT': {'debug': bool(os.environ.get('MINICLOUD_DEBUG'))},
        'placement_database': {'connection': state.db_url('placement')},
        'api': {'auth_strategy': 'keystone'},
        'keystone_authtoken': _authtoken(state, 'placement'),
    })


def write_nova(state, settings):
    """nova.conf shared by every Nova process and the HA conductors, plus
    one small file per compute with its host name and state path."""
    conf = _common(state, 'nova')
    conf['DEFAULT'].update({
        'state_path': state.path_of('nova'),
        'host': 'mc-controller',
        'my_ip': '127.0.0.1',
        'compute_driver': ('recording_fake.RecordingFakeDriver'
                           if settings.recording_driver
                           else 'fake.FakeDriver'),
    })
    conf.update({
        'api': {'auth_strategy': 'keystone'},
        'wsgi': {'api_paste_config': PASTE},
        'keystone_authtoken': _authtoken(state, 'nova'),
        'placement': _client(state),
        'neutron': _client(state),
        'glance': {'region_name': 'RegionOne', 'valid_interfaces':
                   'internal'},
        'conductor': {'workers': 1},
        'scheduler': {'workers': 1},
        'filter_scheduler': {
            'available_filters': [
                'nova.scheduler.filters.all_filters',
                'nova_ha_ext.scheduler.filters.all_filters'],
            'enabled_filters': ENABLED_FILTERS,
            'host_subset_size': settings.host_subset_size,
        },
        'notifications': {'notification_format': 'versioned'},
        'oslo_messaging_notifications': {'driver': 'messagingv2'},
        'vnc': {'enabled': False},
        'nova_ha': {
            'require_fencing_confirmation': True,
            'conductor_workers': 1,
            'lease_seconds': settings.ha_lease_seconds,
            'resume_interval': settings.ha_resume_interval,
            **settings.ha_options,
        },
        # The HA conductors' own credentials: a resumed evacuation has no
        # API call's token for Nova to reach Glance and Neutron with.
        'nova_ha_auth': _service_auth(state),
    })
    _ini(etc(state, 'nova', 'nova.conf'), conf)
    # Database credentials only for the control plane: a nova-compute
    # that has them makes cross-cell queries it must not (as deployed
    # computes get none).
    _ini(etc(state, 'nova', 'nova-db.conf'), {
        'api_database': {'connection': state.db_url('nova_api')},
        'database': {'connection': state.db_url('nova')},
        'nova_ha': {'connection': state.db_url('nova_ha')},
    })
    for host in settings.hosts():
        _ini(etc(state, 'nova', '%s.conf' % host), {'DEFAULT': {
            'host': host,
            # Own state path: each compute keeps its own compute_id file.
            'state_path': state.path_of('nova', host),
        }})


def write_all(state, settings):
    write_keystone(state)
    write_glance(state, settings)
    write_neutron(state, settings)
    write_placement(state)
    write_nova(state, settings)
    write_gunicorn(state, settings)


# service -> (WSGI module, port name, workers, from .venv-cloud?)
GUNICORN = {
    'keystone': ('keystone.wsgi.api', 'keystone', 'api', True),
    'glance': ('glance.wsgi.api', 'glance', 1, True),
    'neutron': ('neutron.wsgi.api', 'neutron', 1, True),
    'placement': ('placement.wsgi.api', 'placement', 'placement', False),
    'nova-api': ('nova.wsgi.osapi_compute', 'nova_api', 'api', False),
}


def write_gunicorn(state, settings):
    """One ``gunicorn.conf.py`` per API service, in the directory it is
    started from, where gunicorn looks by default: Keystone and Neutron
    hand sys.argv to oslo.config, which refuses gunicorn's options.
    Written once by up: a service (re)starting reads it at any time."""
    for name, (app, port, workers, _cloud) in GUNICORN.items():
        if workers == 'api':
            workers = settings.api_workers
        elif workers == 'placement':
            workers = settings.placement_workers
        cwd = etc(state, 'gunicorn', name)
        os.makedirs(cwd, exist_ok=True)
        with open(os.path.join(cwd, 'gunicorn.conf.py'), 'w') as f:
            f.write('\n'.join([
                'wsgi_app = %r' % (app + ':application'),
                'bind = %r' % ('127.0.0.1:%d' % state.port(port)),
                'workers = %d' % workers,
                # Nova's API waits on Placement, Neutron and Glance.
                'timeout = 120',
                'graceful_timeout = 5',
                # Nova asks Neutron for the ports of every server of a
                # listing in one URL (device_id=... per server): beyond
                # ~80 servers that exceeds gunicorn's default 4094-byte
                # request line and nova-api answers 500.
                'limit_request_line = 0',
                'proc_name = %r' % ('mc-' + name),
                '']))


def commands(state, settings):
    """{service: (argv, env, port, cwd)} of every long-running service, in
    the order ``up`` starts them."""
    nova_conf = etc(state, 'nova', 'nova.conf')
    control = ['--config-file', nova_conf, '--config-file',
               etc(state, 'nova', 'nova-db.conf')]
    cmds = {
        'keystone': {'OS_KEYSTONE_CONFIG_FILES': etc(state, 'keystone',
                                                     'keystone.conf')},
        'glance': {'OS_GLANCE_CONFIG_DIR': etc(state, 'glance')},
        'neutron': {'OS_NEUTRON_CONFIG_DIR': etc(state, 'neutron'),
                    'OS_NEUTRON_CONFIG_FILES': 'neutron.conf;ml2_conf.ini'},
        'placement': {'OS_PLACEMENT_CONFIG_DIR': etc(state, 'placement')},
        # Nova's WSGI app loads its paste pipeline from the first of
        # these files (an absolute path survives the join with the dir).
        'nova-api': {'OS_NOVA_CONFIG_DIR': etc(state, 'nova'),
                     'OS_NOVA_CONFIG_FILES': PASTE +
                     ';nova.conf;nova-db.conf'},
    }
    result = {}
    for name, env in cmds.items():
        _app, port, _workers, cloud = GUNICORN[name]
        result[name] = ([settings.bin('gunicorn', cloud=cloud)], env,
                        state.port(port), etc(state, 'gunicorn', name))
    cmds = {
        'nova-conductor': (
            [settings.bin('nova-conductor')] + control,
            {}),
        'nova-scheduler': (
            [settings.bin('nova-scheduler')] + control,
            {}),
    }
    for host in settings.hosts():
        compute = [settings.bin('nova-compute')]
        if settings.recording_driver:
            # NOTE: -I keeps this directory (settings.py, cloud.py...)
            # off the launched compute's sys.path.
            compute = [settings.bin('python'), '-I', os.path.join(
                os.path.dirname(os.path.abspath(__file__)),
                'recording_compute.py')]
        cmds['nova-compute-' + host] = (
            compute + ['--config-file', nova_conf, '--config-file',
                       etc(state, 'nova', host + '.conf')],
            # Read by RecordingFakeDriver at each spawn (absent: no delay).
            {'NOVA_HA_FAKE_SPAWN_DELAY_FILE': state.path_of(
                'nova', 'fake-spawn-delay')})
    for index in range(settings.ha_conductors):
        cmds['nova-ha-conductor-%d' % (index + 1)] = (
            [settings.bin('nova-ha-conductor')] + control,
            {})
    for name, (argv, env) in cmds.items():
        result[name] = (argv, env, None, None)
    return result


def write_clients(state):
    """clouds.yaml and one openrc file per user, for the openstack CLI."""
    auth_url = state.url('keystone', '/v3')
    lines = ['clouds:']
    for user, (project, _role) in PROJECT_USERS.items():
        lines += ['  %s:' % CLOUD_NAMES[user],
                  '    auth:',
                  '      auth_url: %s' % auth_url,
                  '      username: %s' % user,
                  '      password: %s' % state['password'],
                  '      project_name: %s' % project,
                  '      user_domain_name: Default',
                  '      project_domain_name: Default',
                  '    region_name: RegionOne',
                  '    identity_api_version: 3',
                  '    interface: public']
        rc = ['export OS_AUTH_URL=%s' % auth_url,
              'export OS_USERNAME=%s' % user,
              'export OS_PASSWORD=%s' % state['password'],
              'export OS_PROJECT_NAME=%s' % project,
              'export OS_USER_DOMAIN_NAME=Default',
              'export OS_PROJECT_DOMAIN_NAME=Default',
              'export OS_REGION_NAME=RegionOne',
              'export OS_IDENTITY_API_VERSION=3',
              'export OS_INTERFACE=public',
              'unset OS_CLOUD']
        name = 'openrc' if user == 'admin' else 'openrc.' + user
        with open(state.path_of(name), 'w') as f:
            f.write('\n'.join(rc) + '\n')
    with open(state.path_of('clouds.yaml'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
