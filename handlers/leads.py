"""Collaborators' leads: report an enterprise, follow it until a CĐCS is founded."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, Message
from aiogram_i18n import I18nContext

from handlers.common import (
    MenuCb,
    RowId,
    button,
    esc,
    keyboard,
    latest_that_fit,
    main_menu,
    row_id,
)
from handlers.forms import FormRunner, Turn
from models import Enterprise, Lead, LeadStage, Person
from services import leads
from services.access import Action, authorize
from services.forms.engine import Ctx
from services.forms.lead import (
    FOLLOW_UP,
    NOTE,
    REPORT,
    STAGE_KEYS,
    TAX_CODE,
    ElsewhereReported,
    day,
    enterprise_text,
    local,
    reasons_line,
    stage_label,
)
from services.invitations import deep_link, qr_png

PAGE_SIZE = 8
FOLLOW_UP_DAYS = ("7", "14", "30")


class LeadCb(CallbackData, prefix="ld"):
    action: str
    lead_id: RowId
    value: str = ""


class LeadListCb(CallbackData, prefix="ll"):
    scope: str  # "mine" or "unit"
    page: int = 0


def _person(i18n: I18nContext, person: Person | None) -> str:
    if person is None:
        return i18n.get("lead-nobody")
    return (
        esc(person.display_name) if person.display_name else i18n.get("lead-person", id=person.id)
    )


# ---- the report form -------------------------------------------------------------------


async def _reported(turn: Turn, _ctx: Ctx, result: Any) -> None:
    i18n = turn.i18n
    if isinstance(result, leads.Reported):
        await turn.say(
            i18n.get(
                "lead-reported",
                name=esc(result.enterprise.name),
                ref=result.lead.ref,
                score=result.priority.score,
                reasons=reasons_line(i18n.get, result.priority.reasons),
                follow_up=day(result.lead.next_follow_up) or "—",
            ),
            keyboard(
                [button(i18n.get("lead-open"), LeadCb(action="open", lead_id=result.lead.id))],
                [button(i18n.get("menu-back"), MenuCb(action="menu"))],
            ),
        )
    elif isinstance(result, leads.HasUnion):
        union = result.union.name if result.union else i18n.get("lead-unknown")
        text = i18n.get("lead-has-union", name=esc(result.enterprise.name), union=esc(union))
        await turn.say(text, main_menu(i18n))
    elif isinstance(result, ElsewhereReported):
        await turn.say(result.text, main_menu(i18n))
    else:
        await turn.say(i18n.get("lead-note-added"), main_menu(i18n))


REPORT_FORM = FormRunner(REPORT, finish=_reported)


async def start_report(turn: Turn, name: str | None) -> None:
    await authorize(turn.session, turn.person, Action.REPORT_LEAD)
    leads.remember_name(turn.person, name)
    # A collaborator over a single ward reports in that ward: the form does not ask for it.
    ward_id = await leads.only_ward(turn.session, turn.person)
    draft = leads.LeadDraft(ward_id=ward_id).to_state()
    await REPORT_FORM.start(turn, draft, meta={"one_ward": ward_id is not None})


async def cmd_lead(message: Message, **data: Any) -> None:
    name = message.from_user.full_name if message.from_user else None
    await start_report(Turn.of(message.chat.id, data), name)


async def menu_lead_new(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    await start_report(Turn.of(query.from_user.id, data), query.from_user.full_name)


# ---- lists -----------------------------------------------------------------------------


async def show_list(turn: Turn, scope: str, page: int) -> None:
    i18n = turn.i18n
    if scope == "unit":
        found = await leads.unit_leads(turn.session, turn.person, page, PAGE_SIZE)
    else:
        found = await leads.my_leads(turn.session, turn.person, page, PAGE_SIZE)
    if not found.rows:
        empty = "lead-list-unit-empty" if scope == "unit" else "lead-list-empty"
        await turn.say(i18n.get(empty), main_menu(i18n))
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
                stage=stage_label(i18n.get, lead.stage),
                score=lead.priority,
                follow_up=day(lead.next_follow_up) or "—",
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
    await turn.say("\n".join(lines), keyboard(*rows))


async def cmd_leads(message: Message, **data: Any) -> None:
    turn = Turn.of(message.chat.id, data)
    leads.remember_name(turn.person, message.from_user.full_name if message.from_user else None)
    await show_list(turn, "mine", 0)


async def menu_leads(query: CallbackQuery, callback_data: MenuCb, **data: Any) -> None:
    await query.answer()
    turn = Turn.of(query.from_user.id, data)
    leads.remember_name(turn.person, query.from_user.full_name)
    await show_list(turn, "unit" if callback_data.action == "leads_unit" else "mine", 0)


async def list_page(query: CallbackQuery, callback_data: LeadListCb, **data: Any) -> None:
    await query.answer()
    scope = "unit" if callback_data.scope == "unit" else "mine"
    await show_list(Turn.of(query.from_user.id, data), scope, callback_data.page)


# ---- the lead card ---------------------------------------------------------------------


def _card_keyboard(turn: Turn, lead: Lead, enterprise: Enterprise) -> list[list[Any]]:
    i18n = turn.i18n
    stages = [
        button(
            ("• " if stage == lead.stage else "") + i18n.get(key),
            LeadCb(action="stage", lead_id=lead.id, value=stage),
        )
        for stage, key in STAGE_KEYS.items()
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
    if enterprise.tax_code is None:
        rows.append([button(i18n.get("lead-set-tax-code"), LeadCb(action="tax", lead_id=lead.id))])
    if leads.is_supervisor(turn.roles):
        rows.append([button(i18n.get("lead-reassign"), LeadCb(action="reassign", lead_id=lead.id))])
    scope = "mine" if lead.collaborator_id == turn.person.id else "unit"
    rows.append([button(i18n.get("lead-to-list"), LeadListCb(scope=scope))])
    return rows


async def send_card(turn: Turn, lead: Lead, notice: str | None = None) -> None:
    i18n = turn.i18n
    t = i18n.get
    shown = await leads.card(turn.session, lead)
    contact = " ".join(filter(None, (lead.contact_name, lead.contact_phone)))
    text = "\n".join(
        (
            t("lead-card-title", ref=lead.ref),
            enterprise_text(t, shown.enterprise, shown.ward, turn.now.date()),
            t(
                "lead-card",
                stage=stage_label(t, lead.stage),
                score=lead.priority,
                reasons=reasons_line(t, leads.stored_reasons(lead)),
                follow_up=day(lead.next_follow_up) or t("lead-unknown"),
                contact=esc(contact) if contact else t("lead-unknown"),
                collaborator=_person(i18n, shown.collaborator),
                unit=esc(shown.unit.name if shown.unit else t("lead-unknown")),
            ),
        )
    )
    if notice:
        text = f"{notice}\n\n{text}"
    await turn.say(text, keyboard(*_card_keyboard(turn, lead, shown.enterprise)))


async def on_card_button(query: CallbackQuery, callback_data: LeadCb, **data: Any) -> None:
    turn = Turn.of(query.from_user.id, data)
    action, value = callback_data.action, callback_data.value
    if action == "reassign_to":
        await _reassign_to(query, turn, callback_data)
        return
    # Never trust the id in a button: the lead is loaded and checked again, every time.
    required = Action.REASSIGN_LEAD if action == "reassign" else Action.UPDATE_LEAD
    lead = await leads.lead_for(turn.session, turn.person, callback_data.lead_id, required)
    await query.answer()
    if any(runner.in_form(data.get("raw_state")) for runner in CARD_FORMS.values()):
        await turn.state.clear()
    if action in CARD_FORMS:
        await CARD_FORMS[action].start(turn, {}, extra={"card_lead_id": lead.id})
    elif action == "stage" and value in LeadStage.ALL:
        await _change_stage(turn, lead, value)
    elif action == "follow" and value in FOLLOW_UP_DAYS:
        due = turn.now.date() + timedelta(days=int(value))
        await leads.set_follow_up(turn.session, turn.person, lead, due, turn.now)
        await send_card(turn, lead, turn.i18n.get("lead-follow-up-set", date=day(due) or ""))
    elif action == "history":
        await _send_history(turn, lead)
    elif action == "qr":
        await _send_link(turn, lead)
    elif action == "reassign":
        await _offer_reassign(turn, lead)
    else:
        await send_card(turn, lead)


async def _change_stage(turn: Turn, lead: Lead, stage: str) -> None:
    try:
        changed = await leads.change_stage(turn.session, turn.person, lead, stage, turn.now)
    except leads.AlreadyActiveError:
        notice = turn.i18n.get("lead-reopen-refused")
    else:
        notice = turn.i18n.get(
            "lead-moved" if changed else "lead-moved-same",
            stage=stage_label(turn.i18n.get, lead.stage),
        )
    await send_card(turn, lead, notice)


def _history_line(i18n: I18nContext, entry: leads.HistoryEntry, when: str) -> str:
    event, who = entry.event, _person(i18n, entry.actor)
    if event.kind == "reported":
        return i18n.get("lead-history-reported", when=when, who=who)
    if event.kind == "stage":
        return i18n.get(
            "lead-history-stage",
            when=when,
            who=who,
            from_stage=stage_label(i18n.get, event.from_stage),
            to_stage=stage_label(i18n.get, event.to_stage),
        )
    if event.kind == "reassign":
        return i18n.get(
            "lead-history-reassign",
            when=when,
            who=who,
            previous=_person(i18n, entry.previous),
            current=_person(i18n, entry.current),
        )
    if event.kind == "follow_up" and event.note:
        due = day(date.fromisoformat(event.note)) or ""
        return i18n.get("lead-history-follow-up", when=when, who=who, date=due)
    if event.kind == "tax_code":
        return i18n.get("lead-history-tax-code", when=when, who=who, tax_code=esc(event.note))
    return i18n.get("lead-history-note", when=when, who=who, note=esc(event.note or ""))


async def _send_history(turn: Turn, lead: Lead) -> None:
    i18n = turn.i18n
    lines = []
    for entry in await leads.history(turn.session, lead):
        when = local(entry.event.at, turn.now.tzinfo, with_time=True)
        lines.append(_history_line(i18n, entry, when))
    back = button(i18n.get("lead-back-to-card"), LeadCb(action="open", lead_id=lead.id))
    # Fifteen notes of 500 characters would not fit in one message; the newest are kept.
    title = i18n.get("lead-history-title", ref=lead.ref)
    await turn.say(latest_that_fit(title, lines), keyboard([back]))


async def _send_link(turn: Turn, lead: Lead) -> None:
    i18n = turn.i18n
    enterprise = await turn.session.get(Enterprise, lead.enterprise_id)
    assert enterprise is not None
    back = [button(i18n.get("lead-back-to-card"), LeadCb(action="open", lead_id=lead.id))]
    if enterprise.tax_code is None:
        await turn.say(
            i18n.get("lead-qr-needs-tax-code", name=esc(enterprise.name)),
            keyboard(
                [button(i18n.get("lead-set-tax-code"), LeadCb(action="tax", lead_id=lead.id))],
                back,
            ),
        )
        return
    me = await turn.bot.me()
    link = deep_link(me.username, f"e_{enterprise.tax_code}_c{lead.ref}")
    await turn.say(i18n.get("lead-qr-link", name=esc(enterprise.name), link=link))
    await turn.bot.send_photo(
        turn.chat_id,
        BufferedInputFile(qr_png(link), filename=f"lead-{lead.ref}.png"),
        caption=i18n.get("lead-qr-caption", name=esc(enterprise.name)),
        reply_markup=keyboard(back),
    )


async def _offer_reassign(turn: Turn, lead: Lead) -> None:
    i18n = turn.i18n
    candidates = await leads.reassign_candidates(turn.session, lead)
    back = [button(i18n.get("lead-back-to-card"), LeadCb(action="open", lead_id=lead.id))]
    if not candidates:
        await turn.say(i18n.get("lead-reassign-none"), keyboard(back))
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
    await turn.say(i18n.get("lead-reassign-choose"), keyboard(*rows, back))


async def _reassign_to(query: CallbackQuery, turn: Turn, callback_data: LeadCb) -> None:
    target_id = row_id(callback_data.value) or 0
    try:
        lead, target = await leads.reassign(
            turn.session, turn.person, callback_data.lead_id, target_id, turn.now
        )
    except leads.NotCollaboratorError:
        await query.answer()
        lead = await leads.lead_for(
            turn.session, turn.person, callback_data.lead_id, Action.REASSIGN_LEAD
        )
        await turn.say(turn.i18n.get("lead-reassign-refused"))
        await _offer_reassign(turn, lead)
        return
    await query.answer()
    await send_card(turn, lead, turn.i18n.get("lead-reassigned", person=_person(turn.i18n, target)))


# ---- inputs asked for from a card ------------------------------------------------------


async def _card_input_done(turn: Turn, ctx: Ctx, notice: Any) -> None:
    lead = await leads.lead_for(turn.session, turn.person, int(ctx.data.get("card_lead_id") or 0))
    await send_card(turn, lead, str(notice) if notice else None)


async def _back_to_card(turn: Turn, ctx: Ctx) -> None:
    await _card_input_done(turn, ctx, None)


CARD_FORMS = {
    "follow_date": FormRunner(FOLLOW_UP, finish=_card_input_done, cancelled=_back_to_card),
    "note": FormRunner(NOTE, finish=_card_input_done, cancelled=_back_to_card),
    "tax": FormRunner(TAX_CODE, finish=_card_input_done, cancelled=_back_to_card),
}
FORMS = [REPORT_FORM, *CARD_FORMS.values()]


def build_router() -> Router:
    router = Router(name="leads")
    router.message.register(cmd_lead, Command("lead"))
    router.callback_query.register(menu_lead_new, MenuCb.filter(F.action == "lead_new"))
    router.message.register(cmd_leads, Command("leads"))
    router.callback_query.register(
        menu_leads, MenuCb.filter(F.action.in_({"leads_mine", "leads_unit"}))
    )
    router.callback_query.register(list_page, LeadListCb.filter())
    router.callback_query.register(on_card_button, LeadCb.filter())
    for runner in FORMS:
        router.include_router(runner.build_router())
    return router
