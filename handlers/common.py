"""Pieces every journey shares: callback data, keyboards, menu-text filters, escaping."""

from __future__ import annotations

import html
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Annotated, Any

from aiogram import Bot
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram_i18n import I18nContext
from pydantic import Field

from locales import SUPPORTED_LOCALES, fluent_core
from models import Person, Role
from services import outbox

ROLE_KEYS = {
    Role.COLLABORATOR: "role-collaborator",
    Role.OFFICER: "role-officer",
    Role.STEERING: "role-steering",
    Role.ADMIN: "role-admin",
}


# A row id carried in a button. Anything beyond a 64-bit integer is no id (and the database
# driver could not even bind it): such forged data fails to unpack, and the button is stale.
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=0, le=MAX_ROW_ID)]


def row_id(text: str) -> int | None:
    """A row id typed or carried as text, or None when it cannot be one."""
    if not text.isdecimal() or len(text) > len(str(MAX_ROW_ID)):
        return None
    number = int(text)
    return number if number <= MAX_ROW_ID else None


class MenuCb(CallbackData, prefix="m"):
    action: str


class WorkerCb(CallbackData, prefix="wk"):
    action: str  # "answer": reply to an officer's question


def esc(value: Any) -> str:
    """Escape user-supplied text before it goes into an HTML message."""
    return html.escape(str(value), quote=False)


def button(text: str, callback: CallbackData | str) -> InlineKeyboardButton:
    data = callback if isinstance(callback, str) else callback.pack()
    return InlineKeyboardButton(text=text, callback_data=data)


# Telegram shows about this many characters of a button's label on a phone.
LABEL_MAX = 60
# Telegram refuses a longer message (counted after entity parsing). The HTML sent is never
# shorter than the text shown, so keeping the HTML within it is enough.
MESSAGE_MAX = 4096


def latest_that_fit(title: str, lines: list[str], limit: int = MESSAGE_MAX) -> str:
    """The title and as many of the last `lines` as one message holds, the oldest left out."""
    kept: list[str] = []
    size = len(title)
    for line in reversed(lines):
        size += 1 + len(line)
        if size > limit:
            break
        kept.append(line)
    return "\n".join([title, *reversed(kept)])


def search_query(text: str | None, longest: int) -> str | None:
    """The trimmed search text, or None when it is shorter than 2 or longer than `longest`."""
    query = (text or "").strip()
    return query if 2 <= len(query) <= longest else None


def choice_rows(choices: Iterable[tuple[str, CallbackData]]) -> list[list[InlineKeyboardButton]]:
    """One button per row, for a list of matches to pick from."""
    return [[button(label[:LABEL_MAX], callback)] for label, callback in choices]


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


# The roles of the person behind the current update, set by PersonMiddleware, so that every
# menu shows what the person's roles allow and nothing else (the handlers check again).
current_roles: ContextVar[frozenset[str]] = ContextVar("current_roles", default=frozenset())
# Whether that person is a member (set by the same middleware): members see My membership.
current_member: ContextVar[bool] = ContextVar("current_member", default=False)


_OFFICERS = frozenset({Role.OFFICER, Role.ADMIN})
# The rows a role adds to the menu (label key, action), in order; the server checks again.
ROLE_MENU: tuple[tuple[frozenset[str], tuple[tuple[str, str], ...]], ...] = (
    (
        frozenset({Role.COLLABORATOR, Role.OFFICER, Role.ADMIN}),
        (("menu-lead-new", "lead_new"), ("menu-leads-mine", "leads_mine")),
    ),
    (
        frozenset({Role.OFFICER, Role.ADMIN}),
        (("menu-review", "review"), ("menu-founding", "founding")),
    ),
    (frozenset({Role.OFFICER, Role.ADMIN}), (("menu-figures", "figures"),)),
    (frozenset({Role.OFFICER, Role.STEERING, Role.ADMIN}), (("export-menu", "export"),)),
    (
        frozenset({Role.OFFICER, Role.ADMIN}),
        (("menu-questions", "questions"), ("menu-transfers", "transfers")),
    ),
    (
        frozenset({Role.OFFICER, Role.ADMIN}),
        (("menu-leads-unit", "leads_unit"), ("menu-invite", "invite")),
    ),
)


def main_menu(
    i18n: I18nContext, roles: frozenset[str] | None = None, member: bool | None = None
) -> InlineKeyboardMarkup:
    held = current_roles.get() if roles is None else roles
    ask = button(i18n.get("menu-ask"), MenuCb(action="ask"))
    membership = button(i18n.get("menu-membership"), MenuCb(action="membership"))
    is_member = current_member.get() if member is None else member
    rows = [
        [button(i18n.get("menu-join"), MenuCb(action="join"))],
        [button(i18n.get("menu-why"), MenuCb(action="why"))],
        [
            button(i18n.get("menu-my-application"), MenuCb(action="status")),
            button(i18n.get("menu-my-data"), MenuCb(action="data")),
        ],
        [membership, ask] if is_member else [ask],
    ]
    for allowed, entries in ROLE_MENU:
        if held & allowed:
            rows.append([button(i18n.get(key), MenuCb(action=action)) for key, action in entries])
    rows.append([button(i18n.get("menu-language"), MenuCb(action="language"))])
    return keyboard(*rows)


def says(person: Person, key: str, **args: Any) -> str:
    """A message in that person's own language (not the language of whoever acts)."""
    return fluent_core(SUPPORTED_LOCALES[0]).get(key, person.language, **args)


async def say_to(
    bot: Bot, person: Person | None, key: str, markup: Any = None, **args: Any
) -> None:
    """Tell another person something (a worker of a decision, an officer of an alert)."""
    if person is not None:
        await bot.send_message(chat_of(person), says(person, key, **args), reply_markup=markup)


def chat_of(person: Person) -> int:
    """The chat to send another person's message to, on the channel that person uses."""
    return outbox.address(person.channel, person.chat_id)


def translations(key: str) -> frozenset[str]:
    """Every locale's text for a key, to recognise a reply-keyboard button in any language."""
    core = fluent_core(SUPPORTED_LOCALES[0])
    return frozenset(core.get(key, locale) for locale in SUPPORTED_LOCALES)


class HasRole(Filter):
    """Passes updates from people holding one of the roles (somewhere); a router guarded with
    it hides its handlers from everyone else. Handlers still check the unit scope."""

    def __init__(self, *roles: str) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, _event: object, roles: frozenset[str] = frozenset()) -> bool:
        return bool(self.roles & roles)


class TextIs(Filter):
    """Matches a message whose text is the given key's text in any supported language."""

    def __init__(self, key: str) -> None:
        self.texts = translations(key)

    async def __call__(self, message: Message) -> bool:
        return message.text is not None and message.text.strip() in self.texts
