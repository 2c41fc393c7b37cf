"""Initial schema: members, messages, decisions, cases, notes, audit, reviews, strikes, pauses.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('case_number', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('detail', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    op.create_index('ix_audit_entries_case', 'audit_entries', ['community', 'case_number'], unique=False)
    op.create_table('case_counters',
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('community', name=op.f('pk_case_counters'))
    )
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('platform', sa.String(), nullable=True),
    sa.Column('space_id', sa.BigInteger(), nullable=True),
    sa.Column('channel_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('outcome', sa.String(), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('lang', sa.String(), nullable=True),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('traces', sa.JSON(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('actions', sa.JSON(), nullable=False),
    sa.Column('held_actions', sa.JSON(), nullable=False),
    sa.Column('actions_done', sa.Boolean(), nullable=False),
    sa.Column('failures', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    op.create_index('ix_decisions_actions_done', 'decisions', ['actions_done'], unique=False)
    op.create_index('ix_decisions_community_created_at', 'decisions', ['community', 'created_at'], unique=False)
    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('display_name', sa.String(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('community', 'platform', 'user_id', name=op.f('uq_members_community_platform_user_id'))
    )
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('space_id', sa.BigInteger(), nullable=False),
    sa.Column('channel_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lang', sa.String(), nullable=True),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('link_count', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('text', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    op.create_index('ix_messages_community_sent_at', 'messages', ['community', 'sent_at'], unique=False)
    op.create_index('ix_messages_sent_at', 'messages', ['sent_at'], unique=False)
    op.create_table('rule_pauses',
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('rule', sa.String(), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('community', 'rule', name=op.f('pk_rule_pauses'))
    )
    op.create_table('strikes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('case_number', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_strikes'))
    )
    op.create_index('ix_strikes_member_at', 'strikes', ['community', 'platform', 'user_id', 'at'], unique=False)
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('case_type', sa.String(), nullable=False),
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('user_name', sa.String(), nullable=False),
    sa.Column('rule', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('moderator', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('channel_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_cases_decision_id_decisions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('community', 'number', name=op.f('uq_cases_community_number'))
    )
    op.create_index('ix_cases_community_created_at', 'cases', ['community', 'created_at'], unique=False)
    op.create_index('ix_cases_member', 'cases', ['community', 'user_id', 'platform'], unique=False)
    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_notes_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    op.create_index(op.f('ix_case_notes_case_id'), 'case_notes', ['case_id'], unique=False)
    op.create_table('review_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(), nullable=False),
    sa.Column('case_number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('space_id', sa.BigInteger(), nullable=False),
    sa.Column('channel_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('user_name', sa.String(), nullable=False),
    sa.Column('rule', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('excerpt', sa.String(), nullable=False),
    sa.Column('held_actions', sa.JSON(), nullable=False),
    sa.Column('suggested_reply', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_by', sa.String(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['community', 'case_number'], ['cases.community', 'cases.number'], name='fk_review_items_case', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items')),
    sa.UniqueConstraint('community', 'case_number', name=op.f('uq_review_items_community_case_number'))
    )
    op.create_index('ix_review_items_queue', 'review_items', ['community', 'status', 'created_at'], unique=False)
    op.create_index('ix_review_items_status_expires_at', 'review_items', ['status', 'expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_review_items_status_expires_at', table_name='review_items')
    op.drop_index('ix_review_items_queue', table_name='review_items')
    op.drop_table('review_items')
    op.drop_index(op.f('ix_case_notes_case_id'), table_name='case_notes')
    op.drop_table('case_notes')
    op.drop_index('ix_cases_member', table_name='cases')
    op.drop_index('ix_cases_community_created_at', table_name='cases')
    op.drop_table('cases')
    op.drop_index('ix_strikes_member_at', table_name='strikes')
    op.drop_table('strikes')
    op.drop_table('rule_pauses')
    op.drop_index('ix_messages_sent_at', table_name='messages')
    op.drop_index('ix_messages_community_sent_at', table_name='messages')
    op.drop_table('messages')
    op.drop_table('members')
    op.drop_index('ix_decisions_community_created_at', table_name='decisions')
    op.drop_index('ix_decisions_actions_done', table_name='decisions')
    op.drop_table('decisions')
    op.drop_table('case_counters')
    op.drop_index('ix_audit_entries_case', table_name='audit_entries')
    op.drop_table('audit_entries')
