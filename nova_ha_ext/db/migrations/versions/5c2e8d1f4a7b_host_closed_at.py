"""host_evacuations.closed_at: when the host was forced up again.

Revision ID: 5c2e8d1f4a7b
Revises: 909d27c7ea47
Create Date: 2026-11-21
"""

from alembic import op
import sqlalchemy as sa

revision = '5c2e8d1f4a7b'
down_revision = '909d27c7ea47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('host_evacuations') as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(),
                                      nullable=True))
