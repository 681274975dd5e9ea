"""Serialising the force-downs and force-ups of the hosts of one cell.

The storm guard must count every host being forced down, concurrent calls
included, and one host's force-down and force-up must never interleave.
Both are made true by running each of these calls, from its first read to
its last write, under one lease per cell in the extension's database
(``ha_locks``). A lease rather than a Python lock: the callers are many
nova-api workers on many controllers; rather than a row lock held in a
transaction: the writes in between go to Nova's database too.
"""

import contextlib
import time

from oslo_log import log as logging
from oslo_utils import uuidutils

import nova.conf

from nova_ha_ext.db import locks
from nova_ha_ext import exception

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


@contextlib.contextmanager
def cell_lock(context, cell_uuid, host):
    """Hold the lock of ``cell_uuid`` (for a call about ``host``).

    :raises HostLockTimeout: not free within ``[nova_ha] lock_timeout``.
    """
    name = 'cell:%s' % cell_uuid
    owner = uuidutils.generate_uuid()
    opts = CONF.nova_ha
    deadline = time.monotonic() + opts.lock_timeout
    delay = 0.005
    while not locks.acquire(context, name, owner, opts.lock_seconds):
        if time.monotonic() > deadline:
            raise exception.HostLockTimeout(
                cell=cell_uuid, host=host, seconds=opts.lock_timeout)
        # NOTE: time.sleep yields under eventlet (patched) and releases
        # the GIL under native threads.
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
    try:
        yield
    finally:
        try:
            locks.release(context, name, owner)
        except Exception:
            # It expires on its own; the call's outcome stands.
            LOG.exception('Releasing lock %s failed', name)
