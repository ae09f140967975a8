"""`/progress [period]`: achieved against target for the caller's units, on demand."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from handlers.common import esc, main_menu
from handlers.forms import Turn
from services import progress
from services.access import Action, UnitTree, authorize, scope_roots


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _change(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def unit_line(turn: Turn, row: progress.UnitProgress) -> str:
    goal = row.goal
    figures = row.figures
    return turn.i18n.get(
        "progress-unit-behind" if row.behind else "progress-unit",
        unit=esc(row.unit.name),
        admitted=figures.admitted,
        lost=figures.lost,
        net=figures.net_members,
        target=goal.members if goal.members is not None else "—",
        percent=_percent(row.members_percent),
        expected=_percent(row.expected_members),
        founded=figures.founded,
        dissolved=figures.dissolved,
        unions_target=goal.unions if goal.unions is not None else "—",
        unions_percent=_percent(row.unions_percent),
        change=_change(row.members_change),
        rank=row.rank or "—",
        siblings=row.siblings,
        source=turn.i18n.get(SOURCE_KEYS[goal.source]),
    )


SOURCE_KEYS = {
    "set": "progress-target-set",
    "children": "progress-target-children",
    "none": "progress-target-none",
}


async def cmd_progress(message: Message, command: CommandObject, **data: Any) -> None:
    turn = Turn.of(message.chat.id, data)
    await authorize(turn.session, turn.person, Action.VIEW_PROGRESS)
    today = turn.now.date()
    period = progress.parse_period(command.args or str(today.year))
    if period is None:
        await turn.say(turn.i18n.get("progress-bad-period"), main_menu(turn.i18n))
        return
    roots = await scope_roots(turn.session, turn.person, Action.VIEW_PROGRESS)
    tree = await UnitTree.load(turn.session)
    children = sorted(u for u, parent in tree.parent.items() if parent in roots)
    report = await progress.progress(turn.session, [*roots, *children], period, today)
    lines = [turn.i18n.get("progress-title", period=period.label)]
    lines += [unit_line(turn, row) for row in report.units]
    await turn.say("\n\n".join(lines), main_menu(turn.i18n))


def build_router() -> Router:
    router = Router(name="progress")
    router.message.register(cmd_progress, Command("progress"))
    return router
