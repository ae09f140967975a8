"""An in-process Bot API: answers the bot's requests without a network.

It serves `doanvien console`, the conversation tests and the benchmarks alike. Responses go
through aiogram's own response parsing (`check_response`), so only the HTTP hop is skipped.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InlineKeyboardMarkup

from bot.outbox import SkipsUnusedResults

BOT_ID = 42
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Đoàn viên", "username": "doanvien_bot"}


@dataclass(slots=True)
class SentMessage:
    """A message the bot sent (or edited) in a chat, as a person would see it."""

    chat_id: int
    message_id: int
    text: str
    reply_markup: Any = None
    edited: bool = False
    routed: bool = False  # already in its chat's inbox (bot/simulator.py)

    @property
    def inline_buttons(self) -> list[tuple[str, str]]:
        markup = self.reply_markup
        if not isinstance(markup, InlineKeyboardMarkup):
            return []
        return [(b.text, b.callback_data or "") for row in markup.inline_keyboard for b in row]


def answered(
    session: BaseSession, bot: Bot, method: TelegramMethod[TelegramType], result: Any
) -> TelegramType:
    """`result` as the Bot API would have answered `method`, through aiogram's own response
    parsing (so the types handlers get are the ones a real answer gives)."""
    content = json.dumps({"ok": True, "result": result}, default=str)
    return session.check_response(bot, method, 200, content).result  # type: ignore[return-value]


class LocalSession(SkipsUnusedResults):
    def __init__(
        self, on_message: Callable[[SentMessage], None] | None = None, record: bool = True
    ) -> None:
        super().__init__()
        self.sent: list[SentMessage] = []
        self.requests: list[TelegramMethod[Any]] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.on_message = on_message
        self.record = record
        self._next_id = 0

    async def close(self) -> None:
        return None

    def _message(
        self,
        chat_id: int,
        text: str,
        markup: Any,
        message_id: int | None = None,
        edited: bool = False,
    ) -> dict[str, Any]:
        if message_id is None:
            self._next_id += 1
            message_id = self._next_id
        sent = SentMessage(int(chat_id), message_id, text, markup, edited)
        if self.record:
            self.sent.append(sent)
        if self.on_message is not None:
            self.on_message(sent)
        result: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private"},
            "from": BOT_USER,
            "text": text,
        }
        if isinstance(markup, InlineKeyboardMarkup):
            result["reply_markup"] = markup.model_dump(exclude_none=True)
        return result

    def _result(self, method: TelegramMethod[Any]) -> Any:
        name = type(method).__name__
        params: Any = method  # read by attribute: a full dump of every request costs more
        if name == "GetMe":
            return BOT_USER
        if name == "SendMessage":
            return self._message(params.chat_id, params.text, params.reply_markup)
        if name == "EditMessageText":
            return self._message(
                params.chat_id,
                params.text,
                params.reply_markup,
                message_id=params.message_id,
                edited=True,
            )
        if name in ("SendPhoto", "SendDocument"):
            return self._message(params.chat_id, params.caption or "", None)
        if name == "AnswerCallbackQuery":
            self.callback_answers.append(method.model_dump(exclude_none=False))
        if name == "GetUpdates":
            return []
        return True

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        if self.record:
            self.requests.append(method)
        return answered(self, bot, method, self._result(method))

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - aiogram's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""
