"""typed columns for lead reassignment (who had the lead, who has it now)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = sa.table(
    "lead_events",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("note", sa.Text),
    sa.column("from_person_id", sa.Integer),
    sa.column("to_person_id", sa.Integer),
)


def upgrade() -> None:
    with op.batch_alter_table("lead_events", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("from_person_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("to_person_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_lead_events_from_person_id_people"),
            "people",
            ["from_person_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            op.f("fk_lead_events_to_person_id_people"),
            "people",
            ["to_person_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Old rows kept "previous>target" in the note.
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(EVENTS.c.id, EVENTS.c.note).where(EVENTS.c.kind == "reassign")
    ).all()
    for event_id, note in rows:
        before, _, after = (note or "").partition(">")
        bind.execute(
            EVENTS.update()
            .where(EVENTS.c.id == event_id)
            .values(
                from_person_id=int(before) if before.isdigit() else None,
                to_person_id=int(after) if after.isdigit() else None,
                note=None,
            )
        )


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(EVENTS.c.id, EVENTS.c.from_person_id, EVENTS.c.to_person_id).where(
            EVENTS.c.kind == "reassign"
        )
    ).all()
    for event_id, before, after in rows:
        note = f"{before or ''}>{after or ''}"
        bind.execute(EVENTS.update().where(EVENTS.c.id == event_id).values(note=note))
    with op.batch_alter_table("lead_events", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_constraint(op.f("fk_lead_events_to_person_id_people"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_lead_events_from_person_id_people"), type_="foreignkey")
        batch.drop_column("to_person_id")
        batch.drop_column("from_person_id")
