"""Chats on channels whose ids are not Telegram's integers (Zalo), and linked chats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class ZaloChat(Base):
    """A Zalo chat: its string id, the stable integer id aiogram and the rest of the code see,
    the latest menu shown there (so a typed number means a button even after a restart), and
    when the person last wrote."""

    __tablename__ = "zalo_chats"

    id: Mapped[int] = mapped_column(primary_key=True)
    zalo_id: Mapped[str] = mapped_column(String(64), unique=True)
    menu: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    last_inbound_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatLink(Base):
    """A chat on another channel that the person linked to their record with a one-time code
    (typed on that chat): updates from it are the person's own."""

    __tablename__ = "chat_links"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The chat the person last wrote from is where messages for them go.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkCode(Base):
    """A one-time code shown in My data; only its SHA-256 is kept."""

    __tablename__ = "link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
