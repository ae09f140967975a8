"""members, questions on applications, counters; who decided an application and why

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('application_id', sa.Integer(), nullable=True),
        sa.Column('union_unit_id', sa.Integer(), nullable=False),
        sa.Column('full_name', sa.String(length=100), nullable=True),
        sa.Column('admitted_on', sa.Date(), nullable=False),
        sa.Column('admitted_by', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('ended_reason', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['admitted_by'], ['people.id'], name=op.f('fk_members_admitted_by_people'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_members_application_id_applications'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_members_person_id_people'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['union_unit_id'], ['units.id'], name=op.f('fk_members_union_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
        sa.UniqueConstraint('application_id', name=op.f('uq_members_application_id')),
        sa.UniqueConstraint('number', name=op.f('uq_members_number')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_members_person_id'), 'members', ['person_id'], unique=False)
    op.create_index(op.f('ix_members_union_unit_id'), 'members', ['union_unit_id'], unique=False)
    op.create_table(
        'application_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_messages_application_id_applications'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_application_messages_author_id_people'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_application_messages')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_application_messages_application_id'), 'application_messages', ['application_id'], unique=False)
    op.create_table(
        'counters',
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_counters')),
    )
    # Recreating the table on SQLite keeps AUTOINCREMENT (ids never reused, migration 0004).
    with op.batch_alter_table('applications', table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.add_column(sa.Column('decided_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('decision_code', sa.String(length=32), nullable=True))
        batch.create_foreign_key(op.f('fk_applications_decided_by_people'), 'people', ['decided_by'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    # Recreating the table on SQLite keeps AUTOINCREMENT (ids never reused, migration 0004).
    with op.batch_alter_table('applications', table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.drop_constraint(op.f('fk_applications_decided_by_people'), type_='foreignkey')
        batch.drop_column('decision_code')
        batch.drop_column('decided_by')
    op.drop_table('counters')
    op.drop_index(op.f('ix_application_messages_application_id'), table_name='application_messages')
    op.drop_table('application_messages')
    op.drop_index(op.f('ix_members_union_unit_id'), table_name='members')
    op.drop_index(op.f('ix_members_person_id'), table_name='members')
    op.drop_table('members')
