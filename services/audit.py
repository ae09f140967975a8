"""The audit trail: who did what to which record. Never pass personal data in `detail`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditEvent


def record(
    session: AsyncSession,
    action: str,
    *,
    actor_id: int | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the current unit of work."""
    event = AuditEvent(
        action=action,
        actor_person_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )
    session.add(event)
    return event
