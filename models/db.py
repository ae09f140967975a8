"""Engine, session factory, and the few SQL helpers that must run on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

# The session of the update being handled, so the FSM storage writes inside the same transaction.
current_session: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def dialect_name(session: AsyncSession) -> str:
    """`sqlite` or `postgresql`: the few statements that differ are built per dialect."""
    bind = session.bind
    assert bind is not None, "sessions are always bound to the engine"
    return bind.dialect.name


def upsert(
    dialect_name: str,
    table: Table,
    rows: Sequence[dict[str, Any]],
    index_elements: Iterable[str],
    update_columns: Iterable[str] | None = None,
) -> Any:
    """Build an INSERT ... ON CONFLICT statement for SQLite or PostgreSQL.

    With `update_columns` empty or None the conflicting rows are left as they are.
    """
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    stmt = insert(table).values(list(rows))
    keys = list(index_elements)
    columns = list(update_columns or [])
    if not columns:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={name: stmt.excluded[name] for name in columns}
    )
