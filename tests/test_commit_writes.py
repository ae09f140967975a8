"""A commit's update mark, conversation states and outbox rows in one statement
(models/commit_writes.py), on SQLite and PostgreSQL: stored exactly as the separate upserts it
replaces stored them, with their semantics (a sent mark flips only a pending row), nothing
written by a rollback, and the SQLite view and trigger put in and taken out by migration 0016."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import Table, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage import DatabaseStorage
from models import FsmRecord, OutboxMessage, OutboxStatus, ProcessedUpdate
from models.commit_writes import OUTBOX
from models.db import (
    create_engine,
    create_session_factory,
    current_session,
    defer_outbox_rows,
    defer_upsert,
    dialect_name,
    upsert_statement,
)
from models.migrate import downgrade, upgrade
from services import outbox
from services.outbox import Outgoing
from tests.conftest import World, sqlite_url
from tests.journeys import ANSWERS, reach
from tests.test_backends import pg_world  # noqa: F401 - a fixture

PAYLOAD = {
    "chat_id": 42,
    "text": "Chào chị <b>Nguyễn Thị Lan</b>! Đơn của chị đã được gửi 🎉",
    "reply_markup": {
        "inline_keyboard": [[{"text": "Xác nhận ✅", "callback_data": "ok:1"}]],
        "resize": True,
    },
    "nested": {"z": [1, 2.5, None, False], "a": {"ý kiến": "đồng ý"}},
}
DATA = '{"draft": {"full_name": "Lò Văn Sáng", "ngày sinh": "25/03/1998"}, "n": 1}'
MOMENT = datetime(2026, 11, 22, 2, 30, 0, 123456, tzinfo=UTC)
_MARKS: Table = ProcessedUpdate.__table__  # type: ignore[assignment]
_STATES: Table = FsmRecord.__table__  # type: ignore[assignment]
_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(db_path)
    url: str = request.getfixturevalue("pg_url")
    upgrade(url)
    return url


@pytest.fixture
async def factory(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield create_session_factory(engine)
    await engine.dispose()


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs meanwhile."""
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.append(sql)

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", statement)


def engine_of(factory: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    engine = factory.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return engine


@cache
def old_outbox_statement(dialect: str) -> Any:
    """The outbox's write before the single statement, one row at a time (the reference)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_OUTBOX)
    sent = statement.excluded.status == OutboxStatus.SENT
    return statement.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "status": statement.excluded.status,
            "sent_at": statement.excluded.sent_at,
            "attempts": _OUTBOX.c.attempts + 1,
            "error": None,
        },
        where=sent & (_OUTBOX.c.status == OutboxStatus.PENDING),
    )


def outbox_row(key: str, status: str = OutboxStatus.PENDING, **values: Any) -> dict[str, Any]:
    return {
        "key": key,
        "channel": "telegram",
        "chat_id": "42",
        "method": "sendMessage",
        "payload": PAYLOAD,
        "status": status,
        "attempts": 0,
        "created_at": MOMENT,
        "next_attempt_at": MOMENT + timedelta(seconds=1),
        "sent_at": MOMENT + timedelta(seconds=2) if status == OutboxStatus.SENT else None,
        **values,
    }


def queue(session: AsyncSession, prefix: str, outbox_rows: list[dict[str, Any]]) -> None:
    """A mark, two states (one without a state) and outbox rows, for the session's commit."""
    mark = {"bot_id": 7, "update_id": 1 if prefix == "new" else 2, "processed_at": MOMENT}
    defer_upsert(session, ("update", mark["update_id"]), _MARKS, mark, ["bot_id", "update_id"])
    for n, state in ((1, "join:phone"), (2, None)):
        row = {"key": f"{prefix}:fsm:{n}", "state": state, "data": DATA, "updated_at": MOMENT}
        defer_upsert(
            session, ("fsm", row["key"]), _STATES, row, ["key"], ["state", "data", "updated_at"]
        )
    for row in outbox_rows:
        defer_outbox_rows(session, [{**row, "key": f"{prefix}:{row['key']}"}])


async def write_old(session: AsyncSession, prefix: str, outbox_rows: list[dict[str, Any]]) -> None:
    """The same writes as `queue`, by the statements the single one replaced."""
    name = dialect_name(session)
    mark = {"bot_id": 7, "update_id": 2, "processed_at": MOMENT}
    await session.execute(upsert_statement(name, _MARKS, ("bot_id", "update_id")), mark)
    for n, state in ((1, "join:phone"), (2, None)):
        row = {"key": f"{prefix}:fsm:{n}", "state": state, "data": DATA, "updated_at": MOMENT}
        statement = upsert_statement(name, _STATES, ("key",), ("state", "data", "updated_at"))
        await session.execute(statement, row)
    for row in outbox_rows:
        await session.execute(old_outbox_statement(name), {**row, "key": f"{prefix}:{row['key']}"})


async def write_both(
    factory: async_sessionmaker[AsyncSession], outbox_rows: list[dict[str, Any]]
) -> None:
    """The rows under `new:` by the single statement, under `old:` by the ones it replaced."""
    async with factory() as session:
        queue(session, "new", outbox_rows)
        await session.commit()
    async with factory.begin() as session:
        await write_old(session, "old", outbox_rows)


async def assert_same(factory: async_sessionmaker[AsyncSession], names: list[str]) -> None:
    """The `new:` and `old:` outbox rows are stored alike and read back alike."""
    async with factory() as session:
        for name in names:
            new, old = f"new:{name}", f"old:{name}"
            assert await raw(session, "outbox", new) == await raw(session, "outbox", old), name
            assert await orm(session, new) == await orm(session, old), name


async def raw(session: AsyncSession, table: str, key: str) -> list[Any]:
    """A row as the database holds it: SQLite's stored text, PostgreSQL's text output."""
    cast = "" if dialect_name(session) == "sqlite" else "::text"
    columns = {
        "outbox": [*OUTBOX.columns[1:], "error"],
        "fsm_records": ["state", "data", "updated_at"],
    }[table]
    listed = ", ".join(f"{c}{cast}" for c in columns)
    if dialect_name(session) == "sqlite":
        listed += ", " + ", ".join(f"typeof({c})" for c in columns)
    row = (
        await session.execute(text(f'SELECT {listed} FROM {table} WHERE "key" = :k'), {"k": key})
    ).one()
    return list(row)


async def orm(session: AsyncSession, key: str) -> dict[str, Any]:
    message = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
    assert message is not None, key
    values = {c.key: getattr(message, c.key) for c in _OUTBOX.c if c.key not in ("id", "key")}
    return values


# ---- one statement --------------------------------------------------------------------------


async def test_an_update_commit_is_one_statement(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    storage = DatabaseStorage(factory)
    key = StorageKey(bot_id=7, chat_id=42, user_id=42)
    async with factory() as session:
        outbox.enqueue_at_commit(session, "telegram", 42, "sendMessage", {"text": "old"}, "o:1")
        await session.commit()
    async with factory() as session:
        token = current_session.set(session)
        try:
            defer_upsert(
                session,
                ("update", 5),
                _MARKS,
                {"bot_id": 7, "update_id": 5},
                ["bot_id", "update_id"],
            )
            await storage.set_state(key, "join:phone")
            await storage.set_data(key, {"draft": {"full_name": "Lò Văn Sáng"}})
            outbox.enqueue_at_commit(session, "telegram", 42, "sendMessage", PAYLOAD, "u:7:5:0")
            outbox.enqueue_at_commit(
                session, "telegram", 42, "sendMessage", {"text": "2"}, "u:7:5:1"
            )
            sent = Outgoing("o:1", "42", "sendMessage", {"text": "old"}, 0, MOMENT)
            outbox.mark_sent_at_commit(session, "telegram", [sent], MOMENT)
            with statements(engine_of(factory)) as seen:
                await session.commit()
        finally:
            current_session.reset(token)
    assert len(seen) == 1, seen
    assert seen[0].lstrip().startswith(("INSERT INTO commit_writes", "WITH batch"))

    assert await storage.get_state(key) == "join:phone"
    assert await storage.get_data(key) == {"draft": {"full_name": "Lò Văn Sáng"}}
    async with factory() as session:
        assert await session.get(ProcessedUpdate, (7, 5)) is not None
        pending = await outbox.pending_of_chat(session, "telegram", 42)
        assert [(r.key, r.payload) for r in pending] == [
            ("u:7:5:0", PAYLOAD),
            ("u:7:5:1", {"text": "2"}),
        ]
        assert all(r.next_attempt_at.tzinfo is UTC for r in pending)
        old = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == "o:1"))
        assert old is not None
        assert (old.status, old.attempts, old.sent_at) == (OutboxStatus.SENT, 1, MOMENT)


async def test_nothing_queued_sends_nothing_and_a_rollback_writes_nothing(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    with statements(engine_of(factory)) as seen:
        async with factory() as session:
            await session.commit()
    assert seen == []
    async with factory() as session:
        queue(session, "new", [outbox_row("o:1")])
        await session.connection()
        await session.rollback()
        with statements(engine_of(factory)) as seen:
            await session.commit()  # the queue went with the rollback
    assert seen == []
    async with factory() as session:
        assert await session.get(ProcessedUpdate, (7, 1)) is None
        assert await session.get(FsmRecord, "new:fsm:1") is None
        assert await session.scalar(select(OutboxMessage.id)) is None


# ---- the same values and semantics as the statements it replaced ---------------------------


async def test_stored_as_the_separate_upserts_stored_them(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    rows = [
        outbox_row("pending"),
        outbox_row("sent", OutboxStatus.SENT),
        outbox_row("naive", next_attempt_at=datetime(2026, 11, 22, 3, 0)),
        outbox_row("local", created_at=MOMENT.astimezone(timezone(timedelta(hours=7)))),
        outbox_row("empty", payload={}),
    ]
    await write_both(factory, rows)
    await assert_same(factory, [row["key"] for row in rows])
    async with factory() as session:
        for n in (1, 2):
            assert await raw(session, "fsm_records", f"new:fsm:{n}") == await raw(
                session, "fsm_records", f"old:fsm:{n}"
            )
        new = await session.get(ProcessedUpdate, (7, 1))
        old = await session.get(ProcessedUpdate, (7, 2))
        assert new is not None and old is not None
        assert new.processed_at == old.processed_at == MOMENT
        loaded = await orm(session, "new:pending")
        assert loaded["payload"] == PAYLOAD
        assert loaded["created_at"] == MOMENT and loaded["created_at"].tzinfo is UTC
        assert loaded["sent_at"] is None


async def test_a_mark_without_its_moment_takes_the_default(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    before = datetime.now(UTC)
    async with factory() as session:
        defer_upsert(
            session, ("update", 9), _MARKS, {"bot_id": 7, "update_id": 9}, ["bot_id", "update_id"]
        )
        await session.commit()
    async with factory() as session:
        mark = await session.get(ProcessedUpdate, (7, 9))
        assert mark is not None and before <= mark.processed_at <= datetime.now(UTC)


async def test_marks_flip_only_pending_rows(factory: async_sessionmaker[AsyncSession]) -> None:
    first = [outbox_row(k) for k in ("pending", "retried", "failed", "sent", "again")]
    await write_both(factory, first)
    async with factory.begin() as session:
        for prefix in ("new", "old"):
            retried = Outgoing(f"{prefix}:retried", "42", "sendMessage", PAYLOAD, 0, MOMENT)
            await outbox.mark_retry(session, retried, MOMENT, "server_error")
            failed = Outgoing(f"{prefix}:failed", "42", "sendMessage", PAYLOAD, 0, MOMENT)
            await outbox.mark_failed(session, failed, "bad_request")
    await write_both(factory, [outbox_row("sent", OutboxStatus.SENT)])  # marked once before

    later = MOMENT + timedelta(minutes=5)
    marks = [
        outbox_row(key, OutboxStatus.SENT, sent_at=later)
        for key in ("pending", "retried", "failed", "sent", "unknown")
    ]
    # A pending row given again as pending, and a new row with a mark of its own after it.
    marks += [outbox_row("again"), outbox_row("fresh"), outbox_row("fresh", OutboxStatus.SENT)]
    await write_both(factory, marks)

    await assert_same(
        factory, ["pending", "retried", "failed", "sent", "unknown", "again", "fresh"]
    )
    async with factory() as session:
        assert (await orm(session, "new:pending"))["status"] == OutboxStatus.SENT
        retried = await orm(session, "new:retried")
        assert (retried["status"], retried["attempts"], retried["error"]) == ("sent", 2, None)
        failed = await orm(session, "new:failed")
        assert (failed["status"], failed["error"]) == (OutboxStatus.FAILED, "bad_request")
        sent = await orm(session, "new:sent")
        assert (sent["attempts"], sent["sent_at"]) == (1, MOMENT + timedelta(seconds=2))
        fresh = await orm(session, "new:fresh")
        assert (fresh["status"], fresh["attempts"]) == (OutboxStatus.SENT, 1)


async def test_rows_keep_the_order_they_were_queued_in(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    keys = [f"r{n}" for n in (5, 3, 9, 1, 7, 2, 8, 0, 6, 4)]
    async with factory() as session:
        for key in keys:
            outbox.enqueue_at_commit(session, "telegram", 42, "sendMessage", {"k": key}, key)
        await session.commit()
    async with factory() as session:
        assert [r.key for r in await outbox.pending_of_chat(session, "telegram", 42)] == keys


async def test_an_upsert_the_batch_does_not_know_is_written_on_its_own(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    async with factory.begin() as session:
        session.add(FsmRecord(key="k", state="a", data='{"x": 1}', updated_at=MOMENT))
    async with factory() as session:
        # The state alone: the data stays (not the batch's way of writing a state).
        row = {"key": "k", "state": "b", "data": "{}", "updated_at": MOMENT}
        defer_upsert(session, ("fsm", "k"), _STATES, row, ["key"], ["state"])
        defer_upsert(
            session, ("update", 3), _MARKS, {"bot_id": 7, "update_id": 3}, ["bot_id", "update_id"]
        )
        with statements(engine_of(factory)) as seen:
            await session.commit()
    assert len(seen) == 2, seen
    async with factory() as session:
        record = await session.get(FsmRecord, "k")
        assert record is not None and (record.state, record.data) == ("b", '{"x": 1}')
        assert await session.get(ProcessedUpdate, (7, 3)) is not None


# ---- through the dispatcher -----------------------------------------------------------------


@pytest.mark.postgres
async def test_an_answer_on_postgres_is_one_read_and_one_write(
    pg_world: World,  # noqa: F811 - the fixture imported above
) -> None:
    user = pg_world.sim.user(801)
    await reach(user, "birth_date")
    await pg_world.dp["outbox"].settled()
    with statements(pg_world.engine) as seen:
        await user.send(ANSWERS["birth_date"])
        await pg_world.dp["outbox"].settled()
    words = [sql.split(None, 1)[0].upper() for sql in seen]
    # The update's read; its mark, state and reply; the reply's sent mark.
    assert words == ["SELECT", "WITH", "WITH"], seen


# ---- migration 0016 -------------------------------------------------------------------------


def test_the_view_and_its_trigger_come_and_go_with_0016(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    upgrade(sqlite_url(path), "0016")

    def objects() -> set[tuple[str, str]]:
        with sqlite3.connect(path) as db:
            rows = db.execute(
                "SELECT type, name FROM sqlite_master WHERE name LIKE 'commit_writes%'"
            )
            return set(rows)

    assert objects() == {("view", "commit_writes"), ("trigger", "commit_writes_insert")}
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO commit_writes (batch) VALUES (?)",
            ('{"marks": [{"bot_id": 1, "update_id": 2, "processed_at": "2026-01-01 00:00:00"}]}',),
        )
        assert db.execute("SELECT bot_id, update_id FROM processed_updates").fetchall() == [(1, 2)]
    downgrade(sqlite_url(path), "0015")
    assert objects() == set()
    with sqlite3.connect(path) as db:  # the rows written through it stay
        assert db.execute("SELECT count(*) FROM processed_updates").fetchone() == (1,)
    upgrade(sqlite_url(path), "0016")
    assert len(objects()) == 2
