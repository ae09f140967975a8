"""Collaborators' leads on enterprises without a grassroots union, and their history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, utcnow


class LeadStage:
    NEW = "new"
    CONTACTED = "contacted"
    MOBILIZING = "mobilizing"
    FOUNDED = "founded"
    DECLINED = "declined"
    CLOSED = "closed"

    ALL = (NEW, CONTACTED, MOBILIZING, FOUNDED, DECLINED, CLOSED)
    ACTIVE = frozenset({NEW, CONTACTED, MOBILIZING})


class Lead(Timestamped, Base):
    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_enterprise_stage", "enterprise_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Short public code used in factory-gate links (?start=e_<MST>_c<ref>).
    ref: Mapped[str] = mapped_column(String(12), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    collaborator_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16), default=LeadStage.NEW)
    priority: Mapped[int] = mapped_column(default=0)
    priority_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(16))
    next_follow_up: Mapped[date | None]


class LeadEvent(Base):
    """One entry of a lead's history: reported, stage changed, note added, reassigned."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str | None] = mapped_column(String(16))
    # A reassignment: the collaborator who had the lead, and the one who has it now.
    from_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    to_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
