"""Members recognized by an officer, the exchanges on an application, and counters that never
go back (member numbers are issued once, even after deletions)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, utcnow


class MemberStatus:
    ACTIVE = "active"
    LEFT = "left"  # left the union: counted as a loss
    REVOKED = "revoked"  # the admission was reversed by an administrator


class Member(Timestamped, Base):
    """A worker admitted to the union; the card and its verification link point here."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    # <union unit code>-<year>-<sequence>: unique in the federation, stable, never reissued.
    number: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL"), unique=True
    )
    # The CĐCS, or the upper union where the enterprise has none.
    union_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    full_name: Mapped[str | None] = mapped_column(String(100))
    admitted_on: Mapped[date]
    admitted_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ACTIVE)
    ended_on: Mapped[date | None]
    ended_reason: Mapped[str | None] = mapped_column(String(500))


class ApplicationMessage(Base):
    """An officer's question on an application, or the worker's answer to it."""

    __tablename__ = "application_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # "question" or "answer"
    text: Mapped[str] = mapped_column(Text)


class Counter(Base):
    """A named sequence that only grows (member numbers per union and year)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
