"""Forms as data: the steps of a multi-step form and the rules that move between them.

A form is a tuple of `Step`s. Each step names its question (a Fluent key, written out where the
step is declared), how a typed answer is parsed, the choices it offers (fixed options, or the
results of a search over what was typed), when it applies, and where its answer goes. One runner
(`handlers/forms.py`) shows any form on a chat channel; nothing here knows which one.

The conversation state holds the draft (under the form's `draft_key`, read by My data and by
housekeeping) and the engine's own bookkeeping under `META`: the choices last offered, so that a
button, its label typed back, or its number on a text-only channel all mean the same thing, even
after a restart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import Person
from services.validation import Parsed, normalize_search_key, parse_free_text

# Renders a Fluent key with its arguments (the caller's locale is already chosen).
Text = Callable[..., str]
META = "_form"


@dataclass
class Ctx:
    """What a step's parser and hooks may read and change while one answer is handled."""

    session: AsyncSession
    person: Person
    roles: frozenset[str]
    now: datetime
    t: Text
    data: dict[str, Any]
    form: Form

    @property
    def draft(self) -> dict[str, Any]:
        draft: dict[str, Any] = self.data.setdefault(self.form.draft_key, {})
        return draft

    @property
    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = self.data.setdefault(META, {})
        return meta


@dataclass(frozen=True, slots=True)
class Option:
    """A fixed choice: the value it answers and the Fluent key of its label."""

    value: Any
    key: str
    alone: bool = False  # on a row of its own


@dataclass(frozen=True, slots=True)
class Choice:
    """A choice as offered: its value and its label, rendered."""

    value: Any
    label: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a hook decided about an answer.

    `reason`: refuse it, ask the same step again under this text. `goto`: ask that step next
    instead of the following one. `notice`: a message to send before the next question.
    `done`: the form is over; the runner clears it and hands `result` to the form's finisher.
    """

    reason: str | None = None
    goto: str | None = None
    notice: str | None = None
    done: bool = False
    result: Any = None


def refuse(reason: str) -> Outcome:
    return Outcome(reason=reason)


def goto(step: str, notice: str | None = None) -> Outcome:
    return Outcome(goto=step, notice=notice)


def done(result: Any) -> Outcome:
    return Outcome(done=True, result=result)


PROCEED = Outcome()


def summary_answer(submit: Callable[[Ctx], Awaitable[Outcome]]) -> Hook:
    """The hook of a summary step: "submit" runs `submit`; any other choice names the step
    to edit, after which the form comes back to the summary."""

    async def answer(ctx: Ctx, value: Any) -> Outcome:
        if value == "submit":
            return await submit(ctx)
        ctx.meta["editing"] = True
        return goto(str(value))

    return answer


def free_text(max_len: int) -> Parser:
    """A step's parser for a short free text of at most `max_len` characters."""
    return lambda text, _ctx: parse_free_text(text, max_len=max_len)


def draft_value(name: str, show: Callable[[Any], str | None] = str) -> Render:
    """A step's "current value": the draft's `name`, shown with `show` (None when unset)."""

    async def current(ctx: Ctx) -> str | None:
        value = ctx.draft.get(name)
        return None if value is None else show(value)

    return current


async def ends_in_its_step(_ctx: Ctx) -> Outcome:
    """The `submit` of a one-step form whose step's hook ends it."""
    return done(None)


Parser = Callable[[str, Ctx], Parsed[Any]]
Hook = Callable[[Ctx, Any], Awaitable[Outcome | None]]
Render = Callable[[Ctx], Awaitable[str | None]]


@dataclass(frozen=True, slots=True)
class Search:
    """Choices found from what the person typed (the register, the wards in scope)."""

    run: Callable[[Ctx, str], Awaitable[list[Choice]]]
    found: str  # Fluent key shown above the matches, with $query
    none: str  # Fluent key when nothing matched, with $query
    longest: int = 100
    # Offered under the matches only (e.g. "not in the list").
    extra: tuple[Option, ...] = ()
    # With a parser too: which texts are queries (the others are parsed, with its reasons).
    takes: Callable[[str], bool] | None = None


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    question: str | None  # None: `details` is the whole question (a summary, a record)
    field: str | None = None  # the draft key a valid answer is written to
    parse: Parser | None = None  # a typed answer; None: the step takes choices only
    options: tuple[Option, ...] = ()
    search: Search | None = None
    contact: bool = False  # the phone number may be shared with a button
    applies: Callable[[Ctx], bool] | None = None
    answer: Hook | None = None  # runs on a valid answer, before it is written
    details: Render | None = None  # text under the question (a summary, a record)
    current: Render | None = None  # the answer given so far, shown with "keep it"
    resets: tuple[str, ...] = ()  # steps whose answers no longer hold after this one changes
    columns: int = 1  # options per row
    counted: bool = True  # part of "step n of m"; a branch shares its parent's number
    back: bool = True
    keep: bool = True

    def takes_text(self) -> bool:
        return self.parse is not None or self.search is not None


@dataclass(frozen=True, slots=True)
class Controls:
    """The form's own words for the controls every step shares (Fluent keys)."""

    back: str
    cancel: str
    keep: str
    current: str
    stale: str
    use_buttons: str
    text_only: str
    cancelled: str
    progress: str | None = None
    query_short: str = "form-query-too-short"
    query_long: str = "form-query-too-long"


@dataclass(frozen=True)
class Form:
    name: str
    draft_key: str
    steps: tuple[Step, ...]
    controls: Controls
    # Called when the last step is passed (or by a summary's submit): the form's effect.
    submit: Callable[[Ctx], Awaitable[Outcome]]
    by_name: dict[str, Step] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {step.name: step for step in self.steps})

    def state(self, step: str) -> str:
        return f"{self.name}:{step}"

    def step_of(self, raw_state: str | None) -> Step | None:
        prefix, _, name = (raw_state or "").partition(":")
        return self.by_name.get(name) if prefix == self.name else None

    # ---- navigation -------------------------------------------------------------------

    def _applies(self, step: Step, ctx: Ctx) -> bool:
        return step.applies is None or step.applies(ctx)

    def first(self, ctx: Ctx) -> Step:
        return next(s for s in self.steps if self._applies(s, ctx))

    def following(self, step: Step, ctx: Ctx) -> Step | None:
        """The next step to ask; while editing from a summary, the next unanswered one."""
        index = self.steps.index(step)
        editing = bool(ctx.meta.get("editing"))
        answered = set(ctx.meta.get("answered", ()))
        for candidate in self.steps[index + 1 :]:
            if not self._applies(candidate, ctx):
                continue
            if editing and candidate.name in answered:
                continue
            return candidate
        return None

    def previous(self, step: Step, ctx: Ctx) -> Step | None:
        if ctx.meta.get("editing") and self._has(SUMMARY):
            return self.by_name[SUMMARY]
        index = self.steps.index(step)
        for candidate in reversed(self.steps[:index]):
            if self._applies(candidate, ctx):
                return candidate
        return None

    def number(self, step: Step) -> tuple[int, int]:
        """Step n of m, counting the main line only (a branch shares its parent's number)."""
        counted = [s for s in self.steps if s.counted]
        position = 0
        for candidate in self.steps:
            if candidate.counted:
                position += 1
            if candidate is step:
                break
        return position, len(counted)

    def _has(self, name: str) -> bool:
        return name in self.by_name


SUMMARY = "summary"


def matching_choice(text: str, choices: list[Choice], numbers: bool) -> Choice | None:
    """The choice a typed reply names: its label (ignoring case and diacritics), or its number
    when `numbers` (a step that takes no typed answer, or a text-only channel)."""
    typed = normalize_search_key(text)
    if not typed:
        return None
    for choice in choices:
        if normalize_search_key(choice.label) == typed:
            return choice
    raw = text.strip().lstrip("#")
    # isdecimal, not isdigit: "²" and "①" are digits to Unicode but no number to int().
    if numbers and raw.isdecimal() and 1 <= int(raw) <= len(choices):
        return choices[int(raw) - 1]
    return None
