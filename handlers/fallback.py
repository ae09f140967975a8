"""Whatever no journey claimed: old buttons and stray messages get a friendly way back."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext

from handlers.common import main_menu

router = Router(name="fallback")


@router.callback_query()
async def unknown_button(query: CallbackQuery, i18n: I18nContext) -> None:
    await query.answer(i18n.get("join-stale-button"))
    if query.message is not None:
        await query.message.answer(i18n.get("menu-title"), reply_markup=main_menu(i18n))


@router.message()
async def unknown_message(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("fallback-unknown"), reply_markup=main_menu(i18n))
