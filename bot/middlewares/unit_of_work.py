"""One database transaction per update, and exactly-once effects for redelivered updates.

Three middlewares share the work:

    SessionMiddleware -> ChatLockMiddleware (lock; mark, state, person) -> UnitOfWorkMiddleware

The session is opened first, so the conversation state is read inside the update's own
transaction; once the per-chat lock is held, one statement reads the update's mark, the state
and the person with their roles. The duplicate check and the commit happen inside the lock, so
a second delivery of the same update waits, then finds the first one's mark and does nothing.

What the handler sends is captured while it runs, committed to the outbox with its rows, and
sent right after the commit, still inside the lock (`bot/outbox.py`): a person is never told
something that was rolled back, and the update counts as handled once its replies were tried.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.types import TelegramObject, Update, User
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox import OutboxSender
from bot.storage import DatabaseStorage
from models import ProcessedUpdate
from models.db import current_session, defer_upsert
from services.access import Forbidden
from services.people import Arrival, arrive

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


class ChatLockMiddleware(FSMContextMiddleware):
    """aiogram's FSM middleware (the per-chat lock, then the conversation state) that reads, in
    the same round trip as the state, the update's mark and the person behind it."""

    def __init__(
        self, storage: BaseStorage, events_isolation: BaseEventIsolation, channel: str
    ) -> None:
        super().__init__(storage, events_isolation)
        self.channel = channel

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        bot: Bot = data["bot"]
        context = self.resolve_event_context(bot, data)
        data["fsm_storage"] = self.storage
        if context is None:
            return await handler(event, data)
        async with self.events_isolation.lock(key=context.key):
            session: AsyncSession | None = data.get("session")
            user: User | None = data.get("event_from_user")
            if session is not None and user is not None and isinstance(event, Update):
                data["arrival"] = await self._arrive(session, context, user, event.update_id)
            data.update({"state": context, "raw_state": await context.get_state()})
            return await handler(event, data)

    async def _arrive(
        self, session: AsyncSession, context: FSMContext, user: User, update_id: int
    ) -> Arrival:
        storage = self.storage if isinstance(self.storage, DatabaseStorage) else None
        arrival = await arrive(
            session,
            self.channel,
            user.id,
            bot_id=context.key.bot_id,
            update_id=update_id,
            fsm_key=storage.key_builder.build(context.key) if storage is not None else "",
        )
        if storage is not None:
            storage.remember(session, context.key, arrival.conversation)
        return arrival


class UnitOfWorkMiddleware(BaseMiddleware):
    """Skips updates already handled; commits the handler's effects and replies with the
    update's mark, then sends the replies."""

    def __init__(self, outbox: OutboxSender) -> None:
        self.outbox = outbox

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        session: AsyncSession = data["session"]
        bot: Bot = data["bot"]
        assert isinstance(event, Update), "registered on dp.update"
        arrival: Arrival | None = data.get("arrival")
        seen = arrival.seen if arrival else await self._seen(session, bot.id, event.update_id)
        if seen:
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
