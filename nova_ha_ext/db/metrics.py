"""What the HA conductor's metrics count, read in one transaction."""

from oslo_utils import timeutils
import sqlalchemy as sa

from nova_ha_ext.db import api
from nova_ha_ext.db import models
from nova_ha_ext.objects import fields

_Task = models.HostEvacuation
_Item = models.InstanceEvacuation


@api.reader
def snapshot(context):
    """Counts and durations of every host failure and its items.

    :returns: a dict: ``failures`` {open: n, closed: n}, ``tasks``
        {status: n}, ``items`` {status: n}, ``leases`` {worker: n} (live
        ones only), ``attempts`` [seconds from the last attempt's start to
        the confirmation] and ``recoveries`` [seconds from the host's
        force-down to the confirmation], of the succeeded items.
    """
    session = context.session
    now = timeutils.utcnow()
    failures = dict(session.execute(
        sa.select(_Task.open_host.is_not(None), sa.func.count())
        .group_by(_Task.open_host.is_not(None))).all())
    tasks = dict(session.execute(
        sa.select(_Task.status, sa.func.count())
        .group_by(_Task.status)).all())
    items = dict(session.execute(
        sa.select(_Item.status, sa.func.count())
        .group_by(_Item.status)).all())
    leases = dict(session.execute(
        sa.select(_Task.lease_owner, sa.func.count())
        .where(_Task.lease_owner.is_not(None),
               _Task.lease_expires_at >= now)
        .group_by(_Task.lease_owner)).all())
    attempts, recoveries = [], []
    for started, forced_down, finished in session.execute(
            sa.select(_Item.started_at, _Task.forced_down_at,
                      _Item.finished_at)
            .join(_Item.host_evacuation)
            .where(_Item.status == fields.InstanceEvacuationStatus.SUCCEEDED,
                   _Item.finished_at.is_not(None))):
        if started is not None:
            attempts.append((finished - started).total_seconds())
        if forced_down is not None:
            recoveries.append((finished - forced_down).total_seconds())
    return {'failures': {'open': failures.get(True, 0),
                         'closed': failures.get(False, 0)},
            'tasks': tasks, 'items': items, 'leases': leases,
            'attempts': attempts, 'recoveries': recoveries}
