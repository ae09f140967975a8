"""Delivering the digest: through 429 storms, server errors, blocked members and a kill in the
middle of a run, nothing is lost and nothing repeated; the pacing keeps to one message per chat
per second; Telegram's "bot was blocked" update marks the person, and officers see who."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest
from aiogram.types import ChatMemberBanned, ChatMemberMember, ChatMemberUpdated, Update, User
from sqlalchemy import select

from models import Application, OutboxMessage, Person, Role
from scheduler.jobs import weekly_digest
from services import outbox
from tests.conftest import TZ, World, t
from tests.test_digest import SCHEDULE, known_data
from tests.test_leads import give_role
from tests.test_outbox import FlakySession, Killed, Line, line_of

MONDAY = datetime(2026, 11, 23, 7, 30, tzinfo=TZ)


@pytest.fixture
def line(world: World) -> Line:
    return line_of(world)


async def digest_rows(line: Line) -> list[OutboxMessage]:
    await line.sender.settled()
    async with line.world.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.key.startswith("digest:"))
        return list(await session.scalars(query.order_by(OutboxMessage.id)))


async def enqueue_digests(world: World) -> list[str]:
    """Two members' digests (a chart and a text each); the rows' keys in order."""
    await known_data(world)
    assert await weekly_digest(world.session_factory, SCHEDULE, lambda: None, MONDAY) == 4
    async with world.session_factory() as session:
        return list(await session.scalars(select(OutboxMessage.key).order_by(OutboxMessage.id)))


def delivered(*apis: FlakySession) -> Counter[tuple[int, str]]:
    """(chat, text or caption) of every message the Bot API accepted."""
    return Counter((m.chat_id, m.text) for api in apis for m in api.sent)


async def drain_all(line: Line, rounds: int = 10, step: float = 40) -> None:
    for _ in range(rounds):
        if not [r for r in await digest_rows(line) if r.status == "pending"]:
            return
        await line.drain_after(step)


async def test_a_429_storm_and_server_errors_lose_and_repeat_nothing(line: Line) -> None:
    keys = await enqueue_digests(line.world)
    for _ in range(3):
        line.api.fail_next("SendPhoto", 429, "Too Many Requests: retry after 7", retry_after=7)
    line.api.fail_next("SendMessage", 502, "Bad Gateway")
    line.api.fail_next("SendMessage", 500, "Internal Server Error")

    await line.sender.drain(line.bot)
    await drain_all(line)

    rows = await digest_rows(line)
    assert [r.key for r in rows] == keys and {r.status for r in rows} == {"sent"}
    sent = delivered(line.api)
    assert len(sent) == 4 and set(sent.values()) == {1}
    # Each member got the chart first, then the text.
    for chat in (961, 962):
        kinds = [m.text.startswith("<b>📊") for m in line.api.sent if m.chat_id == chat]
        assert kinds == [False, True]


async def test_a_member_who_blocked_the_bot_is_skipped_from_then_on(line: Line) -> None:
    await enqueue_digests(line.world)
    line.api.fail_next("SendPhoto", 403, "Forbidden: bot was blocked by the user")
    await line.sender.drain(line.bot)

    statuses = [(r.key.split(":")[2], r.status) for r in await digest_rows(line)]
    async with line.world.session_factory() as session:
        blocked = await session.scalar(select(Person).where(Person.unreachable_at.is_not(None)))
    assert blocked is not None
    assert sorted(statuses) == sorted(
        (person, "unreachable" if person == str(blocked.id) else "sent") for person, _ in statuses
    )
    assert [status for _, status in statuses].count("unreachable") == 2
    # The next week's run leaves them out.
    next_monday = MONDAY.replace(day=30)
    assert await weekly_digest(line.world.session_factory, SCHEDULE, lambda: None, next_monday) == 2


async def test_a_kill_in_the_middle_of_a_run_sends_the_rest_once_after_restart(
    line: Line,
) -> None:
    keys = await enqueue_digests(line.world)
    line.api.fail_next("SendMessage", 0, "", kill=True)  # the first member's text
    with pytest.raises(Killed):
        await line.sender.drain(line.bot)
    before = delivered(line.api)
    assert sum(before.values()) == 1  # the chart went, then the process died

    after = line.restarted()
    await after.sender.drain(after.bot)
    await drain_all(after)
    rows = await digest_rows(after)
    assert [r.key for r in rows] == keys and {r.status for r in rows} == {"sent"}
    total = delivered(line.api, after.api)
    assert len(total) == 4 and set(total.values()) == {1}


async def test_the_drain_keeps_one_message_per_chat_per_second(world: World) -> None:
    line = line_of(world)
    loop = asyncio.get_running_loop()
    sent_at: list[tuple[int, float]] = []
    line.api.on_message = lambda message: sent_at.append((message.chat_id, loop.time()))
    line.sender.rate = 30
    async with world.session_factory.begin() as session:
        for chat in (601, 602, 603, 604):
            for n in range(2):
                key = f"pace:{chat}:{n}"
                await outbox.enqueue(session, "telegram", chat, "sendMessage", {"text": key}, key)
    assert await line.sender.drain(line.bot) == 8
    times: dict[int, list[float]] = {}
    for chat, moment in sent_at:
        times.setdefault(chat, []).append(moment)
    assert sorted(times) == [601, 602, 603, 604]
    # A chat's second message waits a second for the first to be answered; other chats
    # meanwhile are not held up (the first round goes out within a few slots).
    assert all(b - a >= 1.0 for a, b in times.values())
    firsts = sorted(moments[0] for moments in times.values())
    assert firsts[-1] - firsts[0] < 1.0


# ---- blocked and unblocked -----------------------------------------------------------------


def member_update(world: World, user_id: int, blocked: bool) -> Update:
    bot = User(id=42, is_bot=True, first_name="Bot")
    person = User(id=user_id, is_bot=False, first_name="Lan")
    member = ChatMemberMember(user=bot)
    banned = ChatMemberBanned(user=bot, until_date=datetime.fromtimestamp(0, UTC))
    return Update(
        update_id=world.sim.next_update_id(),
        my_chat_member=ChatMemberUpdated(
            chat=world.sim.user(user_id).chat,
            from_user=person,
            date=datetime.now(UTC),
            old_chat_member=banned if not blocked else member,
            new_chat_member=banned if blocked else member,
        ),
    )


async def person_of(world: World, chat_id: int) -> Person:
    async with world.session_factory() as session:
        found = await session.scalar(select(Person).where(Person.chat_id == str(chat_id)))
    assert found is not None
    return found


async def test_blocking_marks_the_person_and_officers_see_it(world: World) -> None:
    await world.sim.user(991).send("/start")
    async with world.session_factory.begin() as session:
        await outbox.enqueue(session, "telegram", 991, "sendMessage", {"text": "x"}, "later:991")
    await world.sim.feed(member_update(world, 991, blocked=True))
    me = await person_of(world, 991)
    assert me.unreachable_at is not None
    async with world.session_factory() as session:
        status = await session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.key == "later:991")
        )
    assert status == "unreachable"

    await give_role(world, 992, Role.OFFICER, "LC")
    await add_application(world, me.id)
    officer = world.sim.user(992)
    await officer.send("/unreachable")
    assert t("unreachable-title", count=1) in officer.last.text
    assert "DV-2026-U1" in officer.last.text

    await world.sim.feed(member_update(world, 991, blocked=False))
    assert (await person_of(world, 991)).unreachable_at is None
    await officer.send("/unreachable")
    assert officer.last.text == t("unreachable-none")


async def add_application(world: World, person_id: int) -> None:
    from services.register import unit_by_code

    async with world.session_factory.begin() as session:
        unit = await unit_by_code(session, "LC-TP")
        assert unit is not None
        session.add(
            Application(
                reference="DV-2026-U1",
                person_id=person_id,
                status="submitted",
                consent_version="1",
                consent_at=datetime.now(UTC),
                routed_unit_id=unit.id,
                routing_reason="upper_union",
            )
        )
