"""zalo chats, linked chats and link codes

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'zalo_chats',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('zalo_id', sa.String(length=64), nullable=False),
        sa.Column('menu', sa.JSON(), nullable=True),
        sa.Column('last_inbound_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_zalo_chats')),
        sa.UniqueConstraint('zalo_id', name=op.f('uq_zalo_chats_zalo_id')),
        sqlite_autoincrement=True,
    )
    op.create_table(
        'chat_links',
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('chat_id', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_chat_links_person_id_people'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('channel', 'chat_id', name=op.f('pk_chat_links')),
    )
    op.create_index(op.f('ix_chat_links_person_id'), 'chat_links', ['person_id'], unique=False)
    op.create_table(
        'link_codes',
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_link_codes_person_id_people'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_link_codes')),
    )
    op.create_index(op.f('ix_link_codes_person_id'), 'link_codes', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_link_codes_person_id'), table_name='link_codes')
    op.drop_table('link_codes')
    op.drop_index(op.f('ix_chat_links_person_id'), table_name='chat_links')
    op.drop_table('chat_links')
    op.drop_table('zalo_chats')
