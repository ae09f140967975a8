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

router = Router(name="application")


async def render_application(
    session: AsyncSession, i18n: I18nContext, application: Application
) -> str:
    unit = await session.get(Unit, application.routed_unit_id)
    text = i18n.get(
        "application-status",
        reference=application.reference or "",
        submitted=application.created_at.strftime("%d/%m/%Y"),
        unit=esc(unit.name if unit else "—"),
        status=i18n.get(f"status-{application.status.replace('_', '-')}"),
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


@router.message(Command("status"))
async def cmd_status(
    message: Message, bot: Bot, session: AsyncSession, i18n: I18nContext, person: Person
) -> None:
    await show_status(bot, message.chat.id, session, i18n, person)


@router.callback_query(MenuCb.filter(F.action == "status"))
async def menu_status(
    query: CallbackQuery, bot: Bot, session: AsyncSession, i18n: I18nContext, person: Person
) -> None:
    await query.answer()
    await show_status(bot, query.from_user.id, session, i18n, person)
