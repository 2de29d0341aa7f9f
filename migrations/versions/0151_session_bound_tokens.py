"""Back-channel logout (issue 17): tokens carry the session (`sid`) their code was issued in, so
a session's end finds the apps it logged into; apps may require `sid` in logout tokens.

Revision ID: 0151
Revises: 0172
"""
from alembic import op
import sqlalchemy as sa


revision = '0151'
down_revision = '0172'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('oauth_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sid', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_oauth_tokens_sid'), ['sid'], unique=False)
    with op.batch_alter_table('oauth_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_codes_sid'), ['sid'], unique=False)
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backchannel_logout_session_required', sa.Boolean(),
                                      nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.drop_column('backchannel_logout_session_required')
    with op.batch_alter_table('oauth_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_codes_sid'))
    with op.batch_alter_table('oauth_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_tokens_sid'))
        batch_op.drop_column('sid')
