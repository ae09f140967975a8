"""one statement for a commit's marks, states and outbox rows on SQLite

An update's commit writes its mark, its conversation state and its outbox rows (replies, and
the sent marks of earlier ones) as one JSON batch in one statement (models/commit_writes.py).
On SQLite that statement is an INSERT into the view ``commit_writes``, which holds nothing: its
INSTEAD OF trigger upserts each part of the batch from ``json_each``, in the batch's order (the
outbox ids are the order of sending). The values arrive as SQLAlchemy binds them (datetime
text, the payload's JSON text), so they are stored as the ORM would store them.
PostgreSQL needs nothing here: data-modifying CTEs do the same in one statement.

A later batch migration that rebuilds ``processed_updates``, ``fsm_records`` or ``outbox`` on
SQLite keeps the trigger working: migrations run with ``PRAGMA legacy_alter_table=ON``
(models/migrations/env.py), without which SQLite refuses to rename the rebuilt table while a
trigger names the table just dropped (tested in tests/test_migrations.py).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 18:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rows(part: str, columns: Sequence[str]) -> str:
    # WHERE true: without it SQLite would read ON CONFLICT as the join's ON.
    values = ", ".join(f"json_extract(value, '$.{name}')" for name in columns)
    return f"SELECT {values} FROM json_each(NEW.batch, '$.{part}') WHERE true ORDER BY id"


def _insert(table: str, part: str, columns: Sequence[str], conflict: str) -> str:
    names = ", ".join(f'"{name}"' for name in columns)
    return f"INSERT INTO {table} ({names}) {_rows(part, columns)} {conflict};"


OUTBOX = ("key", "channel", "chat_id", "method", "payload", "status", "attempts", "created_at",
          "next_attempt_at", "sent_at")
SQLITE_UP = (
    "CREATE VIEW commit_writes AS SELECT CAST(NULL AS TEXT) AS batch WHERE 0",
    "CREATE TRIGGER commit_writes_insert INSTEAD OF INSERT ON commit_writes BEGIN "
    + _insert(
        "processed_updates",
        "marks",
        ("bot_id", "update_id", "processed_at"),
        "ON CONFLICT (bot_id, update_id) DO NOTHING",
    )
    + _insert(
        "fsm_records",
        "fsm",
        ("key", "state", "data", "updated_at"),
        "ON CONFLICT (key) DO UPDATE SET state = excluded.state, data = excluded.data, "
        "updated_at = excluded.updated_at",
    )
    + _insert(
        "outbox",
        "outbox",
        OUTBOX,
        "ON CONFLICT (key) DO UPDATE SET status = excluded.status, sent_at = excluded.sent_at, "
        "attempts = outbox.attempts + 1, error = NULL "
        "WHERE excluded.status = 'sent' AND outbox.status = 'pending'",
    )
    + " END",
)
SQLITE_DOWN = (
    "DROP TRIGGER commit_writes_insert",
    "DROP VIEW commit_writes",
)


def _run(statements: Sequence[str]) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for statement in statements:
        bind.exec_driver_sql(statement)


def upgrade() -> None:
    _run(SQLITE_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN)
