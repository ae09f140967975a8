"""The Zalo channel: its Bot and Dispatcher, the polling loop and the webhook.

Zalo hands out one update per `getUpdates` answer, with no offset to confirm: an idle long poll
ends with error 408 (normal), and an update already consumed may come again. Each update is
turned into an aiogram update whose id is derived from Zalo's message id, so the unit of work's
mark — committed in the same transaction as the update's effects — makes a repeat do nothing,
across restarts. In webhook mode Zalo posts `{"ok": true, "result": <update>}` with the secret
in `X-Bot-Api-Secret-Token`, compared in constant time; the POST is answered once the update is
handled and its replies sent and marked.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import build_dispatcher
from bot.errors import describe
from bot.outbox import OutboxSender
from bot.polling import BACKOFF, Stopped, until_stopped
from bot.settings import Settings
from bot.zalo.api import ZaloApi, ZaloError
from bot.zalo.chats import CHANNEL, ZaloChats
from bot.zalo.session import PublicFiles, ZaloSession, short_id
from bot.zalo.updates import TypedChoices, message_of, to_update

logger = logging.getLogger("doanvien.zalo")
SECRET_HEADER = "X-Bot-Api-Secret-Token"
IDLE = 408  # an idle long poll: normal
MAX_IN_FLIGHT = 100  # updates handled at once; the next getUpdates waits below this


def bot_id_of(token: str) -> int:
    """The bot's id from its token (`<bot id>:<secret>`), as an integer aiogram accepts."""
    head = token.partition(":")[0]
    return int(head) if head.isdigit() and int(head) < 2**63 else short_id(head)


@dataclass
class ZaloChannel:
    dp: Dispatcher
    bot: Bot
    api: ZaloApi
    chats: ZaloChats
    public: PublicFiles | None = None

    @property
    def outbox(self) -> OutboxSender:
        sender: OutboxSender = self.dp["outbox"]
        return sender

    async def handle(self, event: Any) -> None:
        """Feed one Zalo event to the Dispatcher (events the bot cannot answer are skipped)."""
        message = message_of(event)
        if message is None:
            kind = event.get("event_name") if isinstance(event, dict) else None
            logger.info("zalo event %s skipped", str(kind)[:40])
            return
        chat_id = await self.chats.arrived(str(message["chat"]["id"]))
        await self.dp.feed_update(self.bot, to_update(event, chat_id, self.bot))


def build_zalo(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    *,
    clock: Callable[[], datetime] | None = None,
) -> ZaloChannel:
    """The Zalo channel on the same handlers as Telegram, with its own outbox sender."""
    assert settings.zalo_bot_token is not None
    token = settings.zalo_bot_token.get_secret_value()
    api = ZaloApi(token, settings.zalo_api_url)
    chats = ZaloChats(session_factory)
    public = PublicFiles(settings.zalo_public_url) if settings.zalo_public_url else None
    session = ZaloSession(api, chats, default_locale=settings.default_locale, public=public)
    # aiogram never sees the real token: the session holds it.
    bot = Bot(
        f"{bot_id_of(token)}:zalo",
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    dp = build_dispatcher(settings, session_factory, channel=CHANNEL, clock=clock)
    dp.update.outer_middleware(TypedChoices())
    return ZaloChannel(dp, bot, api, chats, public)


async def poll(channel: ZaloChannel, stop: asyncio.Event, wait: int = 30) -> None:
    """Long-poll Zalo until `stop`; updates of different chats are handled concurrently."""
    in_flight: set[asyncio.Task[None]] = set()
    failures = 0
    while not stop.is_set():
        try:
            call = channel.api.call("getUpdates", wait=wait, timeout=str(wait))
            event = await until_stopped(call, stop)
        except Stopped:
            break
        except ZaloError as exc:
            if exc.code == IDLE:
                failures = 0
                continue
            failures += 1
            if failures == 1:
                logger.warning("Zalo getUpdates failed (%s); retrying with backoff", exc.code)
            delay = min(BACKOFF.min_delay * BACKOFF.factor ** (failures - 1), BACKOFF.max_delay)
            try:
                await until_stopped(asyncio.sleep(delay), stop)
            except Stopped:
                break
            continue
        if failures:
            logger.warning("Zalo getUpdates works again")
            failures = 0
        task = asyncio.create_task(_handle(channel, event))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        if len(in_flight) >= MAX_IN_FLIGHT:
            await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
    if in_flight:
        await asyncio.wait(in_flight)


async def _handle(channel: ZaloChannel, event: Any) -> None:
    try:
        await channel.handle(event)
    except Exception as exc:  # the error handler answered what it could; go on
        logger.error("zalo update was not handled: %s", describe(exc))


def build_app(channel: ZaloChannel, secret: str, path: str) -> web.Application:
    """The webhook at `path` (and the files Zalo fetches, when a public URL is set)."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.json_response({"ok": False}, status=401)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"ok": False}, status=400)
        event = body.get("result", body) if isinstance(body, dict) else None
        await channel.handle(event)
        await channel.outbox.settled()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post(path, receive)
    add_file_route(app, channel.public)
    return app


def add_file_route(app: web.Application, public: PublicFiles | None) -> None:
    if public is None:
        return

    async def serve_file(request: web.Request) -> web.Response:
        found = public.get(request.match_info["token"])
        if found is None:
            raise web.HTTPNotFound()
        name, data = found
        kind = "image/png" if name.endswith(".png") else "application/octet-stream"
        return web.Response(body=data, content_type=kind)

    app.router.add_get("/zalo/files/{token}", serve_file)


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # 43 characters: within Zalo's 8-256
