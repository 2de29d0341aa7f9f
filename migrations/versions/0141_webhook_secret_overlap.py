"""Webhook signing-secret rotation with an overlap (issue 18): the previous secret still signs.

Revision ID: 0141
Revises: 0133
"""
from alembic import op
import sqlalchemy as sa


revision = '0141'
down_revision = '0133'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_webhook_secret', sa.String(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column('previous_webhook_secret_expires_at', sa.DateTime(),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.drop_column('previous_webhook_secret_expires_at')
        batch_op.drop_column('previous_webhook_secret')
