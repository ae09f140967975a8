"""Shared fixtures: real SQLite files (PostgreSQL and Redis when the machine runs them) and
the real Dispatcher driven through the in-process Bot API."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from hypothesis import HealthCheck, settings
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.dispatcher import build_dispatcher
from bot.local_session import LocalSession
from bot.outbox import MARKS_TASK
from bot.settings import Settings
from bot.simulator import Simulator
from locales import fluent_core
from models.db import create_engine, create_session_factory
from models.migrate import upgrade
from services.demo import load_demo

if TYPE_CHECKING:
    from tests.fuzzing import Template

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=TZ)
IN_CI = os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
# Parallel runs (pytest-xdist) give each worker its own Redis database: gw0 → 15, gw1 → 14, …
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:6379/{15 - _WORKER % 15}")

# Fuzzed conversations (tests/test_fuzz.py). `ci`, the default: a bounded, reproducible run
# that writes nothing to disk. `long`, by hand: `pytest -m fuzz --hypothesis-profile long`.
_FUZZ_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_FUZZ_HEALTH,
)
settings.register_profile(
    "long",
    max_examples=3000,
    deadline=None,
    print_blob=True,
    suppress_health_check=_FUZZ_HEALTH,
)
settings.load_profile("ci")


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def t(key: str, locale: str = "vi", **kwargs: object) -> str:
    """The text a user sees for a Fluent key."""
    return fluent_core("vi").get(key, locale, **kwargs)


def server_up(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def require_server(name: str, port: int) -> None:
    """Skip outside CI when a local server is down; in CI its absence is a failure."""
    if server_up("127.0.0.1", port):
        return
    if IN_CI:
        pytest.fail(f"{name} on 127.0.0.1:{port} is required in CI but is not running")
    pytest.skip(f"{name} is not running on 127.0.0.1:{port}")


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with demo data, built once and copied for every test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = sqlite_url(path)
    upgrade(url)

    async def fill() -> None:
        engine = create_engine(url)
        async with create_session_factory(engine).begin() as session:
            await load_demo(session, enterprises=60)
        await engine.dispose()

    asyncio.run(fill())
    return path


@pytest.fixture(scope="session")
def fuzz_template(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The demo database with the fuzzing cast's roles, invitation and lead."""
    from tests.fuzzing import prepare

    return prepare(template_db, tmp_path_factory.mktemp("fuzz"))


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "bot.db"
    shutil.copy(template_db, path)
    return path


@dataclass
class World:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    dp: Dispatcher
    bot: Bot
    api: LocalSession
    sim: Simulator

    def restart(self) -> World:
        """A new Dispatcher and Bot on the same database, as after a process restart."""
        api = LocalSession()
        bot = Bot("42:TEST", session=api, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
        dp = build_dispatcher(self.settings, self.session_factory, clock=lambda: NOW)
        return World(
            self.settings, self.engine, self.session_factory, dp, bot, api, Simulator(dp, bot, api)
        )


async def dispose(engine: AsyncEngine) -> None:
    """Close the database once the outbox has written its last sent marks (a task of its own,
    which must not be cut off by the end of the test's event loop)."""
    marks = [t for t in asyncio.all_tasks() if t.get_name() == MARKS_TASK]
    if marks:
        await asyncio.wait(marks)
    await engine.dispose()


def open_world(path: Path) -> World:
    """The real Dispatcher on the SQLite file at `path`; dispose of it with `dispose` after."""
    settings = Settings(database_url=sqlite_url(path), _env_file=None)  # type: ignore[call-arg]
    engine = create_engine(settings.database_url)
    factory = create_session_factory(engine)
    api = LocalSession()
    bot = Bot("42:TEST", session=api, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    dp = build_dispatcher(settings, factory, clock=lambda: NOW)
    return World(settings, engine, factory, dp, bot, api, Simulator(dp, bot, api))


@pytest.fixture
async def world(db_path: Path) -> AsyncIterator[World]:
    opened = open_world(db_path)
    yield opened
    await dispose(opened.engine)


# Makes a user (an id, a first name) on the channel under test.
ChatUser = Callable[..., Any]


@pytest.fixture(params=["telegram", "zalo"])
async def chat_user(
    request: pytest.FixtureRequest, world: World, db_path: Path
) -> AsyncIterator[ChatUser]:
    """Users on Telegram (the in-process Bot API) or on Zalo (the fake Zalo Bot API over
    HTTP), for journeys that are the same on both channels."""
    if request.param == "telegram":
        yield lambda user_id, name="Lan": world.sim.user(user_id, first_name=name)
        return
    from tests.zalo_user import close_zalo_world, open_zalo_world

    zalo, engine = await open_zalo_world(db_path)
    try:
        yield lambda user_id, name="Lan": zalo.user(f"z{user_id}", name)
    finally:
        await close_zalo_world(zalo, engine)


class Recorder(logging.Handler):
    """Keeps every log record it is handed at or above its level."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
async def session(world: World) -> AsyncIterator[AsyncSession]:
    async with world.session_factory() as session:
        yield session


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    require_server("PostgreSQL", 5432)
    import asyncpg  # type: ignore[import-untyped]

    name = f"doanvien_test_{uuid.uuid4().hex[:10]}"
    admin = PG_ADMIN_URL.replace("postgresql+asyncpg", "postgresql")

    async def admin_exec(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin_exec(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
