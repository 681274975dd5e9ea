# ruff: noqa: E402 -- the concurrency backend is chosen before any import
"""nova-ha-conductor: the service that runs host evacuations.

Reads Nova's configuration files (``--config-file /etc/nova/nova.conf``):
the messaging transport and Nova's databases come from there, the
extension's own options from its ``[nova_ha]`` section.
"""

from nova import monkey_patch; monkey_patch.patch(backend='threading')  # noqa

import sys

from oslo_concurrency import processutils
from oslo_log import log as logging

import nova.conf
from nova import config
from nova import objects
from nova import service
from nova import thread_pool_factory

from nova_ha_ext import conf as ha_conf
from nova_ha_ext.conductor import service as ha_service
from nova_ha_ext import objects as ha_objects

CONF = nova.conf.CONF


def main():
    ha_conf.register_opts(CONF)
    config.parse_args(sys.argv)
    logging.setup(CONF, 'nova')
    objects.register_all()
    ha_objects.register_all()
    server = ha_service.HAConductorService()
    workers = CONF.nova_ha.conductor_workers or (
        processutils.get_worker_count())
    thread_pool_factory.reset_all_executors()
    service.serve(server, workers=workers)
    service.wait()
