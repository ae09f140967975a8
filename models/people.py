"""People who talk to the bot and the applications they submit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped


class Person(Timestamped, Base):
    """One chat identity on one channel (Telegram, Zalo, console)."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_people_channel_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    display_name: Mapped[str | None] = mapped_column(String(128))
    # Set when the messenger refused a message because the person blocked the bot.
    unreachable_at: Mapped[datetime | None]


class ApplicationStatus:
    SUBMITTED = "submitted"
    MORE_INFO = "more_info"
    APPROVED = "approved"
    REJECTED = "rejected"

    PENDING = frozenset({SUBMITTED, MORE_INFO})


class Application(Timestamped, Base):
    """A worker's application to join the union, with its routing decision."""

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_status_phone", "status", "phone"),
        Index("ix_applications_status_citizen_id", "status", "citizen_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.SUBMITTED)
    status_reason: Mapped[str | None] = mapped_column(String(500))

    full_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None]
    gender: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(16))
    citizen_id: Mapped[str | None] = mapped_column(String(12))
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL"), index=True
    )
    employer_name: Mapped[str | None] = mapped_column(String(255))
    employer_ward_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL")
    )
    job: Mapped[str | None] = mapped_column(String(200))

    consent_version: Mapped[str] = mapped_column(String(16))
    consent_at: Mapped[datetime]

    routed_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    routing_reason: Mapped[str] = mapped_column(String(32))
    # References of other pending applications with the same phone or citizen ID.
    duplicate_of: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    source: Mapped[str | None] = mapped_column(String(64))
    # The lead whose factory-gate link the worker used; collaborators are paid per result.
    credited_lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    credited_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # Why it was rejected (a code from the list kept as data); the officer's words are in
    # status_reason.
    decision_code: Mapped[str | None] = mapped_column(String(32))
