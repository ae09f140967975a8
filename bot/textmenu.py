"""Buttons on a channel without buttons: a keyboard as numbered lines, a typed reply as a press.

One piece of code for every text-only channel: `doanvien console` shows a keyboard's buttons as
`[#1]`, `[#2]`… lines, and Zalo as `1. …`, `2. …` under the message; what the person types back
is matched against the latest menu of the chat by `resolve` — a button's label (ignoring case
and diacritics) or its number. Where the question also takes a typed answer (a count of
workers, a phone number), a bare number is an answer, not a button: such a menu numbers only the
choices that cannot be typed otherwise (search results) and lists the rest by their labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from services.forms.engine import Choice, matching_choice

# For a button's callback data: (its question takes a typed answer, a typed number may press it).
ButtonRules = Callable[[str], tuple[bool, bool]]


def _every_button_numbered(_data: str) -> tuple[bool, bool]:
    return False, True


@dataclass(frozen=True, slots=True)
class Entry:
    """One button: its label, and its callback data (an inline button) or none (a reply-keyboard
    button, which sends its label as text). `number` is None when only its label answers it."""

    label: str
    data: str | None = None
    number: int | None = None
    contact: bool = False  # the share-phone button (kept by the console only)


@dataclass(frozen=True, slots=True)
class Menu:
    entries: tuple[Entry, ...] = ()
    typed: bool = False  # the question also takes typed text
    contact: bool = False  # it asked to share a phone number: on a text channel, typed
    message_id: int = 0
    rows: tuple[int, ...] = field(default=())  # buttons per row, to rebuild the keyboard

    @property
    def numbered(self) -> list[Entry]:
        return [e for e in self.entries if e.number is not None]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Menu:
        entries = tuple(Entry(**entry) for entry in raw.get("entries", ()))
        return cls(
            entries,
            bool(raw.get("typed")),
            bool(raw.get("contact")),
            int(raw.get("message_id", 0)),
            tuple(raw.get("rows", ())),
        )

    def markup(self) -> InlineKeyboardMarkup | ReplyKeyboardMarkup:
        """The keyboard again, to show the menu once more."""
        rows: list[list[Any]] = []
        entries = iter(self.entries)
        if any(e.data is None for e in self.entries):
            for width in self.rows:
                rows.append([KeyboardButton(text=next(entries).label) for _ in range(width)])
            if self.contact:
                rows.insert(0, [KeyboardButton(text="📱", request_contact=True)])
            return ReplyKeyboardMarkup(keyboard=rows)
        for width in self.rows:
            row = [next(entries) for _ in range(width)]
            rows.append([InlineKeyboardButton(text=e.label, callback_data=e.data) for e in row])
        return InlineKeyboardMarkup(inline_keyboard=rows)


def menu_of(
    markup: Any,
    message_id: int = 0,
    rules: ButtonRules = _every_button_numbered,
    share_contact: bool = False,
) -> Menu | None:
    """The menu a keyboard offers; None for no keyboard (or one that only removes the last)."""
    if isinstance(markup, InlineKeyboardMarkup):
        buttons = [(b.text, b.callback_data or "") for row in markup.inline_keyboard for b in row]
        rows = tuple(len(row) for row in markup.inline_keyboard)
        judged = [rules(data) for _, data in buttons]
        typed = any(takes_text for takes_text, _ in judged)
        entries = _numbered(
            [
                (label, data, by_number, False)
                for (label, data), (_, by_number) in zip(buttons, judged, strict=True)
            ]
        )
        return Menu(entries, typed, False, message_id, rows)
    if isinstance(markup, ReplyKeyboardMarkup):
        # Without `share_contact` (Zalo), the share-phone button goes and the number is typed:
        # numbers are then text, and the other buttons are answered by their labels.
        contact = any(b.request_contact for row in markup.keyboard for b in row)
        typed = contact and not share_contact
        kept = [
            [b for b in row if share_contact or not b.request_contact] for row in markup.keyboard
        ]
        kept = [row for row in kept if row]
        keys = [(b.text, None, not typed, bool(b.request_contact)) for row in kept for b in row]
        rows = tuple(len(row) for row in kept)
        return Menu(_numbered(keys), typed, typed, message_id, rows)
    return None


def _numbered(buttons: Sequence[tuple[str, str | None, bool, bool]]) -> tuple[Entry, ...]:
    entries: list[Entry] = []
    number = 0
    for label, data, by_number, contact in buttons:
        if by_number:
            number += 1
        entries.append(Entry(label, data, number if by_number else None, contact))
    return tuple(entries)


def lines(menu: Menu, numbered: str = "{number}. {label}", typed: str = "• {label}") -> list[str]:
    """The menu as lines: numbered entries first, in order, then those answered by label."""
    shown = [numbered.format(number=e.number, label=e.label) for e in menu.numbered]
    shown += [typed.format(label=e.label) for e in menu.entries if e.number is None]
    return shown


@dataclass(frozen=True, slots=True)
class NoSuchNumber:
    """A number that fits no entry of a menu that takes no typed answer."""

    number: int
    last: int


def resolve(text: str, menu: Menu | None) -> Entry | NoSuchNumber | None:
    """The entry a typed reply presses: its label, or its number; None: the text is just text.
    Labels and numbers are matched as the form engine matches a typed answer to its choices."""
    if menu is None or not menu.entries:
        return None
    by_label = matching_choice(text, [Choice(e, e.label) for e in menu.entries], numbers=False)
    numbered = menu.numbered
    by_number = matching_choice(text, [Choice(e, e.label) for e in numbered], numbers=True)
    found = by_label or by_number
    if found is not None:
        entry: Entry = found.value
        return entry
    raw = text.strip().lstrip("#")
    if numbered and not menu.typed and raw.isascii() and raw.isdecimal() and len(raw) <= 6:
        return NoSuchNumber(int(raw), len(numbered))
    return None
