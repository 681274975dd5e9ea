"""OpenStackClient's plugin interface for the /os-ha API.

OSC imports this module at start-up, adds :func:`build_option_parser`'s
options to its own, and builds ``client_manager.ha`` with
:func:`make_client` the first time a command asks for it -- after it has
authenticated, so the session carries the token and the catalog.
"""

import logging

from osc_lib import utils

from nova_ha_ext import client

LOG = logging.getLogger(__name__)

DEFAULT_API_VERSION = '1'
API_NAME = 'ha'
# OSC reads the version from this option (without its "os_") and looks
# for the commands in the ``openstack.ha.v<major>`` entry point group.
API_VERSION_OPTION = 'os_ha_api_version'
API_VERSIONS = {'1': 'nova_ha_ext.client.Client'}


def make_client(instance):
    """The /os-ha client on the CLI's authenticated session.

    The session finds Nova's endpoint in the catalog with the interface
    and region the user chose (``--os-interface``, ``--os-region-name``).
    """
    LOG.debug('Creating the ha client (interface %s, region %s)',
              instance.interface, instance.region_name)
    return client.Client(instance.session, interface=instance.interface,
                         region_name=instance.region_name)


def build_option_parser(parser):
    """Add ``--os-ha-api-version`` to OSC's global options."""
    parser.add_argument(
        '--os-ha-api-version',
        metavar='<ha-api-version>',
        default=utils.env('OS_HA_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='HA API version, default=%s (Env: OS_HA_API_VERSION)'
        % DEFAULT_API_VERSION)
    return parser
