"""Officers review applications one card at a time; workers hear the outcome, answer
questions, and carry a member card whose QR code anyone can verify."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram_i18n import I18nContext

from handlers.application import REJECT_KEYS
from handlers.common import (
    MenuCb,
    WorkerCb,
    button,
    chat_of,
    esc,
    keyboard,
    main_menu,
    say_to,
    says,
)
from handlers.forms import FormRunner, Turn
from models import Application, ApplicationStatus, Member, Person, Role, Unit
from services import review
from services.access import Action, UnitTree, authorize, scope_roots
from services.forms.engine import Ctx
from services.forms.join import display_date, gender_label
from services.forms.lead import local
from services.forms.review import ANSWER, APPLICATION, ASK_MORE, REJECT, REROUTE, REVERSE
from services.invitations import deep_link
from services.members import (
    VERIFY_PREFIX,
    CardText,
    card_date,
    member_card_png,
    verification_parameter,
    verify,
)

ROUTING_KEYS = {
    "grassroots_union": "review-routing-grassroots-union",
    "upper_union": "review-routing-upper-union",
    "root": "review-routing-root",
    review.REROUTED: "review-routing-rerouted",
}


class ReviewCb(CallbackData, prefix="rv"):
    action: str  # open, approve, reject, more, reroute, reverse, next
    app_id: int


# ---- the queue and the card ------------------------------------------------------------


async def show_queue(turn: Turn) -> None:
    await authorize(turn.session, turn.person, Action.REVIEW_APPLICATION)
    units = await review.review_scope(turn.session, turn.person)
    counts = await review.queue_counts(turn.session, units)
    first = await review.next_application(turn.session, units)
    i18n = turn.i18n
    if first is None:
        await turn.say(i18n.get("review-queue-empty"), main_menu(i18n))
        return
    lines = [i18n.get("review-queue-title", total=sum(c.waiting for c in counts))]
    lines += [i18n.get("review-queue-line", unit=esc(c.unit.name), count=c.waiting) for c in counts]
    await turn.say("\n".join(lines))
    await send_review_card(turn, first)


def _card_text(turn: Turn, card: review.ReviewCard) -> str:
    i18n, app = turn.i18n, card.application
    if card.enterprise is None:
        workplace = esc(app.employer_name or "—")
        union = i18n.get("review-enterprise-unlisted")
    else:
        workplace = esc(f"{card.enterprise.name} · {card.enterprise.tax_code or '—'}")
        union = (
            i18n.get("review-enterprise-has-union", union=esc(card.enterprise_union.name))
            if card.enterprise_union is not None
            else i18n.get("review-enterprise-no-union")
        )
    text = i18n.get(
        "review-card",
        reference=app.reference or "",
        days=card.waited.days,
        full_name=esc(app.full_name or "—"),
        birth_date=display_date(app.birth_date.isoformat() if app.birth_date else None) or "—",
        gender=gender_label(i18n.get, app.gender) or "—",
        phone=esc(app.phone or "—"),
        citizen_id=esc(app.citizen_id or "—"),
        workplace=workplace,
        union=union,
        job=esc(app.job or "—"),
        unit=esc(card.unit.name if card.unit else "—"),
        routing=i18n.get(ROUTING_KEYS.get(app.routing_reason, "review-routing-root")),
    )
    if app.duplicate_of:
        text += "\n" + i18n.get("review-duplicates", references=", ".join(app.duplicate_of))
    for message in card.messages:
        key = "review-question-line" if message.kind == "question" else "review-answer-line"
        when = local(message.at, turn.now.tzinfo, with_time=True)
        text += "\n" + i18n.get(key, when=when, text=esc(message.text))
    return text


def _card_keyboard(i18n: I18nContext, app: Application, roles: frozenset[str]) -> Any:
    def act(key: str, action: str) -> Any:
        return button(i18n.get(key), ReviewCb(action=action, app_id=app.id))

    back = button(i18n.get("menu-back"), MenuCb(action="menu"))
    if app.status in ApplicationStatus.PENDING:
        return keyboard(
            [act("review-approve", "approve"), act("review-reject", "reject")],
            [act("review-more", "more"), act("review-reroute", "reroute")],
            [act("review-next", "next"), back],
        )
    # Decided: only an administrator may reverse it (checked again on the server).
    return keyboard([act("review-reverse", "reverse")] if Role.ADMIN in roles else [], [back])


async def send_review_card(turn: Turn, application: Application, notice: str | None = None) -> None:
    card = await review.review_card(turn.session, application, turn.now)
    text = _card_text(turn, card)
    markup = _card_keyboard(turn.i18n, application, turn.roles)
    await turn.say(f"{notice}\n\n{text}" if notice else text, markup)


async def cmd_application(message: Message, command: CommandObject, **data: Any) -> None:
    """`/application DV-2026-000123`: any application in the officer's scope, decided or not."""
    turn = Turn.of(message.chat.id, data)
    await authorize(turn.session, turn.person, Action.REVIEW_APPLICATION)
    found = await review.by_reference(turn.session, (command.args or "").strip())
    if found is None:
        await turn.say(turn.i18n.get("review-not-found"), main_menu(turn.i18n))
        return
    application = await review.application_for(
        turn.session, turn.person, found.id, Action.REVIEW_APPLICATION
    )
    await send_review_card(turn, application)


async def show_next(turn: Turn, after: Application | None, notice: str | None = None) -> None:
    """The next waiting application after `after`, or the queue is empty."""
    units = await review.review_scope(turn.session, turn.person)
    following = await review.next_application(turn.session, units, after)
    if following is None:
        empty = turn.i18n.get("review-queue-done")
        await turn.say(f"{notice}\n\n{empty}" if notice else empty, main_menu(turn.i18n))
        return
    await send_review_card(turn, following, notice)


async def cmd_review(message: Message, **data: Any) -> None:
    await show_queue(Turn.of(message.chat.id, data))


async def menu_review(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    await show_queue(Turn.of(query.from_user.id, data))


# ---- decisions ---------------------------------------------------------------------------


async def on_review_button(query: CallbackQuery, callback_data: ReviewCb, **data: Any) -> None:
    turn = Turn.of(query.from_user.id, data)
    action = callback_data.action
    required = Action.REVERSE_DECISION if action == "reverse" else Action.REVIEW_APPLICATION
    # Never trust the id in a button: the application is loaded and checked again.
    application = await review.application_for(
        turn.session, turn.person, callback_data.app_id, required
    )
    await query.answer()
    if action == "approve":
        await _approve(turn, application)
    elif action in FORMS:
        await FORMS[action].start(turn, {}, extra={APPLICATION: application.id})
    elif action == "next":
        await show_next(turn, application)
    else:
        await send_review_card(turn, application)


async def _approve(turn: Turn, application: Application) -> None:
    try:
        decided = await review.approve(turn.session, turn.person, application.id, turn.now)
    except review.AlreadyDecidedError as taken:
        await show_next(turn, application, already_decided(turn, taken))
        return
    assert decided.member is not None and decided.union is not None
    await say_to(
        turn.bot,
        decided.worker,
        "worker-approved",
        number=decided.member.number,
        union=esc(decided.union.name),
    )
    if decided.worker is not None:
        await send_member_card(turn, decided.worker, decided.member, decided.union)
    notice = turn.i18n.get(
        "review-approved",
        name=esc(application.full_name or "—"),
        number=decided.member.number,
    )
    await show_next(turn, application, notice)


def already_decided(turn: Turn, taken: review.AlreadyDecidedError) -> str:
    app = taken.application
    who = taken.by.display_name if taken.by and taken.by.display_name else "—"
    when = local(app.decided_at, turn.now.tzinfo, with_time=True) if app.decided_at else "—"
    return turn.i18n.get(
        "review-already-decided", reference=app.reference or "", who=esc(who), when=when
    )


async def _decided(turn: Turn, ctx: Ctx, result: Any) -> None:
    """The end of a reject, ask, re-route or reverse form: tell the worker, then the officer."""
    current = await turn.session.get(Application, int(ctx.data.get(APPLICATION) or 0))
    if isinstance(result, review.AlreadyDecidedError):
        await show_next(turn, current, already_decided(turn, result))
        return
    decided: review.Decided = result
    await OUTCOMES[decided.kind](turn, decided)
    reference = decided.application.reference or ""
    unit = esc(decided.union.name) if decided.union else ""
    notice = turn.i18n.get(OFFICER_NOTICES[decided.kind], reference=reference, unit=unit)
    await show_next(turn, current, notice)


async def _tell_rejected(turn: Turn, decided: review.Decided) -> None:
    app, worker = decided.application, decided.worker
    if worker is not None:
        reason = says(worker, REJECT_KEYS.get(app.decision_code or "", "reject-reason-other"))
        note = esc(app.status_reason or "")
        await say_to(
            turn.bot, worker, "worker-rejected", reference=app.reference, reason=reason, note=note
        )


async def _tell_question(turn: Turn, decided: review.Decided) -> None:
    worker = decided.worker
    if worker is not None:
        reply = keyboard([button(says(worker, "worker-reply"), WorkerCb(action="answer"))])
        await say_to(
            turn.bot,
            worker,
            "worker-question",
            reply,
            reference=decided.application.reference,
            question=esc(decided.text or ""),
        )


async def _tell_rerouted(turn: Turn, decided: review.Decided) -> None:
    unit = esc(decided.union.name) if decided.union else ""
    await say_to(
        turn.bot,
        decided.worker,
        "worker-rerouted",
        reference=decided.application.reference,
        unit=unit,
    )


async def _tell_reversed(turn: Turn, decided: review.Decided) -> None:
    await say_to(
        turn.bot, decided.worker, "worker-reversed", reference=decided.application.reference
    )


OUTCOMES = {
    "rejected": _tell_rejected,
    "more_info": _tell_question,
    "rerouted": _tell_rerouted,
    "reversed": _tell_reversed,
}
OFFICER_NOTICES = {
    "rejected": "review-rejected",
    "more_info": "review-asked",
    "rerouted": "review-rerouted",
    "reversed": "review-reversed",
}
FORMS = {
    "reject": FormRunner(REJECT, finish=_decided),
    "more": FormRunner(ASK_MORE, finish=_decided),
    "reroute": FormRunner(REROUTE, finish=_decided),
    "reverse": FormRunner(REVERSE, finish=_decided),
}


# ---- the worker's side -------------------------------------------------------------------


async def _answered(turn: Turn, _ctx: Ctx, _result: Any) -> None:
    await turn.say(turn.i18n.get("worker-answer-sent"), main_menu(turn.i18n))


ANSWER_FORM = FormRunner(ANSWER, finish=_answered)


async def on_worker_button(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    turn = Turn.of(query.from_user.id, data)
    if await review.waiting_for_answer(turn.session, turn.person) is None:
        await turn.say(turn.i18n.get("worker-nothing-to-answer"), main_menu(turn.i18n))
        return
    await ANSWER_FORM.start(turn, {})


def card_text(worker: Person, member: Member, union: Unit) -> CardText:
    return CardText(
        title=says(worker, "card-title"),
        name=member.full_name or "",
        number_label=says(worker, "card-number-label"),
        number=member.number,
        union_label=says(worker, "card-union-label"),
        union=union.name,
        since_label=says(worker, "card-since-label"),
        since=card_date(member.admitted_on),
    )


async def send_member_card(turn: Turn, worker: Person, member: Member, union: Unit) -> None:
    """The card image, with a QR code of its signed verification link."""
    me = await turn.bot.me()
    link = deep_link(me.username, verification_parameter(turn.card_key, member.number))
    png = member_card_png(card_text(worker, member, union), link)
    await turn.bot.send_photo(
        chat_of(worker),
        BufferedInputFile(png, filename=f"the-doan-vien-{member.number}.png"),
        caption=says(worker, "worker-card-caption", number=member.number),
    )


async def my_card(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    turn = Turn.of(query.from_user.id, data)
    found = await review.member_of(turn.session, turn.person)
    if found is None:
        await turn.say(turn.i18n.get("worker-no-card"), main_menu(turn.i18n))
        return
    await send_member_card(turn, turn.person, *found)


# ---- verification ------------------------------------------------------------------------


async def verify_card(message: Message, command: CommandObject, **data: Any) -> None:
    """Anyone who scans a card learns only whether it is valid, and of which union; an officer
    whose scope holds the union sees the member's record."""
    turn = Turn.of(message.chat.id, data)
    found = await verify(turn.session, turn.card_key, command.args or "")
    i18n = turn.i18n
    if not found.valid or found.member is None or found.union is None:
        await turn.say(i18n.get("verify-invalid"), main_menu(i18n))
        return
    member, union = found.member, found.union
    if await _may_see(turn, union.id):
        text = i18n.get(
            "verify-record",
            name=esc(member.full_name or "—"),
            number=member.number,
            union=esc(union.name),
            since=card_date(member.admitted_on),
        )
    else:
        text = i18n.get("verify-valid", union=esc(union.name))
    await turn.say(text, main_menu(i18n))


async def _may_see(turn: Turn, unit_id: int) -> bool:
    """Whether an officer's scope holds the unit (without auditing a refusal: anyone may scan)."""
    if not turn.roles:
        return False
    tree = await UnitTree.load(turn.session)
    roots = await scope_roots(turn.session, turn.person, Action.VIEW_MEMBER)
    return any(tree.within(unit_id, root) for root in roots)


def build_router() -> Router:
    router = Router(name="review")
    router.message.register(
        verify_card, CommandStart(deep_link=True, magic=F.args.startswith(VERIFY_PREFIX))
    )
    router.message.register(cmd_review, Command("review"))
    router.message.register(cmd_application, Command("application"))
    router.callback_query.register(menu_review, MenuCb.filter(F.action == "review"))
    router.callback_query.register(my_card, MenuCb.filter(F.action == "card"))
    router.callback_query.register(on_review_button, ReviewCb.filter())
    router.callback_query.register(on_worker_button, WorkerCb.filter())
    for runner in (*FORMS.values(), ANSWER_FORM):
        router.include_router(runner.build_router())
    return router
