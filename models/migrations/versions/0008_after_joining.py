"""transfers between unions, and workers' questions to the union

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_by', sa.Integer(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['answered_by'], ['people.id'], name=op.f('fk_questions_answered_by_people'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_questions_person_id_people'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_questions_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_questions')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_questions_asked_at'), 'questions', ['asked_at'], unique=False)
    op.create_index(op.f('ix_questions_person_id'), 'questions', ['person_id'], unique=False)
    op.create_index(op.f('ix_questions_unit_id'), 'questions', ['unit_id'], unique=False)
    op.create_table(
        'transfers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('from_unit_id', sa.Integer(), nullable=False),
        sa.Column('to_unit_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=True),
        sa.Column('employer_name', sa.String(length=255), nullable=True),
        sa.Column('employer_ward_id', sa.Integer(), nullable=True),
        sa.Column('routing_reason', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by'], ['people.id'], name=op.f('fk_transfers_decided_by_people'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['employer_ward_id'], ['units.id'], name=op.f('fk_transfers_employer_ward_id_units'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_transfers_enterprise_id_enterprises'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['from_unit_id'], ['units.id'], name=op.f('fk_transfers_from_unit_id_units')),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_transfers_member_id_members'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['to_unit_id'], ['units.id'], name=op.f('fk_transfers_to_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_transfers_from_unit_id'), 'transfers', ['from_unit_id'], unique=False)
    op.create_index(op.f('ix_transfers_member_id'), 'transfers', ['member_id'], unique=False)
    op.create_index(op.f('ix_transfers_status'), 'transfers', ['status'], unique=False)
    op.create_index(op.f('ix_transfers_to_unit_id'), 'transfers', ['to_unit_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_transfers_to_unit_id'), table_name='transfers')
    op.drop_index(op.f('ix_transfers_status'), table_name='transfers')
    op.drop_index(op.f('ix_transfers_member_id'), table_name='transfers')
    op.drop_index(op.f('ix_transfers_from_unit_id'), table_name='transfers')
    op.drop_table('transfers')
    op.drop_index(op.f('ix_questions_unit_id'), table_name='questions')
    op.drop_index(op.f('ix_questions_person_id'), table_name='questions')
    op.drop_index(op.f('ix_questions_asked_at'), table_name='questions')
    op.drop_table('questions')
