"""The polling loop confirms an update only once it is handled, and rides out network blips."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message
from aiogram.utils.backoff import BackoffConfig

from bot import polling
from bot.local_session import LocalSession, answered
from bot.polling import Poller


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    person = {"id": chat_id, "is_bot": False, "first_name": "Lan"}
    message = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": chat_id, "type": "private"},
        "from": person,
        "text": text,
    }
    return {"update_id": update_id, "message": message}


class Telegram(LocalSession):
    """getUpdates with Telegram's offset semantics: an update stays until an offset passes it."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: list[dict[str, Any]] = []
        self.offsets: list[int | None] = []
        self.unreachable = 0  # this many getUpdates fail as a network timeout

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        if not isinstance(method, GetUpdates):
            return await super().make_request(bot, method, timeout)
        self.offsets.append(method.offset)
        if self.unreachable:
            self.unreachable -= 1
            raise TelegramNetworkError(method=method, message="Request timeout error")
        offset = method.offset or 0
        self.queue = [u for u in self.queue if u["update_id"] >= offset]
        if not self.queue and method.timeout:
            await asyncio.sleep(0.02)  # a long poll, shortened
        return answered(self, bot, method, self.queue[: method.limit or 100])


class Handled(list[str]):
    """What the handlers saw, in order; awaitable until it holds `n` items."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def add(self, text: str | None) -> None:
        self.append(text or "")
        self.changed.set()

    async def reach(self, n: int) -> None:
        while len(self) < n:
            self.changed.clear()
            await self.changed.wait()


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(polling, "BACKOFF", BackoffConfig(0.01, 0.05, 1.5, 0.0))


async def test_an_update_is_confirmed_only_once_handled() -> None:
    telegram = Telegram()
    bot = Bot("42:TEST", session=telegram)
    dp = Dispatcher()
    gate = asyncio.Event()
    handled = Handled()

    @dp.message(F.text == "slow")
    async def slow(message: Message) -> None:
        await gate.wait()
        handled.add("slow")

    @dp.message()
    async def fast(message: Message) -> None:
        handled.add(message.text)

    telegram.queue = [text_update(1, 101, "slow"), text_update(2, 102, "fast")]
    stop = asyncio.Event()
    run = asyncio.create_task(Poller(dp, bot, busy_wait=0.01).run(stop))
    await handled.reach(1)
    await asyncio.sleep(0.1)  # polls go on meanwhile, for other chats

    # Update 2 is done, but 1 is not: nothing is confirmed past 1, and 1 is handled once.
    assert handled == ["fast"]
    assert max(offset or 0 for offset in telegram.offsets) <= 1
    assert len(telegram.offsets) > 2
    gate.set()
    await handled.reach(2)
    telegram.queue.append(text_update(3, 102, "later"))
    await handled.reach(3)
    stop.set()
    await run

    assert handled == ["fast", "slow", "later"]
    assert telegram.offsets[-1] == 4  # confirmed on the way out
    assert telegram.queue == []


async def test_stop_finishes_the_updates_in_flight() -> None:
    telegram = Telegram()
    bot = Bot("42:TEST", session=telegram)
    dp = Dispatcher()
    started, gate = asyncio.Event(), asyncio.Event()

    @dp.message()
    async def slow(message: Message) -> None:
        started.set()
        await gate.wait()

    telegram.queue = [text_update(7, 101, "hello")]
    stop = asyncio.Event()
    run = asyncio.create_task(Poller(dp, bot).run(stop))
    await started.wait()
    stop.set()
    await asyncio.sleep(0.05)
    assert not run.done()  # waits for the handler, not for a long poll
    gate.set()
    await asyncio.wait_for(run, 2)
    assert telegram.offsets[-1] == 8


async def test_an_unreachable_bot_api_is_one_line_and_retried(
    fast_backoff: None, caplog: pytest.LogCaptureFixture
) -> None:
    telegram = Telegram()
    telegram.unreachable = 3
    bot = Bot("42:TEST", session=telegram)
    dp = Dispatcher()
    handled = Handled()

    @dp.message()
    async def echo(message: Message) -> None:
        handled.add(message.text)

    telegram.queue = [text_update(1, 101, "hi")]
    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="doanvien.polling"):
        run = asyncio.create_task(Poller(dp, bot).run(stop))
        await handled.reach(1)
        stop.set()
        await run

    assert handled == ["hi"]
    lines = [r for r in caplog.records if r.name == "doanvien.polling"]
    assert [r.getMessage() for r in lines] == [
        "getUpdates failed (TelegramNetworkError); retrying with backoff",
        "getUpdates works again",
    ]
    assert all(r.exc_info is None for r in lines)
