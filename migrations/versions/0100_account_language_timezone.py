"""Accounts remember their language and time zone.

`language` is NULL until the user picks one (then the language switch saves `zh_Hans` or `en`;
`locale`, from 0110, is the language mail is written in, the one last used); `timezone` is an IANA name, Asia/Shanghai unless the user chose another. Stored times
stay UTC: the zone only changes how pages show them.

Revision ID: 0100
Revises: 0134
Create Date: 2026-12-02 08:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0100'
down_revision = '0134'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('language', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('timezone', sa.String(length=64), nullable=False,
                                   server_default='Asia/Shanghai'))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('timezone')
        batch.drop_column('language')
