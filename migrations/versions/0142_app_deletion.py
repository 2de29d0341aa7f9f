"""Apps can be deleted by their developer (issue 18): a tombstone keeps the appid and history.

Revision ID: 0142
Revises: 0090
"""
from alembic import op
import sqlalchemy as sa


revision = '0142'
down_revision = '0090'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
