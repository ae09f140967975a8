"""Old update ids and abandoned drafts are removed; recent ones stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.runner import schedule_of
from models import FsmRecord, OutboxMessage, Person, ProcessedUpdate
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
    scheduler = build_scheduler(schedule_of(world.settings), world.session_factory)
    assert [job.id for job in scheduler.get_jobs()] == ["housekeeping", "digest", "reminders"]


async def test_settled_outbox_rows_go_pending_ones_stay(world: World) -> None:
    old = utcnow() - timedelta(days=10)
    async with world.session_factory.begin() as session:
        for key, status in (("old-sent", "sent"), ("old-pending", "pending")):
            session.add(
                OutboxMessage(
                    key=key,
                    channel="telegram",
                    chat_id="9",
                    method="sendMessage",
                    payload={"text": "x"},
                    status=status,
                    created_at=old,
                    next_attempt_at=utcnow() + timedelta(days=1),
                )
            )
    await housekeeping(world.session_factory)
    async with world.session_factory() as session:
        keys = set(await session.scalars(select(OutboxMessage.key)))
    assert "old-sent" not in keys and "old-pending" in keys


async def test_a_person_who_writes_again_is_reachable(world: World) -> None:
    user = world.sim.user(702)
    await user.send("/start")
    async with world.session_factory.begin() as session:
        person = await session.scalar(select(Person).where(Person.chat_id == "702"))
        assert person is not None
        person.unreachable_at = utcnow()
    await user.send("/start")
    async with world.session_factory() as session:
        person = await session.scalar(select(Person).where(Person.chat_id == "702"))
        assert person is not None and person.unreachable_at is None
