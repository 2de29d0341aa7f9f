"""Per-app auth event log (issue 18): authorization and token outcomes, kept 30 days.

Revision ID: 0140
Revises: 0070
"""
from alembic import op
import sqlalchemy as sa


revision = '0140'
down_revision = '0070'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'auth_events',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('app_id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('outcome', sa.String(length=8), nullable=False),
        sa.Column('reason', sa.String(length=64), nullable=False),
        sa.Column('ret', sa.Integer(), nullable=True),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('grant_type', sa.String(length=32), nullable=False),
        sa.Column('openid', sa.String(length=32), nullable=True),
        sa.Column('client_ip', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_events')),
    )
    with op.batch_alter_table('auth_events', schema=None) as batch_op:
        batch_op.create_index('ix_auth_events_app_id_id', ['app_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_events_occurred_at'), ['occurred_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('auth_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_events_occurred_at'))
        batch_op.drop_index('ix_auth_events_app_id_id')
    op.drop_table('auth_events')
