"""The worker's join journey: the join form (services/forms/join.py) and its ways in."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message

from handlers.application import render_application
from handlers.common import MenuCb, button, esc, keyboard, main_menu
from handlers.forms import FormRunner, Turn
from handlers.founding import send_founding_alert
from models import Application, Enterprise
from services.applications import Submitted, pending_application
from services.forms.engine import Ctx
from services.forms.join import JOIN, remember_enterprise, start_draft


class ResumeCb(CallbackData, prefix="jr"):
    action: str  # "continue" or "restart"


async def _finish(turn: Turn, _ctx: Ctx, result: Any) -> None:
    i18n = turn.i18n
    if isinstance(result, Submitted):
        text = i18n.get(
            "join-submitted",
            reference=result.application.reference or "",
            unit=esc(result.route.unit.name),
        )
    elif isinstance(result, Application):
        text = (
            i18n.get("join-already-pending")
            + "\n\n"
            + await render_application(turn.session, i18n, result, turn.now.tzinfo)
        )
    else:
        text = i18n.get("join-consent-declined")
    await turn.say(text, main_menu(i18n))
    if isinstance(result, Submitted) and result.founding_alert is not None:
        await send_founding_alert(turn, result.founding_alert)


FORM = FormRunner(JOIN, finish=_finish)


def in_join(raw_state: str | None) -> bool:
    return FORM.in_form(raw_state)


async def offer_resume(turn: Turn) -> None:
    i18n = turn.i18n
    await turn.say(
        i18n.get("join-resume"),
        keyboard(
            [button(i18n.get("join-resume-continue"), ResumeCb(action="continue"))],
            [button(i18n.get("join-resume-restart"), ResumeCb(action="restart"))],
        ),
    )


async def start_join(
    turn: Turn,
    *,
    enterprise: Enterprise | None = None,
    source: str | None = None,
    lead_ref: str | None = None,
) -> None:
    """Begin (or offer to resume) the join journey; shows a pending application instead."""
    pending = (
        await pending_application(turn.session, turn.person.id) if turn.may_have_pending else None
    )
    if pending is not None:
        await _finish(turn, await FORM.load(turn), pending)
        return
    if in_join(await turn.state.get_state()):
        if enterprise is not None:
            # A factory-gate link scanned mid-form: that employer replaces the one typed.
            ctx = await FORM.load(turn)
            ctx.draft.update(enterprise_id=enterprise.id, employer_name=None, employer_ward_id=None)
            ctx.draft["source"] = source or ctx.draft.get("source")
            ctx.draft["lead_ref"] = lead_ref or ctx.draft.get("lead_ref")
            ctx.meta["preset"] = True
            remember_enterprise(ctx.meta, enterprise)
            await turn.state.set_data(ctx.data)
        await offer_resume(turn)
        return
    meta: dict[str, Any] = {"preset": enterprise is not None}
    if enterprise is not None:
        await turn.say(turn.i18n.get("join-for-enterprise", name=esc(enterprise.name)))
        remember_enterprise(meta, enterprise)
    await FORM.start(turn, start_draft(enterprise, source, lead_ref), meta=meta)


async def cmd_join(message: Message, **data: Any) -> None:
    await start_join(Turn.of(message.chat.id, data))


async def menu_join(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    await start_join(Turn.of(query.from_user.id, data))


async def resume_choice(query: CallbackQuery, callback_data: ResumeCb, **data: Any) -> None:
    await query.answer()
    turn = Turn.of(query.from_user.id, data)
    current = JOIN.step_of(await turn.state.get_state())
    if current is None or callback_data.action == "restart":
        await turn.state.clear()
        await start_join(turn)
        return
    await FORM.ask(turn, await FORM.load(turn), current)


def build_router() -> Router:
    router = Router(name="join")
    router.message.register(cmd_join, Command("join"))
    router.callback_query.register(menu_join, MenuCb.filter(F.action == "join"))
    router.callback_query.register(resume_choice, ResumeCb.filter())
    router.include_router(FORM.build_router())
    return router
