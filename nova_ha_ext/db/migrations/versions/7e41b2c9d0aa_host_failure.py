"""The host failure: open from a fenced force-down until a force-up.

``open_host`` carries the host name while the record is open (unique:
one open failure per host), ``forced_down_at`` says Nova's service write
of the force-down is done, ``generation`` is bumped by every API write
that gives a worker new work (retry, cancel) so that a task's closing
write can never swallow it, ``closed_reason`` says who closed it.
``ha_locks`` holds the short leases that serialise the force-downs and
force-ups of one cell. Items gain ``call_window_ms``: the measured time
between the last re-check and Nova's evacuate call.

Revision ID: 7e41b2c9d0aa
Revises: 5c2e8d1f4a7b
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa

revision = '7e41b2c9d0aa'
down_revision = '5c2e8d1f4a7b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('host_evacuations') as batch_op:
        batch_op.add_column(sa.Column('open_host', sa.String(255),
                                      nullable=True))
        batch_op.add_column(sa.Column('forced_down_at', sa.DateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('closed_reason', sa.Text(),
                                      nullable=True))
        batch_op.add_column(sa.Column('generation', sa.Integer(),
                                      nullable=False, server_default='0'))
        batch_op.create_unique_constraint(
            'uniq_host_evacuations0open_host', ['open_host'])
    with op.batch_alter_table('instance_evacuations') as batch_op:
        batch_op.add_column(sa.Column('call_window_ms', sa.Float(),
                                      nullable=True))

    # Records of earlier releases: the newest record of a host that was
    # never closed is its open failure; older unclosed ones are closed.
    bind = op.get_bind()
    tasks = sa.table('host_evacuations',
                     sa.column('id', sa.Integer),
                     sa.column('host', sa.String),
                     sa.column('created_at', sa.DateTime),
                     sa.column('open_host', sa.String),
                     sa.column('forced_down_at', sa.DateTime),
                     sa.column('closed_at', sa.DateTime),
                     sa.column('closed_reason', sa.Text))
    rows = bind.execute(
        sa.select(tasks.c.id, tasks.c.host, tasks.c.created_at)
        .where(tasks.c.closed_at.is_(None))
        .order_by(tasks.c.created_at.desc(), tasks.c.id.desc())).all()
    seen = set()
    for row in rows:
        if row.host in seen:
            bind.execute(
                tasks.update().where(tasks.c.id == row.id).values(
                    closed_at=row.created_at,
                    closed_reason='superseded by a later record '
                                  '(upgrade to host failures)'))
            continue
        seen.add(row.host)
        bind.execute(
            tasks.update().where(tasks.c.id == row.id).values(
                open_host=row.host, forced_down_at=row.created_at))

    op.create_table(
        'ha_locks',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('owner', sa.String(255), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name', name='pk_ha_locks'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
