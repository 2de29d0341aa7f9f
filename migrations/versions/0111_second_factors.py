"""Second factors: authenticator apps, recovery codes, passkeys; what each session and code
proved (amr).

Revision ID: 0111
Revises: 0142
Create Date: 2026-12-02 08:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0111'
down_revision = '0142'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'totp_factors',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('sealed_secret', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('last_step', sa.Integer(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_totp_factors_user_id_users',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name='pk_totp_factors'),
    )
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_digest', sa.String(length=64), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_recovery_codes_user_id_users',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_recovery_codes'),
    )
    op.create_index('ix_recovery_codes_user_id', 'recovery_codes', ['user_id'])
    op.create_table(
        'passkeys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('credential_id', sa.String(length=512), nullable=False),
        sa.Column('public_key', sa.LargeBinary(), nullable=False),
        sa.Column('sign_count', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_passkeys_user_id_users',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_passkeys'),
        sa.UniqueConstraint('credential_id', name='uq_passkeys_credential_id'),
    )
    op.create_index('ix_passkeys_user_id', 'passkeys', ['user_id'])
    with op.batch_alter_table('user_sessions') as batch:
        batch.add_column(sa.Column('amr', sa.String(length=64), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('second_factor_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('oauth_codes') as batch:
        batch.add_column(sa.Column('amr', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('oauth_codes') as batch:
        batch.drop_column('amr')
    with op.batch_alter_table('user_sessions') as batch:
        batch.drop_column('second_factor_at')
        batch.drop_column('amr')
    op.drop_index('ix_passkeys_user_id', table_name='passkeys')
    op.drop_table('passkeys')
    op.drop_index('ix_recovery_codes_user_id', table_name='recovery_codes')
    op.drop_table('recovery_codes')
    op.drop_table('totp_factors')
