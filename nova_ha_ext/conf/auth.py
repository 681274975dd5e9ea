"""[nova_ha_auth]: the HA conductor's own Keystone credentials.

keystoneauth's usual options (``auth_type``, ``auth_url``, ``username``,
... and the session's ``cafile``, ``timeout``): the user evacuations run
as when no API call's token is at hand. See conductor/service_auth.py.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP_NAME = 'nova_ha_auth'
_HELP = dict(
    title='nova-ha-ext conductor credentials',
    help='The Keystone user (admin role) nova-ha-conductor runs '
         'evacuations as, so that an evacuation a worker resumes has a '
         'token and service catalog for Nova to reach Glance, Neutron and '
         'Cinder with. keystoneauth options: auth_type (e.g. password), '
         'auth_url, username, password, project_name, the domains. Unset, '
         'a resumed evacuation runs with Nova\'s admin context and no '
         'catalog.')


def _group():
    # NOTE: a new OptGroup each time: keystoneauth registers the chosen
    # plugin's options on the group at load time, and a shared OptGroup
    # object would carry them (required ones included) into every other
    # ConfigOpts it is registered on.
    return cfg.OptGroup(GROUP_NAME, **_HELP)


def register_opts(conf):
    conf.register_group(_group())
    ks_loading.register_session_conf_options(conf, GROUP_NAME)
    ks_loading.register_auth_conf_options(conf, GROUP_NAME)


def list_opts():
    return {_group(): (ks_loading.get_session_conf_options() +
                    ks_loading.get_auth_common_conf_options() +
                    ks_loading.get_auth_plugin_conf_options('password'))}
