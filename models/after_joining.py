"""What happens after joining: a member moving to another union, questions to the union."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class TransferStatus:
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # the member left the union before a decision


class Transfer(Base):
    """A member changed job: the membership moves to the new employer's union once that
    union's officers accept. Counted as a transfer, never as an admission or a loss."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # The new employer: from the register, or named by the member (with its ward, if known).
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL")
    )
    employer_name: Mapped[str | None] = mapped_column(String(255))
    employer_ward_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL")
    )
    routing_reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=TransferStatus.PENDING, index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class Question(Base):
    """A worker's question to the union (rights, legal advice, benefits) and its answer."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    # The member's union; a non-member's routed unit, else the root.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    answer: Mapped[str | None] = mapped_column(Text)
