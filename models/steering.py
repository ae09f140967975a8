"""Steering-committee members and the units they follow; the ledger of scheduled runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class SteeringAssignment(Base):
    """A steering-committee member follows a unit (with its subtree) in the weekly digest."""

    __tablename__ = "steering_assignments"
    __table_args__ = (UniqueConstraint("person_id", "unit_id", name="uq_steering_assignments"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobRun(Base):
    """A scheduled job done for one period (`digest` for 2026-W47, `reminders` for a day):
    written in the transaction that enqueued its messages, so a restart never runs it twice."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_runs"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(16))
    messages: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime] = mapped_column(default=utcnow)
