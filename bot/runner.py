"""`doanvien run`: Telegram (long polling or webhook) and Zalo (`bot/zalo/runner.py`)."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import build_dispatcher, freeze_startup_objects
from bot.outbox import SENDERS, OutboxSender, SkipsUnusedResults
from bot.polling import Poller, Stopped, reachable
from bot.settings import Settings
from bot.web import PublicPage, PublicWeb, build_web_app, start_site
from bot.webhook import serve
from locales import SUPPORTED_LOCALES, fluent_core
from models.db import create_engine, create_session_factory
from models.migrate import upgrade_async
from scheduler.jobs import Schedule, build_scheduler

logger = logging.getLogger("doanvien")
# The command menu: each command and the Fluent key of its description.
COMMANDS = {
    "start": "cmd-start",
    "join": "cmd-join",
    "status": "cmd-status",
    "ask": "cmd-ask",
    "mydata": "cmd-mydata",
    "why": "cmd-why",
    "language": "cmd-language",
    "help": "cmd-help",
}


class TelegramSession(SkipsUnusedResults, AiohttpSession):
    """aiohttp to the Bot API; the outbox's sends skip parsing results nobody reads."""


def make_bot(settings: Settings) -> Bot:
    assert settings.bot_token is not None
    session = TelegramSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


async def register_commands(bot: Bot, default_locale: str) -> None:
    """The command menu, in every supported language and a default for the rest."""
    core = fluent_core(default_locale)
    scope = BotCommandScopeAllPrivateChats()
    for locale in (*SUPPORTED_LOCALES, None):
        commands = [
            BotCommand(command=name, description=core.get(key, locale or default_locale))
            for name, key in COMMANDS.items()
        ]
        await bot.set_my_commands(commands, scope=scope, language_code=locale)


def wake_senders() -> None:
    """A job has enqueued messages: every channel's running sender takes a pass now."""
    for sender in SENDERS.values():
        sender.wake()


def schedule_of(settings: Settings) -> Schedule:
    return Schedule(
        settings.tz,
        settings.default_locale,
        settings.digest_day,
        settings.digest_time,
        settings.reminder_time,
    )


@dataclass(frozen=True, slots=True)
class Webhook:
    """Serve Telegram's webhook at `url` (public, HTTPS) from host:port instead of polling."""

    url: str
    host: str = "0.0.0.0"
    port: int = 8080


async def run_polling(
    settings: Settings,
    webhook: Webhook | None = None,
    zalo_webhook: Webhook | None = None,
    page: PublicWeb | None = None,
) -> None:
    """Serve Telegram (BOT_TOKEN), Zalo (ZALO_BOT_TOKEN) or both, until SIGTERM/SIGINT; with
    `page`, the public progress page beside them."""
    if settings.database_url.startswith("sqlite"):
        await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    session_factory = create_session_factory(engine)
    scheduler = build_scheduler(schedule_of(settings), session_factory, wake_senders)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    site = None
    try:
        if page is not None:  # the public progress page, beside polling or the webhook
            public = PublicPage(session_factory, settings)
            site = await start_site(build_web_app(public), page.host, page.port)
        scheduler.start()
        channels = []
        if settings.bot_token is not None:
            channels.append(_serve_telegram(settings, session_factory, stop, webhook))
        if settings.zalo_bot_token is not None:
            from bot.zalo.runner import serve_zalo

            channels.append(serve_zalo(settings, session_factory, stop, zalo_webhook))
        await asyncio.gather(*channels)
    finally:
        stop.set()
        scheduler.shutdown(wait=False)
        if site is not None:
            await site.cleanup()
        await engine.dispose()


async def _serve_telegram(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    webhook: Webhook | None,
) -> None:
    dp = build_dispatcher(settings, session_factory)
    bot = make_bot(settings)
    outbox: OutboxSender = dp["outbox"]
    sender: asyncio.Task[None] | None = None
    try:
        me = await reachable(bot.get_me, stop, "the Bot API")
        await reachable(
            lambda: register_commands(bot, settings.default_locale), stop, "setMyCommands"
        )
        freeze_startup_objects()
        logger.info("serving @%s through %s", me.username, settings.telegram_api_url)
        # Replies a killed process committed but did not send go first, then retries and
        # messages from jobs, beside the updates.
        sender = asyncio.create_task(outbox.run(bot, stop))
        allowed = dp.resolve_used_update_types()
        if webhook is not None:
            await serve(
                dp, bot, webhook.url, webhook.host, webhook.port, stop, allowed_updates=allowed
            )
        else:
            await reachable(bot.delete_webhook, stop, "deleteWebhook")
            poller = Poller(dp, bot, allowed_updates=allowed, before_confirm=outbox.settled)
            await poller.run(stop)
    except Stopped:
        pass
    finally:
        stop.set()
        if sender is not None:
            await sender
        await dp.fsm.close()
        await bot.session.close()
