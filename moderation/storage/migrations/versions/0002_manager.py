"""Community manager: scheduled posts, job runs, questions, mood buckets and alerts, engagement.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('engagement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('replies_received', sa.Integer(), nullable=False),
    sa.Column('answers_given', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('last_active', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement')),
    sa.UniqueConstraint('community', 'platform', 'user_id', name=op.f('uq_engagement_community_platform_user_id'))
    )
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_community_score', ['community', 'score'], unique=False)

    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('detail', sa.String(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
    sa.UniqueConstraint('community', 'kind', 'key', 'scheduled_for', name=op.f('uq_job_runs_community_kind_key_scheduled_for'))
    )
    op.create_table('mood_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('channel_id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('share', sa.Float(), nullable=False),
    sa.Column('baseline', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mood_alerts'))
    )
    with op.batch_alter_table('mood_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_mood_alerts_channel_at', ['community', 'platform', 'channel_id', 'at'], unique=False)

    op.create_table('mood_buckets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('channel_id', sa.BigInteger(), nullable=False),
    sa.Column('minute', sa.DateTime(timezone=True), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mood_buckets')),
    sa.UniqueConstraint('community', 'platform', 'channel_id', 'minute', name=op.f('uq_mood_buckets_community_platform_channel_id_minute'))
    )
    with op.batch_alter_table('mood_buckets', schema=None) as batch_op:
        batch_op.create_index('ix_mood_buckets_community_minute', ['community', 'minute'], unique=False)

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('space_id', sa.BigInteger(), nullable=False),
    sa.Column('channel_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('excerpt', sa.String(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by', sa.BigInteger(), nullable=True),
    sa.Column('auto', sa.Boolean(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions')),
    sa.UniqueConstraint('community', 'platform', 'channel_id', 'message_id', name=op.f('uq_questions_community_platform_channel_id_message_id'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index('ix_questions_community_asked_at', ['community', 'asked_at'], unique=False)
        batch_op.create_index('ix_questions_open', ['community', 'platform', 'channel_id', 'answered_at', 'asked_at'], unique=False)

    op.create_table('scheduled_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('post_id', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=True),
    sa.Column('changed_by', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_posts')),
    sa.UniqueConstraint('community', 'post_id', name=op.f('uq_scheduled_posts_community_post_id'))
    )


def downgrade() -> None:
    op.drop_table('scheduled_posts')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_open')
        batch_op.drop_index('ix_questions_community_asked_at')

    op.drop_table('questions')
    with op.batch_alter_table('mood_buckets', schema=None) as batch_op:
        batch_op.drop_index('ix_mood_buckets_community_minute')

    op.drop_table('mood_buckets')
    with op.batch_alter_table('mood_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_mood_alerts_channel_at')

    op.drop_table('mood_alerts')
    op.drop_table('job_runs')
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_community_score')

    op.drop_table('engagement')
