"""`doanvien console`: try the bot in a terminal, as any user, without a token."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode

from bot.dispatcher import build_dispatcher
from bot.local_session import LocalSession, SentMessage
from bot.logs import FORMAT, RedactingFilter
from bot.settings import Settings
from bot.simulator import Simulator, SimUser
from bot.textmenu import Entry, lines, menu_of
from models.db import create_engine, create_session_factory
from models.migrate import upgrade_async

TAG = re.compile(r"<[^>]+>")
LOG_FILE = Path("doanvien-console.log")
HELP = (
    "Type a message as the user would; #2 presses button 2 (a bare 2 is sent as typed text).\n"
    "  /as <id> [name]  talk as another user, e.g. /as 2002 Minh\n"
    "  /phone <number>  the number the share-phone button sends (default +84912345678)\n"
    "  /sticker         send a sticker       /quit   leave\n"
    f"Logs go to {LOG_FILE}.\n"
)
AS_USAGE = "usage: /as <id> [name], the id a whole number, e.g. /as 2002 Minh"
PHONE_USAGE = "usage: /phone <number>, e.g. /phone +84987654321"


# What a typed line asks for: one small type per console command.
@dataclass(frozen=True, slots=True)
class Say:
    text: str


@dataclass(frozen=True, slots=True)
class Press:
    button: int


@dataclass(frozen=True, slots=True)
class SwitchUser:
    user_id: int
    name: str | None


@dataclass(frozen=True, slots=True)
class SetPhone:
    phone: str


@dataclass(frozen=True, slots=True)
class SendSticker:
    pass


@dataclass(frozen=True, slots=True)
class Quit:
    pass


@dataclass(frozen=True, slots=True)
class Usage:
    message: str


Command = Say | Press | SwitchUser | SetPhone | SendSticker | Quit | Usage
_PRESS = re.compile(r"#(\d{1,3})")


def parse_line(line: str) -> Command | None:
    """The console command a typed line is; None for a blank line."""
    text = line.strip()
    if not text:
        return None
    word, _, rest = text.partition(" ")
    rest = rest.strip()
    if word in ("/quit", "/exit"):
        return Quit()
    if word == "/sticker":
        return SendSticker()
    if word == "/as":
        user_id, _, name = rest.partition(" ")
        if not (user_id.isascii() and user_id.isdigit()):
            return Usage(AS_USAGE)
        return SwitchUser(int(user_id), name.strip() or None)
    if word == "/phone":
        return SetPhone(rest) if rest else Usage(PHONE_USAGE)
    if press := _PRESS.fullmatch(text):
        return Press(int(press[1]))
    return Say(text)


def render(message: SentMessage) -> str:
    text = html.unescape(TAG.sub("", message.text))
    menu = menu_of(message.reply_markup, share_contact=True)
    shown = lines(menu, numbered="  [#{number}] {label}") if menu is not None else []
    return "\n".join([("✎ " if message.edited else "") + text, *shown])


def _pressed(markup: Any, index: int) -> Entry | None:
    menu = menu_of(markup, share_contact=True)
    return next((e for e in menu.numbered if e.number == index), None) if menu else None


async def choose(user: SimUser, index: int, phone: str) -> None:
    inline = user.last_with_buttons()
    if user.reply_keyboard is not None and (inline is None or inline is not user.last):
        entry = _pressed(user.reply_keyboard, index)
        if entry is not None:
            if entry.contact:
                await user.send_contact(phone)
            else:
                await user.send(entry.label)
            return
    entry = _pressed(inline.reply_markup, index) if inline is not None else None
    if entry is not None and entry.data is not None:
        await user.click_data(entry.data, inline)
        return
    print(f"(no button #{index})")


def log_to_file(path: Path = LOG_FILE) -> None:
    """Log lines go to a file: printed among the bot's replies they read as part of the chat."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())  # the same redaction as the bot's own log
    root.addHandler(handler)


async def run_console(
    settings: Settings,
    read: Callable[[], str] = input,
    user_id: int = 1001,
    name: str = "Lan",
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
    names = {user_id: name}
    user = sim.user(user_id, first_name=name)
    phone = "+84912345678"
    print(HELP)
    await user.send("/start")
    try:
        while True:
            try:
                command = parse_line(await asyncio.to_thread(read))
            except EOFError:
                break
            match command:
                case None:
                    continue
                case Quit():
                    break
                case Usage(message):
                    print(f"({message})")
                case SwitchUser(new_id, new_name):
                    names[new_id] = new_name or names.get(new_id) or f"User {new_id}"
                    user = sim.user(new_id, first_name=names[new_id])
                    print(f"(now user {new_id}, {names[new_id]})")
                case SetPhone(number):
                    phone = number
                    print(f"(the share-phone button now sends {phone})")
                case SendSticker():
                    await user.send_sticker()
                case Press(button):
                    await choose(user, button, phone)
                case Say(text):
                    await user.send(text)
            session.sent.clear()
    finally:
        await engine.dispose()
    print("bye", file=sys.stderr)
