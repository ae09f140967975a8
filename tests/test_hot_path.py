"""The per-update path kept short without giving anything up: one statement reads what an update
needs before its handler, sent marks ride on other updates' commits (and survive a commit that
fails), a redelivery has no second effect, and SQLite runs in the event loop's thread without
ever stopping it for another process's write lock."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiogram import F, Router
from aiogram.types import Message
from sqlalchemy import event, select, update

from bot.outbox import _SentMarks
from models import OutboxMessage, Person, RoleGrant, inline_sqlite
from models.base import utcnow
from models.db import create_engine, create_session_factory, has_written
from models.migrate import upgrade_async
from services.people import Arrival, identify
from services.search import cached_vocabulary
from tests.conftest import World, t
from tests.journeys import ANSWERS, reach
from tests.test_access import Role, give_role
from tests.test_outbox import Line, line_of


@contextmanager
def listening(world: World, statement: Any, commit: Any) -> Iterator[None]:
    """`statement(sql)` for every SQL statement the engine runs meanwhile, `commit()` for
    every commit that writes (ending a transaction that only read costs SQLite nothing)."""
    target = world.engine.sync_engine

    def before(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        statement(sql)

    def committed(connection: Any) -> None:
        if has_written(connection) is not False:
            commit()

    event.listen(target, "before_cursor_execute", before)
    event.listen(target, "commit", committed)
    try:
        yield
    finally:
        event.remove(target, "before_cursor_execute", before)
        event.remove(target, "commit", committed)


@contextmanager
def statements(world: World) -> Iterator[list[str]]:
    """Every SQL statement the engine runs meanwhile; "COMMIT" for each commit."""
    seen: list[str] = []
    with listening(
        world, lambda sql: seen.append(sql.split(None, 1)[0].upper()), lambda: seen.append("COMMIT")
    ):
        yield seen


# Written at the commit for every update (models/db.py, bot/outbox.py), counted elsewhere
# (commit_writes: the one statement they become on the branch "write").
COMMIT_TIME = re.compile(
    r"^(INSERT INTO|UPDATE|WITH) .*\b(processed_updates|fsm_records|outbox|commit_writes)\b"
)


@contextmanager
def own_statements(world: World) -> Iterator[list[str]]:
    """The statements an update's handlers and services run (each as "VERB table"): those
    before its first commit, without the writes every update makes at its commit."""
    seen: list[str] = []
    commits: list[None] = []

    def statement(sql: str) -> None:
        flat = " ".join(sql.split())
        if commits or COMMIT_TIME.match(flat):
            return
        table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", flat)
        seen.append(f"{flat.split(None, 1)[0].upper()} {table.group(1) if table else ''}".strip())

    with listening(world, statement, lambda: commits.append(None)):
        yield seen


@pytest.fixture
def line(world: World) -> Line:
    return line_of(world)


async def status_of(line: Line, chat_id: int) -> list[str]:
    async with line.world.session_factory() as session:
        rows = await session.scalars(
            select(OutboxMessage.status)
            .where(OutboxMessage.chat_id == str(chat_id))
            .order_by(OutboxMessage.id)
        )
        return list(rows)


# ---- reads --------------------------------------------------------------------------------


async def test_an_answer_reads_its_mark_state_and_person_in_one_statement(world: World) -> None:
    user = world.sim.user(801)
    await reach(user, "birth_date")
    with statements(world) as seen:
        await user.send(ANSWERS["birth_date"])
    assert t("join-ask-gender") in user.last.text
    assert seen.count("SELECT") == 1, seen
    # The update's mark, its state and its reply in one statement, then the reply's sent mark.
    assert seen == ["SELECT", "INSERT", "COMMIT", "INSERT", "COMMIT"], seen


async def test_a_role_revoked_between_two_updates_is_refused_on_the_next(world: World) -> None:
    await give_role(world, 802, Role.OFFICER, "LC-TP")
    officer = world.sim.user(802)
    await officer.send("/invite")
    assert officer.last.text != t("access-denied")
    async with world.session_factory.begin() as session:
        await session.execute(update(RoleGrant).values(revoked_at=utcnow()))
    await officer.send("/invite")
    assert officer.last.text == t("access-denied")


async def test_a_first_contact_writes_the_person_in_one_statement(world: World) -> None:
    user = world.sim.user(810)
    with own_statements(world) as seen:
        await user.send("/start")
    assert user.last.text is not None
    # The arrival read (mark, state, person, whether the chat is linked), then the new person.
    assert seen == ["SELECT processed_updates", "INSERT people"], seen


ARRIVAL = "SELECT processed_updates"  # the mark, the state, the person: one statement


async def test_each_step_of_the_join_journey_runs_few_statements(world: World) -> None:
    async with world.session_factory() as session:
        await cached_vocabulary(session)  # read once per process, before its first search
    user = world.sim.user(812)
    steps = [
        ("start", lambda: user.send("/start")),
        ("join", lambda: user.click(t("menu-join"))),
        ("consent", lambda: user.click(t("join-consent-agree"))),
        *(
            (step, lambda step=step: user.send(ANSWERS[step]))
            for step in ("full_name", "birth_date")
        ),
        ("gender", lambda: user.click(t("gender-female"))),
        *((step, lambda step=step: user.send(ANSWERS[step])) for step in ("phone", "citizen_id")),
        ("workplace", lambda: user.send(ANSWERS["workplace"])),
        ("pick", lambda: user.click("Công ty TNHH May Lai Châu")),
        ("job", lambda: user.send(ANSWERS["job"])),
        ("submit", lambda: user.click(t("join-submit"))),
    ]
    seen = {}
    for name, action in steps:
        with own_statements(world) as own:
            await action()
        seen[name] = own
    assert t("join-submitted", reference="DV", unit="")[:20] in user.last.text
    quiet = {name: [ARRIVAL] for name, _ in steps}
    assert seen == {
        **quiet,
        "start": [ARRIVAL, "INSERT people"],
        "workplace": [ARRIVAL, "SELECT enterprises"],
        "pick": [ARRIVAL, "SELECT enterprises"],  # the one picked still exists
        "submit": [
            ARRIVAL,
            "SELECT applications",  # their own pending one, others' with the same phone or ID
            "SELECT enterprises",  # with its CĐCS
            "INSERT applications",  # with its reference
            "INSERT audit_events",
        ],
    }


async def two_first_contacts_at_once(factory: Any) -> tuple[int, int, int]:
    """Two updates of one new chat, each having found no person: the second one's insert
    waits for the first one's commit, finds the row there, and reads it. Returns both ids
    and the number of people of that chat."""
    nobody = Arrival(seen=False, conversation=None, identity=None)
    async with factory() as first, factory() as second:
        mine = await identify(first, "telegram", 811, "vi", nobody)
        theirs = asyncio.create_task(identify(second, "telegram", 811, "vi", nobody))
        await asyncio.sleep(0.1)
        assert not theirs.done(), "the second insert waits for the first transaction"
        await first.commit()
        found = await asyncio.wait_for(theirs, 10)
        await second.commit()
    async with factory() as session:
        count = len(list(await session.scalars(select(Person.id).where(Person.chat_id == "811"))))
    return mine.person.id, found.person.id, count


async def test_two_first_contacts_at_once_make_one_person(world: World) -> None:
    mine, theirs, count = await two_first_contacts_at_once(world.session_factory)
    assert mine == theirs and count == 1


@pytest.mark.postgres
async def test_two_first_contacts_at_once_make_one_person_postgres(pg_url: str) -> None:
    await upgrade_async(pg_url)
    engine = create_engine(pg_url)
    try:
        mine, theirs, count = await two_first_contacts_at_once(create_session_factory(engine))
    finally:
        await engine.dispose()
    assert mine == theirs and count == 1


# ---- redelivery ---------------------------------------------------------------------------


async def test_one_update_delivered_twice_at_once_has_one_effect(line: Line) -> None:
    user = line.user(803)
    await reach(user, "full_name")
    again = user.message_update(text=ANSWERS["full_name"])
    await asyncio.gather(line.sim.feed(again), line.sim.feed(again))
    assert sum(t("join-ask-birth-date") in text for text in line.texts(803)) == 1
    rows = await line.rows(803)
    assert len({row.key for row in rows}) == len(rows)
    assert sum(t("join-ask-birth-date") in row.payload.get("text", "") for row in rows) == 1


# ---- sent marks as a group commit -----------------------------------------------------------


def held_handler(line: Line, command: str, gate: asyncio.Event, fail: bool = False) -> None:
    """A handler for `command` that waits for `gate`; with `fail`, its commit then fails."""
    router = Router()

    @router.message(F.text == command)
    async def slow(message: Message, session: Any) -> None:
        await gate.wait()
        await message.answer("slow reply")
        if fail:  # a second person for the same chat: the commit's flush breaks the unique key
            session.add(Person(channel="telegram", chat_id=str(message.chat.id), language="vi"))

    line.first(router)


async def until(condition: Any, what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(what)


async def test_sent_marks_ride_on_the_commit_of_another_chats_update(
    line: Line, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_SentMarks, "DELAY", 30.0)  # no transaction of their own meanwhile
    gate = asyncio.Event()
    held_handler(line, "/slow", gate)
    for chat in (804, 805):  # people exist before: a first contact writes at once
        await line.user(chat).send("/start")
    with statements(line.world) as seen:
        slow = asyncio.create_task(line.user(805).send("/slow"))
        await asyncio.sleep(0.05)
        quick = asyncio.create_task(line.user(804).send("/help"))
        await until(lambda: len(line.texts(804)) == 2, "the quick reply was not sent")
        assert not quick.done(), "the quick update waits for its sent marks"
        gate.set()  # the slow update commits, carrying the quick one's marks
        await asyncio.wait_for(asyncio.gather(slow, quick), 10)
    # The quick update, the slow one (with the quick one's marks), the slow one's marks.
    assert seen.count("COMMIT") == 3, seen
    assert await status_of(line, 804) == ["sent", "sent"]
    assert await status_of(line, 805) == ["sent", "sent"]


async def test_a_commit_that_fails_gives_the_marks_it_carried_back(
    line: Line, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_SentMarks, "DELAY", 30.0)
    gate = asyncio.Event()
    held_handler(line, "/broken", gate, fail=True)
    await line.user(806).send("/start")
    await line.user(807).send("/start")
    broken = asyncio.create_task(line.user(807).send("/broken"))
    await asyncio.sleep(0.05)
    quick = asyncio.create_task(line.user(806).send("/help"))
    await until(lambda: len(line.texts(806)) == 2, "the quick reply was not sent")
    gate.set()  # the broken update's commit carries the quick one's marks, and fails
    await asyncio.wait_for(asyncio.gather(broken, quick), 10)

    assert line.texts(807)[-1] == t("error-apology")
    assert await status_of(line, 806) == ["sent", "sent"]  # written after all
    assert "slow reply" not in line.texts(807)
    # A restart finds nothing of the quick chat's to send again.
    restarted = line.restarted()
    await restarted.sender.drain(restarted.bot)
    assert restarted.texts(806) == []


# ---- SQLite in the event loop's thread -------------------------------------------------------


@contextmanager
def write_lock_held_elsewhere(db: Path) -> Iterator[None]:
    other = sqlite3.connect(db, timeout=10)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.rollback()
        other.close()


async def test_another_process_holding_the_write_lock_does_not_stop_the_bot(
    line: Line, db_path: Path
) -> None:
    user = line.user(808)
    await user.send("/start")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    clock = asyncio.create_task(ticker())
    try:
        with write_lock_held_elsewhere(db_path):
            waiting = asyncio.create_task(user.send("/help"))
            await asyncio.sleep(0.3)
            assert not waiting.done(), "the update waits for the write lock"
            assert ticks > 10, "the event loop kept running meanwhile"
        await asyncio.wait_for(waiting, 10)
    finally:
        clock.cancel()
    assert line.texts(808)[-1] == t("help")
    assert await status_of(line, 808) == ["sent", "sent"]


async def test_a_write_lock_held_too_long_fails_the_update_cleanly(
    line: Line, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inline_sqlite, "BUSY_TIMEOUT", 0.2)
    user = line.user(809)
    await user.send("/start")
    with write_lock_held_elsewhere(db_path):
        await user.send("/help")
    assert line.texts(809)[-1] == t("error-apology")
    assert await status_of(line, 809) == ["sent"]  # the /help reply was rolled back
    await user.send("/help")  # and the next update works
    assert line.texts(809)[-1] == t("help")
