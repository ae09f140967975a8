"""The writes every commit of an update makes, sent as one statement.

An update commits its mark (`processed_updates`), the conversation state it leaves
(`fsm_records`), its replies and the sent marks of earlier replies that ride on its commit
(`outbox`). They are queued on the session and written just before the commit (models/db.py),
under SQLite's write lock: as three statements, they were most of an update's SQL. Here they
travel as one JSON batch in one statement:

- SQLite: one row inserted into the view `commit_writes`, whose INSTEAD OF trigger (migration
  0016) upserts each part of the batch from `json_each`;
- PostgreSQL: one data-modifying CTE per part, over the batch cast to jsonb.

Each value first goes through its column's bind processor for the dialect, so the tables get
what SQLAlchemy itself would have sent: SQLite's datetime text, the payload as SQLAlchemy
serialises it (PostgreSQL's `json` keeps that text as it is), moments in UTC. The semantics are
those of the statements this replaces: a mark is added once; a state replaces the stored one;
an outbox row is added, or, given again as sent, marks a pending row sent (one attempt more,
no error) and changes nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Column, MetaData, Table, Text, bindparam, insert, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import String

from models.system import FsmRecord, OutboxMessage, ProcessedUpdate

# SQLite's entry point (migration 0016): a view that holds nothing, written through a trigger.
VIEW = Table("commit_writes", MetaData(), Column("batch", Text))
_INSERT_BATCH = insert(VIEW)


@dataclass(frozen=True, slots=True)
class Part:
    """One table's rows in the batch, under `name`, and what a conflict does."""

    name: str
    table: Table
    columns: tuple[str, ...]
    conflict: str  # PostgreSQL's ON CONFLICT clause; the trigger holds SQLite's own

    def encoder(self, dialect: Dialect) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """The row as the statement would have bound it, in JSON types."""
        steps: list[tuple[str, Callable[[], Any], Callable[[Any], Any] | None]] = []
        for name in self.columns:
            column = self.table.c[name]
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            steps.append((name, _default(column), process))

        def encode(row: dict[str, Any]) -> dict[str, Any]:
            encoded = {}
            for name, default, process in steps:
                value = row[name] if name in row else default()
                if process is not None:
                    value = process(value)
                if isinstance(value, datetime):  # left to asyncpg, which takes it to UTC
                    value = value.astimezone(UTC).isoformat()
                encoded[name] = value
            return encoded

        return encode


def _default(column: Column[Any]) -> Callable[[], Any]:
    """The column's Python-side default, as an INSERT without the column would take it."""
    default: Any = column.default
    if default is not None and default.is_callable:
        return lambda: default.arg(None)
    value = default.arg if default is not None and default.is_scalar else None
    return lambda: value


MARKS = Part(
    "marks",
    ProcessedUpdate.__table__,  # type: ignore[arg-type]
    ("bot_id", "update_id", "processed_at"),
    "ON CONFLICT (bot_id, update_id) DO NOTHING",
)
STATES = Part(
    "fsm",
    FsmRecord.__table__,  # type: ignore[arg-type]
    ("key", "state", "data", "updated_at"),
    "ON CONFLICT (key) DO UPDATE SET state = excluded.state, data = excluded.data, "
    "updated_at = excluded.updated_at",
)
OUTBOX = Part(
    "outbox",
    OutboxMessage.__table__,  # type: ignore[arg-type]
    (
        "key",
        "channel",
        "chat_id",
        "method",
        "payload",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ),
    "ON CONFLICT (key) DO UPDATE SET status = excluded.status, sent_at = excluded.sent_at, "
    "attempts = t.attempts + 1, error = NULL "
    "WHERE excluded.status = 'sent' AND t.status = 'pending'",
)
PARTS = (MARKS, STATES, OUTBOX)

# The deferred upserts (models.db.defer_upsert) a part takes: table, conflict keys, columns set.
_UPSERTS = {
    (MARKS.table.name, ("bot_id", "update_id"), ()): MARKS,
    (STATES.table.name, ("key",), ("state", "data", "updated_at")): STATES,
}


def part_of(
    table: Table, row: dict[str, Any], index_elements: Sequence[str], update_columns: Sequence[str]
) -> Part | None:
    """The part that writes this upsert as it would have been written; None for others."""
    part = _UPSERTS.get((table.name, tuple(index_elements), tuple(update_columns)))
    if part is None or part.table is not table or not row.keys() <= set(part.columns):
        return None
    return part


_ENCODERS: WeakKeyDictionary[Dialect, dict[str, Callable[[dict[str, Any]], dict[str, Any]]]]
_ENCODERS = WeakKeyDictionary()


class Batch:
    """Rows gathered for one commit, by part."""

    def __init__(self) -> None:
        self.rows: dict[Part, list[dict[str, Any]]] = {}

    def add(self, part: Part, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.rows.setdefault(part, []).extend(rows)

    def write(self, connection: Connection) -> None:
        """One statement for the whole batch; nothing at all when it is empty."""
        if not self.rows:
            return
        dialect = connection.dialect
        encoders = _ENCODERS.get(dialect)
        if encoders is None:
            encoders = _ENCODERS[dialect] = {p.name: p.encoder(dialect) for p in PARTS}
        postgres = dialect.name == "postgresql"
        for parts in _rounds(self.rows) if postgres else [self.rows]:
            batch = {
                part.name: [encoders[part.name](row) for row in rows]
                for part, rows in parts.items()
            }
            value = json.dumps(batch, ensure_ascii=False, separators=(",", ":"))
            if postgres:
                names = tuple(p.name for p in PARTS if p in parts)
                connection.execute(_postgres_statement(names, dialect), {"batch": value})
            else:
                connection.execute(_INSERT_BATCH, {"batch": value})


def _rounds(rows: dict[Part, list[dict[str, Any]]]) -> list[dict[Part, list[dict[str, Any]]]]:
    """PostgreSQL's ON CONFLICT DO UPDATE touches a row once per statement: an outbox key given
    twice in one commit (never seen, but allowed) is written by a second statement, in order,
    as the rows would have been one after another."""
    outbox = rows.get(OUTBOX, [])
    if len({row["key"] for row in outbox}) == len(outbox):
        return [rows]
    first: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    keys: set[str] = set()
    for row in outbox:
        (later if row["key"] in keys else first).append(row)
        keys.add(row["key"])
    rounds = [{**rows, OUTBOX: first}]
    rounds.extend(_rounds({OUTBOX: later}))
    return rounds


def _postgres_value(part: Part, name: str, dialect: Dialect) -> str:
    value = f"e.v ->> '{name}'"
    column = part.table.c[name]
    if isinstance(column.type, String):  # assigned as text: too long fails as it always did
        return value
    return f"CAST({value} AS {column.type.compile(dialect=dialect)})"


# Built once for each set of parts a batch has.
_POSTGRES_STATEMENTS: dict[tuple[str, ...], Any] = {}


def _postgres_statement(names: tuple[str, ...], dialect: Dialect) -> Any:
    statement = _POSTGRES_STATEMENTS.get(names)
    if statement is None:
        statement = _POSTGRES_STATEMENTS[names] = _build_postgres_statement(names, dialect)
    return statement


def _build_postgres_statement(names: tuple[str, ...], dialect: Dialect) -> Any:
    writes = []
    for part in PARTS:
        if part.name not in names:
            continue
        columns = ", ".join(f'"{name}"' for name in part.columns)
        values = ", ".join(_postgres_value(part, name, dialect) for name in part.columns)
        writes.append(
            f"w_{part.name} AS (INSERT INTO {part.table.name} AS t ({columns}) SELECT {values} "
            f"FROM batch, jsonb_array_elements(batch.j -> '{part.name}') WITH ORDINALITY "
            f"AS e(v, n) ORDER BY e.n {part.conflict})"
        )
    sql = "WITH batch AS (SELECT CAST(:batch AS jsonb) AS j), " + ", ".join(writes) + " SELECT 1"
    return text(sql).bindparams(bindparam("batch", type_=Text))
