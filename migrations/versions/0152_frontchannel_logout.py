"""Front-channel logout (issue 17): an app may register a front-channel logout URI (framed by
the page that ends a session) and ask for iss and sid in it.

Revision ID: 0152
Revises: 0151
"""
from alembic import op
import sqlalchemy as sa


revision = '0152'
down_revision = '0151'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frontchannel_logout_uri', sa.String(length=512),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('frontchannel_logout_session_required', sa.Boolean(),
                                      nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.drop_column('frontchannel_logout_session_required')
        batch_op.drop_column('frontchannel_logout_uri')
