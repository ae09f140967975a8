"""Greeting, main menu, deep links, help, "why join?", and language."""

from __future__ import annotations

import re

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.common import MenuCb, button, keyboard, main_menu
from handlers.join import in_join, offer_resume, start_join
from locales import SUPPORTED_LOCALES
from models import Person
from services.people import set_language
from services.register import enterprise_by_tax_code
from services.validation import Valid, parse_tax_code

router = Router(name="start")

# e_<MST> opens the join journey with the employer chosen; _c<ref> credits a collaborator.
ENTERPRISE_LINK = re.compile(
    r"^e_(?P<mst>[0-9]{10}(?:-[0-9]{3})?)(?:_c(?P<ref>[A-Za-z0-9]{1,20}))?$"
)
WHY_TOPICS = ("benefits", "activities", "dues", "faq")


@router.message(CommandStart(deep_link=True))
async def start_deep_link(
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
) -> None:
    match = ENTERPRISE_LINK.match(command.args or "")
    if match is None:
        await greet(message, i18n)
        return
    parsed = parse_tax_code(match["mst"])
    enterprise = (
        await enterprise_by_tax_code(session, parsed.value) if isinstance(parsed, Valid) else None
    )
    if enterprise is None:
        await bot.send_message(message.chat.id, i18n.get("start-link-unknown-enterprise"))
    await start_join(
        bot,
        message.chat.id,
        state,
        session,
        i18n,
        person,
        enterprise=enterprise,
        source="link",
        lead_ref=match["ref"],
    )


@router.message(CommandStart())
async def start(message: Message, bot: Bot, i18n: I18nContext, raw_state: str | None) -> None:
    await greet(message, i18n)
    if in_join(raw_state):
        # Back after an hour or a week: offer the unfinished application straight away.
        await offer_resume(bot, message.chat.id, i18n)


async def greet(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("start-greeting"), reply_markup=main_menu(i18n))


@router.message(Command("help"))
async def help_command(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("help"), reply_markup=main_menu(i18n))


@router.callback_query(MenuCb.filter(F.action == "menu"))
async def menu(query: CallbackQuery, bot: Bot, i18n: I18nContext) -> None:
    await query.answer()
    await bot.send_message(query.from_user.id, i18n.get("menu-title"), reply_markup=main_menu(i18n))


def why_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    return keyboard(
        *[[button(i18n.get(f"why-topic-{t}"), MenuCb(action=f"why_{t}"))] for t in WHY_TOPICS],
        [button(i18n.get("menu-join"), MenuCb(action="join"))],
        [button(i18n.get("menu-back"), MenuCb(action="menu"))],
    )


@router.callback_query(MenuCb.filter(F.action.startswith("why")))
async def why(query: CallbackQuery, callback_data: MenuCb, bot: Bot, i18n: I18nContext) -> None:
    await query.answer()
    topic = callback_data.action.removeprefix("why").removeprefix("_")
    key = f"why-{topic}" if topic in WHY_TOPICS else "why-intro"
    await bot.send_message(query.from_user.id, i18n.get(key), reply_markup=why_keyboard(i18n))


@router.message(Command("why"))
async def why_command(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("why-intro"), reply_markup=why_keyboard(i18n))


def language_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    return keyboard(
        [
            button(i18n.get(f"language-{code}"), MenuCb(action=f"lang_{code}"))
            for code in SUPPORTED_LOCALES
        ],
    )


@router.message(Command("language"))
async def language_command(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("language-choose"), reply_markup=language_keyboard(i18n))


@router.callback_query(MenuCb.filter(F.action == "language"))
async def language_menu(query: CallbackQuery, bot: Bot, i18n: I18nContext) -> None:
    await query.answer()
    await bot.send_message(
        query.from_user.id, i18n.get("language-choose"), reply_markup=language_keyboard(i18n)
    )


@router.callback_query(MenuCb.filter(F.action.startswith("lang_")))
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
