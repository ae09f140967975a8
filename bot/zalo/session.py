"""aiogram's requests as Zalo calls: the handlers talk Telegram, the person reads Zalo.

An aiogram session (the way aiogram-max puts another messenger behind aiogram): `make_request`
turns each Bot API method into Zalo Bot API calls and answers with what aiogram expects.

- Keyboards (inline or reply) become numbered lines under the text (`bot/textmenu.py`); the
  menu is stored as the chat's latest, so the person's typed reply presses its button.
- The share-phone button becomes "type your phone number".
- HTML becomes plain text (links keep their address); texts over 2,000 characters are split
  on line boundaries.
- Edits become new messages; deleting a message and answering a button do nothing (Zalo has
  neither).
- A photo goes out by URL: a photo the bot holds as bytes (the member card) is served at
  `ZALO_PUBLIC_URL` when one is set (`PublicFiles`), else replaced by its caption and a line
  saying the image cannot be shown on Zalo. Files (XLSX) likewise.
- Zalo's errors become aiogram's, so the outbox sender and the polling loop treat them as
  they treat Telegram's: 429 "Quota exceeded" waits, 403 marks the person unreachable.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    DeleteWebhook,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    SendChatAction,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMyCommands,
    SetWebhook,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import BufferedInputFile

from bot.local_session import answered
from bot.textmenu import Menu, lines, menu_of
from bot.zalo.api import ZaloApi, ZaloError
from bot.zalo.chats import ZaloChats
from handlers.forms import text_channel_rules
from locales import fluent_core

TEXT_MAX = 2000
# Zalo publishes no retry_after for 429 "Quota exceeded": wait this long before trying again.
QUOTA_WAIT = 60
_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r'<a\s+href="([^"]*)"[^>]*>(.*?)</a>', re.S)
_NOTHING_TO_SEND = (AnswerCallbackQuery, DeleteMessage, SetMyCommands, DeleteWebhook, SetWebhook)


def short_id(text: str) -> int:
    """A stable integer for one of Zalo's string ids (a message's), for aiogram's int fields."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:7], "big")


def plain(text: str) -> str:
    """Telegram HTML as the plain text Zalo shows: tags dropped, a link's address kept."""

    def link(match: re.Match[str]) -> str:
        href, label = html.unescape(match[1]), _TAG.sub("", match[2])
        return label if html.unescape(label) == href else f"{label} ({href})"

    return html.unescape(_TAG.sub("", _LINK.sub(link, text)))


def split(text: str, limit: int = TEXT_MAX) -> list[str]:
    """`text` in parts of at most `limit` characters, cut between lines where it can be (a
    single longer line is cut at a space, or anywhere as a last resort)."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if current and len(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    if current.strip():
        parts.append(current)
    return [part for part in parts if part.strip()] or ["…"]


@dataclass
class PublicFiles:
    """Files the bot holds as bytes, served for a while at `<base_url>/zalo/files/<token>` so
    that Zalo can fetch them (sendPhoto takes a URL only)."""

    base_url: str
    keep_seconds: float = 3600.0
    files: dict[str, tuple[float, str, bytes]] = field(default_factory=dict)

    def put(self, name: str, data: bytes) -> str:
        now = time.monotonic()
        for token, (at, _, _) in list(self.files.items()):
            if now - at > self.keep_seconds:
                del self.files[token]
        token = secrets.token_urlsafe(24)
        self.files[token] = (now, name, data)
        return f"{self.base_url.rstrip('/')}/zalo/files/{token}"

    def get(self, token: str) -> tuple[str, bytes] | None:
        found = self.files.get(token)
        return None if found is None else (found[1], found[2])


def aiogram_error(method: TelegramMethod[Any], exc: ZaloError) -> TelegramAPIError:
    """Zalo's error as the aiogram exception the outbox and polling already handle."""
    message = f"Zalo {exc.code}: {exc.description}"
    if exc.code == 429:
        return TelegramRetryAfter(method, message, QUOTA_WAIT)
    kinds: dict[int, type[TelegramAPIError]] = {
        0: TelegramNetworkError,
        400: TelegramBadRequest,
        401: TelegramUnauthorizedError,
        403: TelegramForbiddenError,
        404: TelegramNotFound,
    }
    kind = kinds.get(exc.code) or (TelegramServerError if exc.code >= 500 else TelegramAPIError)
    return kind(method, message)


class ZaloSession(BaseSession):
    def __init__(
        self,
        api: ZaloApi,
        chats: ZaloChats,
        *,
        default_locale: str = "vi",
        public: PublicFiles | None = None,
    ) -> None:
        super().__init__()
        self.zalo, self.chats, self.public = api, chats, public
        self.default_locale = default_locale

    async def close(self) -> None:
        await self.zalo.close()

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        try:
            result = await self._request(method)
        except ZaloError as exc:
            raise aiogram_error(method, exc) from None
        return answered(self, bot, method, result)

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - aiogram's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError("files are not downloaded from Zalo")
        yield b""  # pragma: no cover - makes this a generator

    async def _request(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            me = await self.zalo.call("getMe")
            name = str(me.get("account_name") or "Zalo")
            return {"id": short_id(str(me.get("id"))), "is_bot": True, "first_name": name}
        if isinstance(method, _NOTHING_TO_SEND):
            return True  # no buttons to answer, nothing to delete, no command menu
        if isinstance(method, SendChatAction):
            chat = await self._chat(method.chat_id)
            await self.zalo.call("sendChatAction", chat_id=chat, action="typing")
            return True
        if isinstance(method, SendMessage | EditMessageText):
            return await self._send_text(method.chat_id, method.text or "", method.reply_markup)
        if isinstance(method, EditMessageCaption):
            return await self._send_text(method.chat_id, method.caption or "", method.reply_markup)
        if isinstance(method, EditMessageReplyMarkup):
            if menu_of(method.reply_markup) is None:
                return True  # buttons taken away: there were none on Zalo
            return await self._send_text(method.chat_id, "", method.reply_markup)
        if isinstance(method, SendPhoto | SendDocument):
            return await self._send_file(method)
        raise ZaloError(400, f"{method.__api_method__} has no Zalo equivalent")

    async def _chat(self, chat_id: Any) -> str:
        found = await self.chats.zalo_id(int(chat_id)) if chat_id is not None else None
        if found is None:
            raise ZaloError(400, "chat not found")
        return found

    def _t(self, language: str, key: str) -> str:
        return fluent_core(self.default_locale).get(key, language)

    async def _send_text(self, chat_id: Any, text: str, markup: Any) -> dict[str, Any]:
        zalo_chat = await self._chat(chat_id)
        shown = plain(text)
        # The menu is kept without the message's text: that may hold personal data.
        menu = menu_of(markup, rules=text_channel_rules)
        if menu is not None and (menu.entries or menu.contact):
            shown = "\n".join(
                [shown, "", *lines(menu), *await self._hints(int(chat_id), menu)]
            ).strip()
        sent = await self._send_parts(zalo_chat, shown)
        if menu is not None:
            await self.chats.set_menu(int(chat_id), _with_id(menu, sent))
        return _message(int(chat_id), sent, shown)

    async def _hints(self, chat_id: int, menu: Menu) -> list[str]:
        language = await self.chats.language(chat_id, self.default_locale)
        hints = [self._t(language, "zalo-type-phone")] if menu.contact else []
        if menu.numbered:
            hints.append(self._t(language, "zalo-menu-hint"))
        return hints

    async def _send_parts(self, zalo_chat: str, text: str) -> int:
        message_id = 0
        for part in split(text):
            result = await self.zalo.call("sendMessage", chat_id=zalo_chat, text=part)
            message_id = short_id(str((result or {}).get("message_id") or part))
        return message_id

    async def _send_file(self, method: SendPhoto | SendDocument) -> dict[str, Any]:
        chat_id = int(method.chat_id)
        zalo_chat = await self._chat(chat_id)
        caption = plain(method.caption or "")
        content = method.photo if isinstance(method, SendPhoto) else method.document
        url = content if isinstance(content, str) else None
        if isinstance(content, BufferedInputFile) and self.public is not None:
            url = self.public.put(content.filename or "file", content.data)
        if url is not None and isinstance(method, SendPhoto) and len(caption) <= TEXT_MAX:
            result = await self.zalo.call(
                "sendPhoto", chat_id=zalo_chat, photo=url, caption=caption
            )
            return _message(chat_id, short_id(str((result or {}).get("message_id"))), caption)
        language = await self.chats.language(chat_id, self.default_locale)
        if url is not None:
            note = f"{self._t(language, 'zalo-file-link')} {url}"
        elif isinstance(method, SendPhoto):
            note = self._t(language, "zalo-no-image")
        else:
            note = self._t(language, "zalo-no-file")
        text = "\n\n".join(part for part in (caption, note) if part)
        return _message(chat_id, await self._send_parts(zalo_chat, text), text)


def _with_id(menu: Menu, message_id: int) -> Menu:
    return Menu(menu.entries, menu.typed, menu.contact, message_id, menu.rows)


def _message(chat_id: int, message_id: int, text: str) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "text": text,
    }
