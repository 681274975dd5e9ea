"""Initial schema: host and instance evacuations.

Revision ID: 909d27c7ea47
Revises:
Create Date: 2025-11-21
"""

from alembic import op
import sqlalchemy as sa

revision = '909d27c7ea47'
down_revision = None
branch_labels = None
depends_on = None

_TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def upgrade():
    op.create_table(
        'host_evacuations',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('active_host', sa.String(255), nullable=True),
        sa.Column('cell_uuid', sa.String(36), nullable=True),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('selection', sa.String(16), nullable=False),
        sa.Column('requested_by', sa.String(255), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('fenced', sa.Boolean(), nullable=False),
        sa.Column('service_disabled', sa.Boolean(), nullable=False),
        sa.Column('withheld_reason', sa.Text(), nullable=True),
        sa.Column('total_count', sa.Integer(), nullable=False),
        sa.Column('succeeded_count', sa.Integer(), nullable=False),
        sa.Column('failed_count', sa.Integer(), nullable=False),
        sa.Column('skipped_count', sa.Integer(), nullable=False),
        sa.Column('cancelled_count', sa.Integer(), nullable=False),
        sa.Column('lease_owner', sa.String(255), nullable=True),
        sa.Column('lease_expires_at', sa.DateTime(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_host_evacuations'),
        sa.UniqueConstraint('uuid', name='uniq_host_evacuations0uuid'),
        sa.UniqueConstraint(
            'active_host', name='uniq_host_evacuations0active_host'),
        **_TABLE_ARGS,
    )
    op.create_index('ix_host_evacuations_host', 'host_evacuations',
                    ['host'])
    op.create_index('ix_host_evacuations_status', 'host_evacuations',
                    ['status'])

    op.create_table(
        'instance_evacuations',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('host_evacuation_id', sa.Integer(), nullable=False),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('source_host', sa.String(255), nullable=True),
        sa.Column('dest_host', sa.String(255), nullable=True),
        sa.Column('migration_id', sa.Integer(), nullable=True),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('server_group_uuid', sa.String(36), nullable=True),
        sa.Column('original_vm_state', sa.String(255), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_instance_evacuations'),
        sa.ForeignKeyConstraint(
            ['host_evacuation_id'], ['host_evacuations.id'],
            name='fk_instance_evacuations_host_evacuation_id',
            ondelete='CASCADE'),
        sa.UniqueConstraint(
            'host_evacuation_id', 'instance_uuid',
            name='uniq_instance_evacuations0host_evacuation_id0instance_uuid'),
        **_TABLE_ARGS,
    )
    op.create_index('ix_instance_evacuations_host_evacuation_id',
                    'instance_evacuations', ['host_evacuation_id'])
    op.create_index('ix_instance_evacuations_instance_uuid',
                    'instance_evacuations', ['instance_uuid'])
