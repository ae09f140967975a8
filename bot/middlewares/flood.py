"""Floods: a person who sends far more than anyone types is slowed down, others are not.

The limiter lives where the per-chat lock lives: in memory for one process, in Redis when
REDIS_URL is set (several processes share it). It runs first, before a database session is
opened, so ignored updates cost nothing.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update, User

from locales import SUPPORTED_LOCALES, fluent_core


@dataclass(frozen=True, slots=True)
class FloodRule:
    limit: int = 40  # updates from one chat (no person types this fast) ...
    window: float = 10.0  # ... within this many seconds; more is a flood
    pause: float = 30.0  # then everything from that chat is ignored this long


class Verdict:
    ALLOW = "allow"
    WARN = "warn"  # the first update over the limit: say so, once
    IGNORE = "ignore"


class FloodLimiter(Protocol):
    async def hit(self, chat_id: int) -> str: ...


class MemoryFloodLimiter:
    """Per-chat sliding windows in this process's memory."""

    def __init__(self, rule: FloodRule, clock: Callable[[], float] = time.monotonic) -> None:
        self.rule, self.clock = rule, clock
        self._seen: dict[int, deque[float]] = {}
        self._paused_until: dict[int, float] = {}

    async def hit(self, chat_id: int) -> str:
        now = self.clock()
        if self._paused_until.get(chat_id, 0.0) > now:
            return Verdict.IGNORE
        seen = self._seen.setdefault(chat_id, deque())
        while seen and seen[0] <= now - self.rule.window:
            seen.popleft()
        seen.append(now)
        if len(seen) <= self.rule.limit:
            return Verdict.ALLOW
        self._paused_until[chat_id] = now + self.rule.pause
        seen.clear()
        if len(self._seen) > 10_000:  # forget quiet chats
            self._seen = {k: v for k, v in self._seen.items() if v}
        return Verdict.WARN


class RedisFloodLimiter:
    """The same rule in Redis: a counter per chat and window, and a pause key with a TTL."""

    def __init__(self, redis: Any, rule: FloodRule, prefix: str = "doanvien:flood") -> None:
        self.redis, self.rule, self.prefix = redis, rule, prefix

    async def hit(self, chat_id: int) -> str:
        paused = f"{self.prefix}:paused:{chat_id}"
        if await self.redis.exists(paused):
            return Verdict.IGNORE
        counter = f"{self.prefix}:count:{chat_id}:{int(time.time() // self.rule.window)}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(counter)
            pipe.expire(counter, int(self.rule.window) + 1)
            count, _ = await pipe.execute()
        if int(count) <= self.rule.limit:
            return Verdict.ALLOW
        # Only the first over the limit wins the pause key, and with it the one warning.
        first = await self.redis.set(paused, 1, ex=int(self.rule.pause), nx=True)
        return Verdict.WARN if first else Verdict.IGNORE


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class FloodMiddleware(BaseMiddleware):
    def __init__(self, limiter: FloodLimiter, default_locale: str) -> None:
        self.limiter = limiter
        self.default_locale = default_locale

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if not isinstance(event, Update) or user is None:
            return await handler(event, data)
        verdict = await self.limiter.hit(user.id)
        if verdict == Verdict.ALLOW:
            return await handler(event, data)
        if verdict == Verdict.WARN:
            await self._warn(data["bot"], user)
        return None

    async def _warn(self, bot: Bot, user: User) -> None:
        language = (user.language_code or "")[:2]
        locale = language if language in SUPPORTED_LOCALES else self.default_locale
        text = fluent_core(self.default_locale).get("flood-slow-down", locale)
        await bot.send_message(user.id, text)
