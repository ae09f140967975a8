"""Zalo chats in the database: their stable integer ids, latest menus and last messages.

Zalo names a chat with a string ("e4ea2cd5189df1c3a88c"); aiogram, the people table and the
outbox know chats by integers. The first message from a chat gives it the next id of
`zalo_chats` (never reused); the mapping never changes, so it is cached for the process.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.textmenu import Menu
from models import Person, ZaloChat
from models.base import utcnow
from models.db import dialect_name, upsert_statement

CHANNEL = "zalo"
_TABLE: Table = ZaloChat.__table__  # type: ignore[assignment]


class ZaloChats:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory
        self._ids: dict[str, int] = {}
        self._zalo: dict[int, str] = {}

    def _remember(self, zalo_id: str, chat_id: int) -> int:
        self._ids[zalo_id], self._zalo[chat_id] = chat_id, zalo_id
        return chat_id

    async def arrived(self, zalo_id: str, at: datetime | None = None) -> int:
        """The chat's integer id (created on its first message); notes when it last wrote."""
        at = at or utcnow()
        async with self.session_factory() as session:
            await session.connection()  # before SQLite's write lock (models/db.py)
            statement = upsert_statement(
                dialect_name(session), _TABLE, ("zalo_id",), ("last_inbound_at",)
            )
            await session.execute(
                statement, {"zalo_id": zalo_id, "last_inbound_at": at, "created_at": at}
            )
            chat_id = await session.scalar(select(ZaloChat.id).where(ZaloChat.zalo_id == zalo_id))
            await session.commit()
        assert chat_id is not None
        return self._remember(zalo_id, chat_id)

    async def zalo_id(self, chat_id: int) -> str | None:
        """The Zalo id of an integer chat id; None for a chat Zalo never wrote from."""
        if chat_id in self._zalo:
            return self._zalo[chat_id]
        async with self.session_factory() as session:
            found = await session.scalar(select(ZaloChat.zalo_id).where(ZaloChat.id == chat_id))
        return None if found is None else self._zalo.setdefault(chat_id, found)

    async def language(self, chat_id: int, default: str) -> str:
        async with self.session_factory() as session:
            found = await session.scalar(
                select(Person.language).where(
                    Person.channel == CHANNEL, Person.chat_id == str(chat_id)
                )
            )
        return found or default

    async def last_inbound(self, chat_id: int) -> datetime | None:
        async with self.session_factory() as session:
            return await session.scalar(
                select(ZaloChat.last_inbound_at).where(ZaloChat.id == chat_id)
            )

    async def set_menu(self, chat_id: int, menu: Menu | None) -> None:
        """Remember the latest menu shown in the chat (None: it has none any more)."""
        value: dict[str, Any] | None = menu.to_json() if menu is not None else None
        async with self.session_factory() as session:
            await session.connection()
            await session.execute(update(ZaloChat).where(ZaloChat.id == chat_id).values(menu=value))
            await session.commit()


async def latest_menu(session: AsyncSession, chat_id: int) -> Menu | None:
    """The latest menu shown in a Zalo chat, read in the update's own transaction."""
    raw = await session.scalar(select(ZaloChat.menu).where(ZaloChat.id == chat_id))
    return Menu.from_json(raw) if raw else None
