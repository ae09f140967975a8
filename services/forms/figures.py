"""The officer's form for figures recruited on paper: unit, period, five counts, summary.

The unit is searched within the officer's scope (an officer whose scope is one unit is not
asked); the period is typed or picked (this week, last week, this month, last month); the
summary shows the figures the entry would replace before anything is saved.
"""

from __future__ import annotations

import html
from typing import Any

from models import FiguresSource, Unit
from services import figures, validation
from services.access import Action, authorize
from services.forms.engine import (
    PROCEED,
    SUMMARY,
    Choice,
    Controls,
    Ctx,
    Form,
    Option,
    Outcome,
    Parser,
    Search,
    Step,
    Text,
    done,
    draft_value,
    summary_answer,
)
from services.validation import Period

CONTROLS = Controls(
    back="figures-back",
    cancel="figures-cancel",
    keep="figures-keep",
    current="figures-current-value",
    stale="figures-stale-button",
    use_buttons="figures-use-buttons",
    text_only="figures-text-only",
    cancelled="figures-cancelled",
)


def period_label(t: Text, period: Period) -> str:
    """ "tuần 47/2026 (16/11 – 22/11/2026)" or "tháng 11/2026"."""
    if period.kind == "week":
        year, week, _ = period.start.isocalendar()
        return t(
            "figures-period-week",
            week=week,
            year=str(year),  # as text: Fluent would group its digits ("2.026")
            start=period.start.strftime("%d/%m"),
            end=period.end.strftime("%d/%m/%Y"),
        )
    return t("figures-period-month", month=period.start.month, year=str(period.start.year))


def counts_text(t: Text, counts: figures.Counts) -> str:
    """The five figures, and the net gain of members (a report of admissions alone lies)."""
    return t("figures-counts", net=counts.admitted - counts.lost, **counts.as_dict())


def draft_period(ctx: Ctx) -> Period | None:
    code = ctx.draft.get("period")
    parsed = validation.parse_period(code, ctx.now.date()) if code else None
    return parsed.value if isinstance(parsed, validation.Valid) else None


# ---- unit ------------------------------------------------------------------------------------


async def _units(ctx: Ctx, query: str) -> list[Choice]:
    found = await figures.search_scope(ctx.session, ctx.person, query)
    return [Choice(unit.id, f"{unit.name} · {unit.code}") for unit in found]


async def _unit(ctx: Ctx, value: Any) -> Outcome:
    # Offered from the officer's scope; checked again, as roles may have changed since.
    await authorize(ctx.session, ctx.person, Action.ENTER_FIGURES, int(value))
    ctx.draft["unit_id"] = int(value)
    return PROCEED


async def _unit_now(ctx: Ctx) -> str | None:
    unit = await ctx.session.get(Unit, ctx.draft.get("unit_id") or 0)
    return None if unit is None else unit.name


def _asks_unit(ctx: Ctx) -> bool:
    return not ctx.meta.get("one_unit")


# ---- period ----------------------------------------------------------------------------------


def _relative(ctx: Ctx, value: str) -> Period:
    today = ctx.now.date()
    week, month = Period.week_of(today), Period.month_of(today)
    return {
        "this_week": week,
        "last_week": week.previous(),
        "this_month": month,
        "last_month": month.previous(),
    }[value]


async def _period(ctx: Ctx, value: Any) -> Outcome:
    period = value if isinstance(value, Period) else _relative(ctx, str(value))
    ctx.draft["period"] = period.code
    return PROCEED


async def _period_now(ctx: Ctx) -> str | None:
    period = draft_period(ctx)
    return None if period is None else period_label(ctx.t, period)


# ---- counts ----------------------------------------------------------------------------------


def _count(text: str, _ctx: Ctx) -> validation.Parsed[int]:
    return validation.parse_count(text, minimum=0)


def _part_of_founded(text: str, ctx: Ctx) -> validation.Parsed[int]:
    return validation.parse_part(text, int(ctx.draft.get("founded") or 0))


async def _founded(ctx: Ctx, value: Any) -> Outcome:
    if value == 0:  # none founded: none founded in large enterprises either
        ctx.draft["founded_large"] = 0
    return PROCEED


def _any_founded(ctx: Ctx) -> bool:
    return int(ctx.draft.get("founded") or 0) > 0


def _count_step(name: str, question: str, parse: Parser = _count, **more: Any) -> Step:
    return Step(name, question, field=name, parse=parse, current=draft_value(name), **more)


# ---- summary and saving ----------------------------------------------------------------------


async def _summary_text(ctx: Ctx) -> str:
    t = ctx.t
    unit = await ctx.session.get(Unit, ctx.draft.get("unit_id") or 0)
    period = draft_period(ctx)
    if unit is None or period is None:
        return t("figures-stale-button")
    counts = figures.Counts.from_draft(ctx.draft)
    text = t(
        "figures-summary",
        unit=html.escape(unit.name, quote=False),
        period=period_label(t, period),
        counts=counts_text(t, counts),
    )
    existing = await figures.figures_for(ctx.session, unit.id, period)
    if existing is not None:
        old = counts_text(t, figures.Counts.of(existing))
        text += "\n\n" + t("figures-summary-replaces", counts=old)
    return text + "\n\n" + t("figures-summary-hint")


async def save(ctx: Ctx) -> Outcome:
    unit_id = int(ctx.draft.get("unit_id") or 0)
    period = draft_period(ctx)
    if not unit_id:
        return Outcome(goto="unit", reason=ctx.t("figures-incomplete"))
    if period is None:
        return Outcome(goto="period", reason=ctx.t("figures-incomplete"))
    counts = figures.Counts.from_draft(ctx.draft)
    recorded = await figures.record_figures(
        ctx.session, ctx.person, unit_id, period, counts, FiguresSource.CHAT, ctx.now
    )
    return done(recorded)


FIGURES = Form(
    name="figures",
    draft_key="figures",
    controls=CONTROLS,
    submit=save,
    steps=(
        Step(
            "unit",
            "figures-ask-unit",
            search=Search(_units, found="figures-unit-results", none="figures-unit-none"),
            applies=_asks_unit,
            answer=_unit,
            current=_unit_now,
        ),
        Step(
            "period",
            "figures-ask-period",
            parse=lambda text, ctx: validation.parse_period(text, ctx.now.date()),
            options=(
                Option("this_week", "figures-period-this-week"),
                Option("last_week", "figures-period-last-week"),
                Option("this_month", "figures-period-this-month"),
                Option("last_month", "figures-period-last-month"),
            ),
            columns=2,
            answer=_period,
            current=_period_now,
        ),
        _count_step("admitted", "figures-ask-admitted"),
        _count_step("lost", "figures-ask-lost"),
        _count_step("founded", "figures-ask-founded", answer=_founded, resets=("founded_large",)),
        _count_step(
            "founded_large", "figures-ask-founded-large", _part_of_founded, applies=_any_founded
        ),
        _count_step("dissolved", "figures-ask-dissolved"),
        Step(
            SUMMARY,
            None,
            options=(
                Option("unit", "figures-edit-unit"),
                Option("period", "figures-edit-period"),
                Option("admitted", "figures-edit-admitted"),
                Option("lost", "figures-edit-lost"),
                Option("founded", "figures-edit-founded"),
                Option("founded_large", "figures-edit-founded-large"),
                Option("dissolved", "figures-edit-dissolved"),
                Option("submit", "figures-save", alone=True),
            ),
            columns=2,
            details=_summary_text,
            answer=summary_answer(save),
            counted=False,
            back=False,
            keep=False,
        ),
    ),
)
