"""SQLAlchemy models of the extension's own database.

Every constraint and index carries an explicit name: migrations can then
refer to them on every backend, and oslo.db reads the column list of a
duplicate-entry error back out of the ``uniq_<table>0<column>`` names on
MySQL/MariaDB and PostgreSQL.
"""

from oslo_db.sqlalchemy import models
import sqlalchemy as sa
from sqlalchemy import orm

TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


class _Base(models.TimestampMixin, models.ModelBase):
    pass


BASE = orm.declarative_base(cls=_Base)


class HostEvacuation(BASE):
    """One recovery task for one failed compute host."""

    __tablename__ = 'host_evacuations'
    __table_args__ = (
        sa.PrimaryKeyConstraint('id', name='pk_host_evacuations'),
        sa.UniqueConstraint('uuid', name='uniq_host_evacuations0uuid'),
        # NOTE: active_host equals host while the task is pending or
        # running and is NULL once it is terminal. NULLs never collide, so
        # this unique constraint lets the database itself refuse a second
        # active task for one host, even from another API worker.
        sa.UniqueConstraint(
            'active_host', name='uniq_host_evacuations0active_host'),
        # NOTE: open_host equals host from the force-down that opens the
        # host failure until the force-up that closes it: one open failure
        # per host, whatever the state of its evacuation work.
        sa.UniqueConstraint(
            'open_host', name='uniq_host_evacuations0open_host'),
        sa.Index('ix_host_evacuations_host', 'host'),
        sa.Index('ix_host_evacuations_status', 'status'),
        TABLE_ARGS,
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    host = sa.Column(sa.String(255), nullable=False)
    active_host = sa.Column(sa.String(255), nullable=True)
    cell_uuid = sa.Column(sa.String(36), nullable=True)
    status = sa.Column(sa.String(32), nullable=False)
    selection = sa.Column(sa.String(16), nullable=False)
    requested_by = sa.Column(sa.String(255), nullable=True)
    reason = sa.Column(sa.Text, nullable=True)
    fenced = sa.Column(sa.Boolean, nullable=False, default=False)
    service_disabled = sa.Column(sa.Boolean, nullable=False, default=False)
    withheld_reason = sa.Column(sa.Text, nullable=True)
    total_count = sa.Column(sa.Integer, nullable=False, default=0)
    succeeded_count = sa.Column(sa.Integer, nullable=False, default=0)
    failed_count = sa.Column(sa.Integer, nullable=False, default=0)
    skipped_count = sa.Column(sa.Integer, nullable=False, default=0)
    cancelled_count = sa.Column(sa.Integer, nullable=False, default=0)
    lease_owner = sa.Column(sa.String(255), nullable=True)
    lease_expires_at = sa.Column(sa.DateTime, nullable=True)
    started_at = sa.Column(sa.DateTime, nullable=True)
    finished_at = sa.Column(sa.DateTime, nullable=True)
    # NOTE: set when the host is forced up again: the record of that
    # failure is closed and the host is back in service.
    closed_at = sa.Column(sa.DateTime, nullable=True)
    open_host = sa.Column(sa.String(255), nullable=True)
    # NOTE: NULL while the failure is recorded but Nova's service is not
    # yet forced down (a repeat of the call completes it); workers only
    # run failures whose force-down is done.
    forced_down_at = sa.Column(sa.DateTime, nullable=True)
    closed_reason = sa.Column(sa.Text, nullable=True)
    # NOTE: bumped by every API write that hands a worker new work
    # (retry, cancel), so that a closing write read before it fails.
    generation = sa.Column(sa.Integer, nullable=False, default=0,
                           server_default='0')


class InstanceEvacuation(BASE):
    """The evacuation of one instance within a host evacuation."""

    __tablename__ = 'instance_evacuations'
    __table_args__ = (
        sa.PrimaryKeyConstraint('id', name='pk_instance_evacuations'),
        sa.UniqueConstraint(
            'host_evacuation_id', 'instance_uuid',
            name='uniq_instance_evacuations0host_evacuation_id0instance_uuid'),
        sa.Index('ix_instance_evacuations_host_evacuation_id',
                 'host_evacuation_id'),
        sa.Index('ix_instance_evacuations_instance_uuid', 'instance_uuid'),
        TABLE_ARGS,
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    host_evacuation_id = sa.Column(
        sa.Integer,
        sa.ForeignKey('host_evacuations.id', ondelete='CASCADE',
                      name='fk_instance_evacuations_host_evacuation_id'),
        nullable=False)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    status = sa.Column(sa.String(32), nullable=False)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    last_error = sa.Column(sa.Text, nullable=True)
    source_host = sa.Column(sa.String(255), nullable=True)
    dest_host = sa.Column(sa.String(255), nullable=True)
    migration_id = sa.Column(sa.Integer, nullable=True)
    priority = sa.Column(sa.Integer, nullable=False, default=0)
    server_group_uuid = sa.Column(sa.String(36), nullable=True)
    original_vm_state = sa.Column(sa.String(255), nullable=True)
    next_attempt_at = sa.Column(sa.DateTime, nullable=True)
    started_at = sa.Column(sa.DateTime, nullable=True)
    finished_at = sa.Column(sa.DateTime, nullable=True)
    #: Milliseconds from the attempt's last re-check (lease, fencing,
    #: instance) to Nova's evacuate call: the residual window.
    call_window_ms = sa.Column(sa.Float, nullable=True)

    # NOTE: joined eagerly because items leave their session right away
    # (objects, RPC) and always need their task's uuid, never its int id.
    host_evacuation = orm.relationship(
        HostEvacuation, lazy='joined', innerjoin=True)


class Lock(BASE):
    """A short lease on a name, held across a few writes to two databases.

    Force-downs and force-ups of the hosts of one cell take the cell's
    lock, so the storm guard's count and each host's force-down/force-up
    never interleave (see doc/recovery-state-machine.md). A lease rather
    than a row lock held in a transaction: the writes in between go to
    Nova's database, and a crashed holder frees it by expiry.
    """

    __tablename__ = 'ha_locks'
    __table_args__ = (
        sa.PrimaryKeyConstraint('name', name='pk_ha_locks'),
        TABLE_ARGS,
    )

    name = sa.Column(sa.String(255), nullable=False)
    owner = sa.Column(sa.String(255), nullable=True)
    expires_at = sa.Column(sa.DateTime, nullable=True)
