"""Collaborators' leads: report an enterprise, follow it until a CĐCS is founded."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import partial
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    Message,
)
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.common import (
    MenuCb,
    button,
    choice_rows,
    esc,
    keyboard,
    main_menu,
    search_query,
)
from models import Enterprise, Lead, LeadStage, Person, Unit, UnitKind
from services import leads, validation
from services.access import Action, authorize
from services.invitations import deep_link, qr_png
from services.register import enterprise_by_tax_code, search_wards

router = Router(name="leads")

PAGE_SIZE = 8
FOLLOW_UP_DAYS = ("7", "14", "30")
NOTE_MAX_LEN = 500


class LeadForm(StatesGroup):
    tax_code = State()
    confirm = State()
    name = State()
    address = State()
    ward = State()
    workers = State()
    pays_fee = State()
    party_cell = State()
    industrial_zone = State()
    years = State()
    contact = State()
    note = State()
    duplicate = State()
    duplicate_note = State()


class LeadInput(StatesGroup):
    """Typed input asked for from a lead card; the lead's id is kept in the state data."""

    follow_up = State()
    note = State()
    tax_code = State()


class LeadFormCb(CallbackData, prefix="lf"):
    step: str  # the step whose message carried the button; a mismatch means an old message
    action: str
    value: str = ""


class LeadCb(CallbackData, prefix="ld"):
    action: str
    lead_id: int
    value: str = ""


class LeadListCb(CallbackData, prefix="ll"):
    scope: str  # "mine" or "unit"
    page: int = 0


INPUTS: dict[str, State] = {
    name: getattr(LeadInput, name) for name in ("follow_up", "note", "tax_code")
}
INPUT_OF_STATE = {state.state: name for name, state in INPUTS.items()}
NEW_ORDER = [
    "tax_code",
    "name",
    "address",
    "ward",
    "workers",
    "pays_fee",
    "party_cell",
    "industrial_zone",
    "years",
    "contact",
    "note",
]
KNOWN_ORDER = ["tax_code", "confirm", "contact", "note"]
# Every step of the report: the two orders, and the offer to note an already-reported lead.
FORM_STEPS = (*NEW_ORDER, "confirm", "duplicate", "duplicate_note")
STEPS: dict[str, State] = {name: getattr(LeadForm, name) for name in FORM_STEPS}
STEP_OF_STATE = {state.state: name for name, state in STEPS.items()}
YES_NO_STEPS = {
    "pays_fee": "pays_union_fee",
    "party_cell": "has_party_cell",
    "industrial_zone": "in_industrial_zone",
}
BUTTON_STEPS = {"confirm", "duplicate", *YES_NO_STEPS}
TEXT_PARSERS: dict[str, Callable[[str], validation.Parsed[Any]]] = {
    "name": partial(validation.parse_free_text, max_len=200),
    "address": partial(validation.parse_free_text, max_len=300),
    "workers": partial(validation.parse_count, minimum=1, maximum=1_000_000),
    "years": partial(validation.parse_count, minimum=0, maximum=100),
    "note": partial(validation.parse_free_text, max_len=NOTE_MAX_LEN),
    "duplicate_note": partial(validation.parse_free_text, max_len=NOTE_MAX_LEN),
}


# ---- rendering -------------------------------------------------------------------------


def _day(value: date | None) -> str | None:
    return None if value is None else value.strftime("%d/%m/%Y")


def _local_day(moment: datetime, tz: tzinfo | None) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(tz).strftime("%d/%m/%Y")


def _local_time(moment: datetime, tz: tzinfo | None) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def _stage(i18n: I18nContext, stage: str | None) -> str:
    return i18n.get(f"lead-stage-{stage}") if stage in LeadStage.ALL else "—"


def _yes_no(i18n: I18nContext, value: bool | None) -> str:
    if value is None:
        return i18n.get("lead-unknown")
    return i18n.get("lead-yes") if value else i18n.get("lead-no")


def _person(i18n: I18nContext, person: Person | None) -> str:
    if person is None:
        return i18n.get("lead-nobody")
    return (
        esc(person.display_name) if person.display_name else i18n.get("lead-person", id=person.id)
    )


def reasons_line(i18n: I18nContext, reasons: Iterable[leads.PriorityReason]) -> str:
    """The priority explained in one line: "pays the union fee but has no CĐCS; 40 workers"."""
    parts = [i18n.get(f"lead-reason-{r.key}", **dict(r.args)) for r in reasons]
    return "; ".join(parts) if parts else i18n.get("lead-reason-none")


def enterprise_text(
    i18n: I18nContext, enterprise: Enterprise, ward: Unit | None, today: date
) -> str:
    years = None if enterprise.founded_year is None else today.year - enterprise.founded_year
    unknown = i18n.get("lead-unknown")
    return i18n.get(
        "lead-enterprise",
        name=esc(enterprise.name),
        tax_code=esc(enterprise.tax_code or i18n.get("lead-no-tax-code")),
        address=esc(enterprise.address or unknown),
        ward=esc(ward.name if ward else unknown),
        workers=unknown if enterprise.employees is None else str(enterprise.employees),
        pays_fee=_yes_no(i18n, enterprise.pays_union_fee),
        party_cell=_yes_no(i18n, enterprise.has_party_cell),
        industrial_zone=_yes_no(i18n, enterprise.in_industrial_zone),
        years=unknown if years is None else str(years),
    )


# ---- the report form -------------------------------------------------------------------


def _order(draft: leads.LeadDraft) -> list[str]:
    return KNOWN_ORDER if draft.enterprise_id is not None else NEW_ORDER


def _controls(step: str, i18n: I18nContext, back: bool = True) -> list[InlineKeyboardButton]:
    row = [button(i18n.get("lead-back"), LeadFormCb(step=step, action="back"))] if back else []
    row.append(button(i18n.get("lead-cancel"), LeadFormCb(step=step, action="cancel")))
    return row


async def _current_value(session: AsyncSession, step: str, draft: leads.LeadDraft) -> str | None:
    if step == "ward":
        ward = await session.get(Unit, draft.ward_id) if draft.ward_id else None
        return None if ward is None else ward.name
    if step == "contact" and draft.contact_name:
        return " ".join(filter(None, (draft.contact_name, draft.contact_phone)))
    value = {
        "tax_code": draft.tax_code,
        "name": draft.name,
        "address": draft.address,
        "workers": draft.employees,
        "years": draft.years,
        "note": draft.note,
    }.get(step)
    return None if value is None else str(value)


async def ask(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    step: str,
    *,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Move the report to `step` and send its question (after a reason, if any)."""
    await state.set_state(STEPS[step])
    data = await state.get_data()
    draft = leads.LeadDraft.from_state(data)
    today = now.date()
    rows: list[list[InlineKeyboardButton]] = []
    if step == "confirm":
        enterprise = await session.get(Enterprise, draft.enterprise_id or 0)
        if enterprise is None:
            await ask(bot, chat_id, state, session, i18n, "tax_code", now=now)
            return
        ward = await session.get(Unit, enterprise.ward_unit_id) if enterprise.ward_unit_id else None
        scored = leads.priority(enterprise, today)
        text = "\n\n".join(
            (
                i18n.get("lead-confirm"),
                enterprise_text(i18n, enterprise, ward, today),
                i18n.get(
                    "lead-priority",
                    score=scored.score,
                    reasons=reasons_line(i18n, scored.reasons),
                ),
            )
        )
        rows.append([button(i18n.get("lead-confirm-yes"), LeadFormCb(step=step, action="yes"))])
    elif step == "duplicate":
        text = await _duplicate_text(session, i18n, int(data.get("duplicate_lead_id") or 0), now)
        rows.append([button(i18n.get("lead-add-note"), LeadFormCb(step=step, action="note"))])
    elif step == "duplicate_note":
        text = i18n.get("lead-ask-note-text")
    else:
        text = i18n.get(f"lead-ask-{step.replace('_', '-')}")
        current = await _current_value(session, step, draft)
        if current:
            text += "\n" + i18n.get("lead-current-value", value=esc(current))
            rows.append([button(i18n.get("lead-keep"), LeadFormCb(step=step, action="keep"))])
        if step == "tax_code":
            rows.insert(
                0,
                [button(i18n.get("lead-tax-code-unknown"), LeadFormCb(step=step, action="none"))],
            )
        elif step in YES_NO_STEPS:
            rows.append(
                [
                    button(i18n.get("lead-yes"), LeadFormCb(step=step, action="yes")),
                    button(i18n.get("lead-no"), LeadFormCb(step=step, action="no")),
                ]
            )
        elif step in ("contact", "note"):
            rows.append([button(i18n.get("lead-skip"), LeadFormCb(step=step, action="skip"))])
    rows.append(_controls(step, i18n, back=step not in ("duplicate", "duplicate_note")))
    if reason:
        text = f"⚠️ {reason}\n\n{text}"
    await bot.send_message(chat_id, text, reply_markup=keyboard(*rows))


async def _save(state: FSMContext, draft: leads.LeadDraft) -> None:
    await state.update_data(lead=draft.to_state())


async def _advance(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    step: str,
    draft: leads.LeadDraft,
    now: datetime,
) -> None:
    await _save(state, draft)
    order = _order(draft)
    index = order.index(step) if step in order else 0
    if index + 1 < len(order):
        await ask(bot, chat_id, state, session, i18n, order[index + 1], now=now)
        return
    await _submit(bot, chat_id, state, session, i18n, person, draft, now)


async def start_report(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    now: datetime,
) -> None:
    await authorize(session, person, Action.REPORT_LEAD)
    await state.set_data({"lead": leads.LeadDraft().to_state()})
    await ask(bot, chat_id, state, session, i18n, "tax_code", now=now)


@router.message(Command("lead"))
async def cmd_lead(
    message: Message,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    clock: Callable[[], datetime],
) -> None:
    await start_report(bot, message.chat.id, state, session, i18n, person, clock())
    if message.from_user is not None:
        leads.remember_name(person, message.from_user.full_name)


@router.callback_query(MenuCb.filter(F.action == "lead_new"))
async def menu_lead_new(
    query: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    clock: Callable[[], datetime],
) -> None:
    await start_report(bot, query.from_user.id, state, session, i18n, person, clock())
    leads.remember_name(person, query.from_user.full_name)
    await query.answer()


async def _show_blocker(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    blocker: leads.Blocker,
    now: datetime,
) -> None:
    if isinstance(blocker, leads.HasUnion):
        await state.clear()
        union = blocker.union.name if blocker.union else i18n.get("lead-unknown")
        await bot.send_message(
            chat_id,
            i18n.get("lead-has-union", name=esc(blocker.enterprise.name), union=esc(union)),
            reply_markup=main_menu(i18n),
        )
        return
    lead = blocker.lead
    scope = await leads.scope_of(session, person, Action.REPORT_LEAD)
    if not scope.covers(lead.unit_id):
        await state.clear()
        text = await _duplicate_text(session, i18n, lead.id, now, offer=False)
        await bot.send_message(chat_id, text, reply_markup=main_menu(i18n))
        return
    # The lead's id stays on the server: the note button carries no id to forge.
    await state.update_data(duplicate_lead_id=lead.id)
    await ask(bot, chat_id, state, session, i18n, "duplicate", now=now)


async def _duplicate_text(
    session: AsyncSession, i18n: I18nContext, lead_id: int, now: datetime, offer: bool = True
) -> str:
    lead = await session.get(Lead, lead_id)
    shown = None if lead is None else await leads.card(session, lead)
    if lead is None or shown is None:
        return i18n.get("lead-stale-button")
    text = i18n.get(
        "lead-duplicate",
        name=esc(shown.enterprise.name),
        unit=esc(shown.unit.name if shown.unit else i18n.get("lead-unknown")),
        date=_local_day(lead.created_at, now.tzinfo),
        stage=_stage(i18n, lead.stage),
    )
    return text + "\n" + i18n.get("lead-duplicate-offer") if offer else text


async def _offer_known(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    enterprise: Enterprise,
    now: datetime,
) -> None:
    """An enterprise already known: blocked, out of the reporter's scope, or to be confirmed."""
    blocker = await leads.blocker_for(session, enterprise)
    if blocker is not None:
        await _show_blocker(bot, chat_id, state, session, i18n, person, blocker, now)
        return
    scope = await leads.scope_of(session, person, Action.REPORT_LEAD)
    if leads.unit_for_report(enterprise, scope) is None:
        ward = await session.get(Unit, enterprise.ward_unit_id or 0)
        reason = i18n.get(
            "lead-out-of-scope",
            name=esc(enterprise.name),
            ward=esc(ward.name if ward else i18n.get("lead-unknown")),
        )
        await ask(bot, chat_id, state, session, i18n, "tax_code", now=now, reason=reason)
        return
    draft = leads.LeadDraft(enterprise_id=enterprise.id, tax_code=enterprise.tax_code)
    await _save(state, draft)
    await ask(bot, chat_id, state, session, i18n, "confirm", now=now)


async def _submit(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    draft: leads.LeadDraft,
    now: datetime,
) -> None:
    try:
        result = await leads.report_lead(session, person, draft, now)
    except leads.IncompleteLeadError:
        await ask(
            bot,
            chat_id,
            state,
            session,
            i18n,
            "tax_code",
            now=now,
            reason=i18n.get("lead-incomplete"),
        )
        return
    if not isinstance(result, leads.Reported):
        await _show_blocker(bot, chat_id, state, session, i18n, person, result, now)
        return
    await state.clear()
    await bot.send_message(
        chat_id,
        i18n.get(
            "lead-reported",
            name=esc(result.enterprise.name),
            ref=result.lead.ref,
            score=result.priority.score,
            reasons=reasons_line(i18n, result.priority.reasons),
            follow_up=_day(result.lead.next_follow_up) or "—",
        ),
        reply_markup=keyboard(
            [button(i18n.get("lead-open"), LeadCb(action="open", lead_id=result.lead.id))],
            [button(i18n.get("menu-back"), MenuCb(action="menu"))],
        ),
    )


def _is_current(callback_data: LeadFormCb, raw_state: str | None) -> bool:
    return STEP_OF_STATE.get(raw_state or "") == callback_data.step


async def _stale(
    query: CallbackQuery,
    state: FSMContext,
    raw_state: str | None,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
    now: datetime,
) -> None:
    """A button from an earlier message: say so, and repeat the current question."""
    await query.answer(i18n.get("lead-stale-button"))
    step = STEP_OF_STATE.get(raw_state or "")
    if step is not None:
        await ask(
            bot,
            query.from_user.id,
            state,
            session,
            i18n,
            step,
            now=now,
            reason=i18n.get("lead-stale-button"),
        )
    else:
        await bot.send_message(
            query.from_user.id, i18n.get("lead-stale-button"), reply_markup=main_menu(i18n)
        )


async def _cancel(bot: Bot, chat_id: int, state: FSMContext, i18n: I18nContext) -> None:
    await state.clear()
    await bot.send_message(chat_id, i18n.get("lead-cancelled"), reply_markup=main_menu(i18n))


@router.callback_query(LeadFormCb.filter())
async def on_form_button(
    query: CallbackQuery,
    callback_data: LeadFormCb,
    state: FSMContext,
    raw_state: str | None,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
    person: Person,
    clock: Callable[[], datetime],
) -> None:
    now = clock()
    if not _is_current(callback_data, raw_state):
        await _stale(query, state, raw_state, i18n, bot, session, now)
        return
    chat_id = query.from_user.id
    step, action, value = callback_data.step, callback_data.action, callback_data.value
    data = await state.get_data()
    draft = leads.LeadDraft.from_state(data)
    if action == "cancel":
        await query.answer()
        await _cancel(bot, chat_id, state, i18n)
    elif action == "back":
        await query.answer()
        order = _order(draft)
        index = order.index(step) if step in order else 0
        if index == 0:
            await _cancel(bot, chat_id, state, i18n)
        else:
            await ask(bot, chat_id, state, session, i18n, order[index - 1], now=now)
    elif step == "tax_code" and action == "none":
        await query.answer()
        draft = leads.LeadDraft(**{**draft.to_state(), "enterprise_id": None, "tax_code": None})
        await _advance(bot, chat_id, state, session, i18n, person, step, draft, now)
    elif step == "confirm" and action == "yes":
        await query.answer()
        await _advance(bot, chat_id, state, session, i18n, person, step, draft, now)
    elif step in YES_NO_STEPS and action in ("yes", "no"):
        await query.answer()
        setattr(draft, YES_NO_STEPS[step], action == "yes")
        await _advance(bot, chat_id, state, session, i18n, person, step, draft, now)
    elif step == "ward" and action == "pick":
        await _pick_ward(query, value, state, i18n, bot, session, person, draft, now)
    elif step == "contact" and action == "skip":
        await query.answer()
        draft.contact_name = draft.contact_phone = None
        await _advance(bot, chat_id, state, session, i18n, person, step, draft, now)
    elif step == "note" and action == "skip":
        await query.answer()
        draft.note = None
        await _advance(bot, chat_id, state, session, i18n, person, step, draft, now)
    elif action == "keep" and step in _order(draft):
        await query.answer()
        await _advance(bot, chat_id, state, session, i18n, person, step, draft, now)
    elif step == "duplicate" and action == "note":
        await query.answer()
        await ask(bot, chat_id, state, session, i18n, "duplicate_note", now=now)
    else:
        await query.answer()
        await ask(bot, chat_id, state, session, i18n, step, now=now)


async def _pick_ward(
    query: CallbackQuery,
    value: str,
    state: FSMContext,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
    person: Person,
    draft: leads.LeadDraft,
    now: datetime,
) -> None:
    chat_id = query.from_user.id
    ward = await session.get(Unit, int(value)) if value.isdigit() else None
    if ward is None or ward.kind != UnitKind.WARD_UNION:
        await query.answer()
        await ask(
            bot,
            chat_id,
            state,
            session,
            i18n,
            "ward",
            now=now,
            reason=i18n.get("lead-ward-gone"),
        )
        return
    # Only wards within the reporter's scope were offered; an old or forged button is refused.
    await authorize(session, person, Action.REPORT_LEAD, ward.id)
    await query.answer()
    draft.ward_id = ward.id
    if draft.tax_code is None and draft.name:
        existing = await leads.same_enterprise(session, draft.name, ward.id)
        if existing is not None:
            await bot.send_message(chat_id, i18n.get("lead-known-by-name", name=esc(existing.name)))
            await _offer_known(bot, chat_id, state, session, i18n, person, existing, now)
            return
    await _advance(bot, chat_id, state, session, i18n, person, "ward", draft, now)


FORM_TEXT_STEPS = [name for name in STEPS if name not in BUTTON_STEPS]


@router.message(StateFilter(*[STEPS[s] for s in FORM_TEXT_STEPS]), F.text, ~F.text.startswith("/"))
async def on_form_text(
    message: Message,
    state: FSMContext,
    raw_state: str | None,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
    person: Person,
    clock: Callable[[], datetime],
) -> None:
    step = STEP_OF_STATE[raw_state or ""]
    text = message.text or ""
    chat_id = message.chat.id
    now = clock()
    data = await state.get_data()
    draft = leads.LeadDraft.from_state(data)

    async def refuse(invalid: validation.Invalid) -> None:
        reason = i18n.get(invalid.reason, **invalid.args)
        await ask(bot, chat_id, state, session, i18n, step, now=now, reason=reason)

    if step == "tax_code":
        tax = validation.parse_tax_code(text)
        if isinstance(tax, validation.Invalid):
            await refuse(tax)
            return
        enterprise = await enterprise_by_tax_code(session, tax.value)
        if enterprise is not None:
            await _offer_known(bot, chat_id, state, session, i18n, person, enterprise, now)
            return
        draft = leads.LeadDraft(tax_code=tax.value)
        await bot.send_message(chat_id, i18n.get("lead-tax-code-new", tax_code=tax.value))
        await _advance(bot, chat_id, state, session, i18n, person, step, draft, now)
    elif step == "ward":
        await _search_ward(message, text, state, i18n, bot, session, person, now)
    elif step == "contact":
        contact = validation.parse_contact(text)
        if isinstance(contact, validation.Invalid):
            await refuse(contact)
            return
        draft.contact_name, draft.contact_phone = contact.value
        await _advance(bot, chat_id, state, session, i18n, person, step, draft, now)
    elif step == "duplicate_note":
        parsed = TEXT_PARSERS[step](text)
        if isinstance(parsed, validation.Invalid):
            await refuse(parsed)
            return
        lead_id = int(data.get("duplicate_lead_id") or 0)
        await leads.add_note_to_reported(session, person, lead_id, parsed.value, now)
        await state.clear()
        await bot.send_message(chat_id, i18n.get("lead-note-added"), reply_markup=main_menu(i18n))
    else:
        parsed = TEXT_PARSERS[step](text)
        if isinstance(parsed, validation.Invalid):
            await refuse(parsed)
            return
        field = {"workers": "employees"}.get(step, step)
        setattr(draft, field, parsed.value)
        await _advance(bot, chat_id, state, session, i18n, person, step, draft, now)


async def _search_ward(
    message: Message,
    text: str,
    state: FSMContext,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
    person: Person,
    now: datetime,
) -> None:
    query = search_query(text, 100)
    if query is None:
        await ask(
            bot,
            message.chat.id,
            state,
            session,
            i18n,
            "ward",
            now=now,
            reason=i18n.get("lead-query-length"),
        )
        return
    scope = await leads.scope_of(session, person, Action.REPORT_LEAD)
    wards = await search_wards(session, query, within=scope.units)
    if not wards:
        await ask(
            bot,
            message.chat.id,
            state,
            session,
            i18n,
            "ward",
            now=now,
            reason=i18n.get("lead-ward-none", query=esc(query)),
        )
        return
    rows = choice_rows(
        (w.name, LeadFormCb(step="ward", action="pick", value=str(w.id))) for w in wards
    )
    rows.append(_controls("ward", i18n))
    await bot.send_message(
        message.chat.id,
        i18n.get("lead-ward-results", query=esc(query)),
        reply_markup=keyboard(*rows),
    )


# ---- lists -----------------------------------------------------------------------------


async def show_list(
    bot: Bot,
    chat_id: int,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    scope: str,
    page: int,
) -> None:
    if scope == "unit":
        found = await leads.unit_leads(session, person, page, PAGE_SIZE)
    else:
        found = await leads.my_leads(session, person, page, PAGE_SIZE)
    if not found.rows:
        empty = "lead-list-unit-empty" if scope == "unit" else "lead-list-empty"
        await bot.send_message(chat_id, i18n.get(empty), reply_markup=main_menu(i18n))
        return
    title = "lead-list-unit-title" if scope == "unit" else "lead-list-title"
    lines = [i18n.get(title, total=found.total, page=found.page + 1, pages=found.pages)]
    rows: list[list[InlineKeyboardButton]] = []
    for number, row in enumerate(found.rows, start=found.page * PAGE_SIZE + 1):
        lead, enterprise = row.lead, row.enterprise
        lines.append(
            i18n.get(
                "lead-list-line",
                number=number,
                name=esc(enterprise.name),
                stage=_stage(i18n, lead.stage),
                score=lead.priority,
                follow_up=_day(lead.next_follow_up) or "—",
            )
        )
        label = f"{number}. ⭐{lead.priority} {enterprise.name}"
        rows.append([button(label[:60], LeadCb(action="open", lead_id=lead.id))])
    nav = []
    if found.page > 0:
        nav.append(button(i18n.get("lead-page-prev"), LeadListCb(scope=scope, page=found.page - 1)))
    if found.page + 1 < found.pages:
        nav.append(button(i18n.get("lead-page-next"), LeadListCb(scope=scope, page=found.page + 1)))
    rows.append(nav)
    rows.append([button(i18n.get("menu-back"), MenuCb(action="menu"))])
    await bot.send_message(chat_id, "\n".join(lines), reply_markup=keyboard(*rows))


@router.message(Command("leads"))
async def cmd_leads(
    message: Message, bot: Bot, session: AsyncSession, i18n: I18nContext, person: Person
) -> None:
    await show_list(bot, message.chat.id, session, i18n, person, "mine", 0)
    if message.from_user is not None:
        leads.remember_name(person, message.from_user.full_name)


@router.callback_query(MenuCb.filter(F.action.in_({"leads_mine", "leads_unit"})))
async def menu_leads(
    query: CallbackQuery,
    callback_data: MenuCb,
    bot: Bot,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
) -> None:
    scope = "unit" if callback_data.action == "leads_unit" else "mine"
    await show_list(bot, query.from_user.id, session, i18n, person, scope, 0)
    leads.remember_name(person, query.from_user.full_name)
    await query.answer()


@router.callback_query(LeadListCb.filter())
async def list_page(
    query: CallbackQuery,
    callback_data: LeadListCb,
    bot: Bot,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
) -> None:
    scope = "unit" if callback_data.scope == "unit" else "mine"
    await show_list(bot, query.from_user.id, session, i18n, person, scope, callback_data.page)
    await query.answer()


# ---- the lead card ---------------------------------------------------------------------


async def send_card(
    bot: Bot,
    chat_id: int,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    roles: frozenset[str],
    lead: Lead,
    today: date,
    notice: str | None = None,
) -> None:
    shown = await leads.card(session, lead)
    contact = " ".join(filter(None, (lead.contact_name, lead.contact_phone)))
    text = "\n".join(
        (
            i18n.get("lead-card-title", ref=lead.ref),
            enterprise_text(i18n, shown.enterprise, shown.ward, today),
            i18n.get(
                "lead-card",
                stage=_stage(i18n, lead.stage),
                score=lead.priority,
                reasons=reasons_line(i18n, leads.stored_reasons(lead)),
                follow_up=_day(lead.next_follow_up) or i18n.get("lead-unknown"),
                contact=esc(contact) if contact else i18n.get("lead-unknown"),
                collaborator=_person(i18n, shown.collaborator),
                unit=esc(shown.unit.name if shown.unit else i18n.get("lead-unknown")),
            ),
        )
    )
    if notice:
        text = f"{notice}\n\n{text}"
    stages = [
        button(
            ("• " if stage == lead.stage else "") + i18n.get(f"lead-stage-{stage}"),
            LeadCb(action="stage", lead_id=lead.id, value=stage),
        )
        for stage in LeadStage.ALL
    ]
    rows = [stages[i : i + 2] for i in range(0, len(stages), 2)]
    rows.append(
        [
            button(
                i18n.get("lead-follow-up-in", days=int(days)),
                LeadCb(action="follow", lead_id=lead.id, value=days),
            )
            for days in FOLLOW_UP_DAYS
        ]
        + [button(i18n.get("lead-follow-up-date"), LeadCb(action="follow_date", lead_id=lead.id))]
    )
    rows.append(
        [
            button(i18n.get("lead-add-note"), LeadCb(action="note", lead_id=lead.id)),
            button(i18n.get("lead-history"), LeadCb(action="history", lead_id=lead.id)),
        ]
    )
    rows.append([button(i18n.get("lead-qr"), LeadCb(action="qr", lead_id=lead.id))])
    if shown.enterprise.tax_code is None:
        rows.append([button(i18n.get("lead-set-tax-code"), LeadCb(action="tax", lead_id=lead.id))])
    if leads.is_supervisor(roles):
        rows.append([button(i18n.get("lead-reassign"), LeadCb(action="reassign", lead_id=lead.id))])
    scope = "mine" if lead.collaborator_id == person.id else "unit"
    rows.append([button(i18n.get("lead-to-list"), LeadListCb(scope=scope))])
    await bot.send_message(chat_id, text, reply_markup=keyboard(*rows))


async def _ask_input(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    i18n: I18nContext,
    name: str,
    lead_id: int,
    reason: str | None = None,
) -> None:
    await state.set_state(INPUTS[name])
    await state.update_data(card_lead_id=lead_id)
    text = i18n.get(
        {
            "follow_up": "lead-ask-follow-up",
            "note": "lead-ask-note-text",
            "tax_code": "lead-ask-card-tax-code",
        }[name]
    )
    if reason:
        text = f"⚠️ {reason}\n\n{text}"
    await bot.send_message(
        chat_id,
        text,
        reply_markup=keyboard(
            [button(i18n.get("lead-cancel"), LeadCb(action="open", lead_id=lead_id))]
        ),
    )


@router.callback_query(LeadCb.filter())
async def on_card_button(
    query: CallbackQuery,
    callback_data: LeadCb,
    bot: Bot,
    state: FSMContext,
    raw_state: str | None,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    roles: frozenset[str],
    clock: Callable[[], datetime],
) -> None:
    action, value = callback_data.action, callback_data.value
    chat_id = query.from_user.id
    now = clock()
    today = now.date()
    if action == "reassign_to":
        await _reassign_to(query, callback_data, bot, session, i18n, person, roles, now)
        return
    # Never trust the id in a button: the lead is loaded and checked again, every time.
    required = Action.REASSIGN_LEAD if action == "reassign" else Action.UPDATE_LEAD
    lead = await leads.lead_for(session, person, callback_data.lead_id, required)
    await query.answer()
    if raw_state in INPUT_OF_STATE:
        await state.clear()
    if action == "stage" and value in LeadStage.ALL:
        try:
            changed = await leads.change_stage(session, person, lead, value, now)
        except leads.AlreadyActiveError:
            notice = i18n.get("lead-reopen-refused")
        else:
            notice = i18n.get(
                "lead-moved" if changed else "lead-moved-same",
                stage=_stage(i18n, lead.stage),
            )
        await send_card(bot, chat_id, session, i18n, person, roles, lead, today, notice)
    elif action == "follow" and value in FOLLOW_UP_DAYS:
        day = today + timedelta(days=int(value))
        await leads.set_follow_up(session, person, lead, day, now)
        notice = i18n.get("lead-follow-up-set", date=_day(day) or "")
        await send_card(bot, chat_id, session, i18n, person, roles, lead, today, notice)
    elif action == "follow_date":
        await _ask_input(bot, chat_id, state, i18n, "follow_up", lead.id)
    elif action == "note":
        await _ask_input(bot, chat_id, state, i18n, "note", lead.id)
    elif action == "tax":
        await _ask_input(bot, chat_id, state, i18n, "tax_code", lead.id)
    elif action == "history":
        await _send_history(bot, chat_id, session, i18n, lead, now.tzinfo)
    elif action == "qr":
        await _send_link(bot, chat_id, session, i18n, lead)
    elif action == "reassign":
        await _offer_reassign(bot, chat_id, session, i18n, lead)
    else:
        await send_card(bot, chat_id, session, i18n, person, roles, lead, today)


async def _send_history(
    bot: Bot,
    chat_id: int,
    session: AsyncSession,
    i18n: I18nContext,
    lead: Lead,
    tz: tzinfo | None,
) -> None:
    lines = [i18n.get("lead-history-title", ref=lead.ref)]
    for entry in await leads.history(session, lead):
        event = entry.event
        when = _local_time(event.at, tz)
        who = _person(i18n, entry.actor)
        if event.kind == "reported":
            line = i18n.get("lead-history-reported", when=when, who=who)
        elif event.kind == "stage":
            line = i18n.get(
                "lead-history-stage",
                when=when,
                who=who,
                from_stage=_stage(i18n, event.from_stage),
                to_stage=_stage(i18n, event.to_stage),
            )
        elif event.kind == "reassign":
            line = i18n.get(
                "lead-history-reassign",
                when=when,
                who=who,
                previous=_person(i18n, entry.previous),
                current=_person(i18n, entry.current),
            )
        elif event.kind == "follow_up" and event.note:
            day = _day(date.fromisoformat(event.note)) or ""
            line = i18n.get("lead-history-follow-up", when=when, who=who, date=day)
        elif event.kind == "tax_code":
            line = i18n.get("lead-history-tax-code", when=when, who=who, tax_code=esc(event.note))
        else:
            line = i18n.get("lead-history-note", when=when, who=who, note=esc(event.note or ""))
        lines.append(line)
    await bot.send_message(
        chat_id,
        "\n".join(lines),
        reply_markup=keyboard(
            [button(i18n.get("lead-back-to-card"), LeadCb(action="open", lead_id=lead.id))]
        ),
    )


async def _send_link(
    bot: Bot, chat_id: int, session: AsyncSession, i18n: I18nContext, lead: Lead
) -> None:
    enterprise = await session.get(Enterprise, lead.enterprise_id)
    assert enterprise is not None
    back = [button(i18n.get("lead-back-to-card"), LeadCb(action="open", lead_id=lead.id))]
    if enterprise.tax_code is None:
        await bot.send_message(
            chat_id,
            i18n.get("lead-qr-needs-tax-code", name=esc(enterprise.name)),
            reply_markup=keyboard(
                [button(i18n.get("lead-set-tax-code"), LeadCb(action="tax", lead_id=lead.id))],
                back,
            ),
        )
        return
    me = await bot.me()
    link = deep_link(me.username, f"e_{enterprise.tax_code}_c{lead.ref}")
    await bot.send_message(chat_id, i18n.get("lead-qr-link", name=esc(enterprise.name), link=link))
    await bot.send_photo(
        chat_id,
        BufferedInputFile(qr_png(link), filename=f"lead-{lead.ref}.png"),
        caption=i18n.get("lead-qr-caption", name=esc(enterprise.name)),
        reply_markup=keyboard(back),
    )


async def _offer_reassign(
    bot: Bot, chat_id: int, session: AsyncSession, i18n: I18nContext, lead: Lead
) -> None:
    candidates = await leads.reassign_candidates(session, lead)
    back = [button(i18n.get("lead-back-to-card"), LeadCb(action="open", lead_id=lead.id))]
    if not candidates:
        await bot.send_message(chat_id, i18n.get("lead-reassign-none"), reply_markup=keyboard(back))
        return
    rows = [
        [
            button(
                _person(i18n, candidate)[:60],
                LeadCb(action="reassign_to", lead_id=lead.id, value=str(candidate.id)),
            )
        ]
        for candidate in candidates[:20]
    ]
    await bot.send_message(
        chat_id, i18n.get("lead-reassign-choose"), reply_markup=keyboard(*rows, back)
    )


async def _reassign_to(
    query: CallbackQuery,
    callback_data: LeadCb,
    bot: Bot,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    roles: frozenset[str],
    now: datetime,
) -> None:
    value = callback_data.value
    target_id = int(value) if value.isdigit() else 0
    try:
        lead, target = await leads.reassign(session, person, callback_data.lead_id, target_id, now)
    except leads.NotCollaboratorError:
        await query.answer()
        lead = await leads.lead_for(session, person, callback_data.lead_id, Action.REASSIGN_LEAD)
        await bot.send_message(query.from_user.id, i18n.get("lead-reassign-refused"))
        await _offer_reassign(bot, query.from_user.id, session, i18n, lead)
        return
    await query.answer()
    notice = i18n.get("lead-reassigned", person=_person(i18n, target))
    await send_card(bot, query.from_user.id, session, i18n, person, roles, lead, now.date(), notice)


# ---- typed input asked for from a card -------------------------------------------------


@router.message(StateFilter(*INPUTS.values()), F.text, ~F.text.startswith("/"))
async def on_card_input(
    message: Message,
    state: FSMContext,
    raw_state: str | None,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
    person: Person,
    roles: frozenset[str],
    clock: Callable[[], datetime],
) -> None:
    name = INPUT_OF_STATE[raw_state or ""]
    chat_id = message.chat.id
    now = clock()
    today = now.date()
    lead_id = int((await state.get_data()).get("card_lead_id") or 0)
    # The lead may have been reassigned since the question was asked: check again.
    lead = await leads.lead_for(session, person, lead_id)
    text = message.text or ""

    async def refuse(reason: str) -> None:
        await _ask_input(bot, chat_id, state, i18n, name, lead.id, reason=reason)

    if name == "follow_up":
        due = validation.parse_due_date(text, today)
        if isinstance(due, validation.Invalid):
            await refuse(i18n.get(due.reason, **due.args))
            return
        await leads.set_follow_up(session, person, lead, due.value, now)
        notice = i18n.get("lead-follow-up-set", date=_day(due.value) or "")
    elif name == "note":
        note = validation.parse_free_text(text, max_len=NOTE_MAX_LEN)
        if isinstance(note, validation.Invalid):
            await refuse(i18n.get(note.reason, **note.args))
            return
        await leads.add_note(session, person, lead, note.value, now)
        notice = i18n.get("lead-note-added")
    else:
        tax = validation.parse_tax_code(text)
        if isinstance(tax, validation.Invalid):
            await refuse(i18n.get(tax.reason, **tax.args))
            return
        holder = await leads.set_tax_code(session, person, lead, tax.value, now)
        if holder is not None:
            await refuse(i18n.get("lead-tax-code-taken", name=esc(holder.name)))
            return
        notice = i18n.get("lead-tax-code-set", tax_code=tax.value)
    await state.clear()
    await send_card(bot, chat_id, session, i18n, person, roles, lead, today, notice)


@router.message(StateFilter(*INPUTS.values()), ~F.text.startswith("/"))
async def on_card_input_other(
    message: Message,
    state: FSMContext,
    raw_state: str | None,
    i18n: I18nContext,
    bot: Bot,
) -> None:
    """Stickers or photos where a typed answer is expected."""
    name = INPUT_OF_STATE[raw_state or ""]
    lead_id = int((await state.get_data()).get("card_lead_id") or 0)
    await _ask_input(
        bot, message.chat.id, state, i18n, name, lead_id, reason=i18n.get("lead-text-only")
    )


@router.message(StateFilter(*STEPS.values()), ~F.text.startswith("/"))
async def on_form_other(
    message: Message,
    state: FSMContext,
    raw_state: str | None,
    i18n: I18nContext,
    bot: Bot,
    session: AsyncSession,
    clock: Callable[[], datetime],
) -> None:
    """Stickers, photos, or text where a button is expected: explain and ask again."""
    step = STEP_OF_STATE[raw_state or ""]
    key = "lead-use-buttons" if message.text and step in BUTTON_STEPS else "lead-text-only"
    await ask(bot, message.chat.id, state, session, i18n, step, now=clock(), reason=i18n.get(key))
