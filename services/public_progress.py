"""What the federation publishes about its units' progress (seeds 000, 004): counts and percents
per unit, no personal data. The public page and `/progress.json` are built from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import Unit
from services.access import UnitTree
from services.progress import Period, UnitProgress, progress
from services.register import root_unit, unit_by_code


@dataclass(frozen=True, slots=True)
class PublicProgress:
    period: Period
    updated: datetime  # aware, in the federation's time zone
    total: UnitProgress | None  # the unit the page is about; None when no units are loaded
    units: list[UnitProgress] = field(default_factory=list)  # its own units
    # Codes of the listed units that have units of their own (their page can be opened).
    drill: frozenset[str] = frozenset()
    top: bool = True  # the page of the unit the site is about, not one below it

    @property
    def week(self) -> tuple[str, date, date]:
        """The ISO week the figures run into: `2026-W49`, its Monday and its Sunday."""
        today = self.updated.date()
        year, week, weekday = today.isocalendar()
        monday = today - timedelta(days=weekday - 1)
        return f"{year}-W{week:02d}", monday, monday + timedelta(days=6)

    @property
    def pace_percent(self) -> float:
        """Where every unit should be today, in percent of its target, at an even pace."""
        return round(self.period.elapsed(self.updated.date()) * 100, 1)


async def public_progress(
    session: AsyncSession,
    period: Period,
    now: datetime,
    top_code: str | None = None,
    unit_code: str | None = None,
) -> PublicProgress | None:
    """The progress of a unit and of each of its own units: the site's unit (`top_code`,
    default the root of the tree) or `unit_code` below it; None when that is no such unit."""
    top: Unit | None
    top = await (unit_by_code(session, top_code) if top_code else root_unit(session))
    if top is None:
        return PublicProgress(period, now, None)
    tree = await UnitTree.load(session)
    unit = await unit_by_code(session, unit_code) if unit_code else top
    if unit is None or not tree.within(unit.id, top.id):
        return None
    children = sorted(u for u, parent in tree.parent.items() if parent == unit.id)
    report = await progress(session, [unit.id, *children], period, now.date())
    rows = {row.unit.id: row for row in report.units}
    parents = set(tree.parent.values())
    return PublicProgress(
        period,
        now,
        rows.get(unit.id),
        [rows[u] for u in children if u in rows],
        frozenset(rows[u].unit.code for u in children if u in rows and u in parents),
        unit.id == top.id,
    )


def _unit_json(row: UnitProgress) -> dict[str, Any]:
    figures, goal = row.figures, row.goal
    return {
        "code": row.unit.code,
        "name": row.unit.name,
        "kind": row.unit.kind,
        "rank": row.rank,
        "siblings": row.siblings,
        "target_source": goal.source,
        "members": {
            "admitted": figures.admitted,
            "lost": figures.lost,
            "net": figures.net_members,
            "target": goal.members,
            "percent": row.members_percent,
            "expected": row.expected_members,
            "behind": row.behind,
            "change_percent": row.members_change,
        },
        "unions": {
            "founded": figures.founded,
            "founded_large": figures.founded_large,
            "dissolved": figures.dissolved,
            "net": figures.net_unions,
            "target": goal.unions,
            "target_large": goal.unions_large,
            "percent": row.unions_percent,
            "change_percent": row.unions_change,
        },
    }


def as_json(snapshot: PublicProgress) -> dict[str, Any]:
    """The document served at `/progress.json` (described in the README)."""
    week, monday, sunday = snapshot.week
    period = snapshot.period
    return {
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": (period.end - timedelta(days=1)).isoformat(),
        },
        "week": {"iso": week, "start": monday.isoformat(), "end": sunday.isoformat()},
        "updated": snapshot.updated.isoformat(timespec="seconds"),
        "pace_percent": snapshot.pace_percent,
        "total": None if snapshot.total is None else _unit_json(snapshot.total),
        "units": [_unit_json(row) for row in snapshot.units],
    }
