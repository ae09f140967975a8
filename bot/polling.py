"""Long polling that confirms an update only once it has been handled.

aiogram's `start_polling` moves the getUpdates offset past an update as soon as it is read, so a
process killed while handling it loses it. Here the offset stays at the oldest update not yet
handled (committed, replies tried): a kill anywhere means Telegram delivers it again, and the
update's mark in the database (`bot/middlewares/unit_of_work.py`) keeps the second delivery from
repeating anything. Updates of different chats are handled concurrently; aiogram's per-chat lock
keeps one chat's in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot.errors import describe

logger = logging.getLogger("doanvien.polling")
BACKOFF = BackoffConfig(min_delay=1.0, max_delay=30.0, factor=1.6, jitter=0.1)
T = TypeVar("T")


class Stopped(Exception):
    """The stop event was set while waiting."""


async def until_stopped(awaitable: Awaitable[T], stop: asyncio.Event) -> T:
    """Await `awaitable`, or cancel it and raise Stopped as soon as `stop` is set."""
    task = asyncio.ensure_future(awaitable)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise Stopped
    return task.result()


async def reachable(call: Callable[[], Awaitable[T]], stop: asyncio.Event, what: str) -> T:
    """Call the Bot API until it answers: an outage is one warning line, not a traceback."""
    backoff = Backoff(BACKOFF)
    while True:
        try:
            result = await until_stopped(call(), stop)
        except (TelegramAPIError, OSError, TimeoutError) as exc:
            asked = isinstance(exc, TelegramRetryAfter)
            delay = float(exc.retry_after) if isinstance(exc, TelegramRetryAfter) else next(backoff)
            if backoff.counter <= 1 or asked:
                logger.warning("%s failed (%s); retrying with backoff", what, type(exc).__name__)
            await until_stopped(asyncio.sleep(delay), stop)
            continue
        if backoff.counter > 1:
            logger.warning("%s works again", what)
        return result


class Poller:
    """getUpdates → `dp.feed_update`, advancing the offset past handled updates only."""

    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        *,
        allowed_updates: list[str] | None = None,
        timeout: int = 30,
        busy_wait: float = 0.2,
        max_in_flight: int = 100,
        before_confirm: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.dp, self.bot = dp, bot
        self.before_confirm = before_confirm  # e.g. the outbox's sent marks reach the disk
        self.allowed_updates = allowed_updates
        self.timeout = timeout
        self.busy_wait = busy_wait
        self.max_in_flight = max_in_flight
        self.highest = -1  # the newest update id received
        self.in_flight: dict[int, asyncio.Task[None]] = {}
        self.confirmed: int | None = None  # the offset Telegram was last told

    @property
    def offset(self) -> int | None:
        """The oldest update not yet handled: everything before it may be forgotten."""
        if self.in_flight:
            return min(self.in_flight)
        return self.highest + 1 if self.highest >= 0 else None

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set, then finish the updates in flight and confirm them."""
        try:
            while not stop.is_set():
                try:
                    updates = await reachable(self._get_updates, stop, "getUpdates")
                except Stopped:
                    break
                started = self._start(updates)
                if self.in_flight and (not started or len(self.in_flight) >= self.max_in_flight):
                    await self._wait_some(stop)
        finally:
            if self.in_flight:
                await asyncio.wait(list(self.in_flight.values()))
        await self._confirm()

    async def _get_updates(self) -> list[Update]:
        # While an update is in flight Telegram hands it back at once: no long poll then.
        timeout = 0 if self.in_flight else self.timeout
        offset = self.offset
        if offset != self.confirmed and self.before_confirm is not None:
            await self.before_confirm()
        self.confirmed = offset
        return await self.bot.get_updates(
            offset=offset,
            timeout=timeout,
            allowed_updates=self.allowed_updates,
            request_timeout=int(self.bot.session.timeout + timeout),
        )

    def _start(self, updates: list[Update]) -> int:
        started = 0
        for update in updates:
            update_id = update.update_id
            if update_id <= self.highest:
                continue  # in flight or handled, but not confirmed yet: handed out again
            self.highest = update_id
            self.in_flight[update_id] = asyncio.create_task(self._handle(update))
            started += 1
        return started

    async def _handle(self, update: Update) -> None:
        try:
            await self.dp.feed_update(self.bot, update)
        except Exception as exc:  # the error handler answered what it could; do not stall
            logger.error("update %s was not handled: %s", update.update_id, describe(exc))
        finally:
            del self.in_flight[update.update_id]

    async def _wait_some(self, stop: asyncio.Event) -> None:
        """Nothing new arrived: wait for an update to finish (or a moment, for other chats)."""
        waiters: set[asyncio.Future[Any]] = {*self.in_flight.values()}
        stopping = asyncio.ensure_future(stop.wait())
        timeout = None if len(self.in_flight) >= self.max_in_flight else self.busy_wait
        try:
            waiters.add(stopping)
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()

    async def _confirm(self) -> None:
        """Tell Telegram what was handled before the process exits."""
        offset = self.offset
        if offset is None or offset == self.confirmed:
            return
        if self.before_confirm is not None:
            await self.before_confirm()
        try:
            await self.bot.get_updates(offset=offset, timeout=0, limit=1)
        except (TelegramAPIError, OSError, TimeoutError) as exc:
            logger.warning("could not confirm the last updates (%s)", type(exc).__name__)
