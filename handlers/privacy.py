"""My data: show exactly what is stored about the person, and erase it on request."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.common import MenuCb, button, esc, keyboard, main_menu
from handlers.forms import Turn
from models import Application, Person, Question
from services import linking
from services.after_joining import questions_of
from services.applications import Draft, applications_of, erase_person
from services.forms.join import draft_text, gender_label
from services.forms.lead import local
from services.people import identify
from services.register import enterprise_by_id

CHANNEL_KEYS = {
    "telegram": "channel-telegram",
    "console": "channel-console",
    "zalo": "channel-zalo",
}
LANGUAGE_KEYS = {"vi": "language-vi", "en": "language-en"}


async def render_my_data(
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
    draft: Draft | None,
    tz: tzinfo | None,
) -> str:
    """Exactly what is stored about the person; times in the federation's time zone."""
    parts = [
        i18n.get(
            "privacy-account",
            channel=i18n.get(CHANNEL_KEYS.get(person.channel, "channel-telegram")),
            chat_id=person.chat_id,
            language=i18n.get(LANGUAGE_KEYS.get(person.language, "language-vi")),
            since=local(person.created_at, tz),
        )
    ]
    if person.display_name:
        # Kept for role holders only, so colleagues see who reported or changed a lead.
        parts[0] += "\n" + i18n.get("privacy-display-name", name=esc(person.display_name))
    for application in await applications_of(session, person.id):
        parts.append(await _application_text(session, i18n, application, tz))
    for question in await questions_of(session, person.id):
        parts.append(_question_text(i18n, question, tz))
    if draft is not None and any(draft.to_state().values()):
        parts.append(await draft_text(i18n.get, session, draft, "privacy-draft"))
    for chat in await linking.linked_chats(session, person.id):
        channel = i18n.get(CHANNEL_KEYS.get(chat.channel, "channel-telegram"))
        parts[0] += "\n" + i18n.get("link-linked-chat", channel=channel, chat_id=chat.chat_id)
    if len(parts) == 1:
        parts.append(i18n.get("privacy-nothing-else"))
    return "\n\n".join(parts)


async def _application_text(
    session: AsyncSession, i18n: I18nContext, application: Application, tz: tzinfo | None
) -> str:
    enterprise = (
        await enterprise_by_id(session, application.enterprise_id)
        if application.enterprise_id
        else None
    )
    return i18n.get(
        "privacy-application",
        reference=application.reference or "",
        full_name=esc(application.full_name or "—"),
        birth_date=application.birth_date.strftime("%d/%m/%Y") if application.birth_date else "—",
        gender=gender_label(i18n.get, application.gender) or "—",
        phone=esc(application.phone or "—"),
        citizen_id=esc(application.citizen_id or "—"),
        workplace=esc(enterprise.name if enterprise else application.employer_name or "—"),
        job=esc(application.job or "—"),
        consent=local(application.consent_at, tz, with_time=True),
    )


def _question_text(i18n: I18nContext, question: Question, tz: tzinfo | None) -> str:
    asked, text = local(question.asked_at, tz), esc(question.text)
    if question.answered_at is None:
        return i18n.get("question-in-my-data", asked=asked, text=text)
    answer = esc(question.answer or "")
    return i18n.get("question-in-my-data-answered", asked=asked, text=text, answer=answer)


async def show_my_data(turn: Turn) -> None:
    i18n = turn.i18n
    data = await turn.state.get_data()
    draft = Draft.from_state(data) if "draft" in data else None
    text = await render_my_data(turn.session, i18n, turn.person, draft, turn.now.tzinfo)
    code = await linking.new_code(turn.session, turn.person, turn.now)
    text += "\n\n" + i18n.get("link-code-offer", code=code)
    await turn.say(
        text,
        keyboard(
            [button(i18n.get("privacy-delete"), MenuCb(action="erase"))],
            [button(i18n.get("menu-back"), MenuCb(action="menu"))],
        ),
    )


async def cmd_my_data(message: Message, **data: Any) -> None:
    await show_my_data(Turn.of(message.chat.id, data))


async def menu_my_data(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    await show_my_data(Turn.of(query.from_user.id, data))


async def ask_erase(query: CallbackQuery, bot: Bot, i18n: I18nContext) -> None:
    await query.answer()
    await bot.send_message(
        query.from_user.id,
        i18n.get("privacy-delete-confirm"),
        reply_markup=keyboard(
            [button(i18n.get("privacy-delete-yes"), MenuCb(action="erase_yes"))],
            [button(i18n.get("privacy-delete-no"), MenuCb(action="menu"))],
        ),
    )


async def erase(
    query: CallbackQuery,
    bot: Bot,
    session: AsyncSession,
    state: FSMContext,
    i18n: I18nContext,
    person: Person,
) -> None:
    await query.answer()
    text = i18n.get("privacy-deleted")
    await erase_person(session, person)
    await state.clear()
    # Erased, the person is no longer anyone's member: the menu says so at once.
    await bot.send_message(query.from_user.id, text, reply_markup=main_menu(i18n, member=False))


async def cmd_link(message: Message, command: CommandObject, **data: Any) -> None:
    """`/link CODE`: this chat becomes another way in to the record that showed the code."""
    turn = Turn.of(message.chat.id, data)
    i18n = turn.i18n
    if not linking.normalize(command.args or ""):
        await turn.say(i18n.get("link-usage"))
        return
    linked = await linking.link(turn.session, command.args or "", turn.person, turn.now)
    if linked.person is None:
        await turn.say(i18n.get(linked.reason or "link-code-unknown"), main_menu(i18n))
        return
    # The menu of the record this chat now belongs to, with its roles.
    person = turn.person
    found = await identify(turn.session, person.channel, person.chat_id, person.language)
    await turn.say(i18n.get("link-done"), main_menu(i18n, found.roles, found.member))


def build_router() -> Router:
    router = Router(name="privacy")
    router.message.register(cmd_my_data, Command("mydata"))
    router.message.register(cmd_link, Command("link"))
    router.callback_query.register(menu_my_data, MenuCb.filter(F.action == "data"))
    router.callback_query.register(ask_erase, MenuCb.filter(F.action == "erase"))
    router.callback_query.register(erase, MenuCb.filter(F.action == "erase_yes"))
    return router
