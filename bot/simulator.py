"""Simulated users who talk to the real Dispatcher through the in-process Bot API.

One harness for `doanvien console`, the conversation tests and the benchmarks: it builds
real `Update` objects, feeds them to the Dispatcher, and collects what the bot sent back.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import (
    Chat,
    Contact,
    PhotoSize,
    ReplyKeyboardMarkup,
    Sticker,
    Update,
    User,
)

from bot.local_session import BOT_ID, LocalSession, SentMessage

# Telegram's update ids only grow; so do ours, across simulators and across console runs,
# or the de-duplication would rightly drop a later run's updates as already handled.
_UPDATE_IDS = itertools.count(time.time_ns() // 1000)
_BOT_USER = User(id=BOT_ID, is_bot=True, first_name="bot")


class Simulator:
    def __init__(self, dp: Dispatcher, bot: Bot, session: LocalSession) -> None:
        self.dp, self.bot, self.session = dp, bot, session
        self.users: dict[int, SimUser] = {}
        self._message_ids = itertools.count(1_000_000)

    def user(self, user_id: int, first_name: str = "Lan", language_code: str = "vi") -> SimUser:
        user = SimUser(
            self, User(id=user_id, is_bot=False, first_name=first_name, language_code=language_code)
        )
        # Messages the bot sends to this chat on someone else's update (an officer's decision
        # reaching the worker) land in this inbox too.
        self.users[user_id] = user
        return user

    def next_update_id(self) -> int:
        return next(_UPDATE_IDS)

    def route(self, messages: list[SentMessage], sender: SimUser | None = None) -> None:
        """Put each message into its chat's inbox, once (the sender's own replies into the
        sender's inbox), whoever's update sent it."""
        for message in messages:
            if message.routed:
                continue
            mine = sender is not None and message.chat_id == sender.user.id
            owner = sender if mine else self.users.get(message.chat_id)
            if owner is not None:
                owner.receive(message)
                message.routed = True

    async def feed(self, update: Update) -> None:
        await self.dp.feed_update(self.bot, update)


@dataclass
class SimUser:
    sim: Simulator
    user: User
    inbox: list[SentMessage] = field(default_factory=list)
    reply_keyboard: ReplyKeyboardMarkup | None = None

    @property
    def chat(self) -> Chat:
        return Chat(**self._chat())

    def _chat(self) -> dict[str, Any]:
        return {"id": self.user.id, "type": "private", "first_name": self.user.first_name}

    def _update(self, **content: Any) -> Update:
        """An update as the Bot API's JSON gives it, parsed once with the bot mounted, as
        polling does (the Dispatcher would otherwise copy an unmounted update through JSON)."""
        data = {"update_id": self.sim.next_update_id(), **content}
        return Update.model_validate(data, context={"bot": self.sim.bot})

    async def _deliver(self, update: Update) -> list[SentMessage]:
        before = len(self.sim.session.sent)
        await self.sim.feed(update)
        new = self.sim.session.sent[before:]
        self.sim.route(new, self)
        return [m for m in new if m.chat_id == self.user.id]

    def receive(self, message: SentMessage) -> None:
        if isinstance(message.reply_markup, ReplyKeyboardMarkup):
            self.reply_keyboard = message.reply_markup
        elif (
            message.reply_markup is not None
            and type(message.reply_markup).__name__ == "ReplyKeyboardRemove"
        ):
            self.reply_keyboard = None
        self.inbox.append(message)

    def message_update(self, **content: Any) -> Update:
        message = {
            "message_id": next(self.sim._message_ids),
            "date": datetime.now(UTC),
            "chat": self._chat(),
            "from": self.user,
            **content,
        }
        return self._update(message=message)

    async def send(self, text: str) -> list[SentMessage]:
        return await self._deliver(self.message_update(text=text))

    async def send_contact(self, phone: str, own: bool = True) -> list[SentMessage]:
        contact = Contact(
            phone_number=phone,
            first_name=self.user.first_name,
            user_id=self.user.id if own else self.user.id + 1,
        )
        return await self._deliver(self.message_update(contact=contact))

    async def send_sticker(self) -> list[SentMessage]:
        sticker = Sticker(
            file_id="s",
            file_unique_id="s",
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
        )
        return await self._deliver(self.message_update(sticker=sticker))

    async def send_photo(self) -> list[SentMessage]:
        photo = [PhotoSize(file_id="p", file_unique_id="p", width=10, height=10)]
        return await self._deliver(self.message_update(photo=photo))

    @property
    def last(self) -> SentMessage:
        assert self.inbox, "the bot has not said anything yet"
        return self.inbox[-1]

    def last_with_buttons(self) -> SentMessage | None:
        return next((m for m in reversed(self.inbox) if m.inline_buttons), None)

    def callback_update(self, message: SentMessage, data: str) -> Update:
        origin = {
            "message_id": message.message_id,
            "date": datetime.now(UTC),
            "chat": self._chat(),
            "from": _BOT_USER,
            "text": message.text,
        }
        query = {
            "id": str(self.sim.next_update_id()),
            "from": self.user,
            "chat_instance": "ci",
            "data": data,
            "message": origin,
        }
        return self._update(callback_query=query)

    async def click(self, label: str, message: SentMessage | None = None) -> list[SentMessage]:
        """Press the inline button whose text contains `label` (on the newest message having it)."""
        candidates = [message] if message is not None else list(reversed(self.inbox))
        for candidate in candidates:
            for text, data in candidate.inline_buttons:
                if label == text or label in text:
                    return await self._deliver(self.callback_update(candidate, data))
        shown = [t for m in candidates[:1] for t, _ in m.inline_buttons]
        raise AssertionError(f"no button {label!r}; the newest buttons are {shown}")

    async def click_data(self, data: str, message: SentMessage | None = None) -> list[SentMessage]:
        """Send arbitrary callback data, as a forged or replayed button would."""
        # A forged button need not come from any message the user has seen.
        target = message or (self.inbox[-1] if self.inbox else SentMessage(self.user.id, 1, ""))
        return await self._deliver(self.callback_update(target, data))
