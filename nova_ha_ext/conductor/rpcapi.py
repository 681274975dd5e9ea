"""Client side of the HA conductor's RPC API (topic ``nova-ha-conductor``).

API version history:

    * 1.0 - Initial version: start_evacuation
"""

import oslo_messaging as messaging

import nova.conf
from nova.objects import base as objects_base
from nova import rpc

CONF = nova.conf.CONF

RPC_VERSION = '1.0'


class HAConductorAPI:
    """Casts from nova-api (or nova-ha-manage) to any HA conductor worker."""

    def __init__(self):
        target = messaging.Target(topic=CONF.nova_ha.conductor_topic,
                                  version=RPC_VERSION)
        self.client = rpc.get_client(
            target, version_cap=RPC_VERSION,
            serializer=objects_base.NovaObjectSerializer())

    def start_evacuation(self, context, evacuation):
        """Ask one worker to run ``evacuation`` (a HostEvacuation).

        A cast: the caller does not wait for the evacuation. If no worker
        takes it (none running, message lost), every worker's periodic
        resume picks pending tasks up, so nothing is lost.
        """
        self.client.prepare().cast(context, 'start_evacuation',
                                   evacuation=evacuation)
