"""founding and dissolving grassroots unions (filled by the founding work)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('founding_alerts',
    sa.Column('enterprise_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('applications', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_founding_alerts_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enterprise_id', name=op.f('pk_founding_alerts'))
    )
    op.create_table('foundings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('decision_number', sa.String(length=64), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('large_enterprise', sa.Boolean(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('credited_person_id', sa.Integer(), nullable=True),
    sa.Column('members_moved', sa.Integer(), nullable=False),
    sa.Column('applications_rerouted', sa.Integer(), nullable=False),
    sa.Column('dissolved_on', sa.Date(), nullable=True),
    sa.Column('dissolved_reason', sa.String(length=500), nullable=True),
    sa.Column('dissolved_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['credited_person_id'], ['people.id'], name=op.f('fk_foundings_credited_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dissolved_by'], ['people.id'], name=op.f('fk_foundings_dissolved_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_foundings_enterprise_id_enterprises'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_foundings_lead_id_leads'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by'], ['people.id'], name=op.f('fk_foundings_recorded_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_foundings_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_foundings')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_foundings_unit_id')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_foundings_enterprise_id'), 'foundings', ['enterprise_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_foundings_enterprise_id'), table_name='foundings')
    op.drop_table('foundings')
    op.drop_table('founding_alerts')
