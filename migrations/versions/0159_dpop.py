"""DPoP (RFC 9449, issue 17): the key thumbprint a token pair is bound to (`cnf.jkt`), the
thumbprint an authorization code was bound to at authorize (`dpop_jkt`), and the per-app
"require DPoP" setting.

Revision ID: 0159
Revises: 0155
"""
from alembic import op
import sqlalchemy as sa


revision = '0159'
down_revision = '0155'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_dpop', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('oauth_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jkt', sa.String(length=43), nullable=True))
    with op.batch_alter_table('oauth_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dpop_jkt', sa.String(length=43), nullable=True))


def downgrade():
    with op.batch_alter_table('oauth_codes', schema=None) as batch_op:
        batch_op.drop_column('dpop_jkt')
    with op.batch_alter_table('oauth_tokens', schema=None) as batch_op:
        batch_op.drop_column('jkt')
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.drop_column('require_dpop')
