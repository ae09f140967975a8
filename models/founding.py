"""Grassroots unions founded (and dissolved) through the bot, and the alert that five workers
of one enterprise want a union."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class FoundingAlert(Base):
    """Sent once per enterprise: enough workers applied to form a mobilization board."""

    __tablename__ = "founding_alerts"

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    applications: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class Founding(Base):
    """The upper union's recognition decision for a new CĐCS."""

    __tablename__ = "foundings"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL"), index=True
    )
    decision_number: Mapped[str] = mapped_column(String(64))
    decision_date: Mapped[date]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # In an enterprise with 25 workers or more: a figure of its own in the targets.
    large_enterprise: Mapped[bool] = mapped_column(default=False)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    credited_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    members_moved: Mapped[int] = mapped_column(default=0)
    applications_rerouted: Mapped[int] = mapped_column(default=0)
    dissolved_on: Mapped[date | None]
    dissolved_reason: Mapped[str | None] = mapped_column(String(500))
    dissolved_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
