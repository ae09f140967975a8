"""Composition root: one place that builds the Dispatcher with its storage and middlewares."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime

from aiogram import Dispatcher, methods
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods.base import Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import on_error
from bot.middlewares.flood import (
    FloodLimiter,
    FloodMiddleware,
    FloodRule,
    MemoryFloodLimiter,
    RedisFloodLimiter,
)
from bot.middlewares.i18n import build_i18n
from bot.middlewares.person import PersonMiddleware
from bot.middlewares.unit_of_work import (
    ChatLockMiddleware,
    SessionMiddleware,
    UnitOfWorkMiddleware,
)
from bot.outbox import OutboxSender
from bot.settings import Settings
from bot.storage import DatabaseStorage
from handlers import build_router

# pydantic caches parametrised generics weakly: aiogram's `Response[...]` for a method's result
# type is garbage-collected and rebuilt (milliseconds each) over and over. Holding them here
# keeps one of each for the life of the process.
PINNED_RESPONSES = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        methods.GetMe,
        methods.GetUpdates,
        methods.DeleteWebhook,
        methods.SetMyCommands,
        methods.SendMessage,
        methods.EditMessageText,
        methods.EditMessageReplyMarkup,
        methods.AnswerCallbackQuery,
        methods.SendPhoto,
        methods.SendDocument,
        methods.DeleteMessage,
    )
)


def freeze_startup_objects() -> None:
    """Move everything alive after start-up (aiogram's and pydantic's thousands of models and
    schemas) out of the garbage collector's reach: full collections then stay short."""
    gc.collect()
    gc.freeze()


def build_storage(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> tuple[BaseStorage, BaseEventIsolation]:
    """The conversation state always lives in the database, committed with the update's rows;
    with REDIS_URL set, Redis holds only the per-chat locks (several processes, one chat)."""
    storage = DatabaseStorage(session_factory)
    if settings.redis_url:
        return storage, _redis_locks(settings.redis_url)
    return storage, SimpleEventIsolation()


def _redis_locks(url: str) -> BaseEventIsolation:
    from aiogram.fsm.storage.redis import RedisEventIsolation

    class RedisLocks(RedisEventIsolation):
        async def close(self) -> None:
            # aiogram's own close() leaves the connection pool open.
            await self.redis.aclose()

    return RedisLocks.from_url(url)


def build_limiter(
    settings: Settings, rule: FloodRule | None = None, channel: str = "telegram"
) -> FloodLimiter:
    """The flood limiter beside the per-chat lock: in Redis when REDIS_URL is set, with the
    channel in its keys (a Zalo chat's integer id may equal a Telegram user's)."""
    if settings.redis_url:
        from redis.asyncio import Redis

        return RedisFloodLimiter(
            Redis.from_url(settings.redis_url), rule or FloodRule(), f"doanvien:flood:{channel}"
        )
    return MemoryFloodLimiter(rule or FloodRule())


def build_dispatcher(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    *,
    channel: str = "telegram",
    clock: Callable[[], datetime] | None = None,
    storage: BaseStorage | None = None,
    events_isolation: BaseEventIsolation | None = None,
    flood: FloodLimiter | None = None,
) -> Dispatcher:
    if storage is None:
        storage, default_isolation = build_storage(settings, session_factory)
        events_isolation = events_isolation or default_isolation
    # aiogram's FSM middleware is registered by hand, after the session is opened (see
    # bot/middlewares/unit_of_work.py); it still brings the per-chat event isolation.
    dp = Dispatcher(
        storage=storage,
        events_isolation=events_isolation or SimpleEventIsolation(),
        disable_fsm=True,
    )
    # Floods first: an ignored update opens no session and takes no lock.
    dp.update.outer_middleware(
        FloodMiddleware(flood or build_limiter(settings, channel=channel), settings.default_locale)
    )
    dp.update.outer_middleware(SessionMiddleware(session_factory))
    dp.update.outer_middleware(ChatLockMiddleware(dp.fsm.storage, dp.fsm.events_isolation, channel))
    outbox = OutboxSender(session_factory, channel, rate=settings.outbox_rate)
    dp.update.outer_middleware(UnitOfWorkMiddleware(outbox))
    # Then the person the update comes from, then that person's locale.
    dp.update.outer_middleware(PersonMiddleware(channel, settings.default_locale))
    i18n = build_i18n(settings.default_locale)
    dp.update.outer_middleware(i18n)
    dp["i18n_middleware"] = i18n
    dp.errors.register(on_error)
    dp.include_router(build_router())
    dp["outbox"] = outbox
    dp["settings"] = settings
    dp["clock"] = clock or _now(settings)
    return dp


def _now(settings: Settings) -> Callable[[], datetime]:
    tz = settings.tz

    def now() -> datetime:
        return datetime.now(tz)

    return now
