"""An officer records the founding of a CĐCS, or its dissolution."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from models import Enterprise, UnitKind
from services import founding, validation
from services.access import Action, UnitTree, scope_roots
from services.forms.engine import (
    PROCEED,
    SUMMARY,
    Choice,
    Ctx,
    Form,
    Option,
    Outcome,
    Search,
    Step,
    done,
    draft_value,
    refuse,
    summary_answer,
)
from services.forms.review import CONTROLS
from services.register import search_units


def _date(text: str, ctx: Ctx) -> validation.Parsed[str]:
    parsed = validation.parse_past_date(text, ctx.now.date())
    if isinstance(parsed, validation.Invalid):
        return parsed
    return validation.Valid(parsed.value.isoformat())


async def _enterprises(ctx: Ctx, query: str) -> list[Choice]:
    found = await founding.enterprises_to_found(ctx.session, ctx.person, query)
    return [Choice(e.id, f"{e.name} · {e.tax_code or '—'}") for e in found]


async def _enterprise(ctx: Ctx, value: Any) -> Outcome:
    enterprise = await ctx.session.get(Enterprise, int(value))
    if enterprise is None or enterprise.grassroots_union_id is not None:
        return refuse(ctx.t("founding-enterprise-taken"))
    ctx.draft.update(
        enterprise_id=enterprise.id, name=ctx.t("founding-default-name", name=enterprise.name)
    )
    return PROCEED


async def _enterprise_now(ctx: Ctx) -> str | None:
    enterprise = await ctx.session.get(Enterprise, ctx.draft.get("enterprise_id") or 0)
    return None if enterprise is None else enterprise.name


async def _summary(ctx: Ctx) -> str:
    enterprise = await _enterprise_now(ctx) or "—"
    return ctx.t(
        "founding-summary",
        enterprise=validation.escape(enterprise),
        number=validation.escape(ctx.draft.get("number") or "—"),
        date=validation.display_iso_date(ctx.draft.get("date")) or "—",
        name=validation.escape(ctx.draft.get("name") or "—"),
    )


async def _record(ctx: Ctx) -> Outcome:
    draft = ctx.draft
    try:
        founded = await founding.record_founding(
            ctx.session,
            ctx.person,
            int(draft.get("enterprise_id") or 0),
            str(draft.get("number")),
            validation.iso_date(str(draft.get("date"))),
            str(draft.get("name")),
            ctx.now,
        )
    except founding.HasUnionError:
        return refuse(ctx.t("founding-enterprise-taken"))
    return done(founded)


FOUND = Form(
    name="founding",
    draft_key="founding",
    controls=CONTROLS,
    submit=_record,
    steps=(
        Step(
            "enterprise",
            "founding-ask-enterprise",
            search=Search(
                _enterprises,
                found="founding-enterprise-results",
                none="founding-enterprise-none",
                longest=200,
            ),
            applies=lambda ctx: (
                ctx.draft.get("enterprise_id") is None or bool(ctx.meta.get("editing"))
            ),
            answer=_enterprise,
            current=_enterprise_now,
            back=False,
        ),
        Step(
            "number",
            "founding-ask-number",
            field="number",
            parse=lambda text, _ctx: validation.parse_free_text(text, max_len=64),
            current=draft_value("number"),
        ),
        Step(
            "date",
            "founding-ask-date",
            field="date",
            parse=_date,
            current=draft_value("date", validation.display_iso_date),
        ),
        Step(
            "name",
            "founding-ask-name",
            field="name",
            parse=lambda text, _ctx: validation.parse_employer_name(text),
            current=draft_value("name"),
        ),
        Step(
            SUMMARY,
            None,
            options=(
                Option("number", "founding-edit-number"),
                Option("date", "founding-edit-date"),
                Option("name", "founding-edit-name"),
                Option("submit", "founding-submit", alone=True),
            ),
            columns=3,
            details=_summary,
            answer=summary_answer(_record),
            back=False,
            keep=False,
        ),
    ),
)


async def _unions(ctx: Ctx, query: str) -> list[Choice]:
    roots = await scope_roots(ctx.session, ctx.person, Action.RECORD_FOUNDING)
    within = (await UnitTree.load(ctx.session)).subtree(roots)
    kinds = {UnitKind.GRASSROOTS_UNION}
    return [
        Choice(u.id, u.name) for u in await search_units(ctx.session, query, kinds, within=within)
    ]


async def _dissolve(ctx: Ctx) -> Outcome:
    draft = ctx.draft
    dissolved: Awaitable[founding.Dissolved] = founding.dissolve(
        ctx.session,
        ctx.person,
        int(draft.get("unit_id") or 0),
        validation.iso_date(str(draft.get("date"))),
        str(draft.get("reason")),
        draft.get("members") == "keep",
        ctx.now,
    )
    return done(await dissolved)


DISSOLVE = Form(
    name="dissolve",
    draft_key="dissolve",
    controls=CONTROLS,
    submit=_dissolve,
    steps=(
        Step(
            "unit",
            "dissolve-ask-unit",
            field="unit_id",
            search=Search(_unions, found="dissolve-unit-results", none="dissolve-unit-none"),
            back=False,
            keep=False,
        ),
        Step("date", "dissolve-ask-date", field="date", parse=_date, keep=False),
        Step(
            "reason",
            "dissolve-ask-reason",
            field="reason",
            parse=lambda text, _ctx: validation.parse_free_text(text, max_len=300),
            keep=False,
        ),
        Step(
            "members",
            "dissolve-ask-members",
            field="members",
            options=(
                Option("keep", "dissolve-members-keep"),
                Option("lost", "dissolve-members-lost"),
            ),
            keep=False,
        ),
    ),
)
