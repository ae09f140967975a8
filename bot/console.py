"""`doanvien console`: try the bot in a terminal, as any user, without a token."""

from __future__ import annotations

import asyncio
import html
import re
import sys
from collections.abc import Callable

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot.dispatcher import build_dispatcher
from bot.local_session import LocalSession, SentMessage
from bot.settings import Settings
from bot.simulator import Simulator, SimUser
from models.db import create_engine, create_session_factory
from models.migrate import upgrade_async

TAG = re.compile(r"<[^>]+>")
HELP = (
    "Type a message as the user would, or the number of a button to press it.\n"
    "  /as <id>   talk as another user (default 1001)\n"
    "  /phone <n> the number sent by the share-phone button (default +84912345678)\n"
    "  /sticker   send a sticker      /quit   leave\n"
)


def render(message: SentMessage) -> str:
    text = html.unescape(TAG.sub("", message.text))
    lines = [("✎ " if message.edited else "") + text]
    markup = message.reply_markup
    if isinstance(markup, InlineKeyboardMarkup):
        buttons = [b.text for row in markup.inline_keyboard for b in row]
        lines += [f"  [{i}] {label}" for i, label in enumerate(buttons, start=1)]
    elif isinstance(markup, ReplyKeyboardMarkup):
        buttons = [b.text for row in markup.keyboard for b in row]
        lines += [f"  [{i}] {label}" for i, label in enumerate(buttons, start=1)]
    return "\n".join(lines)


async def choose(user: SimUser, index: int, phone: str) -> None:
    inline = user.last_with_buttons()
    if user.reply_keyboard is not None and (inline is None or inline is not user.last):
        buttons = [b for row in user.reply_keyboard.keyboard for b in row]
        if 1 <= index <= len(buttons):
            if buttons[index - 1].request_contact:
                await user.send_contact(phone)
            else:
                await user.send(buttons[index - 1].text)
            return
    if inline is not None and 1 <= index <= len(inline.inline_buttons):
        await user.click_data(inline.inline_buttons[index - 1][1], inline)
        return
    print(f"(no button {index})")


async def run_console(
    settings: Settings, read: Callable[[], str] = input, user_id: int = 1001
) -> None:
    if settings.database_url.startswith("sqlite"):
        await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    session = LocalSession(on_message=lambda m: print("\n🤖 " + render(m) + "\n"))
    bot = Bot(
        "42:CONSOLE", session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
    )
    dp = build_dispatcher(settings, create_session_factory(engine), channel="console")
    sim = Simulator(dp, bot, session)
    user = sim.user(user_id)
    phone = "+84912345678"
    print(HELP)
    await user.send("/start")
    try:
        while True:
            try:
                line = (await asyncio.to_thread(read)).strip()
            except EOFError:
                break
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            if line.startswith("/as "):
                user = sim.user(int(line.split()[1]))
                print(f"(now user {user.user.id})")
            elif line.startswith("/phone "):
                phone = line.split(maxsplit=1)[1]
            elif line == "/sticker":
                await user.send_sticker()
            elif line.isdigit() and len(line) <= 2:
                await choose(user, int(line), phone)
            else:
                await user.send(line)
            session.sent.clear()
    finally:
        await engine.dispose()
    print("bye", file=sys.stderr)
