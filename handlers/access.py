"""Roles by invitation: redeem an invitation link; officers invite collaborators for wards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.common import ROLE_KEYS, MenuCb, esc, main_menu
from handlers.forms import FormRunner, Turn
from models import Person
from services.access import Action, authorize, roles_of
from services.forms.engine import Ctx
from services.forms.invite import INVITE, Invited
from services.forms.lead import local
from services.invitations import PREFIX, InvitationError, deep_link, qr_png, redeem

REFUSALS = {
    "unknown": "invite-refused-unknown",
    "used": "invite-refused-used",
    "expired": "invite-refused-expired",
    "revoked": "invite-refused-revoked",
}


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
            i18n.get(REFUSALS.get(error.reason, "invite-refused-unknown")),
            reply_markup=main_menu(i18n),
        )
        return
    roles = await roles_of(session, person)
    await message.answer(
        i18n.get("invite-welcome", role=i18n.get(ROLE_KEYS[grant.role]), unit=esc(unit.name)),
        reply_markup=main_menu(i18n, roles),
    )


async def _invited(turn: Turn, _ctx: Ctx, result: Any) -> None:
    invited: Invited = result
    me = await turn.bot.me()
    link = deep_link(me.username, invited.invitation.start_parameter)
    expires: datetime = invited.invitation.invitation.expires_at
    await turn.bot.send_photo(
        turn.chat_id,
        BufferedInputFile(qr_png(link), filename="invitation.png"),
        caption=turn.i18n.get(
            "invite-created",
            unit=esc(invited.unit.name),
            link=link,
            expires=local(expires, turn.now.tzinfo),
        ),
    )
    await turn.menu()


async def _invite_cancelled(turn: Turn, _ctx: Ctx) -> None:
    await turn.menu()


FORM = FormRunner(INVITE, finish=_invited, cancelled=_invite_cancelled)


async def start_invite(turn: Turn) -> None:
    await authorize(turn.session, turn.person, Action.INVITE_COLLABORATOR)
    await FORM.start(turn, {})


async def cmd_invite(message: Message, **data: Any) -> None:
    await start_invite(Turn.of(message.chat.id, data))


async def menu_invite(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    await start_invite(Turn.of(query.from_user.id, data))


def build_router() -> Router:
    router = Router(name="access")
    router.message.register(
        redeem_invitation, CommandStart(deep_link=True, magic=F.args.startswith(PREFIX))
    )
    router.message.register(cmd_invite, Command("invite"))
    router.callback_query.register(menu_invite, MenuCb.filter(F.action == "invite"))
    router.include_router(FORM.build_router())
    return router
