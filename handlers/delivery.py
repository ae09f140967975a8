"""Whether messages reach people: Telegram's "bot was blocked / unblocked" updates, and
`/unreachable`, the officer's list of people in their units who blocked the bot."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter, Command
from aiogram.types import ChatMemberUpdated, Message

from handlers.common import ROLE_KEYS, esc, main_menu
from handlers.forms import Turn
from models import Person
from services.access import Action, authorize, scope_roots
from services.reachability import blocked, unblocked, unreachable_in


async def on_blocked(event: ChatMemberUpdated, person: Person, **data: Any) -> None:
    await blocked(data["session"], person, data["clock"]())


async def on_unblocked(event: ChatMemberUpdated, person: Person, **data: Any) -> None:
    unblocked(person)


async def cmd_unreachable(message: Message, **data: Any) -> None:
    turn = Turn.of(message.chat.id, data)
    await authorize(turn.session, turn.person, Action.REVIEW_APPLICATION)
    roots = await scope_roots(turn.session, turn.person, Action.REVIEW_APPLICATION)
    found = await unreachable_in(turn.session, roots)
    if not found:
        await turn.say(turn.i18n.get("unreachable-none"), main_menu(turn.i18n))
        return
    lines = [turn.i18n.get("unreachable-title", count=len(found))]
    for item in found:
        since = item.person.unreachable_at
        when = f"{since.astimezone(turn.now.tzinfo):%d/%m/%Y}" if since else "—"
        if item.reference is not None:
            lines.append(
                turn.i18n.get("unreachable-applicant", reference=item.reference, since=when)
            )
        else:
            name = esc(item.person.display_name or item.person.chat_id)
            role = turn.i18n.get(ROLE_KEYS.get(item.role or "", "role-collaborator"))
            lines.append(turn.i18n.get("unreachable-colleague", name=name, role=role, since=when))
    await turn.say("\n".join(lines), main_menu(turn.i18n))


def build_router() -> Router:
    router = Router(name="delivery")
    router.my_chat_member.register(
        on_blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED)
    )
    router.my_chat_member.register(
        on_unblocked, ChatMemberUpdatedFilter(member_status_changed=MEMBER)
    )
    router.message.register(cmd_unreachable, Command("unreachable"))
    return router
