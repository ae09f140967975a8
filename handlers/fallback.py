"""Whatever no journey claimed: old buttons and stray messages get a friendly way back."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext

from handlers.common import main_menu


async def unknown_button(query: CallbackQuery, i18n: I18nContext) -> None:
    await query.answer(i18n.get("join-stale-button"))
    if query.message is not None:
        await query.message.answer(i18n.get("menu-title"), reply_markup=main_menu(i18n))


async def unknown_message(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("fallback-unknown"), reply_markup=main_menu(i18n))


def build_router() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(unknown_button)
    router.message.register(unknown_message)
    return router
