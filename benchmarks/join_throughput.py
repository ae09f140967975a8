"""Join-journey throughput: simulated workers through the real Dispatcher, against a bare echo bot.

    python benchmarks/join_throughput.py [--workers N] [--concurrency C] [--db PATH]

Each simulated worker takes the whole join journey (12 updates: /start, Join, consent, name,
birth date, gender, phone, CCCD, workplace search, first result, job, submit) through the
Dispatcher that `doanvien run` uses, on a SQLite file database with the demo data, C workers at
a time. The same number of text updates then go, with the same concurrency, through a bare
aiogram echo bot (one handler, MemoryStorage) on the same in-process Bot API.

A second, serial pass (30 workers, one update at a time) reports the latency a single worker
sees without queueing behind others (`serial_p50_ms`, `serial_p99_ms`). The concurrent pass also
reports the SQL statements and commits per update, and the CPU time per update (all threads)
beside the echo bot's: on a machine shared with other work, the CPU ratio moves far less than
the wall-clock one.

Prints exactly one JSON line on stdout; logs go to stderr. Exits non-zero, printing no JSON,
when a journey breaks or fewer than N applications reach the database.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import math
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiogram
import sqlalchemy
from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.types import Message, Update
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.dispatcher import build_dispatcher, freeze_startup_objects
from bot.local_session import BOT_ID, LocalSession, SentMessage
from bot.settings import Settings
from bot.simulator import Simulator, SimUser
from locales import fluent_core
from models import Application, Person, ProcessedUpdate
from models.db import create_engine, create_session_factory, group_commit, has_written
from models.migrate import upgrade_async
from services.demo import load_demo

GOAL_RATIO = 0.5  # join updates/s at least half the bare echo bot's
GOAL_P99_MS = 2.0  # serial p99: one worker at a time
GOAL_STATEMENTS = 2.0  # SQL statements per update, on average
WARMUP_WORKERS = 5
SERIAL_WORKERS = 30
STEPS_PER_JOURNEY = 12
LOCALE = "vi"
FIRST_USER_ID = 5_000_000_000  # above the ids a test or console session would use

log = logging.getLogger("benchmark")


class JourneyError(Exception):
    """The bot did not answer a step the way a completed journey needs."""


class ErrorCounter(logging.Handler):
    """Counts ERROR records: the project's error handler logs and swallows handler failures."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class StatementCounter:
    """Counts the SQL statements and commits the engine runs (what each update costs)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements = 0
        self.commits = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._statement)
        event.listen(engine.sync_engine, "commit", self._commit)

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _commit(self, connection: Any) -> None:
        # A commit that writes: ending a transaction that only read costs SQLite nothing.
        if has_written(connection) is not False:
            self.commits += 1


class TimedSimulator(Simulator):
    """A Simulator that times every `dp.feed_update` and routes replies to their user's inbox."""

    def __init__(
        self, dp: Dispatcher, bot: Bot, session: LocalSession, first_update_id: int = 1
    ) -> None:
        super().__init__(dp, bot, session)
        self.latencies: list[float] = []
        self.users: dict[int, SimUser] = {}
        self.replies = 0
        self._next_update = first_update_id

    def next_update_id(self) -> int:
        update_id = self._next_update
        self._next_update += 1
        return update_id

    def deliver(self, message: SentMessage) -> None:
        """LocalSession's on_message hook: works with record=False, so nothing piles up."""
        self.replies += 1
        user = self.users.get(message.chat_id)
        if user is not None:
            user.inbox.append(message)

    def user(self, user_id: int, first_name: str = "Lan", language_code: str = LOCALE) -> SimUser:
        user = super().user(user_id, first_name, language_code)
        self.users[user_id] = user
        return user

    def forget(self, user: SimUser) -> None:
        self.users.pop(user.user.id, None)

    async def feed(self, update: Update) -> None:
        start = time.perf_counter()
        await self.dp.feed_update(self.bot, update)
        self.latencies.append(time.perf_counter() - start)


def make_bot(session: LocalSession) -> Bot:
    # The same defaults as bot.runner.make_bot, on the in-process Bot API.
    return Bot(
        f"{BOT_ID}:BENCH",
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def make_simulator(dp: Dispatcher, first_update_id: int = 1) -> TimedSimulator:
    session = LocalSession(record=False)
    sim = TimedSimulator(dp, make_bot(session), session, first_update_id)
    session.on_message = sim.deliver
    return sim


# ---- the journey ----------------------------------------------------------------------------


def labels() -> dict[str, str]:
    core = fluent_core(LOCALE)
    keys = ("menu-join", "join-consent-agree", "gender-female", "join-submit")
    return {key: core.get(key, LOCALE) for key in keys}


async def _step(user: SimUser, name: str, action: Callable[[], Awaitable[Any]]) -> None:
    user.inbox.clear()  # the inbox then holds exactly this step's replies
    await action()
    if not user.inbox:
        raise JourneyError(f"user {user.user.id}: no reply to step {name!r}")


async def _press(user: SimUser, name: str, label: str) -> None:
    message = user.last_with_buttons()
    if message is None:
        raise JourneyError(f"user {user.user.id}: no buttons before step {name!r}")
    await _step(user, name, lambda: user.click(label, message))


async def _press_first(user: SimUser, name: str) -> None:
    message = user.last_with_buttons()
    if message is None:
        raise JourneyError(f"user {user.user.id}: no buttons before step {name!r}")
    data = message.inline_buttons[0][1]
    await _step(user, name, lambda: user.click_data(data, message))


async def join_journey(
    sim: TimedSimulator, user_id: int, serial: int, text: dict[str, str]
) -> None:
    user = sim.user(user_id)
    try:
        await _step(user, "start", lambda: user.send("/start"))
        await _press(user, "menu-join", text["menu-join"])
        await _press(user, "consent", text["join-consent-agree"])
        await _step(user, "full_name", lambda: user.send("Nguyễn Thị Lan"))
        await _step(user, "birth_date", lambda: user.send("25/03/1998"))
        await _press(user, "gender", text["gender-female"])
        await _step(user, "phone", lambda: user.send(f"0912{serial % 1_000_000:06d}"))
        await _step(user, "citizen_id", lambda: user.send(f"001198{serial % 1_000_000:06d}"))
        await _step(user, "workplace", lambda: user.send("may lai chau"))
        await _press_first(user, "workplace-pick")
        await _step(user, "job", lambda: user.send("công nhân may"))
        await _press(user, "submit", text["join-submit"])
        if "DV-" not in user.last.text:
            raise JourneyError(f"user {user_id}: no reference after submit: {user.last.text!r}")
    finally:
        sim.forget(user)
        sim.session.callback_answers.clear()  # kept even with record=False


async def echo_journey(sim: TimedSimulator, user_id: int, serial: int, _: dict[str, str]) -> None:
    user = sim.user(user_id)
    try:
        for step in range(STEPS_PER_JOURNEY):
            await _step(user, f"echo-{step}", lambda s=step: user.send(f"tin nhắn {serial}.{s}"))
    finally:
        sim.forget(user)


Journey = Callable[[TimedSimulator, int, int, dict[str, str]], Awaitable[None]]


async def run_workers(
    sim: TimedSimulator, journey: Journey, user_ids: list[int], concurrency: int
) -> tuple[float, list[BaseException]]:
    """Run one journey per user id, `concurrency` at a time; the wall time and the failures."""
    gate = asyncio.Semaphore(concurrency)
    text = labels()

    async def one(serial: int, user_id: int) -> None:
        async with gate:
            await journey(sim, user_id, serial, text)

    gc.collect()
    start = time.perf_counter()
    results = await asyncio.gather(
        *(one(user_id - FIRST_USER_ID, user_id) for user_id in user_ids), return_exceptions=True
    )
    wall = time.perf_counter() - start
    return wall, [r for r in results if isinstance(r, BaseException)]


# ---- the two bots -------------------------------------------------------------------------


def build_echo_dispatcher() -> Dispatcher:
    router = Router(name="echo")

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def prepare_database(url: str) -> None:
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        async with create_session_factory(engine).begin() as session:
            await load_demo(session)
    finally:
        await engine.dispose()


async def first_free_ids(factory: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """A user id and an update id no earlier run on this database has used (for --db)."""
    async with factory() as session:
        chat_ids = (
            await session.scalars(select(Person.chat_id).where(Person.channel == "telegram"))
        ).all()
        max_update = await session.scalar(
            select(func.max(ProcessedUpdate.update_id)).where(ProcessedUpdate.bot_id == BOT_ID)
        )
    numeric = [int(c) for c in chat_ids if c.isdigit()]
    return max([FIRST_USER_ID - 1, *numeric]) + 1, (max_update or 0) + 1


async def applications_of(factory: async_sessionmaker[AsyncSession], user_ids: list[int]) -> int:
    wanted = {str(u) for u in user_ids}
    async with factory() as session:
        rows = await session.execute(
            select(Person.chat_id, func.count(Application.id))
            .join(Application, Application.person_id == Person.id)
            .where(Person.channel == "telegram")
            .group_by(Person.chat_id)
        )
        return sum(count for chat_id, count in rows if chat_id in wanted)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def fail(message: str, errors: list[BaseException] | None = None) -> int:
    print(f"join_throughput: FAILED: {message}", file=sys.stderr)
    for exc in (errors or [])[:5]:
        print(f"  {type(exc).__name__}: {exc}", file=sys.stderr)
    return 1


async def benchmark(workers: int, concurrency: int, url: str) -> int:
    await prepare_database(url)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    errors = ErrorCounter()
    logging.getLogger().addHandler(errors)
    try:
        settings = Settings(database_url=url, redis_url=None, default_locale=LOCALE)
        first_user, first_update = await first_free_ids(factory)
        sim = make_simulator(build_dispatcher(settings, factory), first_update)
        warm = list(range(first_user, first_user + WARMUP_WORKERS))
        measured = list(range(warm[-1] + 1, warm[-1] + 1 + workers))

        _, failures = await run_workers(sim, join_journey, warm, concurrency)
        if failures or errors.count:
            return fail(
                f"warm-up: {len(failures)} journeys broke, {errors.count} errors logged", failures
            )
        sim.latencies.clear()
        freeze_startup_objects()  # as `doanvien run` does once it is up
        counter = StatementCounter(engine)
        group = group_commit(engine)
        groups, grouped = group.groups, group.members
        cpu = time.process_time()
        wall, failures = await run_workers(sim, join_journey, measured, concurrency)
        cpu = time.process_time() - cpu
        statements, commits = counter.statements, counter.commits
        groups, grouped = group.groups - groups, group.members - grouped
        if failures or errors.count:
            return fail(
                f"{len(failures)} of {workers} journeys broke, {errors.count} errors logged",
                failures,
            )
        latencies, updates = list(sim.latencies), len(sim.latencies)
        stored = await applications_of(factory, measured)
        if stored != workers or updates != workers * STEPS_PER_JOURNEY:
            return fail(
                f"{stored} applications stored for {workers} workers ({updates} updates fed)"
            )
        # One update at a time: what a single worker waits for, without queueing behind others.
        serial = list(range(measured[-1] + 1, measured[-1] + 1 + SERIAL_WORKERS))
        sim.latencies.clear()
        counted = counter.statements
        _, failures = await run_workers(sim, join_journey, serial, 1)
        serial_statements = counter.statements - counted
        if failures or errors.count or await applications_of(factory, serial) != len(serial):
            return fail("serial pass: journeys broke", failures)
        serial_latencies = list(sim.latencies)

        echo = make_simulator(build_echo_dispatcher())
        echo_ids = list(range(FIRST_USER_ID, FIRST_USER_ID + workers + WARMUP_WORKERS))
        _, failures = await run_workers(echo, echo_journey, echo_ids[:WARMUP_WORKERS], concurrency)
        echo.latencies.clear()
        echo.replies = 0
        echo_cpu = time.process_time()
        echo_wall, failures = await run_workers(
            echo, echo_journey, echo_ids[WARMUP_WORKERS:], concurrency
        )
        echo_cpu = time.process_time() - echo_cpu
        echo_updates = len(echo.latencies)
        if failures or echo_updates != updates or echo.replies != updates:
            return fail(f"echo bot: {echo.replies} replies to {echo_updates} updates", failures)
    finally:
        logging.getLogger().removeHandler(errors)
        await engine.dispose()

    rate, echo_rate = updates / wall, echo_updates / echo_wall
    result = {
        "benchmark": "join_throughput",
        "workers": workers,
        "concurrency": concurrency,
        "updates": updates,
        "wall_s": round(wall, 3),
        "updates_per_s": round(rate, 1),
        "p50_ms": ms(percentile(latencies, 0.50)),
        "p90_ms": ms(percentile(latencies, 0.90)),
        "p99_ms": ms(percentile(latencies, 0.99)),
        "max_ms": ms(max(latencies)),
        "serial_workers": SERIAL_WORKERS,
        "serial_p50_ms": ms(percentile(serial_latencies, 0.50)),
        "serial_p99_ms": ms(percentile(serial_latencies, 0.99)),
        "echo_updates": echo_updates,
        "echo_updates_per_s": round(echo_rate, 1),
        "echo_p50_ms": ms(percentile(echo.latencies, 0.50)),
        "echo_p99_ms": ms(percentile(echo.latencies, 0.99)),
        "ratio_vs_echo": round(rate / echo_rate, 4),
        # CPU time (all threads) per update: what the machine's load does not change much.
        "cpu_ms_per_update": ms(cpu / updates),
        "echo_cpu_ms_per_update": ms(echo_cpu / echo_updates),
        "cpu_ratio_vs_echo": round(echo_cpu / echo_updates / (cpu / updates), 4),
        "sql_statements_per_update": round(statements / updates, 2),
        "commits_per_update": round(commits / updates, 2),
        # Group commit (models/db.py): the updates written by one statement and commit.
        "updates_per_group_commit": round(grouped / groups, 2) if groups else 0,
        "serial_sql_statements_per_update": round(serial_statements / len(serial_latencies), 2),
        "goal_ratio": GOAL_RATIO,
        "goal_p99_ms": GOAL_P99_MS,
        "goal_statements": GOAL_STATEMENTS,
        "applications": stored,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "aiogram": aiogram.__version__,
        "sqlalchemy": sqlalchemy.__version__,
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--workers", type=int, default=200, help="simulated workers (default 200)")
    parser.add_argument(
        "--concurrency", type=int, default=20, help="workers in flight at once (default 20)"
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="SQLite file to use (default: a fresh one in a temp dir)",
    )
    args = parser.parse_args(argv)
    if args.workers < 1 or args.concurrency < 1:
        parser.error("--workers and --concurrency must be at least 1")
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="doanvien-bench-") as tmp:
        db = args.db if args.db is not None else Path(tmp) / "bench.db"
        url = f"sqlite+aiosqlite:///{db.resolve()}"
        return asyncio.run(benchmark(args.workers, args.concurrency, url))


if __name__ == "__main__":
    raise SystemExit(main())
