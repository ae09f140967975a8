"""`doanvien run` with ZALO_BOT_TOKEN: the Zalo channel beside (or instead of) Telegram."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.polling import Stopped, reachable
from bot.settings import Settings
from bot.webhook import webhook_path
from bot.zalo.api import ZaloError
from bot.zalo.channel import ZaloChannel, add_file_route, build_app, build_zalo, new_secret, poll

if TYPE_CHECKING:
    from bot.runner import Webhook

logger = logging.getLogger("doanvien.zalo")


async def _zalo_call(channel: ZaloChannel, method: str, stop: asyncio.Event, **params: Any) -> None:
    async def call() -> None:
        try:
            await channel.api.call(method, **params)
        except ZaloError as exc:
            raise OSError(f"Zalo {exc.code}") from None  # reachable() retries with backoff

    await reachable(call, stop, f"Zalo {method}")


async def serve_zalo(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    webhook: Webhook | None = None,
    port: int = 8082,
) -> None:
    """Poll Zalo (or serve its webhook) until `stop`; the outbox's Zalo rows beside."""
    channel = build_zalo(settings, session_factory)
    sender = asyncio.create_task(channel.outbox.run(channel.bot, stop))
    site: web.AppRunner | None = None
    try:
        me = await reachable(channel.bot.get_me, stop, "the Zalo Bot API")
        logger.info("serving Zalo bot %s through %s", me.first_name, settings.zalo_api_url)
        if webhook is not None:
            secret = new_secret()
            app = build_app(channel, secret, webhook_path(webhook.url))
            site = await _listen(app, webhook.host, webhook.port)
            await _zalo_call(channel, "setWebhook", stop, url=webhook.url, secret_token=secret)
            await stop.wait()
        else:
            if channel.public is not None:  # Zalo fetches the member cards from here
                app = web.Application()
                add_file_route(app, channel.public)
                site = await _listen(app, "0.0.0.0", port)
            await _zalo_call(channel, "deleteWebhook", stop)
            await poll(channel, stop)
    except Stopped:
        pass
    finally:
        stop.set()
        await sender
        if site is not None:
            await site.cleanup()
        await channel.dp.fsm.close()
        await channel.bot.session.close()


async def _listen(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
