"""Operators deactivate and ban accounts (issue 14): the hold with its reason, and the apps a
ban suspended (reinstating the account brings back only those).

Revision ID: 0171
Revises: 0167
"""
from alembic import op
import sqlalchemy as sa


revision = '0171'
down_revision = '0167'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'account_suspensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('operator_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('lifted_at', sa.DateTime(), nullable=True),
        sa.Column('lifted_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['operator_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['lifted_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('account_suspensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_suspensions_user_id'), ['user_id'],
                              unique=False)
    op.create_table(
        'account_suspension_apps',
        sa.Column('suspension_id', sa.Integer(), nullable=False),
        sa.Column('app_id', sa.Integer(), nullable=False),
        sa.Column('suspended_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['suspension_id'], ['account_suspensions.id'],
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('suspension_id', 'app_id'),
    )


def downgrade():
    op.drop_table('account_suspension_apps')
    with op.batch_alter_table('account_suspensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_suspensions_user_id'))
    op.drop_table('account_suspensions')
