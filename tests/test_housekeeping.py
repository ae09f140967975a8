"""Old update ids and abandoned drafts are removed; recent ones stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from models import FsmRecord, ProcessedUpdate
from models.base import utcnow
from scheduler.jobs import build_scheduler, housekeeping
from tests.conftest import World
from tests.journeys import reach


async def test_prune_keeps_recent_and_drops_old(world: World) -> None:
    user = world.sim.user(700)
    await reach(user, "phone")
    old = utcnow() - timedelta(days=40)
    async with world.session_factory.begin() as session:
        session.add(ProcessedUpdate(bot_id=42, update_id=1, processed_at=old))
        session.add(FsmRecord(key="42:701:701", state="join:job", data="{}", updated_at=old))
    await housekeeping(world.session_factory)
    async with world.session_factory() as session:
        keys = set(await session.scalars(select(FsmRecord.key)))
        assert "42:701:701" not in keys and any(":700:" in k for k in keys)
        assert (
            await session.scalar(
                select(func.count())
                .select_from(ProcessedUpdate)
                .where(ProcessedUpdate.update_id == 1)
            )
            == 0
        )
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) > 5


def test_scheduler_has_the_housekeeping_job(world: World) -> None:
    scheduler = build_scheduler(world.settings.tz, world.session_factory)
    assert [job.id for job in scheduler.get_jobs()] == ["housekeeping"]
