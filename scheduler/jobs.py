"""APScheduler jobs that run beside the bot."""

from __future__ import annotations

import logging
from datetime import tzinfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.base import utcnow
from services.housekeeping import prune

logger = logging.getLogger("doanvien.scheduler")


async def housekeeping(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory.begin() as session:
        updates, drafts = await prune(session, utcnow())
    logger.info("housekeeping: %d old update ids, %d stale drafts removed", updates, drafts)


def build_scheduler(
    tz: tzinfo, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIOScheduler:
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
    return scheduler
