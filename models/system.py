"""Infrastructure tables: conversation state, update de-duplication, outbox, audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class FsmRecord(Base):
    """Durable aiogram FSM state and data for one storage key."""

    __tablename__ = "fsm_records"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)


class ProcessedUpdate(Base):
    """An update already handled; Telegram delivers at least once."""

    __tablename__ = "processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OutboxStatus:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # refused for good (400, 404, too many attempts): not retried
    UNREACHABLE = "unreachable"  # the person blocked the bot (403)


class OutboxMessage(Base):
    """A request to a messenger, committed with the rows it refers to and sent after commit."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The sender reads one chat's pending rows in order, and the due rows of every chat.
        Index("ix_outbox_chat_pending", "channel", "chat_id", "status", "id"),
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
        {"sqlite_autoincrement": True},  # ids only grow: they are the order of sending
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Idempotency: `u:<bot>:<update>:<n>` for replies, the job's own key for the rest.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # A short code such as `bad_request`, never the messenger's description (it may quote text).
    error: Mapped[str | None] = mapped_column(String(32))


class AuditEvent(Base):
    """Who did what to which record; never holds personal data in `detail`."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_person_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
