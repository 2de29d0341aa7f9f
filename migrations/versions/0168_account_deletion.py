"""Delete my account (issue 14): when an account's erasure is due, and when it was erased.

Revision ID: 0168
Revises: 0171
"""
from alembic import op
import sqlalchemy as sa


revision = '0168'
down_revision = '0171'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deletion_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_deletion_due_at'), ['deletion_due_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_deletion_due_at'))
        batch_op.drop_column('erased_at')
        batch_op.drop_column('deletion_due_at')
