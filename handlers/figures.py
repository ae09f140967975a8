"""Officers enter the figures recruited on paper (`/report`, or the menu button)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from handlers.common import MenuCb, esc, main_menu
from handlers.forms import FormRunner, Turn
from models import Unit
from services import figures
from services.access import Action, authorize
from services.forms.engine import Ctx
from services.forms.figures import FIGURES, counts_text, period_label
from services.validation import Period


async def start_figures(turn: Turn) -> None:
    await authorize(turn.session, turn.person, Action.ENTER_FIGURES)
    # An officer whose scope is one unit enters that unit's figures: the form does not ask.
    unit_id = await figures.only_unit(turn.session, turn.person)
    draft = {} if unit_id is None else {"unit_id": unit_id}
    await FORM.start(turn, draft, meta={"one_unit": unit_id is not None})


async def cmd_report(message: Message, **data: Any) -> None:
    await start_figures(Turn.of(message.chat.id, data))


async def menu_figures(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    await start_figures(Turn.of(query.from_user.id, data))


async def _saved(turn: Turn, _ctx: Ctx, result: Any) -> None:
    recorded: figures.Recorded = result
    saved = recorded.figures
    t = turn.i18n.get
    unit = await turn.session.get(Unit, saved.unit_id)
    period = Period(saved.period_kind, saved.period_start, saved.period_end)
    text = t(
        "figures-saved",
        unit=esc(unit.name if unit else "—"),
        period=period_label(t, period),
        counts=counts_text(t, figures.Counts.of(saved)),
    )
    if recorded.replaced is not None and not recorded.changed:
        text += "\n\n" + t("figures-unchanged")
    elif recorded.replaced is not None:
        text += "\n\n" + t("figures-replaced", counts=counts_text(t, recorded.replaced))
    await turn.say(text, main_menu(turn.i18n))


FORM = FormRunner(FIGURES, finish=_saved)


def build_router() -> Router:
    router = Router(name="figures")
    router.message.register(cmd_report, Command("report"))
    router.callback_query.register(menu_figures, MenuCb.filter(F.action == "figures"))
    router.include_router(FORM.build_router())
    return router
