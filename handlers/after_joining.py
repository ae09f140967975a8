"""After joining: My membership (the card, I changed job, leave the union), Ask the union for
everyone, and the officers' lists of workers' questions and of members moving in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message

from handlers.common import MenuCb, button, esc, keyboard, main_menu, say_to, says
from handlers.forms import FormRunner, Turn
from handlers.review import send_member_card
from models import Person, Question, Transfer, Unit
from services import after_joining, review
from services.access import Action, authorize, nearest_officers
from services.forms.after_joining import ANSWER, ASK, LEAVE, QUESTION, TRANSFER
from services.forms.engine import Ctx
from services.forms.lead import local
from services.members import card_date


class QuestionCb(CallbackData, prefix="qa"):
    action: str  # answer, next
    question_id: int


class TransferCb(CallbackData, prefix="tr"):
    action: str  # accept, decline, next
    transfer_id: int


def _with_notice(notice: str | None, text: str) -> str:
    return f"{notice}\n\n{text}" if notice else text


def _who(person: Person | None) -> str:
    return esc(person.display_name if person and person.display_name else "—")


# ---- My membership ------------------------------------------------------------------------


async def show_membership(turn: Turn) -> None:
    i18n = turn.i18n
    found = await review.member_of(turn.session, turn.person)
    if found is None:
        await turn.say(i18n.get("membership-none"), main_menu(i18n, member=False))
        return
    member, union = found
    text = i18n.get(
        "membership-card",
        number=member.number,
        union=esc(union.name),
        since=card_date(member.admitted_on),
    )
    waiting = await after_joining.pending_transfer(turn.session, member.id)
    if waiting is not None:
        destination = await turn.session.get(Unit, waiting.to_unit_id)
        text += "\n" + i18n.get(
            "membership-transfer-waiting", union=esc(destination.name if destination else "—")
        )
    await turn.say(
        text,
        keyboard(
            [button(i18n.get("menu-card"), MenuCb(action="card"))],
            [button(i18n.get("membership-changed-job"), MenuCb(action="transfer"))],
            [button(i18n.get("membership-leave"), MenuCb(action="leave"))],
            [button(i18n.get("menu-back"), MenuCb(action="menu"))],
        ),
    )


async def start_transfer(turn: Turn) -> None:
    found = await review.member_of(turn.session, turn.person)
    if found is None:
        await turn.say(turn.i18n.get("membership-none"), main_menu(turn.i18n, member=False))
        return
    waiting = await after_joining.pending_transfer(turn.session, found[0].id)
    if waiting is not None:
        await _transfer_waiting(turn, waiting)
        return
    await TRANSFER_FORM.start(turn, {})


async def _transfer_waiting(turn: Turn, transfer: Transfer) -> None:
    destination = await turn.session.get(Unit, transfer.to_unit_id)
    text = turn.i18n.get(
        "transfer-already-waiting", union=esc(destination.name if destination else "—")
    )
    await turn.say(text, main_menu(turn.i18n))


async def _transfer_requested(turn: Turn, _ctx: Ctx, result: Any) -> None:
    i18n = turn.i18n
    if isinstance(result, after_joining.TransferPendingError):
        await _transfer_waiting(turn, result.transfer)
        return
    if isinstance(result, after_joining.SameUnionError):
        text = i18n.get("transfer-same-union", union=esc(result.union.name))
        await turn.say(text, main_menu(i18n))
        return
    transfer: Transfer = result
    destination = await turn.session.get(Unit, transfer.to_unit_id)
    union = esc(destination.name if destination else "—")
    await turn.say(i18n.get("transfer-sent", union=union), main_menu(i18n))
    await _tell_officers(
        turn, transfer.to_unit_id, "transfer-new-officer", "menu-transfers", "transfers", union
    )


async def start_leave(turn: Turn) -> None:
    if await review.member_of(turn.session, turn.person) is None:
        await turn.say(turn.i18n.get("membership-none"), main_menu(turn.i18n, member=False))
        return
    await LEAVE_FORM.start(turn, {})


async def _left(turn: Turn, _ctx: Ctx, result: Any) -> None:
    i18n = turn.i18n
    if result is None:
        await turn.say(i18n.get("leave-stayed"), main_menu(i18n))
        return
    member, union = result
    text = i18n.get("leave-done", union=esc(union.name), date=card_date(member.ended_on))
    await turn.say(text, main_menu(i18n, member=False))


# ---- Ask the union ------------------------------------------------------------------------


async def _asked(turn: Turn, _ctx: Ctx, result: Any) -> None:
    question: Question = result
    unit = await turn.session.get(Unit, question.unit_id)
    name = esc(unit.name if unit else "—")
    await turn.say(turn.i18n.get("question-sent", unit=name), main_menu(turn.i18n))
    await _tell_officers(
        turn, question.unit_id, "question-new-officer", "menu-questions", "questions", name
    )


async def _tell_officers(
    turn: Turn, unit_id: int, key: str, button_key: str, action: str, unit: str
) -> None:
    """Something now waits in `unit_id`: its nearest officers hear of it at once, with the
    button that opens their list (which checks their scope again)."""
    for officer in await nearest_officers(turn.session, unit_id):
        if officer.id != turn.person.id:
            markup = keyboard([button(says(officer, button_key), MenuCb(action=action))])
            await say_to(turn.bot, officer, key, markup, unit=unit)


# ---- officers: questions ------------------------------------------------------------------


async def show_questions(
    turn: Turn, after: Question | None = None, notice: str | None = None
) -> None:
    """Open questions of the officer's subtree, oldest (stale) first, one card at a time."""
    await authorize(turn.session, turn.person, Action.ANSWER_WORKER_QUESTION)
    i18n = turn.i18n
    units = await after_joining.question_scope(turn.session, turn.person)
    waiting = await after_joining.open_questions(turn.session, units)
    following = waiting
    if after is not None:
        key = (after.asked_at, after.id)
        following = [q for q in waiting if (q.asked_at, q.id) > key]
    if not following:
        empty = i18n.get("questions-none" if not waiting else "questions-done")
        await turn.say(_with_notice(notice, empty), main_menu(i18n))
        return
    stale = [q for q in waiting if after_joining.is_stale(q, turn.now)]
    lines = [i18n.get("questions-title", total=len(waiting), stale=len(stale))]
    lines += [await _stale_line(turn, q) for q in stale]
    await turn.say(_with_notice(notice, "\n".join(lines)))
    await _send_question_card(turn, following[0])


async def _stale_line(turn: Turn, question: Question) -> str:
    unit = await turn.session.get(Unit, question.unit_id)
    return turn.i18n.get(
        "questions-stale-line",
        unit=esc(unit.name if unit else "—"),
        asked=local(question.asked_at, turn.now.tzinfo),
    )


async def _asker(turn: Turn, question: Question) -> str:
    worker = await turn.session.get(Person, question.person_id) if question.person_id else None
    found = await review.member_of(turn.session, worker) if worker is not None else None
    if found is None:
        return turn.i18n.get("questions-from-worker")
    member, union = found
    return turn.i18n.get(
        "questions-from-member",
        name=esc(member.full_name or "—"),
        number=member.number,
        union=esc(union.name),
    )


async def _send_question_card(turn: Turn, question: Question) -> None:
    i18n = turn.i18n
    unit = await turn.session.get(Unit, question.unit_id)
    text = i18n.get(
        "questions-card",
        unit=esc(unit.name if unit else "—"),
        asked=local(question.asked_at, turn.now.tzinfo, with_time=True),
        asker=await _asker(turn, question),
        text=esc(question.text),
    )
    if after_joining.is_stale(question, turn.now):
        text = i18n.get("questions-stale-flag") + "\n" + text

    def act(key: str, action: str) -> Any:
        return button(i18n.get(key), QuestionCb(action=action, question_id=question.id))

    await turn.say(
        text,
        keyboard(
            [act("questions-answer", "answer"), act("questions-next", "next")],
            [button(i18n.get("menu-back"), MenuCb(action="menu"))],
        ),
    )


async def on_question_button(query: CallbackQuery, callback_data: QuestionCb, **data: Any) -> None:
    turn = Turn.of(query.from_user.id, data)
    # Never trust the id in a button: the question is loaded and checked again.
    question = await after_joining.question_for(
        turn.session, turn.person, callback_data.question_id
    )
    await query.answer()
    if callback_data.action == "answer" and question.answered_at is None:
        await ANSWER_FORM.start(turn, {}, extra={QUESTION: question.id})
    elif callback_data.action == "answer":
        by = await turn.session.get(Person, question.answered_by) if question.answered_by else None
        await show_questions(turn, question, _already_answered(turn, question, by))
    else:
        await show_questions(turn, question)


def _already_answered(turn: Turn, question: Question, by: Person | None) -> str:
    when = local(question.answered_at or turn.now, turn.now.tzinfo, with_time=True)
    return turn.i18n.get("questions-already-answered", who=_who(by), when=when)


async def _answered(turn: Turn, ctx: Ctx, result: Any) -> None:
    if isinstance(result, after_joining.AlreadyAnsweredError):
        notice = _already_answered(turn, result.question, result.by)
        await show_questions(turn, result.question, notice)
        return
    answered: after_joining.Answered = result
    question = answered.question
    await say_to(
        turn.bot,
        answered.worker,
        "question-answered",
        question=esc(question.text),
        answer=esc(question.answer or ""),
    )
    await show_questions(turn, question, turn.i18n.get("questions-answer-sent"))


# ---- officers: transfers ------------------------------------------------------------------


async def show_transfers(
    turn: Turn, after: Transfer | None = None, notice: str | None = None
) -> None:
    """Members asking to move into the officer's subtree, oldest first, one card at a time."""
    await authorize(turn.session, turn.person, Action.DECIDE_TRANSFER)
    i18n = turn.i18n
    units = await after_joining.transfer_scope(turn.session, turn.person)
    total = await after_joining.waiting_transfers(turn.session, units)
    transfer = await after_joining.next_transfer(turn.session, units, after)
    if transfer is None:
        empty = i18n.get("transfers-none" if not total else "transfers-done")
        await turn.say(_with_notice(notice, empty), main_menu(i18n))
        return
    card = await after_joining.transfer_card(turn.session, transfer)
    if card.enterprise is not None:
        workplace = f"{card.enterprise.name} · {card.enterprise.tax_code or '—'}"
    else:
        ward = f", {card.ward.name}" if card.ward else ""
        workplace = f"{transfer.employer_name or '—'}{ward}"
    text = i18n.get(
        "transfers-card",
        total=total,
        name=esc(card.member.full_name or "—"),
        number=card.member.number,
        from_union=esc(card.from_unit.name),
        workplace=esc(workplace),
        to_union=esc(card.to_unit.name),
        requested=local(transfer.requested_at, turn.now.tzinfo),
    )

    def act(key: str, action: str) -> Any:
        return button(i18n.get(key), TransferCb(action=action, transfer_id=transfer.id))

    await turn.say(
        _with_notice(notice, text),
        keyboard(
            [act("transfers-accept", "accept"), act("transfers-decline", "decline")],
            [act("transfers-next", "next"), button(i18n.get("menu-back"), MenuCb(action="menu"))],
        ),
    )


async def on_transfer_button(query: CallbackQuery, callback_data: TransferCb, **data: Any) -> None:
    turn = Turn.of(query.from_user.id, data)
    # Checked on the destination unit, whatever the button says.
    transfer = await after_joining.transfer_for(
        turn.session, turn.person, callback_data.transfer_id
    )
    await query.answer()
    if callback_data.action not in ("accept", "decline"):
        await show_transfers(turn, transfer)
        return
    accept = callback_data.action == "accept"
    try:
        decided = await after_joining.decide_transfer(
            turn.session, turn.person, transfer.id, accept, turn.now
        )
    except after_joining.TransferDecidedError as taken:
        when = local(taken.transfer.decided_at or turn.now, turn.now.tzinfo, with_time=True)
        notice = turn.i18n.get("transfers-already-decided", who=_who(taken.by), when=when)
        await show_transfers(turn, transfer, notice)
        return
    member, union, worker = decided.member, decided.union, decided.worker
    if accept:
        await say_to(
            turn.bot, worker, "transfer-accepted", union=esc(union.name), number=member.number
        )
        if worker is not None:
            await send_member_card(turn, worker, member, union)
        notice = turn.i18n.get("transfers-accepted", name=esc(member.full_name or "—"))
    else:
        await say_to(turn.bot, worker, "transfer-declined", union=esc(union.name))
        notice = turn.i18n.get("transfers-declined", name=esc(member.full_name or "—"))
    await show_transfers(turn, transfer, notice)


# ---- the router ---------------------------------------------------------------------------

TRANSFER_FORM = FormRunner(TRANSFER, finish=_transfer_requested)
LEAVE_FORM = FormRunner(LEAVE, finish=_left)
ASK_FORM = FormRunner(ASK, finish=_asked)
ANSWER_FORM = FormRunner(ANSWER, finish=_answered)
FORMS = (TRANSFER_FORM, LEAVE_FORM, ASK_FORM, ANSWER_FORM)


async def _ask(turn: Turn) -> None:
    await ASK_FORM.start(turn, {})


Show = Callable[[Turn], Awaitable[None]]
MENU: dict[str, Show] = {
    "membership": show_membership,
    "transfer": start_transfer,
    "leave": start_leave,
    "ask": _ask,
    "questions": show_questions,
    "transfers": show_transfers,
}
COMMANDS: dict[str, Show] = {
    "membership": show_membership,
    "ask": _ask,
    "questions": show_questions,
    "transfers": show_transfers,
}


def _on_command(show: Show) -> Callable[..., Awaitable[None]]:
    async def command(message: Message, **data: Any) -> None:
        await show(Turn.of(message.chat.id, data))

    return command


async def on_menu(query: CallbackQuery, callback_data: MenuCb, **data: Any) -> None:
    await query.answer()
    await MENU[callback_data.action](Turn.of(query.from_user.id, data))


def build_router() -> Router:
    router = Router(name="after_joining")
    router.callback_query.register(on_menu, MenuCb.filter(F.action.in_(MENU)))
    for name, show in COMMANDS.items():
        router.message.register(_on_command(show), Command(name))
    router.callback_query.register(on_question_button, QuestionCb.filter())
    router.callback_query.register(on_transfer_button, TransferCb.filter())
    for runner in FORMS:
        router.include_router(runner.build_router())
    return router
