"""A Python client for the ``/os-ha`` API, shared by both CLIs.

It rides on a keystoneauth session -- the one novaclient and the
openstack CLI already hold -- so authentication, endpoint lookup in the
catalog, TLS and retries work exactly as for Nova's own API::

    from keystoneauth1 import session
    from nova_ha_ext import client

    ha = client.Client(session.Session(auth=auth))
    ha.force_down('compute2', fenced=True, evacuate='tagged')
"""

from nova_ha_ext.client.exceptions import ClientException  # noqa: F401
from nova_ha_ext.client.exceptions import NotFound  # noqa: F401
from nova_ha_ext.client.ha import Client  # noqa: F401
from nova_ha_ext.client.ha import EVACUATE_CHOICES  # noqa: F401
from nova_ha_ext.client.ha import STATUS_CHOICES  # noqa: F401
