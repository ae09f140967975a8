"""`doanvien run --webhook URL`: Telegram posts updates to an aiohttp server of ours.

aiogram's SimpleRequestHandler answers each POST only after the update is handled (not in the
background): its transaction committed, its replies sent and their sent marks written. A POST
that fails or times out is retried by Telegram, and the update's mark in the database turns a
second delivery into nothing: the same guarantees as polling. A request without the header
`X-Telegram-Bot-Api-Secret-Token` equal to the secret registered with setWebhook (compared in
constant time) gets 401. `GET /health` answers 200 while the process serves.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

logger = logging.getLogger("doanvien.webhook")


class CommittedRequestHandler(SimpleRequestHandler):
    """Answers Telegram only once the update's replies are marked sent in the database."""

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        response = await super()._handle_request(bot, request)
        outbox = self.dispatcher.workflow_data.get("outbox")
        if outbox is not None:
            await outbox.settled()
        return response


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def webhook_path(url: str) -> str:
    return urlsplit(url).path or "/"


def build_app(dp: Dispatcher, bot: Bot, secret: str, path: str) -> web.Application:
    """The web application: the webhook at `path`, and `/health`."""
    app = web.Application()
    handler = CommittedRequestHandler(dp, bot, handle_in_background=False, secret_token=secret)
    app.router.add_post(path, handler.handle)
    app.router.add_get("/health", health)
    return app


def new_secret() -> str:
    """A secret_token for setWebhook: 1-256 characters of A-Z, a-z, 0-9, _ and -."""
    return secrets.token_urlsafe(32)


async def serve(
    dp: Dispatcher,
    bot: Bot,
    url: str,
    host: str,
    port: int,
    stop: asyncio.Event,
    **set_webhook: Any,
) -> None:
    """Register the webhook with a fresh secret and serve until `stop` is set."""
    secret = new_secret()
    app = build_app(dp, bot, secret, webhook_path(url))
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    try:
        await bot.set_webhook(url, secret_token=secret, **set_webhook)
        logger.info("webhook registered; listening on %s:%d", host, port)
        await stop.wait()
    finally:
        await runner.cleanup()
