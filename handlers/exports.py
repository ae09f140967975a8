"""`/export` and the menu's Export: the progress table (officers, steering members) and the
applications and members lists (officers) of the caller's scope, sent as a file."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from handlers.common import MenuCb, button, keyboard, main_menu
from handlers.forms import Turn
from models import Role
from services import exports
from services.access import Action, authorize


class ExportCb(CallbackData, prefix="ex"):
    kind: str
    span: str  # "month", "quarter", "half", "year"; "all" for lists of people


CAPTIONS = {
    "progress": "export-caption-progress",
    "applications": "export-caption-applications",
    "members": "export-caption-members",
}
PROGRESS_BUTTONS = (
    ("export-btn-month", "month"),
    ("export-btn-quarter", "quarter"),
    ("export-btn-half", "half"),
    ("export-btn-year", "year"),
)
LIST_BUTTONS = (("export-btn-applications", "applications"), ("export-btn-members", "members"))


async def send_export(turn: Turn, request: exports.Request) -> None:
    """Build the export of the caller's scope and send it; the file goes out after commit."""
    t = turn.i18n.get
    table = await exports.export_for(
        turn.session, turn.person, request.kind, request.period, turn.now, t
    )
    period = request.period.label if request.period else None
    if request.kind == "progress" and period is None:
        period = str(turn.now.year)
    label = period or t("export-all-time")
    # Writing a large workbook takes seconds: off the event loop, so other chats are answered.
    data = await asyncio.to_thread(exports.render, table, request.fmt)
    document = BufferedInputFile(
        data,
        filename=exports.filename(request.kind, period or "all", request.fmt),
    )
    caption = t(CAPTIONS[request.kind], period=label, rows=len(table.rows))
    await turn.bot.send_document(
        turn.chat_id, document, caption=caption, reply_markup=main_menu(turn.i18n)
    )


async def show_choices(turn: Turn) -> None:
    await authorize(turn.session, turn.person, Action.VIEW_PROGRESS)
    t = turn.i18n.get
    rows = [
        [button(t(key), ExportCb(kind="progress", span=span))] for key, span in PROGRESS_BUTTONS
    ]
    if turn.roles & {Role.OFFICER, Role.ADMIN}:
        rows.append([button(t(key), ExportCb(kind=kind, span="all")) for key, kind in LIST_BUTTONS])
    await turn.say(t("export-choose"), keyboard(*rows))


async def cmd_export(message: Message, command: CommandObject, **data: Any) -> None:
    turn = Turn.of(message.chat.id, data)
    if not command.args:
        await show_choices(turn)
        return
    request = exports.parse_request(command.args)
    if request is None:
        await turn.say(turn.i18n.get("export-usage"), main_menu(turn.i18n))
        return
    await send_export(turn, request)


async def menu_export(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    await show_choices(Turn.of(query.from_user.id, data))


async def on_choice(query: CallbackQuery, callback_data: ExportCb, **data: Any) -> None:
    await query.answer()
    turn = Turn.of(query.from_user.id, data)
    # Callback data is not trusted: only known kinds and spans; the role is checked again.
    if callback_data.kind not in exports.KINDS:
        await turn.say(turn.i18n.get("export-usage"), main_menu(turn.i18n))
        return
    period = None
    if callback_data.kind == "progress" and callback_data.span in exports.SPANS:
        period = exports.current_period(callback_data.span, turn.now.date())
    await send_export(turn, exports.Request(callback_data.kind, period, "xlsx"))


def build_router() -> Router:
    router = Router(name="exports")
    router.message.register(cmd_export, Command("export"))
    router.callback_query.register(menu_export, MenuCb.filter(F.action == "export"))
    router.callback_query.register(on_choice, ExportCb.filter())
    return router
