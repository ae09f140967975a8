"""The forms after joining: a member's new workplace (a transfer), leaving the union, a
worker's question, and an officer's answer to it. The new workplace is asked with the join
form's own steps (the same register search, "not in the list", the ward)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from models import Unit
from services import after_joining
from services.forms.engine import (
    Controls,
    Ctx,
    Form,
    Option,
    Outcome,
    Step,
    done,
    ends_in_its_step,
    free_text,
    refuse,
)
from services.forms.join import JOIN, enterprise_label, esc
from services.review import member_of
from services.routing import NoUnitsError

CONTROLS = Controls(
    back="membership-back",
    cancel="membership-cancel",
    keep="membership-keep",
    current="membership-current-value",
    stale="membership-stale-button",
    use_buttons="membership-use-buttons",
    text_only="membership-text-only",
    cancelled="membership-cancelled",
)
QUESTION = "question_id"


# ---- I changed job ------------------------------------------------------------------------


def _employer(ctx: Ctx) -> after_joining.NewEmployer:
    draft = ctx.draft
    return after_joining.NewEmployer(
        draft.get("enterprise_id"), draft.get("employer_name"), draft.get("employer_ward_id")
    )


async def _destination(ctx: Ctx) -> str:
    """The new workplace and the union the membership would move to."""
    employer = _employer(ctx)
    workplace = await enterprise_label(ctx.t, ctx.session, employer.enterprise_id)
    if workplace is None:
        ward_id = employer.employer_ward_id
        ward = await ctx.session.get(Unit, ward_id) if ward_id else None
        workplace = (employer.employer_name or "") + (f", {ward.name}" if ward else "")
    route = await after_joining.destination(ctx.session, employer)
    return ctx.t("transfer-confirm", workplace=esc(workplace), union=esc(route.unit.name))


async def _request(ctx: Ctx, _value: Any) -> Outcome:
    try:
        return done(
            await after_joining.request_transfer(ctx.session, ctx.person, _employer(ctx), ctx.now)
        )
    except (after_joining.TransferPendingError, after_joining.SameUnionError) as refused:
        return done(refused)


TRANSFER = Form(
    name="transfer",
    draft_key="transfer",
    controls=CONTROLS,
    submit=ends_in_its_step,
    steps=(
        replace(JOIN.by_name["workplace"], question="transfer-ask-workplace", back=False),
        JOIN.by_name["employer_name"],
        JOIN.by_name["employer_ward"],
        Step(
            "confirm",
            None,
            options=(Option("send", "transfer-send"),),
            details=_destination,
            answer=_request,
            keep=False,
        ),
    ),
)


# ---- leaving the union --------------------------------------------------------------------


async def _leave_details(ctx: Ctx) -> str | None:
    found = await member_of(ctx.session, ctx.person)
    if found is None:
        return None
    member, union = found
    return ctx.t("leave-confirm", number=member.number, union=esc(union.name))


async def _leave(ctx: Ctx, value: Any) -> Outcome:
    if value != "leave":
        return done(None)
    reason = str(ctx.draft.get("reason"))
    return done(await after_joining.leave_union(ctx.session, ctx.person, reason, ctx.now))


LEAVE = Form(
    name="leave",
    draft_key="leave",
    controls=CONTROLS,
    submit=ends_in_its_step,
    steps=(
        Step(
            "reason",
            "leave-ask-reason",
            field="reason",
            options=(
                Option("left_job", "leave-reason-left-job"),
                Option("retired", "leave-reason-retired"),
                Option("personal", "leave-reason-personal"),
                Option("other", "leave-reason-other"),
            ),
            back=False,
            keep=False,
        ),
        Step(
            "confirm",
            None,
            options=(Option("leave", "leave-yes"), Option("stay", "leave-no")),
            details=_leave_details,
            answer=_leave,
            keep=False,
        ),
    ),
)


# ---- questions ----------------------------------------------------------------------------


async def _ask(ctx: Ctx, value: Any) -> Outcome:
    try:
        return done(await after_joining.ask(ctx.session, ctx.person, value, ctx.now))
    except NoUnitsError:
        return refuse(ctx.t("join-no-units"))


ASK = Form(
    name="ask",
    draft_key="ask",
    controls=CONTROLS,
    submit=ends_in_its_step,
    steps=(
        Step(
            "text",
            "question-ask-text",
            parse=free_text(1000),
            answer=_ask,
            back=False,
            keep=False,
        ),
    ),
)


def _question_id(ctx: Ctx) -> int:
    return int(ctx.data.get(QUESTION) or 0)


async def _the_question(ctx: Ctx) -> str:
    question = await after_joining.question_for(ctx.session, ctx.person, _question_id(ctx))
    return ctx.t("question-quoted", text=esc(question.text))


async def _answer(ctx: Ctx, value: Any) -> Outcome:
    try:
        answered = await after_joining.answer_question(
            ctx.session, ctx.person, _question_id(ctx), value, ctx.now
        )
    except after_joining.AlreadyAnsweredError as taken:
        return done(taken)
    return done(answered)


ANSWER = Form(
    name="answer_question",
    draft_key="answer_question",
    controls=CONTROLS,
    submit=ends_in_its_step,
    steps=(
        Step(
            "answer",
            "question-ask-answer",
            parse=free_text(2000),
            details=_the_question,
            answer=_answer,
            back=False,
            keep=False,
        ),
    ),
)
