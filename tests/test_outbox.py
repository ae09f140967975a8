"""Replies through the outbox: written with the update's rows, sent after its commit, in order
per chat, exactly once, through Telegram's refusals (the in-process Bot API answers errors the
way Telegram does, so aiogram's own error mapping runs)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import ClientDecodeError
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import SendPhoto, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import BufferedInputFile, Message
from sqlalchemy import select

from bot.local_session import LocalSession
from bot.outbox import OutboxSender, from_row, to_payload
from bot.simulator import Simulator, SimUser
from models import FsmRecord, OutboxMessage, Person
from services import outbox
from tests.conftest import NOW, World, t
from tests.journeys import ANSWERS, reach
from tests.test_backends import redis_world  # noqa: F401 - a fixture


class Killed(BaseException):
    """The process dies in the middle of a request."""


@dataclass
class Failure:
    method: str
    status: int
    description: str
    retry_after: int | None = None
    kill: bool = False


class FlakySession(LocalSession):
    """The in-process Bot API, answering chosen requests with Telegram's errors."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[Failure] = []

    def fail_next(self, method: str, status: int, description: str, **kwargs: Any) -> None:
        self.failures.append(Failure(method, status, description, **kwargs))

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        failure = next((f for f in self.failures if f.method == type(method).__name__), None)
        if failure is None:
            return await super().make_request(bot, method, timeout)
        self.failures.remove(failure)
        if failure.kill:
            raise Killed
        body: dict[str, Any] = {"ok": False, "error_code": failure.status}
        body["description"] = failure.description
        if failure.retry_after is not None:
            body["parameters"] = {"retry_after": failure.retry_after}
        self.check_response(bot, method, failure.status, json.dumps(body))
        raise AssertionError("check_response raises for an error status")


class Clock:
    """The sender's clock: rows are stamped with the real time, so it runs with it, ahead."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def advance(self, seconds: float) -> None:
        self.ahead += timedelta(seconds=seconds)


@dataclass
class Line:
    """One chat's world: a worker, the flaky Bot API, the dispatcher's sender and its clock."""

    world: World
    api: FlakySession
    bot: Bot
    sim: Simulator
    sender: OutboxSender
    clock: Clock

    def user(self, user_id: int) -> SimUser:
        return self.sim.user(user_id)

    def texts(self, chat_id: int) -> list[str]:
        return [m.text for m in self.api.sent if m.chat_id == chat_id]

    async def rows(self, chat_id: int) -> list[OutboxMessage]:
        await self.sender.settled()
        async with self.world.session_factory() as session:
            query = select(OutboxMessage).where(OutboxMessage.chat_id == str(chat_id))
            return list((await session.scalars(query.order_by(OutboxMessage.id))).all())

    async def drain_after(self, seconds: float) -> int:
        self.clock.advance(seconds)
        return await self.sender.drain(self.bot)

    def first(self, router: Router) -> None:
        """A test's own handlers, ahead of the bot's (and its fallback)."""
        self.world.dp.include_router(router)
        self.world.dp.sub_routers.insert(0, self.world.dp.sub_routers.pop())

    def restarted(self) -> Line:
        """A new process on the same database: new dispatcher, sender and Bot API session."""
        return line_of(self.world.restart(), self.clock)


def line_of(world: World, clock: Clock | None = None) -> Line:
    api = FlakySession()
    bot = Bot("42:TEST", session=api, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    sender: OutboxSender = world.dp["outbox"]
    sender.clock = clock or Clock()
    sender.rate = 0  # no pacing in tests
    return Line(world, api, bot, Simulator(world.dp, bot, api), sender, sender.clock)


@pytest.fixture
def line(world: World) -> Line:
    return line_of(world)


async def test_replies_are_rows_of_the_update_and_sent_after_commit(line: Line) -> None:
    user = line.user(501)
    update = user.message_update(text="/start")
    await line.sim.feed(update)

    [row] = await line.rows(501)
    assert (row.key, row.method, row.status) == (
        f"u:42:{update.update_id}:0",
        "sendMessage",
        "sent",
    )
    assert row.payload["text"] == t("start-greeting")
    assert row.sent_at is not None and row.attempts == 1
    assert line.texts(501) == [t("start-greeting")]


async def test_a_handler_that_fails_sends_nothing_but_the_apology(line: Line) -> None:
    boom = Router()

    @boom.message(F.text == "/boom")
    async def half_done(message: Message) -> None:
        await message.answer("half of an answer")
        raise RuntimeError("the handler failed after answering")

    line.first(boom)

    user = line.user(502)
    await user.send("/boom")

    assert line.texts(502) == [t("error-apology")]
    assert await line.rows(502) == []  # rolled back with the update


async def test_a_handler_cannot_reach_telegram_before_the_commit(line: Line) -> None:
    early = Router()
    results: list[object] = []

    @early.message(F.text == "/early")
    async def eager(message: Message, bot: Bot) -> None:
        results.append(await message.answer("committed first"))
        await bot.set_my_commands([])  # neither a reply nor a read: refused

    line.first(early)

    await line.user(510).send("/early")

    [placeholder] = results
    assert isinstance(placeholder, Message) and placeholder.message_id < 0
    assert (placeholder.chat.id, placeholder.chat.type) == (510, "private")
    assert placeholder.text == "committed first" and placeholder.bot is line.bot
    assert line.texts(510) == [t("error-apology")]
    assert not any(type(r).__name__ == "SetMyCommands" for r in line.api.requests)


async def test_a_redelivered_update_sends_nothing_twice(line: Line) -> None:
    user = line.user(503)
    update = user.message_update(text="/start")
    await line.sim.feed(update)
    await line.sim.feed(update)

    assert line.texts(503) == [t("start-greeting")]
    assert len(await line.rows(503)) == 1


async def test_a_background_pass_between_commit_and_delivery_sends_nothing_twice(
    line: Line, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The background drain may read the outbox right after an update's commit, before the
    update delivers its own replies: the rows of an update in flight are left to it."""
    commit = line.sender.commit

    async def commit_then_drain(session: Any) -> None:
        await commit(session)
        assert await line.sender.drain(line.bot) == 0

    monkeypatch.setattr(line.sender, "commit", commit_then_drain)
    user = line.user(520)
    await user.send("/start")
    assert line.texts(520) == [t("start-greeting")]
    monkeypatch.undo()
    assert await line.sender.drain(line.bot) == 0
    assert line.texts(520) == [t("start-greeting")]
    assert [row.status for row in await line.rows(520)] == ["sent"]


async def test_a_reply_whose_send_was_killed_goes_out_once_after_restart(line: Line) -> None:
    user = line.user(504)
    await reach(user, "full_name")
    line.api.fail_next("SendMessage", 0, "", kill=True)
    with pytest.raises(Killed):
        await user.send(ANSWERS["full_name"])
    assert t("join-ask-birth-date") not in "".join(line.texts(504))
    [*_, last] = await line.rows(504)
    assert last.status == "pending"  # committed with the answer, not sent

    after = line.restarted()
    assert await after.sender.drain(after.bot) == 1
    assert await after.sender.drain(after.bot) == 0
    [question] = after.texts(504)
    assert t("join-ask-birth-date") in question
    # The answer itself was kept: the worker goes on from the next question.
    again = after.user(504)
    await again.send(ANSWERS["birth_date"])
    assert t("join-ask-gender") in again.last.text


async def test_retry_after_is_honoured(line: Line) -> None:
    user = line.user(505)
    line.api.fail_next("SendMessage", 429, "Too Many Requests: retry after 30", retry_after=30)
    await user.send("/start")
    assert line.texts(505) == []
    [row] = await line.rows(505)
    assert (row.status, row.error) == ("pending", "retry_after")

    assert await line.drain_after(29) == 0
    assert await line.drain_after(2) == 1
    assert line.texts(505) == [t("start-greeting")]


async def test_server_errors_are_retried_and_order_kept(line: Line) -> None:
    user = line.user(506)
    line.api.fail_next("SendMessage", 502, "Bad Gateway")
    await user.send("/start")
    # The worker writes again meanwhile: that reply waits behind the first.
    await user.send("/help")
    assert line.texts(506) == []
    first, second = await line.rows(506)
    assert (first.status, first.attempts, first.error) == ("pending", 1, "server_error")
    assert second.status == "pending"

    assert await line.drain_after(5) == 2
    texts = line.texts(506)
    assert texts[0] == t("start-greeting") and len(texts) == 2
    assert [row.status for row in await line.rows(506)] == ["sent", "sent"]


async def test_a_blocked_bot_marks_the_person_and_sends_no_more(line: Line) -> None:
    user = line.user(507)
    await user.send("/start")  # the person exists now
    async with line.world.session_factory.begin() as session:
        for n in range(3):
            await outbox.enqueue(
                session, "telegram", 507, "sendMessage", {"text": f"n{n}"}, f"t{n}"
            )
    line.api.fail_next("SendMessage", 403, "Forbidden: bot was blocked by the user")

    assert await line.drain_after(1) == 0
    assert line.texts(507) == [t("start-greeting")]
    assert [r.status for r in await line.rows(507)] == ["sent", *["unreachable"] * 3]
    async with line.world.session_factory() as session:
        person = await session.scalar(select(Person).where(Person.chat_id == "507"))
    assert person is not None and person.unreachable_at is not None


async def test_a_bad_request_fails_alone(line: Line) -> None:
    user = line.user(508)
    async with line.world.session_factory.begin() as session:
        for n in range(2):
            await outbox.enqueue(
                session, "telegram", 508, "sendMessage", {"text": f"n{n}"}, f"b{n}"
            )
            # The same key again (a job run twice) adds nothing.
            await outbox.enqueue(session, "telegram", 508, "sendMessage", {"text": "x"}, f"b{n}")
    line.api.fail_next("SendMessage", 400, "Bad Request: message text is empty")

    assert await line.drain_after(1) == 1
    assert line.texts(508) == ["n1"]
    assert [(r.status, r.error) for r in await line.rows(508)] == [
        ("failed", "bad_request"),
        ("sent", None),
    ]
    await user.send("/start")
    assert line.texts(508)[-1] == t("start-greeting")


def test_a_photo_waits_in_the_outbox_as_bytes() -> None:
    method = SendPhoto(chat_id=1, photo=BufferedInputFile(b"\x89PNG..", "qr.png"), caption="QR")
    payload = json.loads(json.dumps(to_payload(method)))  # through the JSON column
    again = from_row(outbox.Outgoing("k", "1", "sendPhoto", payload, 0, NOW))
    assert isinstance(again, SendPhoto) and isinstance(again.photo, BufferedInputFile)
    assert (again.photo.data, again.photo.filename, again.caption) == (b"\x89PNG..", "qr.png", "QR")


# ---- Redis configured: it holds the per-chat locks, the database holds the state -------------


@pytest.fixture
def redis_line(redis_world: World) -> Line:  # noqa: F811 - the fixture imported above
    return line_of(redis_world)


@pytest.mark.redis
async def test_with_redis_a_failed_send_leaves_the_state_where_the_database_has_it(
    redis_line: Line,
) -> None:
    user = redis_line.user(509)
    await reach(user, "full_name")
    redis_line.api.fail_next("SendMessage", 500, "Internal Server Error")
    await user.send(ANSWERS["full_name"])

    key = StorageKey(bot_id=42, chat_id=509, user_id=509)
    async with redis_line.world.session_factory() as session:
        stored = await session.scalar(
            select(FsmRecord.state).where(FsmRecord.key.contains(":509:"))
        )
    assert stored == await redis_line.world.dp.storage.get_state(key) == "join:birth_date"
    redis = redis_line.world.dp.fsm.events_isolation.redis  # type: ignore[attr-defined]
    # Redis holds the per-chat locks and the flood counters, never conversation state.
    kept = [k for k in await redis.keys("*") if not k.endswith(b":lock")]
    assert [k for k in kept if not k.startswith(b"doanvien:flood:")] == []

    # The question is delivered by the retry, and the worker goes on from there.
    assert await redis_line.drain_after(5) == 1
    assert t("join-ask-birth-date") in redis_line.texts(509)[-1]
    await user.send(ANSWERS["birth_date"])
    assert t("join-ask-gender") in user.last.text


class GarbledResults(FlakySession):
    """Answers every sendMessage with ok and a result that is no Message at all."""

    def _result(self, method: TelegramMethod[Any]) -> Any:
        message = super()._result(method)
        return {"not": "a message"} if type(method).__name__ == "SendMessage" else message


async def test_the_sender_does_not_parse_results_it_never_reads(world: World) -> None:
    """A reply's answer is checked for ok only; outside the outbox, results are parsed."""
    line = line_of(world)
    api = GarbledResults()
    bot = Bot("42:TEST", session=api, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    line = Line(world, api, bot, Simulator(world.dp, bot, api), line.sender, line.clock)
    await line.sim.feed(line.user(502).message_update(text="/start"))
    [row] = await line.rows(502)
    assert row.status == "sent" and line.texts(502) == [t("start-greeting")]
    with pytest.raises(ClientDecodeError):  # a request whose result is read: parsed as ever
        await bot.send_message(502, "direct")
