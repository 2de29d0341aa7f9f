"""Notification mail (issue 14): the topics each person turned off, and extra headers on queued
mail (List-Unsubscribe).

Revision ID: 0172
Revises: 0175
"""
from alembic import op
import sqlalchemy as sa


revision = '0172'
down_revision = '0175'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_opt_outs',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('topic', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'topic'),
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=False, server_default='{}'))


def downgrade():
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_column('headers')
    op.drop_table('mail_opt_outs')
