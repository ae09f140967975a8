"""digest: admissions read union by union, losses covered, waiting read in the units' order

``ix_members_union_admitted`` (union, day, status) lets SQLite count a long period's
admissions with one short index range per unit, in the units' order, instead of sorting every
admission of the period into its union's group (services/progress.py). The losses' index gains
the union (``ix_members_ended``), so that counting them reads no table row. Waiting
applications and idle leads are counted from (status, unit, moment) indexes, grouped by status
and unit as the index is ordered: no sort (services/digest.py). The applications' one replaces
``ix_applications_waiting``; the leads' (stage, moment, unit) stays for the daily reminders.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADDED = (
    ('ix_members_union_admitted', 'members', ['union_unit_id', 'admitted_on', 'status']),
    ('ix_members_ended', 'members', ['status', 'ended_on', 'union_unit_id']),
    ('ix_applications_status_unit', 'applications', ['status', 'routed_unit_id', 'created_at']),
    ('ix_leads_stage_unit', 'leads', ['stage', 'unit_id', 'updated_at']),
)
REPLACED = (
    ('ix_members_status_ended_on', 'members', ['status', 'ended_on']),
    ('ix_applications_waiting', 'applications', ['status', 'created_at', 'routed_unit_id']),
)


def upgrade() -> None:
    for name, table, columns in ADDED:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in REPLACED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in REPLACED:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in ADDED:
        op.drop_index(name, table_name=table)
