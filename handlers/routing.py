"""An index over the router tree: an update is offered only to the routers that can take it.

aiogram offers every message and button press to each router in turn, and each router checks
each of its handlers' filters, until one handles it: a press on a join-form button went through
some forty routers and a hundred filter checks first (a fifth of an update's CPU). Almost every
handler here says up front what it takes, in a filter aiogram already has:

- a command (`Command`, `CommandStart`): only a message whose text starts with "/";
- a form step (`_InForm`): only a conversation at one of that form's states;
- a button (`SomeCb.filter(...)`): only callback data with that prefix, and, when the rule is
  `F.<first field> == value` or `.in_({...})`, only those values of the first field.

The index reads those filters once, when the first update arrives, and keeps, per kind of
update and per key (command or not and the state; the callback's prefix and first field), the
routers in aiogram's own order whose handlers might match. Those routers then run exactly as
aiogram runs them (`observer.trigger`: every filter checked, inner middlewares, flags), so an
update reaches the same handler as with the full walk. A handler with any other filter — or
none — keeps its router in every list. Routers with router-level filters or outer middlewares
(other than the root's) are not indexed: the full walk is used for that kind of update.
"""

from __future__ import annotations

import operator
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Message, TelegramObject
from magic_filter.operations import ComparatorOperation, FunctionOperation, GetAttributeOperation
from magic_filter.util import in_op

INDEXED = ("message", "callback_query")


class StateGate:
    """A filter that matches only at certain conversation states declares them here."""

    def gate_states(self) -> frozenset[str]:
        raise NotImplementedError


# What a handler takes: None = anything; else the keys it may match.
_Keys = frozenset[Any] | None
_COMMAND = "command"  # the key of "a message starting with the command prefix"


def _message_keys(handler: HandlerObject) -> _Keys:
    # A handler needs all its filters to pass: listing it under one of them is enough.
    for flt in handler.filters or ():
        gate = flt.callback
        if isinstance(gate, Command):  # CommandStart too; each character is a prefix
            return frozenset((_COMMAND, prefix) for prefix in gate.prefix)
        if isinstance(gate, StateGate):
            return frozenset(("state", state) for state in gate.gate_states())
    return None


def _callback_keys(handler: HandlerObject) -> _Keys:
    for flt in handler.filters or ():
        gate = flt.callback
        if not isinstance(gate, CallbackQueryFilter):
            continue
        data = gate.callback_data
        if data.__separator__ != ":":
            return None
        prefix = data.__prefix__
        values = _first_field_values(gate, next(iter(data.model_fields), None))
        if values is None:
            return frozenset({(prefix, None)})
        return frozenset((prefix, value) for value in values)
    return None


def _first_field_values(gate: CallbackQueryFilter, first: str | None) -> frozenset[str] | None:
    """The values of the callback data's first field that `F.<first> == v` or
    `F.<first>.in_({...})` admits; None when the rule says anything else (or nothing)."""
    operations = getattr(gate.rule, "_operations", None)
    if first is None or not operations or len(operations) != 2:
        return None
    attribute, test = operations
    if not isinstance(attribute, GetAttributeOperation) or attribute.name != first:
        return None
    if isinstance(test, ComparatorOperation) and test.comparator is operator.eq:
        values: Iterable[Any] = (test.right,)
    elif isinstance(test, FunctionOperation) and test.function is in_op and len(test.args) == 1:
        values = test.args[0]
    else:
        return None
    values = tuple(values)
    if not all(isinstance(value, str) and ":" not in value for value in values):
        return None
    return frozenset(values)


@dataclass
class _Index:
    """The routers (in aiogram's order) for one kind of update, by key."""

    routers: list[Router]
    open: list[int] = field(default_factory=list)  # take anything
    by_key: dict[Any, list[int]] = field(default_factory=dict)
    cache: dict[Any, tuple[Router, ...]] = field(default_factory=dict)

    def add(self, position: int, keys: _Keys) -> None:
        if keys is None:
            self.open.append(position)
            return
        for key in keys:
            self.by_key.setdefault(key, []).append(position)

    def routers_for(self, keys: tuple[Any, ...]) -> tuple[Router, ...]:
        known = tuple(key for key in keys if key in self.by_key)  # bounded: a cache key
        found = self.cache.get(known)
        if found is None:
            positions = set(self.open)
            for key in known:
                positions.update(self.by_key[key])
            found = self.cache[known] = tuple(self.routers[i] for i in sorted(positions))
        return found


def _walk(router: Router) -> Iterator[Router]:
    """Depth first, a router before its sub-routers: the order aiogram tries them in."""
    yield router
    for sub in router.sub_routers:
        yield from _walk(sub)


def _build(root: Router, update_type: str) -> _Index | None:
    routers = list(_walk(root))[1:]
    index = _Index(routers)
    keys_of = _message_keys if update_type == "message" else _callback_keys
    for position, router in enumerate(routers):
        observer: TelegramEventObserver = router.observers[update_type]
        if observer._handler.filters or observer.outer_middleware._middlewares:
            return None  # what the full walk does there is not the index's to skip
        handler_keys = [keys_of(handler) for handler in observer.handlers]
        if not handler_keys:
            continue
        if any(keys is None for keys in handler_keys):
            index.add(position, None)
        else:
            index.add(position, frozenset().union(*handler_keys))  # type: ignore[arg-type]
    return index


def _event_keys(update_type: str, event: TelegramObject, raw_state: str | None) -> tuple[Any, ...]:
    if update_type == "message":
        assert isinstance(event, Message)
        text = event.text or event.caption or ""
        keys: list[Any] = [("state", raw_state)]
        if text:
            keys.append((_COMMAND, text[0]))
        return tuple(keys)
    assert isinstance(event, CallbackQuery)
    if event.data is None:
        return ()
    prefix, _, rest = event.data.partition(":")
    return ((prefix, None), (prefix, rest.partition(":")[0]))


def run_magic_filters_inline(root: Router) -> None:
    """Evaluate `F.…` filters on the event loop instead of in a thread.

    aiogram runs a synchronous filter callable through `asyncio.to_thread`, and a magic filter
    (`F.text`, `F.chat.type == …`) resolves to one: every message paid two or three thread
    round trips just to look at its own attributes (about 5 % of an update's time, and the
    worker threads' CPU besides). Resolving a magic filter reads attributes and compares
    values, never blocks, so it is awaited in place.
    """
    for router in _walk(root):
        for observer in router.observers.values():
            for handler in (observer._handler, *observer.handlers):
                for flt in handler.filters or ():
                    if flt.magic is not None and not flt.awaitable:
                        flt.callback = _awaitable(flt.magic.resolve)
                        flt.awaitable = True


def _awaitable(resolve: Callable[[Any], Any]) -> Callable[[Any], Awaitable[Any]]:
    async def resolved(value: Any) -> Any:
        return resolve(value)

    return resolved


class IndexedRouter(Router):
    """The root router: offers an update only to the routers the index lists for it."""

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._indexes: dict[str, _Index | None] = {}

    def index(self, update_type: str) -> _Index | None:
        """Built on first use: routers are all included by then, and never change after."""
        if update_type not in self._indexes:
            self._indexes[update_type] = _build(self, update_type)
        return self._indexes[update_type]

    async def _propagate_event(
        self,
        observer: TelegramEventObserver | None,
        update_type: str,
        event: TelegramObject,
        **kwargs: Any,
    ) -> Any:
        index = self.index(update_type) if update_type in INDEXED else None
        if index is None or observer is None or observer.handlers:
            return await super()._propagate_event(observer, update_type, event, **kwargs)
        # As aiogram's walk: the root's own filters first (private chats only), then each
        # router that may take the event, by its own observer.
        passed, data = await observer.check_root_filters(event, **kwargs)
        if not passed:
            return UNHANDLED
        kwargs.update(data)
        keys = _event_keys(update_type, event, kwargs.get("raw_state"))
        for router in index.routers_for(keys):
            kwargs["event_router"] = router
            response = await router.observers[update_type].trigger(event, **kwargs)
            if response is not UNHANDLED:
                return response
        return UNHANDLED
