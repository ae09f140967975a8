"""Officers record the founding of a grassroots union (from the five-application alert or the
menu) and its dissolution; the recognition file comes back as a spreadsheet."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from handlers.common import MenuCb, button, esc, keyboard, main_menu, say_to, says
from handlers.forms import FormRunner, Turn
from locales import fluent_core
from models import Enterprise, Person
from services import founding
from services.access import Action, authorize
from services.forms.engine import Ctx
from services.forms.founding import DISSOLVE, FOUND


class FoundingCb(CallbackData, prefix="fd"):
    enterprise_id: int


async def _founded(turn: Turn, _ctx: Ctx, result: Any) -> None:
    founded: founding.Founded = result
    i18n = turn.i18n
    credited = (
        await turn.session.get(Person, founded.founding.credited_person_id)
        if founded.founding.credited_person_id
        else None
    )
    text = i18n.get(
        "founding-recorded",
        union=esc(founded.unit.name),
        members=founded.members_moved,
        applications=founded.applications_rerouted,
        collaborator=esc(credited.display_name or "—") if credited else "—",
    )
    # Column names in Vietnamese: the confederation's membership software takes them so.
    workbook = await founding.recognition_xlsx(
        turn.session, founded, lambda key, **args: fluent_core("vi").get(key, "vi", **args)
    )
    await turn.bot.send_document(
        turn.chat_id,
        BufferedInputFile(workbook, filename=f"cong-nhan-{founded.unit.code}.xlsx"),
        caption=text,
        reply_markup=main_menu(i18n),
    )


async def _dissolved(turn: Turn, _ctx: Ctx, result: Any) -> None:
    dissolved: founding.Dissolved = result
    key = "dissolve-recorded-kept" if dissolved.kept else "dissolve-recorded-lost"
    text = turn.i18n.get(key, union=esc(dissolved.unit.name), members=dissolved.members)
    await turn.say(text, main_menu(turn.i18n))


FOUND_FORM = FormRunner(FOUND, finish=_founded)
DISSOLVE_FORM = FormRunner(DISSOLVE, finish=_dissolved)
FORMS = [FOUND_FORM, DISSOLVE_FORM]


async def start_founding(turn: Turn, enterprise: Enterprise | None = None) -> None:
    if enterprise is None:
        await authorize(turn.session, turn.person, Action.RECORD_FOUNDING)
        await FOUND_FORM.start(turn, {})
        return
    place = await founding.enterprise_place(turn.session, enterprise)
    await authorize(turn.session, turn.person, Action.RECORD_FOUNDING, place)
    if enterprise.grassroots_union_id is not None:
        await turn.say(turn.i18n.get("founding-enterprise-taken"), main_menu(turn.i18n))
        return
    name = turn.i18n.get("founding-default-name", name=enterprise.name)
    await FOUND_FORM.start(turn, {"enterprise_id": enterprise.id, "name": name})


async def cmd_founding(message: Message, **data: Any) -> None:
    await start_founding(Turn.of(message.chat.id, data))


async def menu_founding(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    await start_founding(Turn.of(query.from_user.id, data))


async def from_alert(query: CallbackQuery, callback_data: FoundingCb, **data: Any) -> None:
    await query.answer()
    turn = Turn.of(query.from_user.id, data)
    # Never trust the id in a button: the scope is checked on the enterprise's place.
    enterprise = await turn.session.get(Enterprise, callback_data.enterprise_id)
    await start_founding(turn, enterprise) if enterprise else await turn.menu()


async def cmd_dissolve(message: Message, **data: Any) -> None:
    turn = Turn.of(message.chat.id, data)
    await authorize(turn.session, turn.person, Action.RECORD_FOUNDING)
    await DISSOLVE_FORM.start(turn, {})


async def send_founding_alert(turn: Turn, alert: founding.FoundingAlertDue) -> None:
    """Five workers of one enterprise want a union: tell the officers over it and the
    collaborator following it, once, each in their own language."""
    enterprise = alert.enterprise
    for person in alert.recipients:
        markup = keyboard(
            [
                button(
                    says(person, "founding-record-button"),
                    FoundingCb(enterprise_id=enterprise.id),
                )
            ]
        )
        await say_to(
            turn.bot,
            person,
            "founding-alert",
            markup,
            count=alert.applications,
            enterprise=esc(enterprise.name),
        )


def build_router() -> Router:
    router = Router(name="founding")
    router.message.register(cmd_founding, Command("founding"))
    router.message.register(cmd_dissolve, Command("dissolve"))
    router.callback_query.register(menu_founding, MenuCb.filter(F.action == "founding"))
    router.callback_query.register(from_alert, FoundingCb.filter())
    for runner in FORMS:
        router.include_router(runner.build_router())
    return router
