"""JWT access tokens, resource indicators and token exchange (issue 17): an app chooses its
access token format and whether it takes part in token exchange; a code remembers the resource
it was bound to; a token keeps its audience and, for delegation, its actor (`act`).

Revision ID: 0163
Revises: 0152
"""
from alembic import op
import sqlalchemy as sa


revision = '0163'
down_revision = '0152'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_token_format', sa.String(length=8),
                                      nullable=False, server_default='opaque'))
        batch_op.add_column(sa.Column('token_exchange_enabled', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('oauth_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resource', sa.String(length=255), nullable=True))
    with op.batch_alter_table('oauth_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('act', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('oauth_tokens', schema=None) as batch_op:
        batch_op.drop_column('act')
        batch_op.drop_column('audience')
    with op.batch_alter_table('oauth_codes', schema=None) as batch_op:
        batch_op.drop_column('resource')
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.drop_column('token_exchange_enabled')
        batch_op.drop_column('access_token_format')
