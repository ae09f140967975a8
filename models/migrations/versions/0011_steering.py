"""steering assignments and the ledger of scheduled runs

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# What the digest's grouped queries read (models/steering.py).
INDEXES = (
    ('ix_members_admitted', 'members', ['admitted_on', 'status', 'union_unit_id']),
    ('ix_members_status_ended_on', 'members', ['status', 'ended_on']),
    ('ix_applications_waiting', 'applications', ['status', 'created_at', 'routed_unit_id']),
    ('ix_leads_waiting', 'leads', ['stage', 'updated_at', 'unit_id']),
)


def upgrade() -> None:
    op.create_table(
        'steering_assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('assigned_by', sa.Integer(), nullable=True),
        sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['assigned_by'], ['people.id'], name=op.f('fk_steering_assignments_assigned_by_people'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_steering_assignments_person_id_people'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_steering_assignments_unit_id_units'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_steering_assignments')),
        sa.UniqueConstraint('person_id', 'unit_id', name='uq_steering_assignments'),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_steering_assignments_person_id'), 'steering_assignments', ['person_id'], unique=False)
    op.create_index(op.f('ix_steering_assignments_unit_id'), 'steering_assignments', ['unit_id'], unique=False)
    op.create_table(
        'job_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job', sa.String(length=32), nullable=False),
        sa.Column('period', sa.String(length=16), nullable=False),
        sa.Column('messages', sa.Integer(), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
        sa.UniqueConstraint('job', 'period', name='uq_job_runs'),
        sqlite_autoincrement=True,
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table('job_runs')
    op.drop_index(op.f('ix_steering_assignments_unit_id'), table_name='steering_assignments')
    op.drop_index(op.f('ix_steering_assignments_person_id'), table_name='steering_assignments')
    op.drop_table('steering_assignments')
