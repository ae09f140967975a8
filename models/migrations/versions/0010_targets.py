"""targets per unit and period

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('first_year', sa.Integer(), nullable=False),
        sa.Column('last_year', sa.Integer(), nullable=False),
        sa.Column('new_members', sa.Integer(), nullable=True),
        sa.Column('new_unions', sa.Integer(), nullable=True),
        sa.Column('new_unions_large', sa.Integer(), nullable=True),
        sa.Column('base_members', sa.Integer(), nullable=True),
        sa.Column('base_non_members', sa.Integer(), nullable=True),
        sa.Column('base_enterprises_without_union', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_targets_unit_id_units'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_targets')),
        sa.UniqueConstraint('unit_id', 'first_year', 'last_year', name='uq_targets'),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_targets_unit_id'), 'targets', ['unit_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_targets_unit_id'), table_name='targets')
    op.drop_table('targets')
