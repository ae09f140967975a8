"""Steering-committee members and the units they follow; the ledger of scheduled runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.leads import Lead
from models.members import Member
from models.people import Application


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


# What the digest's grouped queries read, found by index rather than by walking whole tables
# (and covering: the unit is in the index, so no table row is read).
DIGEST_INDEXES = (
    Index("ix_members_admitted", Member.admitted_on, Member.status, Member.union_unit_id),
    # A long period's admissions, counted union by union (migration 0015).
    Index("ix_members_union_admitted", Member.union_unit_id, Member.admitted_on, Member.status),
    Index("ix_members_ended", Member.status, Member.ended_on, Member.union_unit_id),
    # Grouped by status and unit in the index's order, without a sort (migration 0015).
    Index(
        "ix_applications_status_unit",
        Application.status,
        Application.routed_unit_id,
        Application.created_at,
    ),
    Index("ix_leads_stage_unit", Lead.stage, Lead.unit_id, Lead.updated_at),
    Index("ix_leads_waiting", Lead.stage, Lead.updated_at, Lead.unit_id),  # the reminders
)
