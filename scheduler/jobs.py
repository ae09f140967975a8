"""APScheduler jobs that run beside the bot: housekeeping, the weekly digest, reminders.

The scheduler keeps its jobs in memory: a process that was down at the scheduled time would not
know it missed a run. So each message job also runs once at start-up and decides for itself
whether it is due (the scheduled day, past the scheduled time), and the ledger (`job_runs`)
makes it happen once per period however often it is called.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron.expressions import WEEKDAYS
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import JobRun
from models.base import utcnow
from services.digest import Week
from services.housekeeping import prune
from services.weekly import Planned, enqueue_once, plan_digests, plan_reminders

logger = logging.getLogger("doanvien.scheduler")
Factory = async_sessionmaker[AsyncSession]


@dataclass(frozen=True, slots=True)
class Schedule:
    """When the message jobs run (from the settings DIGEST_DAY, DIGEST_TIME, REMINDER_TIME)."""

    tz: tzinfo
    default_locale: str = "vi"
    digest_day: str = "mon"
    digest_time: str = "07:30"
    reminder_time: str = "08:00"


async def housekeeping(session_factory: Factory) -> None:
    async with session_factory.begin() as session:
        updates, drafts = await prune(session, utcnow())
    logger.info("housekeeping: %d old update ids, %d stale drafts removed", updates, drafts)


def due_slot(now: datetime, at: str, weekday: str | None = None) -> datetime | None:
    """Today's scheduled moment when `now` is past it (on `weekday`, if given); else None.
    A run missed while the bot was down is thus caught up later the same day, never after."""
    if weekday is not None and now.weekday() != list(WEEKDAYS).index(weekday):
        return None
    slot = datetime.combine(now.date(), time.fromisoformat(at), tzinfo=now.tzinfo)
    return slot if now >= slot else None


async def _run_once(
    session_factory: Factory,
    job: str,
    period: str,
    plan: Callable[[AsyncSession], Awaitable[list[Planned]]],
    wake: Callable[[], None],
) -> int | None:
    async with session_factory() as session:
        planned = await plan(session)
        await session.commit()
    async with session_factory.begin() as session:
        await session.connection()  # before SQLite's write lock (models/db.py)
        count = await enqueue_once(session, job, period, planned)
    if count is None:
        logger.info("%s %s: already done", job, period)
    elif count:
        logger.info("%s %s: %d messages enqueued", job, period, count)
        wake()
    return count


async def weekly_digest(
    session_factory: Factory, settings: Schedule, wake: Callable[[], None], now: datetime
) -> int | None:
    """Enqueue last week's digest for every steering member, if due and not done yet."""
    local = now.astimezone(settings.tz)
    if due_slot(local, settings.digest_time, settings.digest_day) is None:
        return None
    week = Week.of(local.date()).previous()
    if await _done(session_factory, "digest", week.label):
        return None

    async def plan(session: AsyncSession) -> list[Planned]:
        return await plan_digests(session, week, local, settings.default_locale)

    return await _run_once(session_factory, "digest", week.label, plan, wake)


async def reminders(
    session_factory: Factory, settings: Schedule, wake: Callable[[], None], now: datetime
) -> int | None:
    """Enqueue today's reminders, if due and not done yet."""
    local = now.astimezone(settings.tz)
    if due_slot(local, settings.reminder_time) is None:
        return None
    day = local.date().isoformat()
    if await _done(session_factory, "reminders", day):
        return None

    async def plan(session: AsyncSession) -> list[Planned]:
        return await plan_reminders(session, local, settings.default_locale)

    return await _run_once(session_factory, "reminders", day, plan, wake)


async def _done(session_factory: Factory, job: str, period: str) -> bool:
    async with session_factory() as session:
        found = await session.scalar(
            select(JobRun.id).where(JobRun.job == job, JobRun.period == period)
        )
    return found is not None


def build_scheduler(
    settings: Schedule, session_factory: Factory, wake: Callable[[], None] = lambda: None
) -> AsyncIOScheduler:
    tz = settings.tz
    scheduler = AsyncIOScheduler(timezone=tz)
    scheduler.add_job(
        housekeeping,
        "cron",
        hour=3,
        minute=17,
        args=[session_factory],
        id="housekeeping",
        coalesce=True,
        misfire_grace_time=3600,
    )
    digest_at = time.fromisoformat(settings.digest_time)
    remind_at = time.fromisoformat(settings.reminder_time)
    for job_id, job, trigger in (
        ("digest", weekly_digest, {"day_of_week": settings.digest_day}),
        ("reminders", reminders, {}),
    ):
        at = digest_at if job_id == "digest" else remind_at
        scheduler.add_job(
            _now_runner(job, session_factory, settings, wake),
            "cron",
            hour=at.hour,
            minute=at.minute,
            **trigger,
            id=job_id,
            coalesce=True,
            # A loop stalled past the moment still runs the job the same day.
            misfire_grace_time=int(timedelta(hours=12).total_seconds()),
            # Once at start-up as well: a run missed while the bot was down is caught up.
            next_run_time=datetime.now(tz),
            max_instances=1,
        )
    return scheduler


Job = Callable[[Factory, Schedule, Callable[[], None], datetime], Awaitable[int | None]]


def _now_runner(
    job: Job, session_factory: Factory, settings: Schedule, wake: Callable[[], None]
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await job(session_factory, settings, wake, datetime.now(settings.tz))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # logged in one line; the next start or day tries again
            logger.error("%s failed: %s", getattr(job, "__name__", "job"), type(exc).__name__)

    return run
