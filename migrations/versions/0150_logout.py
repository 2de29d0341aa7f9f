"""Single logout (issue 17): post-logout redirect URIs and a back-channel logout URI per app, and
the session (`sid`) an authorization code was issued in, for the id_token's sid claim.

Revision ID: 0150
Revises: 0100
"""
from alembic import op
import sqlalchemy as sa


revision = '0150'
down_revision = '0100'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_logout_redirect_uris', sa.JSON(), nullable=False,
                                      server_default='[]'))
        batch_op.add_column(sa.Column('backchannel_logout_uri', sa.String(length=512),
                                      nullable=False, server_default=''))
    with op.batch_alter_table('oauth_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sid', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('oauth_codes', schema=None) as batch_op:
        batch_op.drop_column('sid')
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.drop_column('backchannel_logout_uri')
        batch_op.drop_column('post_logout_redirect_uris')
