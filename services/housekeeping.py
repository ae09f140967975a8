"""Keeping the database lean: forget old update ids and abandoned drafts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from models import FsmRecord, ProcessedUpdate
from services import outbox

# Telegram keeps an unconfirmed update for 24 hours; a week is ample for redelivery.
UPDATE_IDS_KEPT = timedelta(days=7)
# An unfinished application holds personal data: keep it only as long as a resume is likely.
DRAFTS_KEPT = timedelta(days=30)


async def prune(session: AsyncSession, now: datetime) -> tuple[int, int]:
    """Delete update ids older than a week, drafts idle for 30 days, and outbox rows settled
    a week ago; returns the counts of update ids and drafts."""
    await outbox.prune(session, now - UPDATE_IDS_KEPT)
    updates = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - UPDATE_IDS_KEPT)
    )
    drafts = await session.execute(
        delete(FsmRecord).where(FsmRecord.updated_at < now - DRAFTS_KEPT)
    )
    return int(updates.rowcount or 0), int(drafts.rowcount or 0)  # type: ignore[attr-defined]
