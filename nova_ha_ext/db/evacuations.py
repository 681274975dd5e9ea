"""Database access for host evacuations and their instance items.

Every function takes a Nova RequestContext first and runs in a transaction
of the extension's own database (see :mod:`nova_ha_ext.db.api`); calls made
on the same context inside another ``api.writer`` join its transaction.
Rows are returned detached, with every column loaded.
"""

import datetime

from oslo_db import exception as db_exc
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nova_ha_ext.db import api
from nova_ha_ext.db import models
from nova_ha_ext import exception
from nova_ha_ext.objects import fields

_Task = models.HostEvacuation
_Item = models.InstanceEvacuation
_ACTIVE = fields.HostEvacuationStatus.ACTIVE
_ITEM = fields.InstanceEvacuationStatus
_COUNTERS = {
    _ITEM.SUCCEEDED: 'succeeded_count',
    _ITEM.FAILED: 'failed_count',
    _ITEM.SKIPPED: 'skipped_count',
    _ITEM.CANCELLED: 'cancelled_count',
}


def _db_value(value):
    # NOTE: objects carry timezone-aware UTC datetimes while the columns
    # are naive UTC; MySQL would reject or shift an aware value.
    if isinstance(value, datetime.datetime):
        return timeutils.normalize_time(value)
    return value


def _db_values(values):
    return {key: _db_value(value) for key, value in values.items()}


def _expected_clauses(model, expected):
    """WHERE clauses for a compare-and-swap on ``expected`` {column: value}.

    A list, tuple or set value means "any of these"; None means NULL.
    """
    clauses = []
    for key, value in (expected or {}).items():
        column = getattr(model, key)
        if isinstance(value, (list, tuple, set, frozenset)):
            clauses.append(column.in_([_db_value(v) for v in value]))
        elif value is None:
            clauses.append(column.is_(None))
        else:
            clauses.append(column == _db_value(value))
    return clauses


def _get_task(session, uuid):
    task = session.execute(
        sa.select(_Task).where(_Task.uuid == uuid)).scalar_one_or_none()
    if task is None:
        raise exception.HostEvacuationNotFound(uuid=uuid)
    return task


def _active_host(host, status):
    return host if status in _ACTIVE else None


@api.writer
def host_evacuation_create(context, values, items=()):
    """Create a task and its items in one transaction.

    :param values: task columns; ``host``, ``status`` and ``selection`` are
        required, ``uuid`` is generated when missing and ``total_count``
        defaults to the number of items.
    :param items: dicts of item columns, each with at least
        ``instance_uuid`` and ``status``.
    :returns: ``(task_row, [item_rows])``
    :raises ActiveHostEvacuationExists: the host already has an active
        task; nothing is written.
    """
    values = _db_values(values)
    values.setdefault('uuid', uuidutils.generate_uuid())
    values.setdefault('total_count', len(items))
    values['active_host'] = _active_host(values['host'], values['status'])
    # NOTE: a new record is a new host failure, open until a force-up
    # (records written closed, by imports and tests, are not).
    values['open_host'] = (None if values.get('closed_at')
                           else values['host'])
    task = _Task(**values)
    session = context.session
    session.add(task)
    try:
        # NOTE: flushed alone first so that the active-host constraint is
        # told apart from item errors; the raise rolls everything back.
        session.flush()
    except db_exc.DBDuplicateEntry as error:
        if {'active_host', 'open_host'} & set(error.columns or []):
            raise exception.ActiveHostEvacuationExists(host=values['host'])
        raise
    rows = []
    for item in items:
        row = _Item(**_db_values(item))
        row.host_evacuation = task
        session.add(row)
        rows.append(row)
    session.flush()
    return task, rows


@api.reader
def host_evacuation_get(context, uuid):
    """:raises HostEvacuationNotFound: no task has this uuid."""
    return _get_task(context.session, uuid)


@api.reader
def host_evacuation_get_active_by_host(context, host):
    """The pending or running task of ``host``, or None."""
    return context.session.execute(
        sa.select(_Task).where(_Task.active_host == host)
    ).scalar_one_or_none()


@api.reader
def host_evacuation_get_open_by_host(context, host):
    """The open host failure of ``host`` (not yet forced up), or None."""
    return context.session.execute(
        sa.select(_Task).where(_Task.open_host == host)
    ).scalar_one_or_none()


@api.reader
def host_evacuation_get_open(context, cell_uuid=None):
    """Open host failures, of one cell when given."""
    query = sa.select(_Task).where(_Task.open_host.is_not(None))
    if cell_uuid is not None:
        query = query.where(_Task.cell_uuid == cell_uuid)
    return context.session.execute(query).scalars().all()


@api.reader
def host_evacuation_get_unfinished(context):
    """Tasks a worker must run or drain: forced down, not finished."""
    return context.session.execute(
        sa.select(_Task).where(_Task.finished_at.is_(None),
                               _Task.forced_down_at.is_not(None))
        .order_by(_Task.created_at, _Task.id)).scalars().all()


@api.reader
def host_evacuation_get_active(context, hosts=None):
    """Pending or running tasks, of ``hosts`` only when given."""
    query = sa.select(_Task).where(_Task.active_host.is_not(None))
    if hosts is not None:
        query = query.where(_Task.active_host.in_(list(hosts)))
    return context.session.execute(
        query.order_by(_Task.created_at, _Task.id)).scalars().all()


@api.reader
def host_evacuation_get_all(context, host=None, status=None, limit=None,
                            marker=None):
    """Tasks, newest first, filtered and paged.

    :param status: one status or a list of them.
    :param marker: uuid of the last task of the previous page.
    :raises MarkerNotFound: no task has the marker's uuid.
    """
    session = context.session
    query = sa.select(_Task)
    if host is not None:
        query = query.where(_Task.host == host)
    if status is not None:
        statuses = [status] if isinstance(status, str) else list(status)
        query = query.where(_Task.status.in_(statuses))
    if marker is not None:
        last = session.execute(
            sa.select(_Task).where(_Task.uuid == marker)
        ).scalar_one_or_none()
        if last is None:
            raise exception.MarkerNotFound(marker=marker)
        # NOTE: id breaks ties between tasks created within the same
        # second (MySQL DATETIME has no fractions).
        query = query.where(sa.or_(
            _Task.created_at < last.created_at,
            sa.and_(_Task.created_at == last.created_at,
                    _Task.id < last.id)))
    query = query.order_by(_Task.created_at.desc(), _Task.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return session.execute(query).scalars().all()


@api.writer
def host_evacuation_update(context, uuid, values, expected=None):
    """Update a task; ``active_host`` follows ``status``.

    :param expected: {column: value or list of values} the row must still
        hold (compare-and-swap), e.g. ``{'status': 'pending'}``.
    :raises HostEvacuationNotFound: no task has this uuid.
    :raises HostEvacuationStateConflict: ``expected`` no longer holds.
    :raises ActiveHostEvacuationExists: the update would make the task
        active while its host already has another active task.
    """
    session = context.session
    task = _get_task(session, uuid)
    values = _db_values(values)
    values.pop('active_host', None)
    if 'status' in values:
        values['active_host'] = _active_host(task.host, values['status'])
    statement = (
        sa.update(_Task)
        .where(_Task.id == task.id, *_expected_clauses(_Task, expected))
        .values(**values)
        .execution_options(synchronize_session=False))
    try:
        result = session.execute(statement)
    except db_exc.DBDuplicateEntry as error:
        if 'active_host' in (error.columns or []):
            raise exception.ActiveHostEvacuationExists(host=task.host)
        raise
    if result.rowcount != 1:
        raise exception.HostEvacuationStateConflict(
            uuid=uuid, expected=expected)
    session.refresh(task)
    return task


@api.writer
def host_evacuation_claim(context, uuid, owner, lease_seconds):
    """Take or renew the lease of an unfinished task for worker ``owner``.

    Succeeds when the task's force-down is done, it is not finished (a
    cancelled task still drains its evacuations in flight) and its lease
    is free, expired or already ``owner``'s.

    :returns: the task row, or None when another worker holds the lease
        or the task is finished.
    :raises HostEvacuationNotFound: no task has this uuid.
    """
    session = context.session
    task = _get_task(session, uuid)
    now = timeutils.utcnow()
    statement = (
        sa.update(_Task)
        .where(_Task.id == task.id,
               _Task.finished_at.is_(None),
               _Task.forced_down_at.is_not(None),
               sa.or_(_Task.lease_owner.is_(None),
                      _Task.lease_owner == owner,
                      _Task.lease_expires_at < now))
        .values(lease_owner=owner,
                lease_expires_at=now + datetime.timedelta(
                    seconds=lease_seconds))
        .execution_options(synchronize_session=False))
    if session.execute(statement).rowcount != 1:
        return None
    session.refresh(task)
    return task


@api.writer
def host_evacuation_refresh_counts(context, uuid):
    """Recompute a task's counters from its items' statuses."""
    session = context.session
    task = _get_task(session, uuid)
    _write_counters(session, task.id)
    session.refresh(task)
    return task


@api.reader
def instance_evacuation_get_all(context, evacuation_uuid):
    """Items of a task, highest ``priority`` first, then creation order.

    :raises HostEvacuationNotFound: no task has this uuid.
    """
    session = context.session
    task = _get_task(session, evacuation_uuid)
    return session.execute(
        sa.select(_Item)
        .where(_Item.host_evacuation_id == task.id)
        .order_by(_Item.priority.desc(), _Item.id)).scalars().all()


def _get_item(session, evacuation_uuid, instance_uuid):
    item = session.execute(
        sa.select(_Item).join(_Item.host_evacuation)
        .where(_Task.uuid == evacuation_uuid,
               _Item.instance_uuid == instance_uuid)
    ).scalar_one_or_none()
    if item is None:
        raise exception.InstanceEvacuationNotFound(
            evacuation_uuid=evacuation_uuid, instance_uuid=instance_uuid)
    return item


@api.reader
def instance_evacuation_get(context, evacuation_uuid, instance_uuid):
    """:raises InstanceEvacuationNotFound: the task has no such item."""
    return _get_item(context.session, evacuation_uuid, instance_uuid)


@api.writer
def instance_evacuation_update(context, evacuation_uuid, instance_uuid,
                               values, expected=None, task_expected=None):
    """Update one item.

    :param expected: {column: value or list of values} the row must still
        hold, e.g. ``{'status': 'pending'}`` so that two workers never both
        start evacuating one instance.
    :param task_expected: the same for the item's task, read under a lock
        of the task row: a cancel or close (which update that row before
        cancelling the pending items) cannot commit between the check and
        this write, so an item is never put back to pending in a task that
        no longer runs it.
    :raises InstanceEvacuationNotFound: the task has no such item.
    :raises InstanceEvacuationStateConflict: ``expected`` no longer holds.
    """
    session = context.session
    item = _get_item(session, evacuation_uuid, instance_uuid)
    clauses = _expected_clauses(_Item, expected)
    if task_expected:
        task_holds = sa.select(_Task.id).where(
            _Task.id == item.host_evacuation_id,
            *_expected_clauses(_Task, task_expected))
        # NOTE: the lock is for MySQL and PostgreSQL, where a cancel
        # holding the row waits here or we wait for it; the same check in
        # the UPDATE itself is for SQLite, where only one statement is
        # atomic.
        if session.execute(
                task_holds.with_for_update()).scalar_one_or_none() is None:
            raise exception.InstanceEvacuationStateConflict(
                instance_uuid=instance_uuid, expected=task_expected)
        clauses.append(task_holds.exists())
    statement = (
        sa.update(_Item)
        .where(_Item.id == item.id, *clauses)
        .values(**_db_values(values))
        .execution_options(synchronize_session=False))
    if session.execute(statement).rowcount != 1:
        raise exception.InstanceEvacuationStateConflict(
            instance_uuid=instance_uuid,
            expected=dict(expected or {}, task=task_expected))
    session.refresh(item)
    return item


# -- transitions of the host failure (see doc/recovery-state-machine.md) --

_UNSETTLED = (_ITEM.PENDING, _ITEM.EVACUATING)


def _no_live_lease():
    return sa.or_(_Task.lease_owner.is_(None),
                  _Task.lease_expires_at < timeutils.utcnow())


def _counts(session, task_id):
    return dict(session.execute(
        sa.select(_Item.status, sa.func.count())
        .where(_Item.host_evacuation_id == task_id)
        .group_by(_Item.status)).all())


def _counter_values(counts):
    values = {column: counts.get(status, 0)
              for status, column in _COUNTERS.items()}
    values['total_count'] = sum(counts.values())
    return values


def _write_counters(session, task_id):
    """Recompute a task's counters in the caller's transaction.

    :returns: {item status: count}
    """
    counts = _counts(session, task_id)
    session.execute(
        sa.update(_Task).where(_Task.id == task_id)
        .values(**_counter_values(counts))
        .execution_options(synchronize_session=False))
    return counts


def _cancel_pending(session, task_id, reason, now):
    return session.execute(
        sa.update(_Item)
        .where(_Item.host_evacuation_id == task_id,
               _Item.status == _ITEM.PENDING)
        .values(status=_ITEM.CANCELLED, last_error=reason, finished_at=now,
                next_attempt_at=None)
        .execution_options(synchronize_session=False)).rowcount


@api.writer
def host_evacuation_finish(context, uuid, owner, generation):
    """Close a task's work: the worker's last write, a compare-and-swap.

    Written only when no item is pending or evacuating, the task is not
    finished, ``owner`` (None: no worker, the API) holds its lease and
    nothing bumped its ``generation`` since the caller read it (a retry
    or cancel racing the close). A running or pending task ends
    ``completed`` or ``completed_with_errors``, a cancelled one stays
    cancelled.

    :returns: the task row, or None when the close did not happen.
    """
    session = context.session
    task = _get_task(session, uuid)
    counts = _counts(session, task.id)
    if any(counts.get(status) for status in _UNSETTLED):
        return None
    values = _counter_values(counts)
    if task.status != fields.HostEvacuationStatus.CANCELLED:
        values['status'] = (
            fields.HostEvacuationStatus.COMPLETED_WITH_ERRORS
            if values['failed_count']
            else fields.HostEvacuationStatus.COMPLETED)
    values.update(finished_at=timeutils.utcnow(), lease_owner=None,
                  lease_expires_at=None, active_host=None)
    statement = (
        sa.update(_Task)
        .where(_Task.id == task.id, _Task.finished_at.is_(None),
               _Task.generation == generation,
               _no_live_lease() if owner is None
               else _Task.lease_owner == owner)
        .values(**values)
        .execution_options(synchronize_session=False))
    if session.execute(statement).rowcount != 1:
        return None
    session.refresh(task)
    return task


@api.writer
def host_evacuation_cancel(context, uuid, reason):
    """Cancel a task: its pending items, in one transaction.

    Items in flight run to their end (a worker drains them).

    :returns: ``(task_row, in_flight)``, the number of items evacuating.
    :raises HostEvacuationNotFound:
    :raises HostEvacuationNotActive: the task is finished already.
    """
    session = context.session
    task = _get_task(session, uuid)
    now = timeutils.utcnow()
    result = session.execute(
        sa.update(_Task)
        .where(_Task.id == task.id, _Task.finished_at.is_(None),
               _Task.status.in_(_ACTIVE))
        .values(status=fields.HostEvacuationStatus.CANCELLED,
                active_host=None, generation=_Task.generation + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.refresh(task)
        raise exception.HostEvacuationNotActive(uuid=uuid,
                                                status=task.status)
    _cancel_pending(session, task.id, reason, now)
    counts = _write_counters(session, task.id)
    session.refresh(task)
    return task, counts.get(_ITEM.EVACUATING, 0)


@api.writer
def host_evacuation_retry(context, uuid, instance_uuids):
    """Put failed items back to pending in their open failure, atomically.

    The task is reopened (``pending`` unless a worker runs it) and its
    generation bumped, so a close read before this cannot succeed.

    :returns: the task row.
    :raises HostFailureClosed: the host failure was closed meanwhile.
    """
    session = context.session
    task = _get_task(session, uuid)
    values = {'generation': _Task.generation + 1, 'finished_at': None}
    if task.status != fields.HostEvacuationStatus.RUNNING:
        values.update(status=fields.HostEvacuationStatus.PENDING,
                      active_host=task.host)
    try:
        result = session.execute(
            sa.update(_Task)
            .where(_Task.id == task.id, _Task.closed_at.is_(None),
                   _Task.open_host.is_not(None))
            .values(**values)
            .execution_options(synchronize_session=False))
    except db_exc.DBDuplicateEntry:
        raise exception.ActiveHostEvacuationExists(host=task.host)
    if result.rowcount != 1:
        raise exception.HostFailureClosed(host=task.host, uuid=uuid)
    session.execute(
        sa.update(_Item)
        .where(_Item.host_evacuation_id == task.id,
               _Item.status == _ITEM.FAILED,
               _Item.instance_uuid.in_(list(instance_uuids)))
        .values(status=_ITEM.PENDING, attempts=0, next_attempt_at=None,
                finished_at=None)
        .execution_options(synchronize_session=False))
    _write_counters(session, task.id)
    session.refresh(task)
    return task


@api.writer
def host_evacuation_close(context, uuid, reason):
    """Close an open host failure (a force-up), cancelling what is pending.

    :returns: ``(task_row, in_flight)``, or ``(None, 0)`` when it was
        closed already.
    """
    session = context.session
    task = _get_task(session, uuid)
    now = timeutils.utcnow()
    values = {'closed_at': now, 'open_host': None, 'closed_reason': reason,
              'generation': _Task.generation + 1}
    if task.status in _ACTIVE:
        values.update(status=fields.HostEvacuationStatus.CANCELLED,
                      active_host=None)
    result = session.execute(
        sa.update(_Task)
        .where(_Task.id == task.id, _Task.closed_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return None, 0
    _cancel_pending(session, task.id, reason, now)
    counts = _write_counters(session, task.id)
    session.refresh(task)
    return task, counts.get(_ITEM.EVACUATING, 0)
