"""The collaborator's forms: report an enterprise, and the inputs asked for from a lead card."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import Enterprise, Lead, Unit, UnitKind
from services import leads, validation
from services.access import Action, authorize
from services.forms.engine import (
    PROCEED,
    Choice,
    Controls,
    Ctx,
    Form,
    Option,
    Outcome,
    Search,
    Step,
    Text,
    done,
    draft_value,
    ends_in_its_step,
    free_text,
    goto,
    refuse,
)
from services.register import enterprise_by_tax_code, search_wards
from services.search import search_enterprises, tax_code_prefix

NOTE_MAX_LEN = 500
CONTROLS = Controls(
    back="lead-back",
    cancel="lead-cancel",
    keep="lead-keep",
    current="lead-current-value",
    stale="lead-stale-button",
    use_buttons="lead-use-buttons",
    text_only="lead-text-only",
    cancelled="lead-cancelled",
)
STAGE_KEYS = {
    "new": "lead-stage-new",
    "contacted": "lead-stage-contacted",
    "mobilizing": "lead-stage-mobilizing",
    "founded": "lead-stage-founded",
    "declined": "lead-stage-declined",
    "closed": "lead-stage-closed",
}
REASON_KEYS = {
    "pays-fee": "lead-reason-pays-fee",
    "workers": "lead-reason-workers",
    "party-cell": "lead-reason-party-cell",
    "industrial-zone": "lead-reason-industrial-zone",
    "years": "lead-reason-years",
}


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


# ---- rendering shared by the forms and the lead card -------------------------------------


def day(value: date | None) -> str | None:
    return None if value is None else value.strftime("%d/%m/%Y")


def local(moment: datetime, tz: tzinfo | None, with_time: bool = False) -> str:
    """A stored (UTC) time as the person reads it, in the federation's time zone."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(tz).strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def stage_label(t: Text, stage: str | None) -> str:
    return t(STAGE_KEYS[stage]) if stage in STAGE_KEYS else "—"


def yes_no(t: Text, value: bool | None) -> str:
    if value is None:
        return t("lead-unknown")
    return t("lead-yes") if value else t("lead-no")


def reasons_line(t: Text, reasons: Iterable[leads.PriorityReason]) -> str:
    """The priority explained in one line: "pays the union fee but has no CĐCS; 40 workers"."""
    parts = [t(REASON_KEYS[r.key], **dict(r.args)) for r in reasons if r.key in REASON_KEYS]
    return "; ".join(parts) if parts else t("lead-reason-none")


def enterprise_text(t: Text, enterprise: Enterprise, ward: Unit | None, today: date) -> str:
    years = None if enterprise.founded_year is None else today.year - enterprise.founded_year
    unknown = t("lead-unknown")
    return t(
        "lead-enterprise",
        name=esc(enterprise.name),
        tax_code=esc(enterprise.tax_code or t("lead-no-tax-code")),
        address=esc(enterprise.address or unknown),
        ward=esc(ward.name if ward else unknown),
        workers=unknown if enterprise.employees is None else str(enterprise.employees),
        pays_fee=yes_no(t, enterprise.pays_union_fee),
        party_cell=yes_no(t, enterprise.has_party_cell),
        industrial_zone=yes_no(t, enterprise.in_industrial_zone),
        years=unknown if years is None else str(years),
    )


async def duplicate_text(
    t: Text, session: AsyncSession, lead_id: int, now: datetime, offer: bool = True
) -> str:
    lead = await session.get(Lead, lead_id)
    shown = None if lead is None else await leads.card(session, lead)
    if lead is None or shown is None:
        return t("lead-stale-button")
    text = t(
        "lead-duplicate",
        name=esc(shown.enterprise.name),
        unit=esc(shown.unit.name if shown.unit else t("lead-unknown")),
        date=local(lead.created_at, now.tzinfo),
        stage=stage_label(t, lead.stage),
    )
    return text + "\n" + t("lead-duplicate-offer") if offer else text


# ---- the report ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ElsewhereReported:
    """The enterprise is under an active lead outside the reporter's scope."""

    text: str


def _draft(ctx: Ctx) -> leads.LeadDraft:
    return leads.LeadDraft.from_state({"lead": ctx.draft})


def _set_draft(ctx: Ctx, draft: leads.LeadDraft) -> None:
    ctx.data[ctx.form.draft_key] = draft.to_state()


def _known(ctx: Ctx) -> bool:
    return ctx.draft.get("enterprise_id") is not None


def _unknown(ctx: Ctx) -> bool:
    return not _known(ctx)


def _ward_asked(ctx: Ctx) -> bool:
    # A collaborator over one ward only is not asked for it.
    return _unknown(ctx) and not ctx.meta.get("one_ward")


def _never(_ctx: Ctx) -> bool:
    return False


async def _blocked(ctx: Ctx, blocker: leads.Blocker, notice: str | None = None) -> Outcome:
    if isinstance(blocker, leads.HasUnion):
        return Outcome(done=True, result=blocker, notice=notice)
    scope = await leads.scope_of(ctx.session, ctx.person, Action.REPORT_LEAD)
    if not scope.covers(blocker.lead.unit_id):
        text = await duplicate_text(ctx.t, ctx.session, blocker.lead.id, ctx.now, offer=False)
        return Outcome(done=True, result=ElsewhereReported(text), notice=notice)
    # The lead's id stays on the server: the note button carries no id to forge.
    ctx.data["duplicate_lead_id"] = blocker.lead.id
    return goto("duplicate", notice)


async def _offer_known(ctx: Ctx, enterprise: Enterprise, notice: str | None = None) -> Outcome:
    """An enterprise already known: blocked, out of the reporter's scope, or to be confirmed."""
    blocker = await leads.blocker_for(ctx.session, enterprise)
    if blocker is not None:
        return await _blocked(ctx, blocker, notice)
    scope = await leads.scope_of(ctx.session, ctx.person, Action.REPORT_LEAD)
    if leads.unit_for_report(enterprise, scope) is None:
        ward = await ctx.session.get(Unit, enterprise.ward_unit_id or 0)
        reason = ctx.t(
            "lead-out-of-scope",
            name=esc(enterprise.name),
            ward=esc(ward.name if ward else ctx.t("lead-unknown")),
        )
        return Outcome(goto="tax_code", reason=reason, notice=notice)
    _set_draft(ctx, leads.LeadDraft(enterprise_id=enterprise.id, tax_code=enterprise.tax_code))
    return goto("confirm", notice)


async def _find_enterprises(ctx: Ctx, query: str) -> list[Choice]:
    """The register by name, the reporter's area first: a collaborator may know the name only."""
    scope = await leads.scope_of(ctx.session, ctx.person, Action.REPORT_LEAD)
    found = await search_enterprises(ctx.session, query, near=scope.units)
    return [Choice(e.id, f"{e.name} · {e.tax_code or '—'}") for e in found]


async def _tax_code(ctx: Ctx, value: Any) -> Outcome:
    if isinstance(value, int):  # picked from the register by name
        known = await ctx.session.get(Enterprise, value)
        if known is None:
            return refuse(ctx.t("lead-stale-button"))
        return await _offer_known(ctx, known)
    if value == "none":
        draft = _draft(ctx)
        draft.enterprise_id = draft.tax_code = None
        _set_draft(ctx, draft)
        return PROCEED
    enterprise = await enterprise_by_tax_code(ctx.session, value)
    if enterprise is not None:
        return await _offer_known(ctx, enterprise)
    _set_draft(ctx, leads.LeadDraft(tax_code=value))
    return Outcome(notice=ctx.t("lead-tax-code-new", tax_code=value))


async def _confirm_details(ctx: Ctx) -> str:
    enterprise = await ctx.session.get(Enterprise, ctx.draft.get("enterprise_id") or 0)
    if enterprise is None:
        return ctx.t("lead-stale-button")
    ward = await ctx.session.get(Unit, enterprise.ward_unit_id) if enterprise.ward_unit_id else None
    today = ctx.now.date()
    scored = leads.priority(enterprise, today)
    return "\n\n".join(
        (
            enterprise_text(ctx.t, enterprise, ward, today),
            ctx.t("lead-priority", score=scored.score, reasons=reasons_line(ctx.t, scored.reasons)),
        )
    )


async def _scope_wards(ctx: Ctx, query: str) -> list[Choice]:
    scope = await leads.scope_of(ctx.session, ctx.person, Action.REPORT_LEAD)
    return [
        Choice(w.id, w.name) for w in await search_wards(ctx.session, query, within=scope.units)
    ]


async def _ward(ctx: Ctx, value: Any) -> Outcome:
    ward = await ctx.session.get(Unit, int(value))
    if ward is None or ward.kind != UnitKind.WARD_UNION:
        return refuse(ctx.t("lead-ward-gone"))
    # Offered from the reporter's scope; checked again, as the roles may have changed since.
    await authorize(ctx.session, ctx.person, Action.REPORT_LEAD, ward.id)
    ctx.draft["ward_id"] = ward.id
    name = ctx.draft.get("name")
    if ctx.draft.get("tax_code") is None and name:
        existing = await leads.same_enterprise(ctx.session, name, ward.id)
        if existing is not None:
            notice = ctx.t("lead-known-by-name", name=esc(existing.name))
            return await _offer_known(ctx, existing, notice)
    return PROCEED


async def _ward_now(ctx: Ctx) -> str | None:
    ward = await ctx.session.get(Unit, ctx.draft.get("ward_id") or 0)
    return None if ward is None else ward.name


async def _contact(ctx: Ctx, value: Any) -> Outcome:
    name, phone = value if value is not None else (None, None)
    ctx.draft.update(contact_name=name, contact_phone=phone)
    return PROCEED


async def _contact_now(ctx: Ctx) -> str | None:
    parts = (ctx.draft.get("contact_name"), ctx.draft.get("contact_phone"))
    return " ".join(p for p in parts if p) or None


async def _duplicate_details(ctx: Ctx) -> str:
    return await duplicate_text(
        ctx.t, ctx.session, int(ctx.data.get("duplicate_lead_id") or 0), ctx.now
    )


async def _to_note(_ctx: Ctx, _value: Any) -> Outcome:
    return goto("duplicate_note")


async def _duplicate_note(ctx: Ctx, value: Any) -> Outcome:
    lead_id = int(ctx.data.get("duplicate_lead_id") or 0)
    await leads.add_note_to_reported(ctx.session, ctx.person, lead_id, value, ctx.now)
    return done("noted")


async def submit_report(ctx: Ctx) -> Outcome:
    try:
        result = await leads.report_lead(ctx.session, ctx.person, _draft(ctx), ctx.now)
    except leads.IncompleteLeadError:
        return Outcome(goto="tax_code", reason=ctx.t("lead-incomplete"))
    if isinstance(result, leads.Reported):
        return done(result)
    return await _blocked(ctx, result)


def _years(text: str, ctx: Ctx) -> validation.Parsed[int]:
    return validation.parse_years_or_year(text, ctx.now.date().year)


YES_NO = (Option(True, "lead-yes"), Option(False, "lead-no"))

REPORT = Form(
    name="lead",
    draft_key="lead",
    controls=CONTROLS,
    submit=submit_report,
    steps=(
        Step(
            "tax_code",
            "lead-ask-tax-code",
            parse=lambda text, _ctx: validation.parse_tax_code(text),
            # Digits are a tax code (with the parser's reasons); anything else, a name.
            search=Search(
                _find_enterprises,
                found="lead-enterprise-results",
                none="lead-enterprise-none",
                longest=200,
                takes=lambda text: tax_code_prefix(text) is None,
            ),
            options=(Option("none", "lead-tax-code-unknown"),),
            answer=_tax_code,
            current=draft_value("tax_code"),
        ),
        Step(
            "confirm",
            "lead-confirm",
            options=(Option("yes", "lead-confirm-yes"),),
            applies=_known,
            details=_confirm_details,
            keep=False,
        ),
        Step(
            "name",
            "lead-ask-name",
            field="name",
            parse=lambda text, _ctx: validation.parse_employer_name(text),
            applies=_unknown,
            current=draft_value("name"),
        ),
        Step(
            "address",
            "lead-ask-address",
            field="address",
            parse=free_text(300),
            applies=_unknown,
            current=draft_value("address"),
        ),
        Step(
            "ward",
            "lead-ask-ward",
            search=Search(_scope_wards, found="lead-ward-results", none="lead-ward-none"),
            applies=_ward_asked,
            answer=_ward,
            current=_ward_now,
        ),
        Step(
            "workers",
            "lead-ask-workers",
            field="employees",
            parse=lambda text, _ctx: validation.parse_count(text, minimum=1, maximum=1_000_000),
            applies=_unknown,
            current=draft_value("employees"),
        ),
        Step(
            "pays_fee",
            "lead-ask-pays-fee",
            field="pays_union_fee",
            options=YES_NO,
            columns=2,
            applies=_unknown,
            keep=False,
        ),
        Step(
            "party_cell",
            "lead-ask-party-cell",
            field="has_party_cell",
            options=YES_NO,
            columns=2,
            applies=_unknown,
            keep=False,
        ),
        Step(
            "industrial_zone",
            "lead-ask-industrial-zone",
            field="in_industrial_zone",
            options=YES_NO,
            columns=2,
            applies=_unknown,
            keep=False,
        ),
        Step(
            "years",
            "lead-ask-years",
            field="years",
            parse=_years,
            applies=_unknown,
            current=draft_value("years"),
        ),
        Step(
            "contact",
            "lead-ask-contact",
            parse=lambda text, _ctx: validation.parse_contact(text),
            options=(Option(None, "lead-skip"),),
            answer=_contact,
            current=_contact_now,
        ),
        Step(
            "note",
            "lead-ask-note",
            field="note",
            parse=free_text(NOTE_MAX_LEN),
            options=(Option(None, "lead-skip"),),
            current=draft_value("note"),
        ),
        # Reached only when the enterprise is already under a lead in the reporter's scope.
        Step(
            "duplicate",
            None,
            options=(Option("note", "lead-add-note"),),
            applies=_never,
            details=_duplicate_details,
            answer=_to_note,
            back=False,
            keep=False,
        ),
        Step(
            "duplicate_note",
            "lead-ask-note-text",
            parse=free_text(NOTE_MAX_LEN),
            applies=_never,
            answer=_duplicate_note,
            back=False,
            keep=False,
        ),
    ),
)


# ---- inputs asked for from a lead card -----------------------------------------------------
#
# Each is a one-step form; the lead's id is kept in the state (never in a button), and the
# lead is loaded and checked again when the answer arrives: it may have been reassigned since.


async def card_lead(ctx: Ctx) -> Lead:
    return await leads.lead_for(ctx.session, ctx.person, int(ctx.data.get("card_lead_id") or 0))


async def _follow_up(ctx: Ctx, value: Any) -> Outcome:
    lead = await card_lead(ctx)
    await leads.set_follow_up(ctx.session, ctx.person, lead, value, ctx.now)
    return done(ctx.t("lead-follow-up-set", date=day(value) or ""))


async def _note(ctx: Ctx, value: Any) -> Outcome:
    lead = await card_lead(ctx)
    await leads.add_note(ctx.session, ctx.person, lead, value, ctx.now)
    return done(ctx.t("lead-note-added"))


async def _card_tax_code(ctx: Ctx, value: Any) -> Outcome:
    lead = await card_lead(ctx)
    holder = await leads.set_tax_code(ctx.session, ctx.person, lead, value, ctx.now)
    if holder is not None:
        return refuse(ctx.t("lead-tax-code-taken", name=esc(holder.name)))
    return done(ctx.t("lead-tax-code-set", tax_code=value))


def _card_form(name: str, step: Step) -> Form:
    return Form(
        name=name, draft_key="card", controls=CONTROLS, submit=ends_in_its_step, steps=(step,)
    )


FOLLOW_UP = _card_form(
    "lead_follow_up",
    Step(
        "date",
        "lead-ask-follow-up",
        parse=lambda text, ctx: validation.parse_due_date(text, ctx.now.date()),
        answer=_follow_up,
        back=False,
        keep=False,
    ),
)
NOTE = _card_form(
    "lead_note",
    Step(
        "note",
        "lead-ask-note-text",
        parse=free_text(NOTE_MAX_LEN),
        answer=_note,
        back=False,
        keep=False,
    ),
)
TAX_CODE = _card_form(
    "lead_tax_code",
    Step(
        "tax_code",
        "lead-ask-card-tax-code",
        parse=lambda text, _ctx: validation.parse_tax_code(text),
        answer=_card_tax_code,
        back=False,
        keep=False,
    ),
)
