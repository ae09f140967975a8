"""One runner for every form declared in `services/forms`: questions, buttons, typed answers.

`FormRunner(form, finish=...)` shows a form on Telegram: each question with its choices as
inline buttons, Back, Cancel (confirmed when answers would be lost), a step counter, "current
value — keep it", stale or forged buttons, typed labels or numbers for choices, the contact
button for a phone, and media where text is expected. `build_router()` makes its handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.common import LABEL_MAX, button, esc, keyboard, main_menu, translations
from handlers.routing import StateGate
from models import Person
from services import validation
from services.forms.engine import (
    META,
    PROCEED,
    SUMMARY,
    Choice,
    Ctx,
    Form,
    Outcome,
    Step,
    matching_choice,
)


class FormCb(CallbackData, prefix="f"):
    form: str
    step: str
    menu: int  # the question's number in this conversation; an older one is stale
    action: str  # "c" a choice, "back", "cancel", "keep", "quit" (cancel confirmed), "stay"
    index: int = 0


@dataclass
class Turn:
    """The chat and the update's tools, as the runner and the finishers need them."""

    bot: Bot
    chat_id: int
    state: FSMContext
    session: AsyncSession
    i18n: I18nContext
    person: Person
    roles: frozenset[str]
    now: datetime
    settings: Any  # bot.settings.Settings; handlers do not import bot/
    # False when the update found the person without a pending application (PersonMiddleware):
    # the join journey then need not look one up.
    may_have_pending: bool = True

    @property
    def card_key(self) -> bytes:
        key: bytes = self.settings.card_key()
        return key

    @classmethod
    def of(cls, chat_id: int, data: dict[str, Any]) -> Turn:
        clock: Callable[[], datetime] = data["clock"]
        return cls(
            data["bot"],
            chat_id,
            data["state"],
            data["session"],
            data["i18n"],
            data["person"],
            data.get("roles", frozenset()),
            clock(),
            data["settings"],
            data.get("pending_application", True),
        )

    async def say(self, text: str, markup: Any = None) -> None:
        await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def menu(self, key: str = "menu-title") -> None:
        await self.say(self.i18n.get(key), main_menu(self.i18n))


Finish = Callable[[Turn, Ctx, Any], Awaitable[None]]
Cancelled = Callable[[Turn, Ctx], Awaitable[None]]


@lru_cache(maxsize=4096)
def _form_button(
    label: str, form: str, step: str, menu: int, action: str, index: int
) -> InlineKeyboardButton:
    """A form's button, made once for each label and data: every worker's conversation numbers
    its questions alike, so the same buttons come back (nothing changes a button once made)."""
    return button(label, FormCb(form=form, step=step, menu=menu, action=action, index=index))


def _choices(raw: list[list[Any]] | None) -> list[Choice]:
    return [Choice(value, label) for value, label in raw or []]


# Every form's runner by form name, for `text_channel_rules`.
RUNNERS: dict[str, FormRunner] = {}


def text_channel_rules(data: str) -> tuple[bool, bool]:
    """For a button's callback data, on a channel without buttons (Zalo): whether its question
    also takes a typed answer, and whether a typed number may press it. Where a step parses
    typed text, "2" is an answer (two workers), never the second button; a search step numbers
    its results and leaves its controls to be typed by their labels."""
    try:
        pressed = FormCb.unpack(data)
    except (TypeError, ValueError):
        return False, True
    runner = RUNNERS.get(pressed.form)
    step = runner.form.by_name.get(pressed.step) if runner is not None else None
    if step is None or not step.takes_text():
        return False, True
    return True, pressed.action == "c" and step.parse is None


class FormRunner:
    def __init__(self, form: Form, finish: Finish, cancelled: Cancelled | None = None) -> None:
        RUNNERS[form.name] = self
        self.form = form
        self.finish = finish
        self.cancelled = cancelled
        controls = form.controls
        self._back_texts = translations(controls.back)
        self._cancel_texts = translations(controls.cancel)

    # ---- starting and asking --------------------------------------------------------

    def context(self, turn: Turn, data: dict[str, Any]) -> Ctx:
        return Ctx(turn.session, turn.person, turn.roles, turn.now, turn.i18n.get, data, self.form)

    async def load(self, turn: Turn) -> Ctx:
        return self.context(turn, dict(await turn.state.get_data()))

    async def start(
        self,
        turn: Turn,
        draft: dict[str, Any],
        *,
        extra: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        data = {self.form.draft_key: draft, META: {"menu": 0, **(meta or {})}, **(extra or {})}
        ctx = self.context(turn, data)
        await self.ask(turn, ctx, self.form.first(ctx))

    async def ask(
        self,
        turn: Turn,
        ctx: Ctx,
        step: Step,
        *,
        reason: str | None = None,
        found: list[Choice] | None = None,
        header: str | None = None,
    ) -> None:
        """Send `step`'s question (or search results) and remember the choices it offers."""
        t = ctx.t
        current = await step.current(ctx) if step.current else None
        text = await self._question(ctx, step, current, reason, header)
        extra = step.search.extra if step.search and found is not None else ()
        options = [Choice(o.value, t(o.key)) for o in (*extra, *step.options)]
        choices = (found or []) + options
        menu = self._offer(ctx, step, choices)
        await turn.state.set_state(self.form.state(step.name))
        await turn.state.set_data(ctx.data)
        if step.contact:
            await turn.say(text, self._contact_keyboard(t))
            return
        alone = {o.value for o in step.options if o.alone}
        rows = self._choice_rows(step, choices, len(found or []), alone, menu)
        if step.keep and current:
            rows.append([self._button(t(self.form.controls.keep), step, menu, "keep")])
        rows.append(self._controls(step, menu, t))
        await turn.say(text, keyboard(*rows))

    async def _question(
        self, ctx: Ctx, step: Step, current: str | None, reason: str | None, header: str | None
    ) -> str:
        """The reason a reply was refused, then the step counter, question, details, and the
        answer given so far (or, after a search, the results' header)."""
        t = ctx.t
        parts = [f"⚠️ {reason}", ""] if reason else []
        if header is not None:
            return "\n".join([*parts, header])
        position, total = self.form.number(step)
        if self.form.controls.progress and step.counted and position > 0:
            parts.append(t(self.form.controls.progress, step=position, total=total))
        if step.question:
            parts.append(t(step.question))
        if step.details:
            parts.append(await step.details(ctx) or "")
        if current:
            parts.append(t(self.form.controls.current, value=esc(current)))
        return "\n".join(parts)

    @staticmethod
    def _offer(ctx: Ctx, step: Step, choices: list[Choice]) -> int:
        """Remember the choices offered; returns the number their buttons carry."""
        meta = ctx.meta
        offered = [[c.value, c.label] for c in choices]
        # The same question with the same choices keeps its buttons valid; new choices make
        # every earlier button stale, so an old index can never pick from the new list.
        if meta.get("step") != step.name or meta.get("choices") != offered:
            meta["menu"] = int(meta.get("menu", 0)) + 1
        meta["choices"] = offered
        meta["step"] = step.name
        return int(meta["menu"])

    def _button(self, label: str, step: Step, menu: int, action: str, index: int = 0) -> Any:
        return _form_button(label[:LABEL_MAX], self.form.name, step.name, menu, action, index)

    def _choice_rows(
        self, step: Step, choices: list[Choice], found: int, alone: set[Any], menu: int
    ) -> list[list[InlineKeyboardButton]]:
        rows: list[list[InlineKeyboardButton]] = []
        row: list[InlineKeyboardButton] = []
        for index, choice in enumerate(choices):
            item = self._button(choice.label, step, menu, "c", index)
            if index < found or choice.value in alone:
                rows += [row, [item]] if row else [[item]]
                row = []
                continue
            row.append(item)
            if len(row) >= step.columns:
                rows.append(row)
                row = []
        return [*rows, row] if row else rows

    def _controls(self, step: Step, menu: int, t: Callable[..., str]) -> list[InlineKeyboardButton]:
        controls = self.form.controls
        row = [self._button(t(controls.back), step, menu, "back")] if step.back else []
        row.append(self._button(t(controls.cancel), step, menu, "cancel"))
        return row

    def _contact_keyboard(self, t: Callable[..., str]) -> ReplyKeyboardMarkup:
        return ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=t("join-share-phone"), request_contact=True)],
                [
                    KeyboardButton(text=t(self.form.controls.back)),
                    KeyboardButton(text=t(self.form.controls.cancel)),
                ],
            ],
            resize_keyboard=True,
            input_field_placeholder="0912 345 678",
        )

    # ---- answers ----------------------------------------------------------------------

    async def answer(
        self, turn: Turn, ctx: Ctx, step: Step, value: Any, keep: bool = False
    ) -> None:
        """A valid answer (a choice, a parsed text, or "keep it"): run its hook, move on."""
        outcome = PROCEED if keep or step.answer is None else await step.answer(ctx, value)
        outcome = outcome or PROCEED
        if outcome.reason and not outcome.goto:
            await self.ask(turn, ctx, step, reason=outcome.reason)
            return
        if step.field and not keep:
            ctx.draft[step.field] = value
        if step.name != SUMMARY:
            answered = set(ctx.meta.get("answered", ())) - set(step.resets)
            ctx.meta["answered"] = sorted(answered | {step.name})
        await self.follow(turn, ctx, step, outcome)

    async def follow(self, turn: Turn, ctx: Ctx, step: Step, outcome: Outcome) -> None:
        """Where an outcome leads: the end of the form, a named step, or the next one."""
        if outcome.done:
            await turn.state.clear()
            await self._notice(turn, step, outcome.notice)
            await self.finish(turn, ctx, outcome.result)
            return
        target = self.form.by_name[outcome.goto] if outcome.goto else None
        if target is None:
            target = self.form.following(step, ctx)
        if target is None:
            submitted = await self.form.submit(ctx)
            if submitted.done or submitted.goto:
                await self.follow(turn, ctx, step, submitted)
            else:
                await self.ask(turn, ctx, step, reason=submitted.reason)
            return
        if target.name == SUMMARY:
            ctx.meta["editing"] = False
        await self._notice(turn, step, outcome.notice)
        await self.ask(turn, ctx, target, reason=outcome.reason)

    async def _notice(self, turn: Turn, step: Step, notice: str | None) -> None:
        if notice:
            # Leaving the phone step also takes its reply keyboard away.
            await turn.say(notice, ReplyKeyboardRemove() if step.contact else None)

    async def back(self, turn: Turn, ctx: Ctx, step: Step) -> None:
        previous = self.form.previous(step, ctx)
        if previous is None:
            await self.cancel(turn, ctx, step)
            return
        if step.contact:
            await turn.say("↩️", ReplyKeyboardRemove())
        await self.ask(turn, ctx, previous)

    async def cancel(self, turn: Turn, ctx: Ctx, step: Step, confirmed: bool = False) -> None:
        """Cancel the form; asks first when answers would be lost."""
        if not confirmed and ctx.meta.get("answered"):
            ctx.meta["menu"] = menu = int(ctx.meta.get("menu", 0)) + 1
            await turn.state.set_data(ctx.data)
            t = ctx.t
            await turn.say(
                t("form-cancel-confirm"),
                keyboard(
                    [self._button(t("form-cancel-yes"), step, menu, "quit")],
                    [self._button(t("form-cancel-no"), step, menu, "stay")],
                ),
            )
            return
        await turn.state.clear()
        if self.cancelled is not None:
            await self.cancelled(turn, ctx)
            return
        text = turn.i18n.get(self.form.controls.cancelled)
        if step.contact:  # the phone step's reply keyboard goes away first
            await turn.say(text, ReplyKeyboardRemove())
            await turn.menu()
        else:
            await turn.say(text, main_menu(turn.i18n))

    async def on_text(self, turn: Turn, ctx: Ctx, step: Step, text: str) -> None:
        stripped = text.strip()
        if stripped in self._back_texts and step.back:
            await self.back(turn, ctx, step)
            return
        if stripped in self._cancel_texts:
            await self.cancel(turn, ctx, step)
            return
        choices = _choices(ctx.meta.get("choices"))
        chosen = matching_choice(text, choices, numbers=not step.takes_text())
        if chosen is not None:
            await self.answer(turn, ctx, step, chosen.value)
        elif step.search is not None and (step.search.takes or bool)(text):
            await self.search(turn, ctx, step, text)
        elif step.parse is not None:
            parsed = step.parse(text, ctx)
            if isinstance(parsed, validation.Invalid):
                await self.ask(turn, ctx, step, reason=ctx.t(parsed.reason, **parsed.args))
            else:
                await self.answer(turn, ctx, step, parsed.value)
        else:
            await self.ask(turn, ctx, step, reason=ctx.t(self.form.controls.use_buttons))

    async def search(self, turn: Turn, ctx: Ctx, step: Step, text: str) -> None:
        assert step.search is not None
        query = " ".join(text.split())
        controls = self.form.controls
        if len(query) < 2:
            await self.ask(turn, ctx, step, reason=ctx.t(controls.query_short))
            return
        if len(query) > step.search.longest:
            reason = ctx.t(controls.query_long, max=step.search.longest)
            await self.ask(turn, ctx, step, reason=reason)
            return
        ctx.meta["query"] = query
        found = await step.search.run(ctx, query)
        header = ctx.t(step.search.found if found else step.search.none, query=esc(query))
        await self.ask(turn, ctx, step, found=found, header=header)

    # ---- the router ---------------------------------------------------------------------

    def in_form(self, raw_state: str | None) -> bool:
        return self.form.step_of(raw_state) is not None

    def build_router(self) -> Router:
        router = Router(name=f"form-{self.form.name}")
        name = self.form.name
        router.callback_query.register(self._on_button, FormCb.filter(F.form == name))
        state_filter = _InForm(self)
        router.message.register(self._on_contact, state_filter, F.contact)
        router.message.register(
            self._on_message_text, state_filter, F.text, ~F.text.startswith("/")
        )
        router.message.register(self._on_other, state_filter, ~F.text)
        return router

    async def _on_button(
        self, query: CallbackQuery, callback_data: FormCb, raw_state: str | None, **data: Any
    ) -> None:
        turn = Turn.of(query.from_user.id, data)
        ctx = await self.load(turn)
        step = self.form.step_of(raw_state)
        fresh = (
            step is not None
            and callback_data.step == step.name
            and callback_data.menu == int(ctx.meta.get("menu", -1))
        )
        if not fresh or step is None:
            await query.answer(ctx.t(self.form.controls.stale))
            await self.stale(turn, raw_state)
            return
        await query.answer()
        action = callback_data.action
        if action == "back":
            await self.back(turn, ctx, step)
        elif action in ("cancel", "quit"):
            await self.cancel(turn, ctx, step, confirmed=action == "quit")
        elif action == "stay":
            await self.ask(turn, ctx, step)
        elif action == "keep":
            await self.answer(turn, ctx, step, None, keep=True)
        else:
            choices = _choices(ctx.meta.get("choices"))
            if not 0 <= callback_data.index < len(choices):
                await self.ask(turn, ctx, step, reason=ctx.t(self.form.controls.stale))
                return
            await self.answer(turn, ctx, step, choices[callback_data.index].value)

    async def stale(self, turn: Turn, raw_state: str | None) -> None:
        """A button from an earlier message: say so, and repeat the current question."""
        reason = turn.i18n.get(self.form.controls.stale)
        step = self.form.step_of(raw_state)
        if step is None:
            await turn.say(reason, main_menu(turn.i18n))
            return
        await self.ask(turn, await self.load(turn), step, reason=reason)

    async def _on_contact(self, message: Message, raw_state: str | None, **data: Any) -> None:
        turn = Turn.of(message.chat.id, data)
        ctx = await self.load(turn)
        step = self.form.step_of(raw_state)
        assert step is not None and message.contact is not None and message.from_user is not None
        if not step.contact:
            await self._refuse_content(turn, ctx, step)
        elif message.contact.user_id != message.from_user.id:
            await self.ask(turn, ctx, step, reason=ctx.t("join-phone-not-own"))
        else:
            await self.on_text(turn, ctx, step, message.contact.phone_number)

    async def _on_message_text(self, message: Message, raw_state: str | None, **data: Any) -> None:
        turn = Turn.of(message.chat.id, data)
        step = self.form.step_of(raw_state)
        assert step is not None
        await self.on_text(turn, await self.load(turn), step, message.text or "")

    async def _on_other(self, message: Message, raw_state: str | None, **data: Any) -> None:
        """Stickers, photos, voice: text or a button is expected."""
        turn = Turn.of(message.chat.id, data)
        step = self.form.step_of(raw_state)
        assert step is not None
        await self._refuse_content(turn, await self.load(turn), step)

    async def _refuse_content(self, turn: Turn, ctx: Ctx, step: Step) -> None:
        controls = self.form.controls
        key = controls.text_only if step.takes_text() else controls.use_buttons
        await self.ask(turn, ctx, step, reason=ctx.t(key))


class _InForm(Filter, StateGate):
    """Matches updates whose conversation is at one of the runner's steps."""

    def __init__(self, runner: FormRunner) -> None:
        self.runner = runner

    async def __call__(self, _event: object, raw_state: str | None = None) -> bool:
        return self.runner.in_form(raw_state)

    def gate_states(self) -> frozenset[str]:
        form = self.runner.form
        return frozenset(form.state(step.name) for step in form.steps)


def build_cancel_router(runners: list[FormRunner]) -> Router:
    """`/cancel` anywhere: cancels the form the person is in (asking first), or says so."""
    router = Router(name="cancel")

    @router.message(Command("cancel"))
    async def cancel_command(message: Message, raw_state: str | None, **data: Any) -> None:
        turn = Turn.of(message.chat.id, data)
        for runner in runners:
            step = runner.form.step_of(raw_state)
            if step is not None:
                await runner.cancel(turn, await runner.load(turn), step)
                return
        await turn.say(turn.i18n.get("form-nothing-to-cancel"), main_menu(turn.i18n))

    return router
