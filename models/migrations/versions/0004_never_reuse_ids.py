"""identifiers never issued twice

SQLite gives a new row the highest id + 1, so after an erasure the next worker would get
the reference (DV-2026-000001) and the audit subject of the person who left. AUTOINCREMENT
makes SQLite remember the highest id ever used. PostgreSQL's sequences never go back: this
migration changes nothing there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose id is shown to people, printed in links or named by audit rows.
TABLES = (
    'units',
    'enterprises',
    'people',
    'applications',
    'invitations',
    'role_grants',
    'leads',
    'lead_events',
    'audit_events',
)
# Ids erased before this migration may still be named by the audit trail: never issue them.
AUDIT_SUBJECTS = {
    'people': 'person',
    'applications': 'application',
    'enterprises': 'enterprise',
    'invitations': 'invitation',
    'leads': 'lead',
}


def _recreate(autoincrement: bool) -> None:
    # models/migrations/env.py turns SQLite's foreign keys off for migrations: dropping the
    # old table would otherwise run its children's ON DELETE actions.
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}
        ):
            pass


def _seed_sequences() -> None:
    """sqlite_sequence above the highest id in the table or in the audit trail."""
    bind = op.get_bind()
    for table in TABLES:
        used = [f'(SELECT max(id) FROM {table})']
        subject = AUDIT_SUBJECTS.get(table)
        if subject is not None:
            used.append(
                f"(SELECT max(subject_id) FROM audit_events WHERE subject_type = '{subject}')"
            )
        if table == 'people':
            used.append('(SELECT max(actor_person_id) FROM audit_events)')
        highest = f"max({', '.join(f'coalesce({u}, 0)' for u in used)}, 0)"
        bind.execute(sa.text('DELETE FROM sqlite_sequence WHERE name = :t'), {'t': table})
        bind.execute(
            sa.text(f'INSERT INTO sqlite_sequence (name, seq) SELECT :t, {highest}'), {'t': table}
        )


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    _recreate(autoincrement=True)
    _seed_sequences()


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    _recreate(autoincrement=False)
