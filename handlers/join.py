"""The worker's join journey: consent, a short form one step at a time, summary, submit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.application import render_application
from handlers.common import (
    MenuCb,
    TextIs,
    button,
    choice_rows,
    esc,
    keyboard,
    main_menu,
    search_query,
)
from models import Enterprise, Person, Unit, UnitKind
from services import validation
from services.applications import (
    AlreadyPendingError,
    Draft,
    IncompleteDraftError,
    pending_application,
    submit_application,
)
from services.register import enterprise_by_id, search_enterprises, search_wards
from services.routing import NoUnitsError

router = Router(name="join")


class JoinForm(StatesGroup):
    consent = State()
    full_name = State()
    birth_date = State()
    gender = State()
    phone = State()
    citizen_id = State()
    workplace = State()
    employer_name = State()
    employer_ward = State()
    job = State()
    summary = State()


class JoinCb(CallbackData, prefix="j"):
    step: str  # the step whose message carried the button; a mismatch means an old message
    action: str
    value: str = ""


STEPS: dict[str, State] = {
    name: getattr(JoinForm, name)
    for name in (
        "consent",
        "full_name",
        "birth_date",
        "gender",
        "phone",
        "citizen_id",
        "workplace",
        "employer_name",
        "employer_ward",
        "job",
        "summary",
    )
}
STEP_OF_STATE = {state.state: name for name, state in STEPS.items()}
# The main line of the form; employer_name and employer_ward branch off "workplace".
ORDER = ["consent", "full_name", "birth_date", "gender", "phone", "citizen_id", "workplace", "job"]
EDITABLE = ["full_name", "birth_date", "gender", "phone", "citizen_id", "workplace", "job"]
GENDERS = ["male", "female", "other"]
TEXT_PARSERS: dict[str, Callable[[str], validation.Parsed[str]]] = {
    "full_name": validation.parse_full_name,
    "citizen_id": validation.parse_citizen_id,
    "employer_name": partial(validation.parse_free_text, max_len=200),
    "job": partial(validation.parse_free_text, max_len=100),
}
TEXT_STEPS = [
    "full_name",
    "birth_date",
    "phone",
    "citizen_id",
    "workplace",
    "employer_name",
    "employer_ward",
    "job",
]


# ---- rendering -------------------------------------------------------------------------


def _controls(step: str, i18n: I18nContext, back: bool = True) -> list[InlineKeyboardButton]:
    row = [button(i18n.get("join-back"), JoinCb(step=step, action="back"))] if back else []
    row.append(button(i18n.get("join-cancel"), JoinCb(step=step, action="cancel")))
    return row


def _step_number(step: str) -> tuple[int, int]:
    base = "workplace" if step in ("employer_name", "employer_ward") else step
    return ORDER.index(base), len(ORDER) - 1


async def _enterprise_label(session: AsyncSession, enterprise_id: int | None) -> str | None:
    if enterprise_id is None:
        return None
    enterprise = await enterprise_by_id(session, enterprise_id)
    return None if enterprise is None else f"{enterprise.name} (MST {enterprise.tax_code})"


async def summary_text(
    session: AsyncSession, i18n: I18nContext, draft: Draft, key: str = "join-summary"
) -> str:
    """The draft's answers under the message `key` (the summary, or "My data")."""
    workplace = await _enterprise_label(session, draft.enterprise_id)
    if workplace is None and draft.employer_name:
        ward = await session.get(Unit, draft.employer_ward_id) if draft.employer_ward_id else None
        workplace = draft.employer_name + (f", {ward.name}" if ward else "")
    dash = i18n.get("join-summary-empty")
    return i18n.get(
        key,
        full_name=esc(draft.full_name or dash),
        birth_date=_display_date(draft.birth_date) or dash,
        gender=i18n.get(f"gender-{draft.gender}") if draft.gender else dash,
        phone=esc(draft.phone or dash),
        citizen_id=esc(draft.citizen_id or i18n.get("join-summary-skipped")),
        workplace=esc(workplace or dash),
        job=esc(draft.job or dash),
    )


def _display_date(iso: str | None) -> str | None:
    return None if iso is None else date.fromisoformat(iso).strftime("%d/%m/%Y")


async def ask(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    step: str,
    *,
    reason: str | None = None,
) -> None:
    """Move the conversation to `step` and send its question (after a reason, if any)."""
    await state.set_state(STEPS[step])
    data = await state.get_data()
    draft = Draft.from_state(data)
    editing = bool(data.get("editing"))
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None
    if step == "summary":
        text = await summary_text(session, i18n, draft)
        edit_buttons = [
            button(
                i18n.get(f"join-edit-{name.replace('_', '-')}"),
                JoinCb(step=step, action="edit", value=name),
            )
            for name in EDITABLE
        ]
        markup = keyboard(
            *[edit_buttons[i : i + 2] for i in range(0, len(edit_buttons), 2)],
            [button(i18n.get("join-submit"), JoinCb(step=step, action="submit"))],
            [button(i18n.get("join-cancel"), JoinCb(step=step, action="cancel"))],
        )
    else:
        number, total = _step_number(step)
        text = i18n.get(f"join-ask-{step.replace('_', '-')}")
        if number > 0:
            text = i18n.get("join-progress", step=number, total=total) + "\n" + text
        markup = _step_markup(step, i18n, draft, editing)
        current = await _current_value(session, step, draft)
        if current and (editing or step == "workplace"):
            text += "\n" + i18n.get("join-current-value", value=esc(current))
    if reason:
        text = f"⚠️ {reason}\n\n{text}"
    await bot.send_message(chat_id, text, reply_markup=markup)


async def _current_value(session: AsyncSession, step: str, draft: Draft) -> str | None:
    if step == "workplace":
        return await _enterprise_label(session, draft.enterprise_id) or draft.employer_name
    value = {
        "full_name": draft.full_name,
        "birth_date": _display_date(draft.birth_date),
        "phone": draft.phone,
        "citizen_id": draft.citizen_id,
        "employer_name": draft.employer_name,
        "job": draft.job,
    }.get(step)
    return None if value is None else str(value)


def _step_markup(
    step: str, i18n: I18nContext, draft: Draft, editing: bool
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup:
    if step == "consent":
        return keyboard(
            [button(i18n.get("join-consent-agree"), JoinCb(step=step, action="agree"))],
            [button(i18n.get("join-consent-decline"), JoinCb(step=step, action="decline"))],
        )
    if step == "phone":
        return ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=i18n.get("join-share-phone"), request_contact=True)],
                [
                    KeyboardButton(text=i18n.get("join-back")),
                    KeyboardButton(text=i18n.get("join-cancel")),
                ],
            ],
            resize_keyboard=True,
            one_time_keyboard=False,
            input_field_placeholder="0912 345 678",
        )
    rows: list[list[InlineKeyboardButton]] = []
    if step == "gender":
        rows.append(
            [
                button(i18n.get(f"gender-{g}"), JoinCb(step=step, action="pick", value=g))
                for g in GENDERS
            ]
        )
    elif step == "citizen_id":
        rows.append([button(i18n.get("join-skip"), JoinCb(step=step, action="skip"))])
    elif step == "employer_ward":
        rows.append([button(i18n.get("join-ward-unknown"), JoinCb(step=step, action="skip"))])
    preset = step == "workplace" and draft.enterprise_id is not None
    if preset or (editing and step != "employer_ward"):
        rows.append([button(i18n.get("join-keep"), JoinCb(step=step, action="keep"))])
    rows.append(_controls(step, i18n))
    return keyboard(*rows)


# ---- moving between steps -------------------------------------------------------------


def _next_step(step: str, data: dict[str, Any]) -> str:
    if data.get("editing") and step not in ("workplace", "employer_name"):
        return "summary"
    if step == "employer_name":
        return "employer_ward"
    if step == "employer_ward":
        return "summary" if data.get("editing") else "job"
    following = ORDER[ORDER.index(step) + 1] if ORDER.index(step) + 1 < len(ORDER) else "summary"
    if following == "workplace" and data.get("preset"):
        following = "job"
    return following


def _previous_step(step: str, data: dict[str, Any]) -> str | None:
    if data.get("editing"):
        return "workplace" if step in ("employer_name", "employer_ward") else "summary"
    if step == "employer_name":
        return "workplace"
    if step == "employer_ward":
        return "employer_name"
    if step == "job" and not data.get("preset") and data.get("draft", {}).get("employer_name"):
        return "employer_ward"
    index = ORDER.index(step)
    previous = ORDER[index - 1] if index > 0 else None
    if previous == "workplace" and data.get("preset"):
        previous = "citizen_id"
    return previous


async def _save(state: FSMContext, draft: Draft, **extra: Any) -> dict[str, Any]:
    return await state.update_data(draft=draft.to_state(), **extra)


async def _advance(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    step: str,
    draft: Draft,
    *,
    ack: str | None = None,
) -> None:
    data = await _save(state, draft)
    following = _next_step(step, data)
    if following == "summary":
        await state.update_data(editing=False)
    if ack:
        # Also takes the phone step's reply keyboard away.
        await bot.send_message(chat_id, ack, reply_markup=ReplyKeyboardRemove())
    await ask(bot, chat_id, state, session, i18n, following)


def in_join(raw_state: str | None) -> bool:
    return raw_state in STEP_OF_STATE


async def offer_resume(bot: Bot, chat_id: int, i18n: I18nContext) -> None:
    await bot.send_message(
        chat_id,
        i18n.get("join-resume"),
        reply_markup=keyboard(
            [button(i18n.get("join-resume-continue"), JoinCb(step="any", action="continue"))],
            [button(i18n.get("join-resume-restart"), JoinCb(step="any", action="restart"))],
        ),
    )


async def start_join(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    *,
    enterprise: Enterprise | None = None,
    source: str | None = None,
    lead_ref: str | None = None,
) -> None:
    """Begin (or offer to resume) the join journey; shows a pending application instead."""
    pending = await pending_application(session, person.id)
    if pending is not None:
        await bot.send_message(
            chat_id,
            i18n.get("join-already-pending")
            + "\n\n"
            + await render_application(session, i18n, pending),
            reply_markup=main_menu(i18n),
        )
        return
    current = await state.get_state()
    data = await state.get_data()
    if current in STEP_OF_STATE:
        draft = Draft.from_state(data)
        if enterprise is not None:
            draft.enterprise_id, draft.employer_name, draft.employer_ward_id = (
                enterprise.id,
                None,
                None,
            )
            draft.source = source or draft.source
            draft.lead_ref = lead_ref or draft.lead_ref
            await _save(state, draft, preset=True)
        await offer_resume(bot, chat_id, i18n)
        return
    draft = Draft(source=source, lead_ref=lead_ref)
    if enterprise is not None:
        draft.enterprise_id = enterprise.id
    await state.set_data({"draft": draft.to_state(), "preset": enterprise is not None})
    if enterprise is not None:
        await bot.send_message(chat_id, i18n.get("join-for-enterprise", name=esc(enterprise.name)))
    await ask(bot, chat_id, state, session, i18n, "consent")


@router.message(Command("join"))
async def cmd_join(
    message: Message,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
) -> None:
    await start_join(bot, message.chat.id, state, session, i18n, person)


@router.callback_query(MenuCb.filter(F.action == "join"))
async def menu_join(
    query: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
) -> None:
    await query.answer()
    await start_join(bot, query.from_user.id, state, session, i18n, person)


@router.callback_query(JoinCb.filter(F.step == "any"))
async def resume_choice(
    query: CallbackQuery,
    callback_data: JoinCb,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
) -> None:
    await query.answer()
    current = await state.get_state()
    if current not in STEP_OF_STATE:
        await start_join(bot, query.from_user.id, state, session, i18n, person)
        return
    if callback_data.action == "restart":
        await state.clear()
        await start_join(bot, query.from_user.id, state, session, i18n, person)
        return
    await ask(bot, query.from_user.id, state, session, i18n, STEP_OF_STATE[current])


# ---- button answers ---------------------------------------------------------------------


def _is_current(callback_data: JoinCb, raw_state: str | None) -> bool:
    return STEP_OF_STATE.get(raw_state or "") == callback_data.step


async def cancel_join(bot: Bot, chat_id: int, state: FSMContext, i18n: I18nContext) -> None:
    await state.clear()
    await bot.send_message(chat_id, i18n.get("join-cancelled"), reply_markup=ReplyKeyboardRemove())
    await bot.send_message(chat_id, i18n.get("menu-title"), reply_markup=main_menu(i18n))


async def go_back(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    step: str,
) -> None:
    previous = _previous_step(step, await state.get_data())
    if previous is None:
        await cancel_join(bot, chat_id, state, i18n)
        return
    await ask(bot, chat_id, state, session, i18n, previous)


@router.callback_query(JoinCb.filter())
async def on_button(
    query: CallbackQuery,
    callback_data: JoinCb,
    state: FSMContext,
    raw_state: str | None,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
    person: Person,
    clock: Callable[[], datetime],
) -> None:
    if not _is_current(callback_data, raw_state):
        await stale_button(query, state, raw_state, i18n, bot, session)
        return
    chat_id = query.from_user.id
    step, action, value = callback_data.step, callback_data.action, callback_data.value
    draft = Draft.from_state(await state.get_data())
    await query.answer()
    if action == "cancel":
        await cancel_join(bot, chat_id, state, i18n)
    elif action == "back":
        await go_back(bot, chat_id, state, session, i18n, step)
    elif step == "consent" and action == "agree":
        draft.consent_at = clock().astimezone(UTC).isoformat()
        await _advance(bot, chat_id, state, session, i18n, step, draft)
    elif step == "consent" and action == "decline":
        await state.clear()
        await bot.send_message(
            chat_id, i18n.get("join-consent-declined"), reply_markup=main_menu(i18n)
        )
    elif step == "gender" and action == "pick":
        parsed = validation.parse_gender(value)
        if isinstance(parsed, validation.Invalid):
            await _refuse(bot, chat_id, state, session, i18n, step, parsed)
            return
        draft.gender = parsed.value
        await _advance(bot, chat_id, state, session, i18n, step, draft)
    elif step == "citizen_id" and action == "skip":
        draft.citizen_id, draft.citizen_id_skipped = None, True
        await _advance(bot, chat_id, state, session, i18n, step, draft)
    elif step == "workplace" and action == "pick":
        enterprise = await enterprise_by_id(session, int(value)) if value.isdigit() else None
        if enterprise is None:
            await ask(
                bot, chat_id, state, session, i18n, step, reason=i18n.get("join-workplace-gone")
            )
            return
        draft.enterprise_id, draft.employer_name, draft.employer_ward_id = enterprise.id, None, None
        await _advance(bot, chat_id, state, session, i18n, "employer_ward", draft)
    elif step == "workplace" and action == "notlisted":
        await _save(state, draft)
        await ask(bot, chat_id, state, session, i18n, "employer_name")
    elif step == "employer_ward" and action in ("pick", "skip"):
        ward = None
        if action == "pick":
            ward = await session.get(Unit, int(value)) if value.isdigit() else None
            if ward is None or ward.kind != UnitKind.WARD_UNION:
                await ask(
                    bot, chat_id, state, session, i18n, step, reason=i18n.get("join-ward-gone")
                )
                return
        draft.enterprise_id = None
        draft.employer_ward_id = ward.id if ward else None
        await _advance(bot, chat_id, state, session, i18n, step, draft)
    elif action == "keep":
        await _advance(
            bot,
            chat_id,
            state,
            session,
            i18n,
            "employer_ward" if step == "workplace" else step,
            draft,
        )
    elif step == "summary" and action == "edit" and value in EDITABLE:
        await state.update_data(editing=True)
        await ask(bot, chat_id, state, session, i18n, value)
    elif step == "summary" and action == "submit":
        await _submit(bot, chat_id, state, session, i18n, person, draft, clock)
    else:
        await ask(bot, chat_id, state, session, i18n, step)


async def _submit(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    draft: Draft,
    clock: Callable[[], datetime],
) -> None:
    try:
        submitted = await submit_application(session, person, draft, clock())
    except IncompleteDraftError as exc:
        first = exc.missing[0]
        step = "workplace" if first == "workplace" else first
        await ask(bot, chat_id, state, session, i18n, step, reason=i18n.get("join-incomplete"))
        return
    except AlreadyPendingError as exc:
        await state.clear()
        await bot.send_message(
            chat_id,
            i18n.get("join-already-pending")
            + "\n\n"
            + await render_application(session, i18n, exc.application),
            reply_markup=main_menu(i18n),
        )
        return
    except NoUnitsError:
        await ask(bot, chat_id, state, session, i18n, "summary", reason=i18n.get("join-no-units"))
        return
    await state.clear()
    # Commit before telling the worker: a reference they were shown must exist.
    await session.commit()
    application = submitted.application
    await bot.send_message(
        chat_id,
        i18n.get(
            "join-submitted",
            reference=application.reference or "",
            unit=esc(submitted.route.unit.name),
        ),
        reply_markup=main_menu(i18n),
    )


async def stale_button(
    query: CallbackQuery,
    state: FSMContext,
    raw_state: str | None,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
) -> None:
    """A button from an earlier message: say so, and repeat the question the user is at."""
    await query.answer(i18n.get("join-stale-button"), show_alert=False)
    step = STEP_OF_STATE.get(raw_state or "")
    if step is not None:
        await ask(
            bot,
            query.from_user.id,
            state,
            session,
            i18n,
            step,
            reason=i18n.get("join-stale-button"),
        )
    else:
        await bot.send_message(
            query.from_user.id, i18n.get("join-stale-button"), reply_markup=main_menu(i18n)
        )


# ---- typed answers ----------------------------------------------------------------------


@router.message(StateFilter(JoinForm.phone), F.contact)
async def on_contact(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
) -> None:
    contact = message.contact
    assert contact is not None and message.from_user is not None
    if contact.user_id != message.from_user.id:
        await ask(
            bot,
            message.chat.id,
            state,
            session,
            i18n,
            "phone",
            reason=i18n.get("join-phone-not-own"),
        )
        return
    await _take_phone(message, contact.phone_number, state, i18n, bot, session)


async def _take_phone(
    message: Message,
    text: str,
    state: FSMContext,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
) -> None:
    parsed = validation.parse_phone(text)
    if isinstance(parsed, validation.Invalid):
        await _refuse(bot, message.chat.id, state, session, i18n, "phone", parsed)
        return
    draft = Draft.from_state(await state.get_data())
    draft.phone = parsed.value
    await _advance(
        bot,
        message.chat.id,
        state,
        session,
        i18n,
        "phone",
        draft,
        ack=i18n.get("join-phone-saved", phone=parsed.value),
    )


@router.message(StateFilter(JoinForm.phone), TextIs("join-back"))
async def phone_back(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
) -> None:
    await bot.send_message(message.chat.id, "↩️", reply_markup=ReplyKeyboardRemove())
    await go_back(bot, message.chat.id, state, session, i18n, "phone")


@router.message(StateFilter(JoinForm.phone), TextIs("join-cancel"))
async def phone_cancel(message: Message, state: FSMContext, i18n: I18nContext, bot: Bot) -> None:
    await cancel_join(bot, message.chat.id, state, i18n)


@router.message(StateFilter(*[STEPS[s] for s in TEXT_STEPS]), F.text)
async def on_text(
    message: Message,
    state: FSMContext,
    raw_state: str | None,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
    clock: Callable[[], datetime],
) -> None:
    step = STEP_OF_STATE[raw_state or ""]
    text = message.text or ""
    chat_id = message.chat.id
    if step == "phone":
        await _take_phone(message, text, state, i18n, bot, session)
        return
    if step in SEARCHES:
        await _search(message, text, state, i18n, bot, session, step)
        return
    draft = Draft.from_state(await state.get_data())
    if step == "birth_date":
        born = validation.parse_birth_date(text, clock().date())
        if isinstance(born, validation.Invalid):
            await _refuse(bot, chat_id, state, session, i18n, step, born)
            return
        draft.birth_date = born.value.isoformat()
    else:
        parsed = TEXT_PARSERS[step](text)
        if isinstance(parsed, validation.Invalid):
            await _refuse(bot, chat_id, state, session, i18n, step, parsed)
            return
        setattr(draft, step, parsed.value)
        if step == "citizen_id":
            draft.citizen_id_skipped = False
    await _advance(bot, chat_id, state, session, i18n, step, draft)


async def _refuse(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    step: str,
    invalid: validation.Invalid,
) -> None:
    await ask(
        bot, chat_id, state, session, i18n, step, reason=i18n.get(invalid.reason, **invalid.args)
    )


# The two search steps: the longest query, and the messages for matches and for none.
SEARCHES = {
    "workplace": (200, "join-workplace-results", "join-workplace-none"),
    "employer_ward": (100, "join-ward-results", "join-ward-none"),
}


async def _search(
    message: Message,
    text: str,
    state: FSMContext,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
    step: str,
) -> None:
    """Search the register (workplace) or the wards (employer_ward) and offer the matches."""
    longest, found_key, none_key = SEARCHES[step]
    query = search_query(text, longest)
    if query is None:
        reason = i18n.get("join-workplace-query-length")
        await ask(bot, message.chat.id, state, session, i18n, step, reason=reason)
        return
    if step == "workplace":
        found = [
            (f"{m.name} · {m.tax_code}", m.id) for m in await search_enterprises(session, query)
        ]
        other = button(i18n.get("join-workplace-not-listed"), JoinCb(step=step, action="notlisted"))
    else:
        found = [(w.name, w.id) for w in await search_wards(session, query)]
        other = button(i18n.get("join-ward-unknown"), JoinCb(step=step, action="skip"))
    rows = choice_rows(
        (label, JoinCb(step=step, action="pick", value=str(unit_or_enterprise)))
        for label, unit_or_enterprise in found
    )
    rows += [[other], _controls(step, i18n)]
    await bot.send_message(
        message.chat.id,
        i18n.get(found_key if found else none_key, query=esc(query)),
        reply_markup=keyboard(*rows),
    )


@router.message(StateFilter(*STEPS.values()))
async def on_other_content(
    message: Message,
    state: FSMContext,
    raw_state: str | None,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
) -> None:
    """Stickers, photos, or text where a button is expected: explain and ask again."""
    step = STEP_OF_STATE[raw_state or ""]
    key = (
        "join-use-buttons"
        if message.text and step in ("consent", "gender", "summary")
        else "join-text-only"
    )
    await ask(bot, message.chat.id, state, session, i18n, step, reason=i18n.get(key))
