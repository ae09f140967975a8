"""My application: the status of the worker's latest application."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_i18n import I18nContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.common import MenuCb, WorkerCb, button, esc, main_menu
from handlers.forms import Turn
from models import Application, ApplicationStatus, Member, MemberStatus, Unit
from services.applications import latest_application
from services.forms.lead import local

STATUS_KEYS = {
    "submitted": "status-submitted",
    "more_info": "status-more-info",
    "approved": "status-approved",
    "rejected": "status-rejected",
}


REJECT_KEYS = {
    "not_employed": "reject-reason-not-employed",
    "duplicate": "reject-reason-duplicate",
    "under_age": "reject-reason-under-age",
    "not_eligible": "reject-reason-not-eligible",
    "other": "reject-reason-other",
}


async def render_application(
    session: AsyncSession, i18n: I18nContext, application: Application, tz: tzinfo | None
) -> str:
    """The application as its worker sees it: where it is, and its outcome."""
    unit = await session.get(Unit, application.routed_unit_id)
    text = i18n.get(
        "application-status",
        reference=application.reference or "",
        submitted=local(application.created_at, tz),
        unit=esc(unit.name if unit else "—"),
        status=i18n.get(STATUS_KEYS.get(application.status, "status-submitted")),
    )
    if application.decision_code in REJECT_KEYS:
        reason = i18n.get(REJECT_KEYS[application.decision_code])
        text += "\n" + i18n.get("application-reject-reason", reason=reason)
    if application.status_reason:
        text += "\n" + i18n.get("application-reason", reason=esc(application.status_reason))
    member = await session.scalar(select(Member).where(Member.application_id == application.id))
    if member is not None and member.status == MemberStatus.ACTIVE:
        union = await session.get(Unit, member.union_unit_id)
        text += "\n" + i18n.get(
            "application-member",
            number=member.number,
            union=esc(union.name if union else "—"),
            since=member.admitted_on.strftime("%d/%m/%Y"),
        )
    if application.status == ApplicationStatus.MORE_INFO:
        text += "\n" + i18n.get("application-question-waiting")
    return text


def status_keyboard(i18n: I18nContext, application: Application | None) -> InlineKeyboardMarkup:
    """The main menu, with the way to the card or to the answer on top when there is one."""
    menu = main_menu(i18n)
    if application is None:
        return menu
    if application.status == ApplicationStatus.APPROVED:
        top = [button(i18n.get("menu-card"), MenuCb(action="card"))]
    elif application.status == ApplicationStatus.MORE_INFO:
        top = [button(i18n.get("worker-reply"), WorkerCb(action="answer"))]
    else:
        return menu
    return InlineKeyboardMarkup(inline_keyboard=[top, *menu.inline_keyboard])


async def show_status(turn: Turn) -> None:
    application = await latest_application(turn.session, turn.person.id)
    i18n = turn.i18n
    if application is None:
        text = i18n.get("application-none")
    else:
        text = await render_application(turn.session, i18n, application, turn.now.tzinfo)
    await turn.say(text, status_keyboard(i18n, application))


async def cmd_status(message: Message, **data: Any) -> None:
    await show_status(Turn.of(message.chat.id, data))


async def menu_status(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    await show_status(Turn.of(query.from_user.id, data))


def build_router() -> Router:
    router = Router(name="application")
    router.message.register(cmd_status, Command("status"))
    router.callback_query.register(menu_status, MenuCb.filter(F.action == "status"))
    return router
