"""`/steering`: an administrator makes someone follow a unit in the weekly digest."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from handlers.common import esc, say_to
from handlers.forms import FormRunner, Turn
from services.access import Action, authorize
from services.forms.engine import Ctx
from services.forms.steering import STEERING, Assigned


async def _assigned(turn: Turn, _ctx: Ctx, result: Any) -> None:
    assigned: Assigned = result
    person, unit = assigned.person, esc(assigned.unit.name)
    who = esc(person.display_name or person.chat_id)
    if not assigned.added:
        await turn.say(turn.i18n.get("steering-already", person=who, unit=unit))
        await turn.menu()
        return
    await turn.say(turn.i18n.get("steering-assigned", person=who, unit=unit))
    await say_to(turn.bot, person, "steering-you-follow", unit=unit)
    await turn.menu()


async def _cancelled(turn: Turn, _ctx: Ctx) -> None:
    await turn.menu()


FORM = FormRunner(STEERING, finish=_assigned, cancelled=_cancelled)


async def cmd_steering(message: Message, **data: Any) -> None:
    turn = Turn.of(message.chat.id, data)
    await authorize(turn.session, turn.person, Action.ASSIGN_STEERING)
    await FORM.start(turn, {})


def build_router() -> Router:
    router = Router(name="steering")
    router.message.register(cmd_steering, Command("steering"))
    router.include_router(FORM.build_router())
    return router
