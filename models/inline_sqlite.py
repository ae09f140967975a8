"""SQLite for the async engine without a thread per connection.

aiosqlite runs every call (cursor, execute, fetch, close, commit) on a connection's own thread
and hands the result back through the event loop: four round trips for a SELECT, each a thread
switch fighting for the GIL. The bot's statements take microseconds (WAL, synchronous=NORMAL,
no fsync at commit), so the switches cost far more than the work. This driver has aiosqlite's
interface, which SQLAlchemy's aiosqlite dialect drives (`async_creator`), and runs each call at
once in the event loop's thread.

The one wait SQLite can impose, another process holding the write lock, must not block the
event loop: the connection's busy timeout is zero, and a statement refused as busy at the start
of a transaction is rolled back (it had written nothing) and tried again after an asyncio sleep,
up to BUSY_TIMEOUT. Writers inside the process never meet each other here: they queue on the
asyncio write lock of `models/db.py` first.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

BUSY_TIMEOUT = 10.0  # seconds a statement waits for another process's write lock
_FIRST_WAIT = 0.001
_LONGEST_WAIT = 0.05


def _busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error)


class InlineCursor:
    """aiosqlite's Cursor, run in the caller's thread."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor = connection._conn.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        await self._connection._run(self._cursor.execute, sql, parameters or ())
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        rows = parameters if isinstance(parameters, list) else list(parameters)
        await self._connection._run(self._cursor.executemany, sql, rows)
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def close(self) -> None:
        self._cursor.close()

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *_: Any) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _CursorContext:
    """`connection.cursor()` is both awaited and entered by SQLAlchemy's adapter."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection

    def __await__(self) -> Any:
        return self.__aenter__().__await__()

    async def __aenter__(self) -> InlineCursor:
        return InlineCursor(self._connection)

    async def __aexit__(self, *_: object) -> None:
        return None


class _RunNow:
    """aiosqlite's request queue, as SQLAlchemy uses it to set the isolation level."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


class InlineConnection:
    """aiosqlite's Connection, run in the caller's thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn  # aiosqlite's "still open" flag
        self._tx = _RunNow()

    @classmethod
    async def connect(cls, database: str) -> InlineConnection:
        # check_same_thread off: the pool may close a connection from the garbage collector.
        conn = sqlite3.connect(database, timeout=0, check_same_thread=False)
        return cls(conn)

    async def _run(self, call: Callable[..., Any], *args: Any) -> Any:
        deadline: float | None = None
        wait = _FIRST_WAIT
        while True:
            fresh = not self._conn.in_transaction
            try:
                return call(*args)
            except sqlite3.OperationalError as error:
                if not (fresh and _busy(error)):
                    raise
                now = time.monotonic()
                deadline = deadline or now + BUSY_TIMEOUT
                if now >= deadline:
                    raise
                if self._conn.in_transaction:  # the implicit BEGIN; nothing was written
                    self._conn.rollback()
            await asyncio.sleep(wait)
            wait = min(wait * 2, _LONGEST_WAIT)

    def cursor(self) -> _CursorContext:
        return _CursorContext(self)

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        cursor = InlineCursor(self)
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        await self._run(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self._conn.isolation_level = value

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction
