"""One database transaction per update, and exactly-once effects for redelivered updates.

Two middlewares share the work around aiogram's FSM middleware (which holds the per-chat lock):

    SessionMiddleware -> FSMContextMiddleware (lock, state) -> UnitOfWorkMiddleware -> handlers

The session is opened first, so the conversation state is read inside the update's own
transaction; the duplicate check and the commit happen inside the per-chat lock, so a second
delivery of the same update waits, then finds the first one's mark and does nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import ProcessedUpdate
from models.db import current_session, defer_upsert
from services.access import Forbidden

# Built once: this runs on every update.
_SEEN = select(ProcessedUpdate.update_id).where(
    ProcessedUpdate.bot_id == bindparam("bot_id"),
    ProcessedUpdate.update_id == bindparam("update_id"),
)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class SessionMiddleware(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.session_factory() as session:
            token = current_session.set(session)
            data["session"] = session
            try:
                return await handler(event, data)
            finally:
                current_session.reset(token)


class UnitOfWorkMiddleware(BaseMiddleware):
    """Skips updates already handled; commits the handler's effects with the update's mark."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        session: AsyncSession = data["session"]
        bot: Bot = data["bot"]
        if isinstance(event, Update):
            if await self._seen(session, bot.id, event.update_id):
                return None
            defer_upsert(
                session,
                ("update", event.update_id),
                ProcessedUpdate.__table__,  # type: ignore[arg-type]
                {"bot_id": bot.id, "update_id": event.update_id},
                ["bot_id", "update_id"],
            )
        try:
            result = await handler(event, data)
        except Forbidden:
            # A refusal is an outcome, not a failure: keep its audit entry and the mark.
            await session.commit()
            raise
        except BaseException:
            await session.rollback()
            raise
        await session.commit()
        return result

    @staticmethod
    async def _seen(session: AsyncSession, bot_id: int, update_id: int) -> bool:
        connection = await session.connection()
        found = await connection.scalar(_SEEN, {"bot_id": bot_id, "update_id": update_id})
        return found is not None
