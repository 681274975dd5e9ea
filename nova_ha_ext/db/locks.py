"""Short named leases in the extension's database (see models.Lock)."""

import datetime

from oslo_db import exception as db_exc
from oslo_utils import timeutils
import sqlalchemy as sa

from nova_ha_ext.db import api
from nova_ha_ext.db import models

_Lock = models.Lock


@api.writer
def _take(context, name, owner, seconds):
    now = timeutils.utcnow()
    expires = now + datetime.timedelta(seconds=seconds)
    result = context.session.execute(
        sa.update(_Lock)
        .where(_Lock.name == name,
               sa.or_(_Lock.owner.is_(None), _Lock.owner == owner,
                      _Lock.expires_at < now))
        .values(owner=owner, expires_at=expires)
        .execution_options(synchronize_session=False))
    if result.rowcount == 1:
        return True
    exists = context.session.execute(
        sa.select(_Lock.name).where(_Lock.name == name)).first()
    if exists:
        return False
    context.session.add(_Lock(name=name, owner=owner, expires_at=expires))
    context.session.flush()
    return True


def acquire(context, name, owner, seconds):
    """Take ``name`` for ``owner`` for ``seconds``; False when it is held.

    A free, expired or already ``owner``'s lock is taken (one conditional
    UPDATE, or the INSERT of its row the first time it is used).
    """
    try:
        return _take(context, name, owner, seconds)
    except db_exc.DBDuplicateEntry:
        # Another caller inserted the row first: it holds the lock.
        return False
    except db_exc.DBDeadlock:
        # NOTE: InnoDB's gap locks make two first takers of a new row
        # deadlock rather than collide; the loser is rolled back, so this
        # is "held by someone else": the caller tries again.
        return False


@api.writer
def release(context, name, owner):
    """Give ``name`` up if ``owner`` still holds it."""
    context.session.execute(
        sa.update(_Lock)
        .where(_Lock.name == name, _Lock.owner == owner)
        .values(owner=None, expires_at=None)
        .execution_options(synchronize_session=False))
