"""An app's name is unique among its developer's apps (a refreshed registration page made twins).

Existing twins keep their rows: every one but the oldest gets its appid appended to its name, so
the index can be built and nothing a developer registered disappears.

Revision ID: 0120
Revises: 0080
Create Date: 2026-12-02 08:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0120'
down_revision = '0080'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    apps = sa.table("apps", sa.column("id", sa.Integer), sa.column("appid", sa.String),
                    sa.column("developer_id", sa.Integer), sa.column("name", sa.String))
    seen: set[tuple[int, str]] = set()
    for row in bind.execute(sa.select(apps.c.id, apps.c.appid, apps.c.developer_id,
                                      apps.c.name).order_by(apps.c.id)):
        key = (row.developer_id, row.name)
        if key in seen:
            suffix = f" ({row.appid or row.id})"
            bind.execute(apps.update().where(apps.c.id == row.id).values(
                name=row.name[:64 - len(suffix)] + suffix))
        seen.add(key)
    op.create_index("uq_apps_developer_name", "apps", ["developer_id", "name"], unique=True)


def downgrade():
    op.drop_index("uq_apps_developer_name", table_name="apps")
