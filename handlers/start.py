"""Greeting, main menu, deep links, help, "why join?", and language."""

from __future__ import annotations

import re
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.common import MenuCb, button, keyboard, main_menu
from handlers.forms import Turn
from handlers.join import in_join, offer_resume, start_join
from locales import SUPPORTED_LOCALES
from models import Person
from services.people import set_language
from services.register import enterprise_by_tax_code
from services.validation import Valid, parse_tax_code

# e_<MST> opens the join journey with the employer chosen; _c<ref> credits a collaborator.
ENTERPRISE_LINK = re.compile(
    r"^e_(?P<mst>[0-9]{10}(?:-[0-9]{3})?)(?:_c(?P<ref>[A-Za-z0-9]{1,20}))?$"
)
# Each topic: the button's label and the answer it shows.
WHY_TOPICS = {
    "benefits": ("why-topic-benefits", "why-benefits"),
    "activities": ("why-topic-activities", "why-activities"),
    "dues": ("why-topic-dues", "why-dues"),
    "faq": ("why-topic-faq", "why-faq"),
}
LANGUAGE_KEYS = {"vi": "language-vi", "en": "language-en"}


async def start_deep_link(message: Message, command: CommandObject, **data: Any) -> None:
    turn = Turn.of(message.chat.id, data)
    match = ENTERPRISE_LINK.match(command.args or "")
    if match is None:
        await start(message, **data)
        return
    parsed = parse_tax_code(match["mst"])
    enterprise = (
        await enterprise_by_tax_code(turn.session, parsed.value)
        if isinstance(parsed, Valid)
        else None
    )
    if enterprise is None:
        await turn.say(turn.i18n.get("start-link-unknown-enterprise"))
    await start_join(turn, enterprise=enterprise, source="link", lead_ref=match["ref"])


async def start(message: Message, **data: Any) -> None:
    turn = Turn.of(message.chat.id, data)
    await greet(message, turn.i18n)
    if in_join(data.get("raw_state")):
        # Back after an hour or a week: offer the unfinished application straight away.
        await offer_resume(turn)


async def greet(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("start-greeting"), reply_markup=main_menu(i18n))


async def help_command(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("help"), reply_markup=main_menu(i18n))


async def menu(query: CallbackQuery, bot: Bot, i18n: I18nContext) -> None:
    await query.answer()
    await bot.send_message(query.from_user.id, i18n.get("menu-title"), reply_markup=main_menu(i18n))


def why_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    return keyboard(
        *[
            [button(i18n.get(label), MenuCb(action=f"why_{topic}"))]
            for topic, (label, _) in WHY_TOPICS.items()
        ],
        [button(i18n.get("menu-join"), MenuCb(action="join"))],
        [button(i18n.get("menu-back"), MenuCb(action="menu"))],
    )


async def why(query: CallbackQuery, callback_data: MenuCb, bot: Bot, i18n: I18nContext) -> None:
    await query.answer()
    topic = callback_data.action.removeprefix("why").removeprefix("_")
    key = WHY_TOPICS[topic][1] if topic in WHY_TOPICS else "why-intro"
    await bot.send_message(query.from_user.id, i18n.get(key), reply_markup=why_keyboard(i18n))


async def why_command(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("why-intro"), reply_markup=why_keyboard(i18n))


def language_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    return keyboard(
        [
            button(i18n.get(LANGUAGE_KEYS[code]), MenuCb(action=f"lang_{code}"))
            for code in SUPPORTED_LOCALES
        ],
    )


async def language_command(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("language-choose"), reply_markup=language_keyboard(i18n))


async def language_menu(query: CallbackQuery, bot: Bot, i18n: I18nContext) -> None:
    await query.answer()
    await bot.send_message(
        query.from_user.id, i18n.get("language-choose"), reply_markup=language_keyboard(i18n)
    )


async def language_set(
    query: CallbackQuery,
    callback_data: MenuCb,
    bot: Bot,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
) -> None:
    code = callback_data.action.removeprefix("lang_")
    if code not in SUPPORTED_LOCALES:
        await query.answer()
        return
    await set_language(session, person, code)
    await query.answer()
    with i18n.use_locale(code):
        await bot.send_message(
            query.from_user.id, i18n.get("language-set"), reply_markup=main_menu(i18n)
        )


def build_router() -> Router:
    router = Router(name="start")
    router.message.register(start_deep_link, CommandStart(deep_link=True))
    router.message.register(start, CommandStart())
    router.message.register(help_command, Command("help"))
    router.callback_query.register(menu, MenuCb.filter(F.action == "menu"))
    router.callback_query.register(why, MenuCb.filter(F.action.startswith("why")))
    router.message.register(why_command, Command("why"))
    router.message.register(language_command, Command("language"))
    router.callback_query.register(language_menu, MenuCb.filter(F.action == "language"))
    router.callback_query.register(language_set, MenuCb.filter(F.action.startswith("lang_")))
    return router
