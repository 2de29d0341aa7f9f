"""Pushed authorization requests (issue 17, RFC 9126): the pushed requests, stored by the digest of
their request_uri, and the per-app "require PAR" setting.

Revision ID: 0155
Revises: 0179
"""
from alembic import op
import sqlalchemy as sa


revision = '0155'
down_revision = '0179'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'oauth_pushed_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uri_digest', sa.String(length=64), nullable=False),
        sa.Column('app_id', sa.Integer(), nullable=False),
        sa.Column('parameters', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=True),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['app_id'], ['apps.id'],
                                name=op.f('fk_oauth_pushed_requests_app_id_apps'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_pushed_requests')),
        sa.UniqueConstraint('uri_digest', name=op.f('uq_oauth_pushed_requests_uri_digest')),
    )
    with op.batch_alter_table('oauth_pushed_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_pushed_requests_app_id'), ['app_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_pushed_requests_expires_at'), ['expires_at'],
                              unique=False)
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_par', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.drop_column('require_par')
    with op.batch_alter_table('oauth_pushed_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_pushed_requests_expires_at'))
        batch_op.drop_index(batch_op.f('ix_oauth_pushed_requests_app_id'))
    op.drop_table('oauth_pushed_requests')
