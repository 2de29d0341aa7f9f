"""Orders remember where the user goes back to after paying (the app's `return_url`).

Revision ID: 0121
Revises: 0141
Create Date: 2026-12-02 08:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0121'
down_revision = '0141'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payment_orders") as batch:
        batch.add_column(sa.Column("return_url", sa.String(length=512), nullable=True))


def downgrade():
    with op.batch_alter_table("payment_orders") as batch:
        batch.drop_column("return_url")
