"""One database transaction per update, and exactly-once effects for redelivered updates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import ProcessedUpdate
from models.db import current_session, dialect_name, upsert
from services.access import Forbidden


class UnitOfWorkMiddleware(BaseMiddleware):
    """Opens the session an update is handled in, commits on success, rolls back on error.

    The update id is recorded in the same transaction as the handler's effects, after the
    per-chat lock is taken, so a second delivery of the same update finds it and does nothing.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        bot: Bot = data["bot"]
        async with self.session_factory() as session:
            token = current_session.set(session)
            try:
                if isinstance(event, Update) and not await self._first_delivery(
                    session, bot.id, event.update_id
                ):
                    return None
                data["session"] = session
                try:
                    result = await handler(event, data)
                except Forbidden:
                    # A refusal is an outcome, not a failure: keep its audit entry.
                    await session.commit()
                    raise
                await session.commit()
                return result
            finally:
                current_session.reset(token)

    @staticmethod
    async def _first_delivery(session: AsyncSession, bot_id: int, update_id: int) -> bool:
        stmt = upsert(
            dialect_name(session),
            ProcessedUpdate.__table__,  # type: ignore[arg-type]
            [{"bot_id": bot_id, "update_id": update_id}],
            ["bot_id", "update_id"],
        )
        result = await session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]
