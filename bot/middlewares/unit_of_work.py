"""One database transaction per update, and exactly-once effects for redelivered updates.

Two middlewares share the work around aiogram's FSM middleware (which holds the per-chat lock):

    SessionMiddleware -> FSMContextMiddleware (lock, state) -> UnitOfWorkMiddleware -> handlers

The session is opened first, so the conversation state is read inside the update's own
transaction; the duplicate check and the commit happen inside the per-chat lock, so a second
delivery of the same update waits, then finds the first one's mark and does nothing.

What the handler sends is captured while it runs, committed to the outbox with its rows, and
sent right after the commit, still inside the lock (`bot/outbox.py`): a person is never told
something that was rolled back, and the update counts as handled once its replies were tried.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox import OutboxSender
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
    """Skips updates already handled; commits the handler's effects and replies with the
    update's mark, then sends the replies."""

    def __init__(self, outbox: OutboxSender) -> None:
        self.outbox = outbox

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        session: AsyncSession = data["session"]
        bot: Bot = data["bot"]
        assert isinstance(event, Update), "registered on dp.update"
        if await self._seen(session, bot.id, event.update_id):
            return None
        defer_upsert(
            session,
            ("update", event.update_id),
            ProcessedUpdate.__table__,  # type: ignore[arg-type]
            {"bot_id": bot.id, "update_id": event.update_id},
            ["bot_id", "update_id"],
        )
        chat = data.get("event_chat") or data.get("event_from_user")
        token = self.outbox.capture(bot, session, event.update_id, chat.id if chat else None)
        committed = False
        try:
            result = await handler(event, data)
            await self._commit(session)
            committed = True
            return result
        except Forbidden:
            # A refusal is an outcome, not a failure: keep its audit entry, replies and mark.
            await self._commit(session)
            committed = True
            raise
        except BaseException:
            await session.rollback()
            raise
        finally:
            replies = self.outbox.release(token)
            if committed:
                await self.outbox.deliver(bot, session, replies)
            else:
                self.outbox.abandon(replies)

    async def _commit(self, session: AsyncSession) -> None:
        # The commit writes the queued rows under SQLite's write lock (models/db.py): take a
        # connection first, so the lock is never held while waiting for the pool (a handler
        # that committed early has handed its connection back).
        if not session.in_transaction():
            await session.connection()
        await self.outbox.commit(session)

    @staticmethod
    async def _seen(session: AsyncSession, bot_id: int, update_id: int) -> bool:
        connection = await session.connection()
        found = await connection.scalar(_SEEN, {"bot_id": bot_id, "update_id": update_id})
        return found is not None
