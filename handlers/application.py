"""My application: the status of the worker's latest application."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.common import MenuCb, esc, main_menu
from models import Application, Person, Unit
from services.applications import latest_application

STATUS_KEYS = {
    "submitted": "status-submitted",
    "more_info": "status-more-info",
    "approved": "status-approved",
    "rejected": "status-rejected",
}


async def render_application(
    session: AsyncSession, i18n: I18nContext, application: Application
) -> str:
    unit = await session.get(Unit, application.routed_unit_id)
    text = i18n.get(
        "application-status",
        reference=application.reference or "",
        submitted=application.created_at.strftime("%d/%m/%Y"),
        unit=esc(unit.name if unit else "—"),
        status=i18n.get(STATUS_KEYS.get(application.status, "status-submitted")),
    )
    if application.status_reason:
        text += "\n" + i18n.get("application-reason", reason=esc(application.status_reason))
    return text


async def show_status(
    bot: Bot, chat_id: int, session: AsyncSession, i18n: I18nContext, person: Person
) -> None:
    application = await latest_application(session, person.id)
    if application is None:
        text = i18n.get("application-none")
    else:
        text = await render_application(session, i18n, application)
    await bot.send_message(chat_id, text, reply_markup=main_menu(i18n))


async def cmd_status(
    message: Message, bot: Bot, session: AsyncSession, i18n: I18nContext, person: Person
) -> None:
    await show_status(bot, message.chat.id, session, i18n, person)


async def menu_status(
    query: CallbackQuery, bot: Bot, session: AsyncSession, i18n: I18nContext, person: Person
) -> None:
    await query.answer()
    await show_status(bot, query.from_user.id, session, i18n, person)


def build_router() -> Router:
    router = Router(name="application")
    router.message.register(cmd_status, Command("status"))
    router.callback_query.register(menu_status, MenuCb.filter(F.action == "status"))
    return router
