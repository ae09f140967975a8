"""Roles by invitation: redeem an invitation link; officers invite collaborators for wards."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.common import (
    MenuCb,
    button,
    choice_rows,
    esc,
    keyboard,
    main_menu,
    search_query,
)
from models import Person, Unit, UnitKind
from services.access import Action, UnitTree, authorize, roles_of, scope_roots
from services.invitations import (
    PREFIX,
    InvitationError,
    create_invitation,
    deep_link,
    qr_png,
    redeem,
)
from services.register import search_wards

router = Router(name="access")


class InviteForm(StatesGroup):
    ward = State()


class InviteCb(CallbackData, prefix="iv"):
    action: str
    unit_id: int = 0


@router.message(CommandStart(deep_link=True, magic=F.args.startswith(PREFIX)))
async def redeem_invitation(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
) -> None:
    try:
        grant, unit = await redeem(session, command.args or "", person)
    except InvitationError as error:
        await message.answer(
            i18n.get(f"invite-refused-{error.reason}"), reply_markup=main_menu(i18n)
        )
        return
    roles = await roles_of(session, person)
    await message.answer(
        i18n.get("invite-welcome", role=i18n.get(f"role-{grant.role}"), unit=esc(unit.name)),
        reply_markup=main_menu(i18n, roles),
    )


async def _ask_ward(
    bot: Bot, chat_id: int, state: FSMContext, i18n: I18nContext, reason: str | None = None
) -> None:
    await state.set_state(InviteForm.ward)
    text = i18n.get("invite-ask-ward")
    await bot.send_message(
        chat_id,
        f"⚠️ {reason}\n\n{text}" if reason else text,
        reply_markup=keyboard([button(i18n.get("join-cancel"), InviteCb(action="cancel"))]),
    )


@router.message(Command("invite"))
async def cmd_invite(
    message: Message,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
) -> None:
    await authorize(session, person, Action.INVITE_COLLABORATOR)
    await _ask_ward(bot, message.chat.id, state, i18n)


@router.callback_query(MenuCb.filter(F.action == "invite"))
async def menu_invite(
    query: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
) -> None:
    await query.answer()
    await authorize(session, person, Action.INVITE_COLLABORATOR)
    await _ask_ward(bot, query.from_user.id, state, i18n)


@router.message(StateFilter(InviteForm.ward), F.text)
async def invite_ward_search(
    message: Message,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
) -> None:
    roots = await scope_roots(session, person, Action.INVITE_COLLABORATOR)
    scope = (await UnitTree.load(session)).subtree(roots)
    query = search_query(message.text, 100)
    wards = await search_wards(session, query, within=scope) if query else []
    if not wards:
        await _ask_ward(
            bot,
            message.chat.id,
            state,
            i18n,
            reason=i18n.get("invite-ward-none", query=esc((message.text or "").strip()[:100])),
        )
        return
    await message.answer(
        i18n.get("invite-pick-ward"),
        reply_markup=keyboard(
            *choice_rows((w.name, InviteCb(action="ward", unit_id=w.id)) for w in wards),
            [button(i18n.get("join-cancel"), InviteCb(action="cancel"))],
        ),
    )


@router.message(StateFilter(InviteForm.ward))
async def invite_ward_not_text(
    message: Message, bot: Bot, state: FSMContext, i18n: I18nContext
) -> None:
    await _ask_ward(bot, message.chat.id, state, i18n, reason=i18n.get("join-text-only"))


@router.callback_query(InviteCb.filter(F.action == "cancel"))
async def invite_cancel(query: CallbackQuery, state: FSMContext, i18n: I18nContext) -> None:
    await query.answer()
    if await state.get_state() == InviteForm.ward.state:
        await state.clear()
    if query.message is not None:
        await query.message.answer(i18n.get("menu-title"), reply_markup=main_menu(i18n))


@router.callback_query(InviteCb.filter(F.action == "ward"))
async def invite_for_ward(
    query: CallbackQuery,
    callback_data: InviteCb,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18nContext,
    person: Person,
) -> None:
    await query.answer()
    unit = await session.get(Unit, callback_data.unit_id)
    if unit is None or unit.kind != UnitKind.WARD_UNION:
        await _ask_ward(bot, query.from_user.id, state, i18n, reason=i18n.get("join-ward-gone"))
        return
    # The button could be old or forged: the scope is checked again on the chosen ward.
    await authorize(session, person, Action.INVITE_COLLABORATOR, unit.id)
    created = await create_invitation(session, "collaborator", unit, created_by=person.id)
    await state.clear()
    me = await bot.me()
    link = deep_link(me.username, created.start_parameter)
    expires: datetime = created.invitation.expires_at
    await bot.send_photo(
        query.from_user.id,
        BufferedInputFile(qr_png(link), filename="invitation.png"),
        caption=i18n.get(
            "invite-created", unit=esc(unit.name), link=link, expires=expires.strftime("%d/%m/%Y")
        ),
    )
    await bot.send_message(query.from_user.id, i18n.get("menu-title"), reply_markup=main_menu(i18n))
