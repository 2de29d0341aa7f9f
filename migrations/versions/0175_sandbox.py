"""Sandbox mode (issue 18): an app's mode, and each order's livemode (false: paid in test coins,
never settled). Test coins live in ledger accounts of their own kinds and currency (ZCT): no
schema change there.

Revision ID: 0175
Revises: 0168
"""
from alembic import op
import sqlalchemy as sa


revision = '0175'
down_revision = '0168'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sandbox', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('livemode', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.drop_column('livemode')
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.drop_column('sandbox')
