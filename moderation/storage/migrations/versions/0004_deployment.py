"""Deployment: message claims, so a message delivered to two processes is handled once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('message_claims',
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('space_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.String(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'space_id', 'message_id', 'version', name=op.f('pk_message_claims'))
    )
    with op.batch_alter_table('message_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_claims_claimed_at'), ['claimed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('message_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_claims_claimed_at'))
    op.drop_table('message_claims')
