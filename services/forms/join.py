"""The worker's join form: consent, a short form one step at a time, summary, submit."""

from __future__ import annotations

import html
from datetime import UTC, date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Enterprise, Lead, Unit, UnitKind
from services import validation
from services.applications import (
    AlreadyPendingError,
    Draft,
    IncompleteDraftError,
    submit_application,
)
from services.forms.engine import (
    PROCEED,
    SUMMARY,
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
    free_text,
    goto,
    refuse,
    summary_answer,
)
from services.register import enterprise_by_id, search_wards
from services.routing import NoUnitsError
from services.search import search_enterprises

CONTROLS = Controls(
    back="join-back",
    cancel="join-cancel",
    keep="join-keep",
    current="join-current-value",
    stale="join-stale-button",
    use_buttons="join-use-buttons",
    text_only="join-text-only",
    cancelled="join-cancelled",
    progress="join-progress",
)
# The branch of "not in the list": the employer's name and ward.
UNLISTED = ("employer_name", "employer_ward")


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def _draft(ctx: Ctx) -> Draft:
    return Draft.from_state({"draft": ctx.draft})


def _unlisted(ctx: Ctx) -> bool:
    return ctx.draft.get("enterprise_id") is None


def _not_preset(ctx: Ctx) -> bool:
    return not ctx.meta.get("preset")


# A stored yyyy-mm-dd as people read it.
display_date = validation.display_iso_date


# The form's note of the enterprise picked (or preset): [id, name, tax code], so the summary
# and the workplace question show it without reading it again.
PICKED = "enterprise"


def remember_enterprise(meta: dict[str, Any], enterprise: Enterprise) -> None:
    meta[PICKED] = [enterprise.id, enterprise.name, enterprise.tax_code or ""]


async def enterprise_label(
    t: Text, session: AsyncSession, enterprise_id: int | None, picked: list[Any] | None = None
) -> str | None:
    """The enterprise as the worker sees it; `picked` (the form's note) spares the read."""
    if enterprise_id is None:
        return None
    if picked is not None and picked[0] == enterprise_id:
        return t("join-enterprise-label", name=picked[1], tax_code=picked[2])
    enterprise = await enterprise_by_id(session, enterprise_id)
    if enterprise is None:
        return None
    return t("join-enterprise-label", name=enterprise.name, tax_code=enterprise.tax_code or "")


async def draft_text(
    t: Text, session: AsyncSession, draft: Draft, key: str, picked: list[Any] | None = None
) -> str:
    """The draft's answers under the message `key` (the summary, or My data's draft)."""
    workplace = await enterprise_label(t, session, draft.enterprise_id, picked)
    if workplace is None and draft.employer_name:
        ward = await session.get(Unit, draft.employer_ward_id) if draft.employer_ward_id else None
        workplace = draft.employer_name + (f", {ward.name}" if ward else "")
    dash = t("join-summary-empty")
    if draft.citizen_id:
        citizen_id = esc(draft.citizen_id)
    else:
        citizen_id = t("join-summary-skipped") if draft.citizen_id_skipped else dash
    return t(
        key,
        full_name=esc(draft.full_name or dash),
        birth_date=display_date(draft.birth_date) or dash,
        gender=gender_label(t, draft.gender) or dash,
        phone=esc(draft.phone or dash),
        citizen_id=citizen_id,
        workplace=esc(workplace or dash),
        job=esc(draft.job or dash),
    )


def gender_label(t: Text, gender: str | None) -> str | None:
    labels = {"male": "gender-male", "female": "gender-female", "other": "gender-other"}
    return t(labels[gender]) if gender in labels else None


# ---- step hooks ------------------------------------------------------------------------


def _confirm_once(ctx: Ctx, value: str, reason: str) -> Outcome:
    """Show an unusual answer back once; the same answer sent again is taken as confirmed."""
    if ctx.meta.get("unusual") == value:
        ctx.meta.pop("unusual")
        return PROCEED
    ctx.meta["unusual"] = value
    return refuse(reason)


async def _full_name(ctx: Ctx, value: Any) -> Outcome:
    # One word is usually a given name alone; some people have a single name, though.
    if " " not in value:
        return _confirm_once(ctx, value, ctx.t("join-name-single-word", name=esc(value)))
    return PROCEED


async def _consent(ctx: Ctx, value: Any) -> Outcome:
    if value != "agree":
        return done("declined")
    ctx.draft["consent_at"] = ctx.now.astimezone(UTC).isoformat()
    return PROCEED


def _birth_date(text: str, ctx: Ctx) -> validation.Parsed[str]:
    born = validation.parse_birth_date(text, ctx.now.date())
    return (
        born if isinstance(born, validation.Invalid) else validation.Valid(born.value.isoformat())
    )


async def _phone_saved(ctx: Ctx, value: Any) -> Outcome:
    return Outcome(notice=ctx.t("join-phone-saved", phone=value))


def cccd_disagrees(citizen_id: str, gender: str | None, birth_date: str | None) -> bool:
    """Whether the CCCD contradicts the answers given: its 4th digit tells gender and century
    of birth (even: male, odd: female; 0–1: 1900s, 2–3: 2000s, 4–5: 2100s), its 5th–6th the
    year of birth (Circular 07/2016/TT-BCA)."""
    digit = int(citizen_id[3])
    if gender in ("male", "female") and digit <= 5 and (digit % 2 == 1) != (gender == "female"):
        return True
    if birth_date:
        year = date.fromisoformat(birth_date).year
        if digit <= 5 and year // 100 != 19 + digit // 2:
            return True
        if citizen_id[4:6] != f"{year % 100:02d}":
            return True
    return False


async def _citizen_id(ctx: Ctx, value: Any) -> Outcome:
    ctx.draft["citizen_id_skipped"] = value is None
    if value is not None and cccd_disagrees(
        value, ctx.draft.get("gender"), ctx.draft.get("birth_date")
    ):
        return _confirm_once(ctx, value, ctx.t("join-citizen-id-check", citizen_id=esc(value)))
    return PROCEED


async def _find_enterprises(ctx: Ctx, query: str) -> list[Choice]:
    # A worker who came by a collaborator's link most likely works in that collaborator's ward.
    lead_ref = ctx.draft.get("lead_ref")
    ward = None
    if lead_ref is not None:
        ward = await ctx.session.scalar(select(Lead.unit_id).where(Lead.ref == lead_ref))
    found = await search_enterprises(ctx.session, query, near=() if ward is None else (ward,))
    return [Choice(e.id, f"{e.name} · {e.tax_code}") for e in found]


async def _workplace(ctx: Ctx, value: Any) -> Outcome:
    if value == "notlisted":
        ctx.draft["enterprise_id"] = None
        # What was just searched is the likeliest name: offered to keep.
        query = ctx.meta.get("query")
        if query and not ctx.draft.get("employer_name"):
            parsed = validation.parse_employer_name(query)
            if isinstance(parsed, validation.Valid):
                ctx.draft["employer_name"] = parsed.value
        return goto("employer_name")
    if value == "keep":
        return PROCEED
    enterprise = await enterprise_by_id(ctx.session, int(value))
    if enterprise is None:
        return refuse(ctx.t("join-workplace-gone"))
    ctx.draft.update(enterprise_id=enterprise.id, employer_name=None, employer_ward_id=None)
    remember_enterprise(ctx.meta, enterprise)
    return PROCEED


async def _workplace_now(ctx: Ctx) -> str | None:
    picked = ctx.meta.get(PICKED)
    label = await enterprise_label(ctx.t, ctx.session, ctx.draft.get("enterprise_id"), picked)
    return label or ctx.draft.get("employer_name")


async def _find_wards(ctx: Ctx, query: str) -> list[Choice]:
    return [Choice(w.id, w.name) for w in await search_wards(ctx.session, query)]


async def _ward(ctx: Ctx, value: Any) -> Outcome:
    ward = None
    if value != "unknown":
        ward = await ctx.session.get(Unit, int(value))
        if ward is None or ward.kind != UnitKind.WARD_UNION:
            return refuse(ctx.t("join-ward-gone"))
    ctx.draft.update(enterprise_id=None, employer_ward_id=ward.id if ward else None)
    return PROCEED


async def _ward_now(ctx: Ctx) -> str | None:
    ward_id = ctx.draft.get("employer_ward_id")
    ward = await ctx.session.get(Unit, ward_id) if ward_id else None
    return None if ward is None else ward.name


async def _summary_text(ctx: Ctx) -> str:
    return await draft_text(ctx.t, ctx.session, _draft(ctx), "join-summary", ctx.meta.get(PICKED))


async def submit(ctx: Ctx) -> Outcome:
    try:
        submitted = await submit_application(ctx.session, ctx.person, _draft(ctx), ctx.now)
    except IncompleteDraftError as exc:
        return Outcome(goto=exc.missing[0], reason=ctx.t("join-incomplete"))
    except AlreadyPendingError as exc:
        return done(exc.application)
    except NoUnitsError:
        return refuse(ctx.t("join-no-units"))
    return done(submitted)


JOIN = Form(
    name="join",
    draft_key="draft",
    controls=CONTROLS,
    submit=submit,
    steps=(
        Step(
            "consent",
            "join-ask-consent",
            options=(
                Option("agree", "join-consent-agree"),
                Option("decline", "join-consent-decline"),
            ),
            answer=_consent,
            counted=False,
            back=False,
            keep=False,
        ),
        Step(
            "full_name",
            "join-ask-full-name",
            field="full_name",
            parse=lambda text, _ctx: validation.parse_full_name(text),
            answer=_full_name,
            current=draft_value("full_name"),
        ),
        Step(
            "birth_date",
            "join-ask-birth-date",
            field="birth_date",
            parse=_birth_date,
            current=draft_value("birth_date", display_date),
        ),
        Step(
            "gender",
            "join-ask-gender",
            field="gender",
            options=(
                Option("male", "gender-male"),
                Option("female", "gender-female"),
                Option("other", "gender-other"),
            ),
            columns=3,
        ),
        Step(
            "phone",
            "join-ask-phone",
            field="phone",
            parse=lambda text, _ctx: validation.parse_phone(text),
            contact=True,
            answer=_phone_saved,
            current=draft_value("phone"),
        ),
        Step(
            "citizen_id",
            "join-ask-citizen-id",
            field="citizen_id",
            parse=lambda text, _ctx: validation.parse_citizen_id(text),
            options=(Option(None, "join-skip"),),
            answer=_citizen_id,
            current=draft_value("citizen_id"),
        ),
        Step(
            "workplace",
            "join-ask-workplace",
            search=Search(
                _find_enterprises,
                found="join-workplace-results",
                none="join-workplace-none",
                longest=200,
                extra=(Option("notlisted", "join-workplace-not-listed"),),
            ),
            applies=_not_preset,
            answer=_workplace,
            current=_workplace_now,
            resets=UNLISTED,
        ),
        Step(
            "employer_name",
            "join-ask-employer-name",
            field="employer_name",
            parse=lambda text, _ctx: validation.parse_employer_name(text),
            applies=_unlisted,
            current=draft_value("employer_name"),
            counted=False,
        ),
        Step(
            "employer_ward",
            "join-ask-employer-ward",
            search=Search(_find_wards, found="join-ward-results", none="join-ward-none"),
            options=(Option("unknown", "join-ward-unknown"),),
            applies=_unlisted,
            answer=_ward,
            current=_ward_now,
            counted=False,
        ),
        Step(
            "job",
            "join-ask-job",
            field="job",
            parse=free_text(100),
            current=draft_value("job"),
        ),
        Step(
            SUMMARY,
            None,
            options=(
                Option("full_name", "join-edit-full-name"),
                Option("birth_date", "join-edit-birth-date"),
                Option("gender", "join-edit-gender"),
                Option("phone", "join-edit-phone"),
                Option("citizen_id", "join-edit-citizen-id"),
                Option("workplace", "join-edit-workplace"),
                Option("job", "join-edit-job"),
                Option("submit", "join-submit", alone=True),
            ),
            columns=2,
            details=_summary_text,
            answer=summary_answer(submit),
            counted=False,
            back=False,
            keep=False,
        ),
    ),
)


def start_draft(
    enterprise: Enterprise | None, source: str | None, lead_ref: str | None
) -> dict[str, Any]:
    draft = Draft(source=source, lead_ref=lead_ref)
    if enterprise is not None:
        draft.enterprise_id = enterprise.id
    return draft.to_state()
