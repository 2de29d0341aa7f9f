"""Several webhook endpoints per app (issue 18): each with its URL, secret, subscriptions and
enabled flag; the events of each app; one delivery per event and endpoint. Each app's single
webhook URL becomes its first endpoint (all events, the app's signing secret and its overlap), and
the deliveries already queued for that URL belong to it.

Revision ID: 0179
Revises: 0163
"""
from alembic import op
import sqlalchemy as sa


revision = '0179'
down_revision = '0163'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=512), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('previous_secret', sa.String(length=64), nullable=True),
    sa.Column('previous_secret_expires_at', sa.DateTime(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('disabled_reason', sa.String(length=16), nullable=False),
    sa.Column('failing_since', sa.DateTime(), nullable=True),
    sa.Column('alerted_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], name=op.f('fk_webhook_endpoints_app_id_apps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_endpoints_app_id'), ['app_id'], unique=False)

    op.create_table('webhook_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=40), nullable=False),
    sa.Column('app_id', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=48), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], name=op.f('fk_webhook_events_app_id_apps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_webhook_events_event_id'))
    )
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_events_app_id'), ['app_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_events_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('endpoint_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_outbox_messages_event_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_messages_event_id'),
                                          ['event_id', 'endpoint_id'])
        batch_op.create_index(batch_op.f('ix_outbox_messages_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_endpoint_id'), ['endpoint_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_endpoint_id_webhook_endpoints'),
                                    'webhook_endpoints', ['endpoint_id'], ['id'], ondelete='CASCADE')

    op.execute(
        "INSERT INTO webhook_endpoints (app_id, url, description, event_types, secret,"
        " previous_secret, previous_secret_expires_at, enabled, disabled_reason, created_at,"
        " updated_at)"
        " SELECT id, webhook_url, '', '[]', webhook_secret, previous_webhook_secret,"
        " previous_webhook_secret_expires_at, true, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
        " FROM apps WHERE webhook_url <> ''")
    op.execute(
        "INSERT INTO webhook_events (event_id, app_id, event_type, body, created_at)"
        " SELECT event_id, app_id, event_type, body, created_at FROM outbox_messages")
    op.execute(
        "UPDATE outbox_messages SET endpoint_id = (SELECT e.id FROM webhook_endpoints e"
        " WHERE e.app_id = outbox_messages.app_id AND e.url = outbox_messages.url)")
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.drop_column('webhook_url')


def downgrade():
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('webhook_url', sa.String(length=512), nullable=False,
                                      server_default=''))
    # The first endpoint's URL is the app's one URL again; the others are lost.
    op.execute(
        "UPDATE apps SET webhook_url = COALESCE((SELECT e.url FROM webhook_endpoints e"
        " WHERE e.app_id = apps.id ORDER BY e.id LIMIT 1), '')")
    # Before 0179 an event had one delivery: keep the first of each event.
    op.execute(
        "DELETE FROM outbox_messages WHERE id NOT IN (SELECT MIN(id) FROM outbox_messages"
        " GROUP BY event_id)")
    op.execute("UPDATE outbox_messages SET status = 'pending' WHERE status = 'held'")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_endpoint_id_webhook_endpoints'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_endpoint_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_event_id'))
        batch_op.drop_constraint(batch_op.f('uq_outbox_messages_event_id'), type_='unique')
        batch_op.create_unique_constraint('uq_outbox_messages_event_id', ['event_id'])
        batch_op.drop_column('endpoint_id')
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_webhook_events_app_id'))
    op.drop_table('webhook_events')
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_endpoints_app_id'))
    op.drop_table('webhook_endpoints')
