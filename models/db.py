"""Engine, session factory, and the few SQL helpers that must run on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util import await_only

from models.commit_writes import OUTBOX, Batch, part_of
from models.inline_sqlite import InlineConnection

# The session of the update being handled, so the FSM storage writes inside the same transaction.
current_session: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # The inline driver waits for another process's write lock in asyncio, not in SQLite.
    inline = isinstance(getattr(dbapi_connection, "driver_connection", None), InlineConnection)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={0 if inline else 10000}")
    cursor.close()


SQLITE_POOL_SIZE = 32


class DatabaseFolderMissingError(Exception):
    """The folder of a SQLite database file does not exist (a mistyped DATABASE_URL?)."""


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    # A failed statement's message would quote its parameters (names, phones, ID numbers).
    kwargs.setdefault("hide_parameters", True)
    if parsed.drivername.startswith("sqlite"):
        # SQLite creates the database file, never its folder: a mistyped path must not make
        # folders anywhere on the disk.
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            if not folder.is_dir():
                raise DatabaseFolderMissingError(
                    f"the folder {folder} of the SQLite database does not exist; "
                    "create it, or fix DATABASE_URL"
                )
        # Sessions always end in commit or rollback; a reset on return would be a second one.
        kwargs.setdefault("pool_reset_on_return", None)
        if parsed.drivername == "sqlite+aiosqlite" and parsed.database not in (None, ":memory:"):
            # Statements run in the event loop's thread (models/inline_sqlite.py).
            path = parsed.database
            kwargs.setdefault("async_creator", lambda: InlineConnection.connect(path))
            # Connections cost no thread here, and a new one parses the schema and prepares
            # every statement again: keep enough for the updates in flight, never churn them.
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
            kwargs.setdefault("max_overflow", SQLITE_POOL_SIZE)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # Plans for the values at hand: asyncpg reuses prepared statements, and PostgreSQL's
    # generic plan for the register search walks every row for a rare word (2 s, not 2 ms).
    settings = kwargs.setdefault("connect_args", {}).setdefault("server_settings", {})
    settings.setdefault("plan_cache_mode", "force_custom_plan")
    # Short statements only: starting parallel workers took 5 ms of a 7 ms search.
    settings.setdefault("max_parallel_workers_per_gather", "0")
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
    # One row as a dict keeps the statement cacheable; a multi-row VALUES never is.
    stmt = insert(table).values(rows[0] if len(rows) == 1 else list(rows))
    keys = list(index_elements)
    columns = list(update_columns or [])
    if not columns:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={name: stmt.excluded[name] for name in columns}
    )


@cache
def upsert_statement(
    dialect_name: str,
    table: Table,
    index_elements: tuple[str, ...],
    update_columns: tuple[str, ...] = (),
) -> Any:
    """An INSERT ... ON CONFLICT built once, to execute with each row as parameters."""
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    stmt = insert(table)
    if not update_columns:
        return stmt.on_conflict_do_nothing(index_elements=list(index_elements))
    return stmt.on_conflict_do_update(
        index_elements=list(index_elements),
        set_={name: stmt.excluded[name] for name in update_columns},
    )


# ---- writes deferred to commit time ---------------------------------------------------------
#
# SQLite has one writer at a time, and a transaction holds the write lock from its first write
# to its commit. Writes that every update makes (conversation state, the processed update id)
# are therefore queued on the session and issued just before the commit, so the lock is held
# for milliseconds instead of for the whole update, Telegram round trips included. The marks,
# states and outbox rows go in one statement (models/commit_writes.py).

_PENDING = "doanvien_pending_upserts"
_Upsert = tuple[Table, dict[str, Any], tuple[str, ...], tuple[str, ...]]
_Queued = tuple[dict[object, _Upsert], list[dict[str, Any]]]  # a transaction's queued writes


def defer_upsert(
    session: AsyncSession,
    key: object,
    table: Table,
    row: dict[str, Any],
    index_elements: Sequence[str],
    update_columns: Sequence[str] = (),
) -> None:
    """Queue an upsert for the next commit; a later one with the same key replaces it."""
    pending: dict[object, _Upsert] = session.sync_session.info.setdefault(_PENDING, {})
    pending[key] = (table, row, tuple(index_elements), tuple(update_columns))


_OUTBOX = "doanvien_outbox_rows"  # forgotten on rollback, as every `doanvien_*` entry


def defer_outbox_rows(session: AsyncSession, rows: Iterable[dict[str, Any]]) -> None:
    """Queue outbox rows for the next commit: a new row is added; a row given again as sent
    marks the pending row sent (models/commit_writes.py)."""
    queued: list[dict[str, Any]] = session.sync_session.info.setdefault(_OUTBOX, [])
    queued.extend(rows)


# ---- one writer at a time, waiting in asyncio rather than in SQLite -----------------------------
#
# When two transactions want to write, SQLite makes the second poll with sleeps of up to 100 ms,
# and gives up with "database is locked" after busy_timeout. Inside one process the writers take
# an asyncio lock instead, from their first write to the end of their transaction: they queue
# fairly, wake as soon as the lock is free, and never time out against each other. The hooks
# run in SQLAlchemy's greenlet, where `await_only` may wait on the event loop.

_WRITER = "doanvien_writer"
_WRITE_LOCKS: WeakKeyDictionary[Engine, asyncio.Lock] = WeakKeyDictionary()


def _take_write_lock(session: Session) -> None:
    if session.info.get(_WRITER):
        return
    engine = session.get_bind()
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        return
    lock = _WRITE_LOCKS.setdefault(engine, asyncio.Lock())
    try:
        await_only(lock.acquire())
    except MissingGreenlet:  # a plain synchronous session (Alembic, scripts): SQLite decides
        return
    session.info[_WRITER] = lock


def _release_write_lock(session: Session) -> None:
    lock = session.info.pop(_WRITER, None)
    if lock is not None:
        lock.release()


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        _take_write_lock(session)


@event.listens_for(Session, "do_orm_execute")
def _before_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _take_write_lock(state.session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        _release_write_lock(session)


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    outbox = session.info.pop(_OUTBOX, None)
    if not pending and not outbox:
        return
    # The connection first, then SQLite's write lock: waiting for a pooled connection while
    # holding the lock would deadlock against the writer that holds the last connection.
    connection = session.connection()
    _take_write_lock(session)
    _write_queued(connection, [(pending or {}, outbox or [])])


def _write_queued(connection: Connection, queued: Sequence[_Queued]) -> None:
    """The queued writes of one or more transactions, in their order: one statement (plus one
    for each upsert of a table the batch does not know)."""
    batch = Batch()
    for pending, outbox in queued:
        for table, row, index_elements, update_columns in pending.values():
            part = part_of(table, row, index_elements, update_columns)
            if part is not None:
                batch.add(part, [row])
            else:  # a table the batch does not know: its own statement
                statement = upsert_statement(
                    connection.dialect.name, table, index_elements, update_columns
                )
                connection.execute(statement, row)
        batch.add(OUTBOX, outbox)
    batch.write(connection)


# ---- group commit (SQLite) ------------------------------------------------------------------
#
# Most updates write nothing while their handler runs: their mark, state and replies are
# queued for the commit. Such a transaction has only read (SQLite began no write transaction),
# so its queued writes may join those of other updates committing at the same moment: one
# writer takes the write lock once and writes all of them in one statement and one commit.
# Each update returns only after that commit, still holding its chat's lock, so it is confirmed
# after its rows are durable, exactly as with a commit of its own; a kill before the commit
# loses the whole group, and every update of it is delivered again. A transaction that wrote
# (a handler's insert, an ORM change) commits as before, its queued writes with its own.


class GroupFailedError(Exception):
    """A group's write failed: each of its updates writes its own rows alone."""


class _GroupCommit:
    """The queued writes of committing updates, written together by one task (per engine)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.waiting: list[tuple[_Queued, asyncio.Future[None]]] = []
        self.writer: asyncio.Task[None] | None = None
        self.groups = 0  # groups written, and the updates in them (benchmarks report the mean)
        self.members = 0

    async def join(self, queued: _Queued) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((queued, future))
        if self.writer is None:
            self.writer = asyncio.create_task(self._write_groups(), name="group-commit")
        await future

    async def _write_groups(self) -> None:
        try:
            while self.waiting:
                await self._write_group()
        finally:
            self.writer = None

    async def _write_group(self) -> None:
        group: list[tuple[_Queued, asyncio.Future[None]]] = []
        failure: BaseException | None = None
        try:
            # A connection first, then the write lock (see _write_pending).
            async with self.engine.connect() as connection:
                lock = _WRITE_LOCKS.setdefault(self.engine.sync_engine, asyncio.Lock())
                async with lock:
                    # Everything queued until the lock was free goes in this group.
                    group, self.waiting = self.waiting, []
                    try:
                        await connection.run_sync(_write_queued, [q for q, _ in group])
                        await connection.commit()
                    except BaseException:
                        await connection.rollback()
                        raise
        except BaseException as error:
            group = group or self.waiting
            if group is self.waiting:
                self.waiting = []
            failure = error
        self.groups += 1
        self.members += len(group)
        for _, future in group:
            if future.done():  # its update was cancelled; the rows are written or not, whole
                continue
            if failure is None:
                future.set_result(None)
            elif len(group) == 1 and isinstance(failure, Exception):
                future.set_exception(failure)
            else:
                future.set_exception(GroupFailedError())
        if failure is not None and not isinstance(failure, Exception):
            raise failure


_GROUPS: WeakKeyDictionary[Engine, _GroupCommit] = WeakKeyDictionary()


def group_commit(engine: AsyncEngine) -> _GroupCommit:
    group = _GROUPS.get(engine.sync_engine)
    if group is None:
        group = _GROUPS[engine.sync_engine] = _GroupCommit(engine)
    return group


async def commit_together(session: AsyncSession) -> None:
    """Commit an update's transaction; on SQLite, when it wrote nothing itself, its queued
    writes are committed with those of the other updates committing now (group commit)."""
    sync = session.sync_session
    queued = (sync.info.get(_PENDING), sync.info.get(_OUTBOX))
    if not any(queued) or not await _only_read(session):
        await session.commit()
        return
    sync.info.pop(_PENDING, None)
    sync.info.pop(_OUTBOX, None)
    await session.commit()  # ends the reads; nothing to write
    bind = session.bind
    assert isinstance(bind, AsyncEngine)
    try:
        await group_commit(bind).join((queued[0] or {}, queued[1] or []))
    except GroupFailedError:
        # Written alone, in a transaction of its own: one bad row fails its own update only.
        sync.info[_PENDING], sync.info[_OUTBOX] = queued
        await session.connection()
        await session.commit()


async def _only_read(session: AsyncSession) -> bool:
    """The transaction is on the in-process SQLite driver and has written nothing, nor will
    its commit (no pending ORM changes)."""
    sync = session.sync_session
    if sync.info.get(_WRITER) or sync.new or sync.dirty or sync.deleted:
        return False
    if not session.in_transaction():
        return True
    connection = (await session.connection()).sync_connection
    return connection is not None and has_written(connection) is False


def has_written(connection: Connection) -> bool | None:
    """Whether the connection's transaction has written (SQLite began a write transaction);
    None where the driver does not say (the in-process SQLite driver does)."""
    driver = getattr(connection.connection, "driver_connection", None)
    return driver.in_transaction if isinstance(driver, InlineConnection) else None


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    # Queued writes and anything cached from this transaction are void now.
    for name in [k for k in session.info if isinstance(k, str) and k.startswith("doanvien_")]:
        if name != _WRITER:  # released when the transaction ends
            del session.info[name]
