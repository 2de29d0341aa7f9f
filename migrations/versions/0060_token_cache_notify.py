"""PostgreSQL: tell every platform process when a cached token check may have changed.

Each process keeps recent token checks in memory (gateway/oauth/token_cache.py) and LISTENs on
the channel `zc_token_cache`. These triggers NOTIFY it on every change the check depends on, in
the changing transaction (delivered on commit, whoever made the change: the app, a CLI command or
an operator's SQL):

- `g<user_id>:<app_id>`: a token of that user and app (revoked, re-scoped, expired, deleted), or
  the user's grant to the app (given, changed, withdrawn);
- `u<user_id>`: the user's profile or account (renamed, new avatar, deactivated, deleted);
- `a<app_id>`: the app or its permissions (suspended, deleted, scopes granted or removed).

Other databases have no NOTIFY: there the cache is off unless configured for one process.

Revision ID: 0060
Revises: 0050
Create Date: 2026-11-22 05:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0060'
down_revision = '0050'
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION zc_token_cache_notify() RETURNS trigger AS $$
DECLARE
    r record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('zc_token_cache', 'u' || r.id);
    ELSIF TG_TABLE_NAME = 'apps' THEN
        PERFORM pg_notify('zc_token_cache', 'a' || r.id);
    ELSIF TG_TABLE_NAME = 'app_permissions' THEN
        PERFORM pg_notify('zc_token_cache', 'a' || r.app_id);
    ELSE
        PERFORM pg_notify('zc_token_cache',
                          'g' || coalesce(r.user_id::text, '') || ':' || r.app_id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""

# (trigger, table, events): only the columns a token check reads fire an UPDATE trigger.
TRIGGERS = [
    ("zc_token_cache_tokens", "oauth_tokens",
     "UPDATE OF revoked_at, expires_at, scopes, user_id, app_id, openid OR DELETE"),
    ("zc_token_cache_grants", "authorizations",
     "INSERT OR UPDATE OF scopes, revoked_at, user_id, app_id OR DELETE"),
    ("zc_token_cache_users", "users",
     "UPDATE OF username, nickname, gender, province, city, birth_year, avatar_key, is_active"
     " OR DELETE"),
    ("zc_token_cache_apps", "apps", "UPDATE OR DELETE"),
    ("zc_token_cache_app_permissions", "app_permissions", "INSERT OR UPDATE OR DELETE"),
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    for name, table, events in TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} AFTER {events} ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION zc_token_cache_notify()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, _events in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS zc_token_cache_notify()")
