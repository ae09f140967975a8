"""A person who floods the bot is slowed down with one polite message; others are not."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from bot.middlewares.flood import FloodRule, MemoryFloodLimiter, RedisFloodLimiter, Verdict
from tests.conftest import REDIS_URL, World, require_server, t

FLOOD = 100


async def flood_and_talk(world: World) -> None:
    flooder, neighbour = world.sim.user(901), world.sim.user(902)

    async def flood() -> None:
        for index in range(FLOOD):
            await flooder.send(f"tin nhắn {index}")

    async def talk() -> None:
        for _ in range(3):
            await neighbour.send("/start")
            await asyncio.sleep(0)

    await asyncio.gather(flood(), talk())
    warnings = [m for m in flooder.inbox if m.text == t("flood-slow-down")]
    assert len(warnings) == 1
    # Up to the limit, then the warning, then nothing for a while.
    assert len(flooder.inbox) == FloodRule().limit + 1
    assert [m.text for m in neighbour.inbox] == [t("start-greeting")] * 3


async def test_a_flood_is_slowed_down_and_the_neighbour_is_not(world: World) -> None:
    await flood_and_talk(world)


async def test_the_pause_ends() -> None:
    now = [0.0]
    limiter = MemoryFloodLimiter(FloodRule(limit=2, window=10, pause=30), clock=lambda: now[0])
    verdicts = [await limiter.hit(1) for _ in range(4)]
    assert verdicts == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN, Verdict.IGNORE]
    assert await limiter.hit(2) == Verdict.ALLOW  # another chat
    now[0] = 31.0
    assert await limiter.hit(1) == Verdict.ALLOW


@pytest.mark.redis
async def test_the_redis_limiter_warns_once_across_processes() -> None:
    require_server("Redis", 6379)
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    prefix = f"test:flood:{uuid.uuid4().hex}"
    rule = FloodRule(limit=5, window=60, pause=60)
    # Two processes' limiters on one Redis: the limit is shared, and only one warns.
    first, second = RedisFloodLimiter(redis, rule, prefix), RedisFloodLimiter(redis, rule, prefix)
    verdicts = [await (first if i % 2 else second).hit(7) for i in range(10)]
    try:
        assert verdicts[:5] == [Verdict.ALLOW] * 5
        assert verdicts[5:].count(Verdict.WARN) == 1
        assert set(verdicts[5:]) == {Verdict.WARN, Verdict.IGNORE}
        assert await first.hit(8) == Verdict.ALLOW
    finally:
        await redis.aclose()


@pytest.mark.redis
async def test_redis_counters_are_kept_apart_per_channel() -> None:
    require_server("Redis", 6379)
    from bot.dispatcher import build_limiter
    from bot.settings import Settings

    settings = Settings(redis_url=REDIS_URL, _env_file=None)  # type: ignore[call-arg]
    rule = FloodRule(limit=2, window=60, pause=60)
    telegram = build_limiter(settings, rule, channel="telegram")
    zalo = build_limiter(settings, rule, channel="zalo")
    assert isinstance(telegram, RedisFloodLimiter) and isinstance(zalo, RedisFloodLimiter)
    chat = 10_000_000 + uuid.uuid4().int % 1_000_000
    try:
        # Telegram's chat 12345 flooding does not slow down Zalo's chat 12345.
        assert [await telegram.hit(chat) for _ in range(3)][-1] == Verdict.WARN
        assert await zalo.hit(chat) == Verdict.ALLOW
    finally:
        await telegram.redis.aclose()
        await zalo.redis.aclose()
