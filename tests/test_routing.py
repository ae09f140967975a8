"""The routing index (handlers/routing.py) picks the same handler as aiogram's full walk."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User

from handlers import build_router
from handlers.routing import IndexedRouter, _walk

USER = User(id=7, is_bot=False, first_name="Lan")
CHAT = Chat(id=7, type="private")
BOT = Bot("42:TEST")


def message(text: str | None = None, caption: str | None = None) -> Message:
    return Message(
        message_id=1, date=datetime.now(UTC), chat=CHAT, from_user=USER, text=text, caption=caption
    ).as_(BOT)


def press(data: str | None) -> CallbackQuery:
    return CallbackQuery(
        id="1", from_user=USER, chat_instance="c", data=data, message=message("menu")
    ).as_(BOT)


def _value(annotation: Any) -> Any:
    if annotation is int:
        return 1
    if annotation is bool:
        return True
    return "x"


def packed(data_class: type[CallbackData], first: str | None) -> list[str]:
    """Callback data of this class: with the given first field, and with its other fields'
    plausible values (a pack that unpacks, so the filter's own rule decides)."""
    fields = list(data_class.model_fields.items())
    values = {name: _value(field.annotation) for name, field in fields}
    if fields and first is not None:
        values[fields[0][0]] = first
    return [data_class(**values).pack()]


async def first_match(
    routers: list[Router], update_type: str, event: TelegramObject, raw_state: str | None
) -> tuple[str, str] | None:
    """The first (router, handler) whose filters pass, trying routers in the given order."""
    for router in routers:
        handler: HandlerObject
        for handler in router.observers[update_type].handlers:
            passed, _ = await handler.check(event, bot=BOT, raw_state=raw_state)
            if passed:
                return router.name, handler.callback.__name__
    return None


def _callback_samples(root: Router) -> list[str | None]:
    samples: list[str | None] = [None, "", "zz:1", "m", "f:nope:x:1:c:0", "m:nope"]
    for router in _walk(root):
        for handler in router.callback_query.handlers:
            for flt in handler.filters or ():
                gate = flt.callback
                if isinstance(gate, CallbackQueryFilter):
                    prefix = gate.callback_data.__prefix__
                    keys = {key for key in root_index_keys(root) if key[0] == prefix}
                    for _, first in keys:
                        samples += packed(gate.callback_data, first)
                    samples += packed(gate.callback_data, None)
    return samples


def root_index_keys(root: Router) -> set[tuple[str, str | None]]:
    assert isinstance(root, IndexedRouter)
    index = root.index("callback_query")
    assert index is not None
    return set(index.by_key)


async def test_the_index_picks_the_handler_the_full_walk_picks() -> None:
    root = build_router()
    assert isinstance(root, IndexedRouter)
    everyone = list(_walk(root))[1:]
    message_index = root.index("message")
    assert message_index is not None
    states = [key[1] for key in message_index.by_key if key[0] == "state"]
    texts = ["/start", "/start inv_abc", "/cancel", "/help", "/unknown", "xin chào", "12", None]
    checked = 0
    for text, state in itertools.product(texts, [None, "unknown:step", *states]):
        for event in (message(text), message(caption=text)):
            expected = await first_match(everyone, "message", event, state)
            keys = _event_keys_of(root, "message", event, state)
            got = await first_match(list(message_index.routers_for(keys)), "message", event, state)
            assert got == expected, (text, state)
            checked += 1
    callback_index = root.index("callback_query")
    assert callback_index is not None
    for data in _callback_samples(root):
        for state in (None, states[0]):
            pressed = press(data)
            expected = await first_match(everyone, "callback_query", pressed, state)
            keys = _event_keys_of(root, "callback_query", pressed, state)
            chosen = list(callback_index.routers_for(keys))
            assert await first_match(chosen, "callback_query", pressed, state) == expected, data
            checked += 1
    assert checked > 500


def _event_keys_of(
    _root: Router, update_type: str, event: TelegramObject, state: str | None
) -> tuple[Any, ...]:
    from handlers.routing import _event_keys

    return _event_keys(update_type, event, state)


async def test_a_join_button_is_offered_to_the_join_form_and_the_fallback_only() -> None:
    root = build_router()
    assert isinstance(root, IndexedRouter)
    index = root.index("callback_query")
    assert index is not None
    from handlers.forms import FormCb

    data = FormCb(form="join", step="gender", menu=1, action="c").pack()
    chosen = index.routers_for(_event_keys_of(root, "callback_query", press(data), None))
    assert [router.name for router in chosen] == ["form-join", "fallback"]


class Pick(CallbackData, prefix="pk"):
    kind: str


def _tree(sub_filter: bool) -> IndexedRouter:
    root = IndexedRouter(name="root")
    first, last = Router(name="first"), Router(name="last")
    if sub_filter:
        first.callback_query.filter(F.from_user.id == 7)

    @first.callback_query(Pick.filter(F.kind == "a"))
    async def pick_a(_: CallbackQuery) -> str:
        return "a"

    @first.message(Command("go"))
    async def go(_: Message) -> str:
        return "go"

    @last.callback_query()
    async def anything(_: CallbackQuery) -> str:
        return "anything"

    @last.message()
    async def other(_: Message) -> str:
        return "other"

    root.include_routers(first, last)
    return root


@pytest.mark.parametrize("sub_filter", [False, True])
async def test_updates_reach_the_same_handlers_with_or_without_the_index(sub_filter: bool) -> None:
    root = _tree(sub_filter)
    assert (root.index("callback_query") is None) is sub_filter  # a router-level filter: full walk
    cases = [
        ("callback_query", press(Pick(kind="a").pack()), "a"),
        ("callback_query", press(Pick(kind="b").pack()), "anything"),
        ("callback_query", press(None), "anything"),
        ("message", message("/go"), "go"),
        ("message", message("go"), "other"),
    ]
    for update_type, event, expected in cases:
        result = await root.propagate_event(update_type, event, bot=BOT, raw_state=None)
        assert result == expected


async def test_the_roots_own_filter_still_applies() -> None:
    """Group chats are refused at the root, before any router is offered the update."""
    root = build_router()
    group = Message(
        message_id=1,
        date=datetime.now(UTC),
        chat=Chat(id=-5, type="group"),
        from_user=USER,
        text="/start",
    ).as_(BOT)
    result = await root.propagate_event("message", group, bot=BOT, raw_state=None)
    assert result is UNHANDLED


def test_no_filter_or_handler_of_the_tree_runs_in_a_thread() -> None:
    """aiogram sends synchronous callables (magic filters resolve to one) to a thread."""
    root = build_router()
    # An observer's own `_handler` only carries its router-level filters: never called.
    callables = [
        callable_object
        for router in _walk(root)
        for observer in router.observers.values()
        for callable_object in (
            *observer.handlers,
            *(f for h in (observer._handler, *observer.handlers) for f in h.filters or ()),
        )
    ]
    assert len(callables) > 100
    assert [c.callback for c in callables if not c.awaitable] == []


async def test_magic_filters_awaited_in_place_still_filter() -> None:
    root = build_router()
    private, group = message("/start"), message("/start")
    group = group.model_copy(update={"chat": Chat(id=-5, type="group")})
    root_filter = root.message._handler
    assert (await root_filter.check(private, bot=BOT))[0] is True
    assert (await root_filter.check(group, bot=BOT))[0] is False
