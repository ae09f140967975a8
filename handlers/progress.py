"""`/progress`: this week's digest for the caller's units (the same text and chart steering
members get on Monday); `/progress PERIOD`: achieved against target over any period."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from handlers.common import esc, main_menu
from handlers.forms import Turn
from services import progress
from services.access import Action, UnitTree, authorize, scope_roots
from services.digest import Week, digests, render
from services.steering import Follower
from services.weekly import digest_chart


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


async def _scope_units(turn: Turn) -> list[int]:
    """The caller's units and each unit right below them."""
    roots = await scope_roots(turn.session, turn.person, Action.VIEW_PROGRESS)
    tree = await UnitTree.load(turn.session)
    children = sorted(u for u, parent in tree.parent.items() if parent in roots)
    return list(dict.fromkeys([*roots, *children]))


async def this_week(turn: Turn) -> None:
    """The weekly digest, as steering members get it on Monday, for this week so far."""
    follower = Follower(turn.person, await _scope_units(turn))
    week = Week.of(turn.now.date())
    found = await digests(turn.session, week, [follower], turn.now)
    if not found:
        await turn.say(turn.i18n.get("digest-no-units"), main_menu(turn.i18n))
        return
    digest = found[0]
    png = await asyncio.to_thread(digest_chart, digest, turn.i18n.get)
    await turn.bot.send_photo(
        turn.chat_id,
        BufferedInputFile(png, filename="week.png"),
        caption=turn.i18n.get("digest-chart-caption", week=week.label),
    )
    parts = render(digest, turn.i18n.get)
    for part in parts[:-1]:
        await turn.say(part)
    await turn.say(parts[-1], main_menu(turn.i18n))


async def cmd_progress(message: Message, command: CommandObject, **data: Any) -> None:
    turn = Turn.of(message.chat.id, data)
    await authorize(turn.session, turn.person, Action.VIEW_PROGRESS)
    if not command.args:
        await this_week(turn)
        return
    today = turn.now.date()
    period = progress.parse_period(command.args)
    if period is None:
        await turn.say(turn.i18n.get("progress-bad-period"), main_menu(turn.i18n))
        return
    report = await progress.progress(turn.session, await _scope_units(turn), period, today)
    lines = [turn.i18n.get("progress-title", period=period.label)]
    lines += [unit_line(turn, row) for row in report.units]
    await turn.say("\n\n".join(lines), main_menu(turn.i18n))


def build_router() -> Router:
    router = Router(name="progress")
    router.message.register(cmd_progress, Command("progress"))
    return router
