"""Zalo's events as aiogram updates for the same Dispatcher and handlers as Telegram.

`to_update` turns one event into a `Message` update: a text as text, an image as a photo (with
its caption), a sticker as a sticker, anything else as a message without text — the kinds the
handlers already answer politely. The update id is derived from Zalo's message id, so a
message Zalo delivers twice is the same update, and the mark the unit of work commits with its
effects (`processed_updates`) turns the second delivery into nothing.

Inside the chat's lock, `TypedChoices` reads the chat's latest menu and turns a typed number or
button label into the press of that button (a `CallbackQuery`), or answers a number that fits
no choice with a hint and the menu again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update
from aiogram_i18n import I18nContext

from bot.textmenu import Menu, NoSuchNumber, resolve
from bot.zalo.chats import latest_menu
from bot.zalo.session import short_id

logger = logging.getLogger("doanvien.zalo")
TEXT = "message.text.received"
IMAGE = "message.image.received"
STICKER = "message.sticker.received"


def message_of(event: Any) -> dict[str, Any] | None:
    """The event's message, when it is one the bot can answer: from a person, in a private
    chat, with an id (groups, other bots and empty events are left alone)."""
    if not isinstance(event, dict) or not isinstance(event.get("message"), dict):
        return None
    message: dict[str, Any] = event["message"]
    chat, sender = message.get("chat"), message.get("from")
    if not isinstance(chat, dict) or not chat.get("id") or not message.get("message_id"):
        return None
    if str(chat.get("chat_type", "PRIVATE")).upper() != "PRIVATE":
        return None
    if isinstance(sender, dict) and sender.get("is_bot"):
        return None
    return message


def to_update(event: dict[str, Any], chat_id: int, bot: Bot) -> Update:
    """The aiogram update for an event `message_of` accepted, in the chat `chat_id`."""
    message: dict[str, Any] = event["message"]
    found = message.get("from")
    sender: dict[str, Any] = found if isinstance(found, dict) else {}
    name = str(sender.get("display_name") or sender.get("first_name") or "Zalo")[:64]
    millis = message.get("date")
    date = (
        datetime.fromtimestamp(millis / 1000, UTC)
        if isinstance(millis, int | float)
        else datetime.now(UTC)
    )
    update_id = short_id(str(message["message_id"]))
    raw: dict[str, Any] = {
        "message_id": update_id,
        "date": int(date.timestamp()),
        "chat": {"id": chat_id, "type": "private", "first_name": name},
        "from": {"id": chat_id, "is_bot": False, "first_name": name},
    }
    kind = event.get("event_name")
    if kind == TEXT and isinstance(message.get("text"), str):
        raw["text"] = message["text"]
    elif kind == IMAGE:
        raw["photo"] = [{"file_id": "zalo", "file_unique_id": "zalo", "width": 1, "height": 1}]
        if message.get("caption"):
            raw["caption"] = str(message["caption"])
    elif kind == STICKER:
        raw["sticker"] = {
            "file_id": "zalo",
            "file_unique_id": "zalo",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
    return Update.model_validate({"update_id": update_id, "message": raw}, context={"bot": bot})


def pressed(update: Update, menu: Menu, data: str, bot: Bot) -> Update:
    """The update a press of the menu's button with `data` would have been."""
    message = update.message
    assert message is not None and message.from_user is not None
    origin = {
        "message_id": menu.message_id,
        "date": int(message.date.timestamp()),
        "chat": message.chat.model_dump(exclude_none=True),
        "text": "…",  # the menu's message text is not kept
    }
    query = {
        "id": str(update.update_id),
        "from": message.from_user.model_dump(exclude_none=True),
        "chat_instance": str(message.chat.id),
        "data": data,
        "message": origin,
    }
    raw = {"update_id": update.update_id, "callback_query": query}
    return Update.model_validate(raw, context={"bot": bot})


def typed(update: Update, label: str, bot: Bot) -> Update:
    """The update a reply-keyboard button would have sent: its label as text."""
    message = update.message
    assert message is not None
    raw = message.model_dump(exclude_none=True, by_alias=True)
    raw["text"] = label
    return Update.model_validate(
        {"update_id": update.update_id, "message": raw}, context={"bot": bot}
    )


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class TypedChoices(BaseMiddleware):
    """A typed reply to the chat's latest menu becomes the press of its button. Registered
    last on `dp.update` (after the unit of work and i18n): the menu is read in the update's
    transaction, inside the chat's lock, and a hint it sends is a reply like any other."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        message = event.message
        if message is None or message.text is None or message.text.startswith("/"):
            return await handler(event, data)
        menu = await latest_menu(data["session"], message.chat.id)
        found = resolve(message.text, menu)
        if found is None or menu is None:
            return await handler(event, data)
        bot: Bot = data["bot"]
        if isinstance(found, NoSuchNumber):
            i18n: I18nContext = data["i18n"]
            hint = i18n.get("zalo-no-such-choice", number=found.number, last=found.last)
            await bot.send_message(message.chat.id, hint, reply_markup=menu.markup())
            return None
        if found.data is None:
            replaced = typed(event, found.label, bot)
        else:
            replaced = pressed(event, menu, found.data, bot)
        data["event_update"] = replaced
        return await handler(replaced, data)
