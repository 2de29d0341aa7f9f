"""Refresh-token families get an absolute lifetime: remember when each family started.

Existing rows take the oldest creation time still stored for their family (the login, unless
older pairs were purged already: then a later, more lenient start).

Revision ID: 0090
Revises: 0110
Create Date: 2026-12-02 08:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0090'
down_revision = '0110'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('oauth_tokens') as batch:
        batch.add_column(sa.Column('family_started_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE oauth_tokens SET family_started_at = (SELECT min(f.created_at) "
               "FROM oauth_tokens AS f WHERE f.family = oauth_tokens.family)")
    with op.batch_alter_table('oauth_tokens') as batch:
        batch.alter_column('family_started_at', existing_type=sa.DateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table('oauth_tokens') as batch:
        batch.drop_column('family_started_at')
