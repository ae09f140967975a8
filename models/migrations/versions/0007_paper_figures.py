"""figures recruited on paper: per unit and week or month, replaced when entered again

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'paper_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period_kind', sa.String(length=8), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('admitted', sa.Integer(), nullable=False),
        sa.Column('lost', sa.Integer(), nullable=False),
        sa.Column('founded', sa.Integer(), nullable=False),
        sa.Column('dissolved', sa.Integer(), nullable=False),
        sa.Column('founded_large', sa.Integer(), nullable=False),
        sa.Column('entered_by', sa.Integer(), nullable=True),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.CheckConstraint('founded_large <= founded', name=op.f('ck_paper_figures_large_within_founded')),
        sa.ForeignKeyConstraint(['entered_by'], ['people.id'], name=op.f('fk_paper_figures_entered_by_people'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_paper_figures_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_figures')),
        sa.UniqueConstraint('unit_id', 'period_kind', 'period_start', name=op.f('uq_paper_figures_unit_id')),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table('paper_figures')
