"""The officers' forms on an application (reject, ask, re-route, reverse) and the worker's
answer. The application's id is kept in the state, never in a button, and every hook checks
the officer's role and scope again."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from services import review
from services.forms.engine import (
    Choice,
    Controls,
    Ctx,
    Form,
    Option,
    Outcome,
    Search,
    Step,
    done,
    ends_in_its_step,
    free_text,
)

CONTROLS = Controls(
    back="review-back",
    cancel="review-cancel",
    keep="review-keep",
    current="review-current-value",
    stale="review-stale-button",
    use_buttons="review-use-buttons",
    text_only="review-text-only",
    cancelled="review-cancelled",
)
APPLICATION = "review_app_id"


def _application_id(ctx: Ctx) -> int:
    return int(ctx.data.get(APPLICATION) or 0)


async def _decide(decision: Awaitable[review.Decided]) -> Outcome:
    """Ends the form with the decision, or with who decided first."""
    try:
        return done(await decision)
    except review.AlreadyDecidedError as taken:
        return done(taken)


async def _reject(ctx: Ctx) -> Outcome:
    code = str(ctx.draft.get("reason"))
    note = ctx.draft.get("note")
    application_id = _application_id(ctx)
    return await _decide(
        review.reject(ctx.session, ctx.person, application_id, code, note, ctx.now)
    )


def _other(ctx: Ctx) -> bool:
    return ctx.draft.get("reason") == "other"


REJECT = Form(
    name="reject",
    draft_key="reject",
    controls=CONTROLS,
    submit=_reject,
    steps=(
        Step(
            "reason",
            "review-ask-reject-reason",
            field="reason",
            options=(
                Option("not_employed", "reject-reason-not-employed"),
                Option("duplicate", "reject-reason-duplicate"),
                Option("under_age", "reject-reason-under-age"),
                Option("not_eligible", "reject-reason-not-eligible"),
                Option("other", "reject-reason-other"),
            ),
            back=False,
            keep=False,
        ),
        # Free words for the worker: required for "other", optional otherwise.
        Step(
            "note",
            "review-ask-reject-note",
            field="note",
            parse=free_text(300),
            options=(Option(None, "review-skip"),),
            applies=lambda ctx: not _other(ctx),
            keep=False,
        ),
        Step(
            "explain",
            "review-ask-reject-explain",
            field="note",
            parse=free_text(300),
            applies=_other,
            keep=False,
        ),
    ),
)


async def _ask(ctx: Ctx, value: Any) -> Outcome:
    return done(
        await review.ask_more(ctx.session, ctx.person, _application_id(ctx), value, ctx.now)
    )


ASK_MORE = Form(
    name="ask_more",
    draft_key="ask_more",
    controls=CONTROLS,
    submit=ends_in_its_step,
    steps=(
        Step(
            "question",
            "review-ask-question",
            parse=free_text(500),
            answer=_ask,
            back=False,
            keep=False,
        ),
    ),
)


async def _answer(ctx: Ctx, value: Any) -> Outcome:
    return done(await review.answer(ctx.session, ctx.person, value, ctx.now))


ANSWER = Form(
    name="answer",
    draft_key="answer",
    controls=CONTROLS,
    submit=ends_in_its_step,
    steps=(
        Step(
            "answer",
            "review-ask-answer",
            parse=free_text(1000),
            answer=_answer,
            back=False,
            keep=False,
        ),
    ),
)


async def _units(ctx: Ctx, query: str) -> list[Choice]:
    return [Choice(u.id, u.name) for u in await review.reroute_targets(ctx.session, query)]


async def _reroute(ctx: Ctx, value: Any) -> Outcome:
    application_id = _application_id(ctx)
    return await _decide(
        review.reroute(ctx.session, ctx.person, application_id, int(value), ctx.now)
    )


REROUTE = Form(
    name="reroute",
    draft_key="reroute",
    controls=CONTROLS,
    submit=ends_in_its_step,
    steps=(
        Step(
            "unit",
            "review-ask-unit",
            search=Search(_units, found="review-unit-results", none="review-unit-none"),
            answer=_reroute,
            back=False,
            keep=False,
        ),
    ),
)


async def _reverse(ctx: Ctx, value: Any) -> Outcome:
    application_id = _application_id(ctx)
    return await _decide(review.reverse(ctx.session, ctx.person, application_id, value, ctx.now))


REVERSE = Form(
    name="reverse",
    draft_key="reverse",
    controls=CONTROLS,
    submit=ends_in_its_step,
    steps=(
        Step(
            "reason",
            "review-ask-reverse-reason",
            parse=free_text(300),
            answer=_reverse,
            back=False,
            keep=False,
        ),
    ),
)
