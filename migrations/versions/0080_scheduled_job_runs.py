"""Scheduled jobs (issue 19): one row per job finished for a period (a month).

Revision ID: 0080
Revises: 0130
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0080'
down_revision = '0130'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduled_job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_job_runs')),
    sa.UniqueConstraint('job', 'period', name=op.f('uq_scheduled_job_runs_job'))
    )


def downgrade():
    op.drop_table('scheduled_job_runs')
