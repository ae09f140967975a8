"""The same behaviour on every backend: SQLite files, PostgreSQL, and Redis for per-chat locks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select

from bot.dispatcher import build_dispatcher, build_storage
from bot.local_session import LocalSession
from bot.settings import Settings
from bot.simulator import Simulator
from bot.storage import DatabaseStorage
from models import Application, ProcessedUpdate
from models.db import create_engine, create_session_factory
from models.migrate import upgrade_async
from services.demo import load_demo
from tests.conftest import NOW, REDIS_URL, World, dispose, require_server, sqlite_url
from tests.journeys import complete_join, reach

KEY = StorageKey(bot_id=42, chat_id=7, user_id=7)


async def make_world(database_url: str, redis_url: str | None = None) -> World:
    await upgrade_async(database_url)
    settings = Settings(database_url=database_url, redis_url=redis_url, _env_file=None)  # type: ignore[call-arg]
    engine = create_engine(settings.database_url)
    factory = create_session_factory(engine)
    async with factory.begin() as session:
        await load_demo(session, enterprises=20)
    api = LocalSession()
    bot = Bot("42:TEST", session=api, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    dp = build_dispatcher(settings, factory, clock=lambda: NOW)
    return World(settings, engine, factory, dp, bot, api, Simulator(dp, bot, api))


@pytest.fixture
async def pg_world(pg_url: str) -> AsyncIterator[World]:
    world = await make_world(pg_url)
    yield world
    await dispose(world.engine)


@pytest.fixture
async def redis_world(tmp_path: Path) -> AsyncIterator[World]:
    require_server("Redis", 6379)
    world = await make_world(sqlite_url(tmp_path / "r.db"), redis_url=REDIS_URL)
    redis = world.dp.fsm.events_isolation.redis  # type: ignore[attr-defined]
    await redis.flushdb()
    yield world
    await redis.flushdb()
    await world.dp.fsm.close()
    await dispose(world.engine)


async def exercise_storage(storage: DatabaseStorage) -> None:
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}
    await storage.set_state(KEY, "join:phone")
    await storage.set_data(KEY, {"draft": {"full_name": "Lò Văn Sáng"}, "n": 1})
    await storage.set_state(KEY, "join:citizen_id")  # an upsert, not a second row
    assert await storage.get_state(KEY) == "join:citizen_id"
    assert await storage.update_data(KEY, {"n": 2}) == {
        "draft": {"full_name": "Lò Văn Sáng"},
        "n": 2,
    }
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    assert (await storage.get_state(KEY), await storage.get_data(KEY)) == (None, {})


async def test_database_storage_sqlite(world: World) -> None:
    await exercise_storage(DatabaseStorage(world.session_factory))


@pytest.mark.postgres
async def test_database_storage_postgres(pg_world: World) -> None:
    await exercise_storage(DatabaseStorage(pg_world.session_factory))


@pytest.mark.postgres
async def test_join_on_postgres_with_redelivery(pg_world: World) -> None:
    user = pg_world.sim.user(77)
    await reach(user, "summary")
    summary = user.last
    submit = next(d for text, d in summary.inline_buttons if "Gửi đơn" in text)
    update = user.callback_update(summary, submit)
    await pg_world.sim.feed(update)
    await pg_world.sim.feed(update)
    async with pg_world.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Application)) == 1
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) > 10


@pytest.mark.redis
async def test_redis_holds_the_locks_and_the_database_the_state(redis_world: World) -> None:
    from aiogram.fsm.storage.redis import RedisEventIsolation

    assert isinstance(redis_world.dp.storage, DatabaseStorage)
    assert isinstance(redis_world.dp.fsm.events_isolation, RedisEventIsolation)
    user = redis_world.sim.user(78)
    await reach(user, "phone")
    assert (
        await redis_world.dp.storage.get_state(StorageKey(bot_id=42, chat_id=78, user_id=78))
        == "join:phone"
    )
    restarted = redis_world.restart()
    assert isinstance(restarted.dp.fsm.events_isolation, RedisEventIsolation)
    same = restarted.sim.user(78)
    await same.send("0912345678")
    assert "CCCD" in same.last.text
    await restarted.dp.fsm.close()


async def test_build_storage_defaults_to_the_database(world: World) -> None:
    storage, _ = build_storage(world.settings, world.session_factory)
    assert isinstance(storage, DatabaseStorage)


async def test_two_workers_at_once_each_get_one_application(world: World) -> None:
    import asyncio

    users = [world.sim.user(900 + i) for i in range(4)]
    await asyncio.gather(
        *(complete_join(u, citizen_id=f"00119801234{i}") for i, u in enumerate(users))
    )
    async with world.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Application)) == 4


async def test_sqlite_writers_queue_instead_of_failing(tmp_path: Path) -> None:
    """Writers that hold their transaction across an await (as a handler calling Telegram
    does) queue on the process's write lock; SQLite's own short timeout never fires."""
    import asyncio

    from sqlalchemy import event

    from models import AuditEvent
    from services import audit

    url = sqlite_url(tmp_path / "lock.db")
    await upgrade_async(url)
    engine = create_engine(url)

    @event.listens_for(engine.sync_engine, "connect")
    def short_timeout(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=20")  # type: ignore[attr-defined]

    factory = create_session_factory(engine)

    async def writer(n: int) -> None:
        async with factory() as session:
            audit.record(session, "test.write", subject_id=n)
            await session.flush()
            await asyncio.sleep(0.01)  # a network call while the transaction is open
            await session.commit()

    async def failing_writer() -> None:
        async with factory() as session:
            audit.record(session, "test.rolled_back")
            await session.flush()
            raise RuntimeError("handler failed")

    results = await asyncio.gather(
        *(writer(n) for n in range(15)),
        failing_writer(),
        *(writer(n) for n in range(15, 30)),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results if r is not None] == ["RuntimeError"]
    async with factory() as session:
        written = await session.scalar(select(func.count()).select_from(AuditEvent))
    assert written == 30
    await engine.dispose()
