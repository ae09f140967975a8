"""Group commit on SQLite (models/db.py): transactions that only read hand their queued writes
(update mark, conversation state, outbox rows) to one writer, which writes all of them in one
statement and one commit. Each caller returns only after that commit; one bad row fails its own
update only; a transaction that wrote itself commits on its own, its queued writes with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models import FsmRecord, Person, ProcessedUpdate
from models.db import (
    commit_together,
    create_engine,
    create_session_factory,
    defer_upsert,
    group_commit,
    has_written,
)
from models.migrate import upgrade_async
from tests.conftest import World, sqlite_url, t
from tests.journeys import ANSWERS, reach

_MARKS: Table = ProcessedUpdate.__table__  # type: ignore[assignment]
_STATES: Table = FsmRecord.__table__  # type: ignore[assignment]


@pytest.fixture
async def engine(db_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url(db_path))
    yield engine
    await engine.dispose()


@pytest.fixture
def factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@contextmanager
def writes(engine: AsyncEngine) -> Iterator[dict[str, int]]:
    """The batch statements and the commits that wrote, meanwhile."""
    seen = {"batches": 0, "commits": 0}

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if "commit_writes" in sql:
            seen["batches"] += 1

    def committed(connection: Any) -> None:
        if has_written(connection) is not False:
            seen["commits"] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    event.listen(engine.sync_engine, "commit", committed)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", statement)
        event.remove(engine.sync_engine, "commit", committed)


def queue_update(session: AsyncSession, update_id: int, bot_id: int | None = 7) -> None:
    """What an update queues for its commit: its mark and its conversation state."""
    defer_upsert(
        session,
        ("update", update_id),
        _MARKS,
        {"bot_id": bot_id, "update_id": update_id},
        ["bot_id", "update_id"],
    )
    defer_upsert(
        session,
        ("fsm", update_id),
        _STATES,
        {"key": f"fsm:{update_id}", "state": "Join:ask", "data": "{}"},
        ["key"],
        ["state", "data", "updated_at"],
    )


async def reading_update(
    factory: async_sessionmaker[AsyncSession], update_id: int, bot_id: int | None = 7
) -> None:
    """An update that reads, queues its writes and commits them together with others."""
    async with factory() as session:
        await session.scalar(select(func.count()).select_from(Person))
        queue_update(session, update_id, bot_id)
        await commit_together(session)


async def stored(factory: async_sessionmaker[AsyncSession]) -> tuple[set[int], set[str]]:
    async with factory() as session:
        marks = set(await session.scalars(select(ProcessedUpdate.update_id)))
        states = set(await session.scalars(select(FsmRecord.key)))
        return marks, states


async def hold_write_lock(
    factory: async_sessionmaker[AsyncSession], release: asyncio.Event, chat: str
) -> None:
    """A transaction that writes (a handler's insert) and keeps the write lock until told."""
    async with factory() as session:
        session.add(Person(channel="console", chat_id=chat, language="vi"))
        await session.flush()
        await release.wait()
        await commit_together(session)


async def test_updates_committing_at_once_are_written_by_one_statement_and_one_commit(
    engine: AsyncEngine, factory: async_sessionmaker[AsyncSession]
) -> None:
    release = asyncio.Event()
    writer = asyncio.create_task(hold_write_lock(factory, release, "w1"))
    await asyncio.sleep(0.05)  # it holds SQLite's write lock now
    group = group_commit(engine)
    before = group.groups
    with writes(engine) as seen:
        updates = [asyncio.create_task(reading_update(factory, n)) for n in range(1, 6)]
        await asyncio.sleep(0.05)
        assert not any(u.done() for u in updates), "returned before their rows were committed"
        assert await stored(factory) == (set(), set())
        release.set()
        await asyncio.wait_for(asyncio.gather(writer, *updates), 10)
    assert await stored(factory) == ({1, 2, 3, 4, 5}, {f"fsm:{n}" for n in range(1, 6)})
    assert group.groups - before == 1
    # The writer's own commit, then the five updates' rows in one statement and one commit.
    assert seen == {"batches": 1, "commits": 2}


async def test_a_bad_row_fails_its_own_update_only(
    engine: AsyncEngine, factory: async_sessionmaker[AsyncSession]
) -> None:
    release = asyncio.Event()
    writer = asyncio.create_task(hold_write_lock(factory, release, "w2"))
    await asyncio.sleep(0.05)
    good = [asyncio.create_task(reading_update(factory, n)) for n in (11, 12)]
    bad = asyncio.create_task(reading_update(factory, 13, bot_id=None))  # NOT NULL
    await asyncio.sleep(0.05)
    release.set()
    await asyncio.wait_for(asyncio.gather(writer, *good), 10)
    with pytest.raises(IntegrityError):
        await asyncio.wait_for(bad, 10)
    assert await stored(factory) == ({11, 12}, {"fsm:11", "fsm:12"})


async def test_a_transaction_that_wrote_commits_its_queued_writes_with_its_own(
    engine: AsyncEngine, factory: async_sessionmaker[AsyncSession]
) -> None:
    group = group_commit(engine)
    before = group.groups
    async with factory() as session:
        session.add(Person(channel="console", chat_id="w3", language="vi"))
        await session.flush()
        queue_update(session, 21)
        with writes(engine) as seen:
            await commit_together(session)
    assert group.groups == before, "it wrote: not handed to the group"
    assert seen == {"batches": 1, "commits": 1}
    assert await stored(factory) == ({21}, {"fsm:21"})


async def test_a_pending_orm_change_is_not_handed_to_the_group(
    engine: AsyncEngine, factory: async_sessionmaker[AsyncSession]
) -> None:
    async with factory.begin() as session:
        session.add(Person(channel="console", chat_id="w4", language="vi"))
    group = group_commit(engine)
    before = group.groups
    async with factory() as session:
        person = await session.scalar(select(Person).where(Person.chat_id == "w4"))
        assert person is not None
        person.language = "en"  # not flushed yet: the commit will write it
        queue_update(session, 31)
        await commit_together(session)
    assert group.groups == before
    async with factory() as session:
        assert await session.scalar(select(Person.language).where(Person.chat_id == "w4")) == "en"
    assert await stored(factory) == ({31}, {"fsm:31"})


async def test_concurrent_join_updates_share_commits(world: World) -> None:
    users = [world.sim.user(900 + n) for n in range(8)]
    for user in users:
        await reach(user, "birth_date")
    with writes(world.engine) as seen:
        await asyncio.gather(*(user.send(ANSWERS["birth_date"]) for user in users))
    for user in users:
        assert t("join-ask-gender") in user.last.text
    # Eight updates, and their replies' sent marks: fewer writing commits than updates.
    assert seen["commits"] < len(users), seen


@pytest.mark.postgres
async def test_postgresql_commits_each_transaction_itself(pg_url: str) -> None:
    await upgrade_async(pg_url)
    engine = create_engine(pg_url)
    try:
        factory = create_session_factory(engine)
        group = group_commit(engine)
        await asyncio.gather(*(reading_update(factory, n) for n in (41, 42, 43)))
        assert group.groups == 0, "many writers at once: no group needed"
        assert await stored(factory) == ({41, 42, 43}, {"fsm:41", "fsm:42", "fsm:43"})
    finally:
        await engine.dispose()
