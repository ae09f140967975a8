"""The weekly digest for steering-committee members: their units' progress in one message.

Computed for every member at once (one set of grouped queries for the whole federation, so the
number of statements grows with neither members nor units), then rendered per member in their
language through a `Translate` callable: the scheduler passes the Fluent core, a handler its
i18n context. Rendered HTML is split at Telegram's 4096 characters on line boundaries.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from models import Application, ApplicationStatus, Lead, LeadStage, Person
from models.base import as_utc
from services.access import UnitTree
from services.progress import (
    Figures,
    Period,
    UnitProgress,
    figures_by_unit,
    percent,
    progress,
    sum_present,
)
from services.steering import Follower

Translate = Callable[..., str]  # (key, **arguments) -> text
MESSAGE_LIMIT = 4096
WAITING_AFTER = timedelta(days=7)  # an application waiting longer needs a push
STALE_AFTER = timedelta(days=14)  # a lead not updated for longer needs a push


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week, Monday to Sunday."""

    year: int
    number: int

    @property
    def start(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def end(self) -> date:
        """The Monday after."""
        return self.start + timedelta(days=7)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @classmethod
    def of(cls, day: date) -> Week:
        year, number, _ = day.isocalendar()
        return cls(year, number)

    def previous(self) -> Week:
        return Week.of(self.start - timedelta(days=7))


_WEEK = re.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})\s*$")


def parse_week(text: str) -> Week | None:
    """ "2026-W47" (or 2026W47); None when it is not an ISO week."""
    match = _WEEK.match(text)
    if match is None:
        return None
    try:
        date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None
    return Week(int(match[1]), int(match[2]))


@dataclass(frozen=True, slots=True)
class UnitDigest:
    row: UnitProgress  # the year to date, against the year's target and pace
    week: Figures
    waiting: int  # applications waiting longer than WAITING_AFTER
    stale: int  # active leads not updated for STALE_AFTER


@dataclass(frozen=True, slots=True)
class Totals:
    units: int
    week: Figures
    year: Figures
    target: int | None
    unions_target: int | None
    expected: float | None
    waiting: int
    stale: int

    @property
    def percent(self) -> float | None:
        return percent(self.year.admitted, self.target)

    @property
    def behind(self) -> bool:
        return self.expected is not None and self.year.admitted < self.expected


@dataclass(frozen=True, slots=True)
class Digest:
    person: Person
    week: Week
    as_of: date
    units: list[UnitDigest]
    totals: Totals
    best: UnitDigest | None = None
    weakest: UnitDigest | None = None


async def digests(
    session: AsyncSession, week: Week, followers: list[Follower], now: datetime
) -> list[Digest]:
    """One digest per follower over `week` (or the part of it up to `now`)."""
    wanted = sorted({unit for follower in followers for unit in follower.unit_ids})
    if not wanted:
        return []
    as_of = min(week.end - timedelta(days=1), now.date())
    until = as_of + timedelta(days=1)
    tree = await UnitTree.load(session)
    year = Period(date(as_of.year, 1, 1), date(as_of.year + 1, 1, 1), str(as_of.year))
    report = await progress(session, wanted, year, as_of, until=until, tree=tree, compare=False)
    rows = {row.unit.id: row for row in report.units}
    week_figures = await figures_by_unit(
        session, tree, Period(week.start, until, week.label), wanted
    )
    waiting = _roll_up(tree, await waiting_by_unit(session, now))
    stale = _roll_up(tree, await _stale(session, now))
    # Each unit's part once, shared by every member following it.
    units = {
        unit: UnitDigest(
            row, week_figures.get(unit, Figures()), waiting.get(unit, 0), stale.get(unit, 0)
        )
        for unit, row in rows.items()
    }
    above = {unit: tree.lineage(unit)[1:] for unit in units}
    return [
        _digest(follower, week, as_of, units, above)
        for follower in followers
        if any(unit in rows for unit in follower.unit_ids)
    ]


def _digest(
    follower: Follower,
    week: Week,
    as_of: date,
    units: dict[int, UnitDigest],
    above: dict[int, list[int]],
) -> Digest:
    followed = [units[unit] for unit in dict.fromkeys(follower.unit_ids) if unit in units]
    ranked = sorted(
        (u for u in followed if u.row.members_percent is not None),
        key=lambda u: (u.row.members_percent or 0.0, -u.row.unit.id),
    )
    return Digest(
        follower.person,
        week,
        as_of,
        followed,
        _totals(followed, above),
        ranked[-1] if len(ranked) > 1 else None,
        ranked[0] if len(ranked) > 1 else None,
    )


def _totals(units: list[UnitDigest], above: dict[int, list[int]]) -> Totals:
    """Sums over the units, a unit inside another one's subtree counted once (`above`: each
    unit's ancestors)."""
    ids = {u.row.unit.id for u in units}
    tops = [u for u in units if ids.isdisjoint(above[u.row.unit.id])]
    week, year = Figures(), Figures()
    for unit in tops:
        week.add(unit.week)
        year.add(unit.row.figures)
    expected = [u.row.expected_members for u in tops if u.row.expected_members is not None]
    return Totals(
        len(units),
        week,
        year,
        sum_present(u.row.goal.members for u in tops),
        sum_present(u.row.goal.unions for u in tops),
        round(sum(expected), 1) if expected else None,
        sum(u.waiting for u in tops),
        sum(u.stale for u in tops),
    )


def _roll_up(tree: UnitTree, counts: dict[int, int]) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for unit_id, count in counts.items():
        for ancestor in tree.lineage(unit_id):
            totals[ancestor] += count
    return totals


async def waiting_by_unit(
    session: AsyncSession, now: datetime, after: timedelta = WAITING_AFTER
) -> dict[int, int]:
    """Pending applications submitted `after` or longer ago, by the unit they are routed to."""
    return await _count_by(
        session,
        Application.status,
        Application.routed_unit_id,
        Application.status.in_(list(ApplicationStatus.PENDING)),
        Application.created_at <= as_utc(now) - after,
    )


async def _stale(session: AsyncSession, now: datetime) -> dict[int, int]:
    return await _count_by(
        session,
        Lead.stage,
        Lead.unit_id,
        Lead.stage.in_(list(LeadStage.ACTIVE)),
        Lead.updated_at <= as_utc(now) - STALE_AFTER,
    )


async def _count_by(
    session: AsyncSession,
    status: InstrumentedAttribute[str],
    unit: InstrumentedAttribute[int],
    *conditions: ColumnElement[bool],
) -> dict[int, int]:
    # Grouped by status, then unit: the order of the (status, unit, moment) index, which SQLite
    # then reads status by status with no sort (the moment checked on each entry); a unit's
    # counts under each status are added here.
    connection = await session.connection()  # columns only: no ORM row handling
    rows = await connection.execute(
        select(unit, func.count()).where(*conditions).group_by(status, unit)
    )
    counts: dict[int, int] = {}
    for unit_id, count in rows.all():
        counts[unit_id] = counts.get(unit_id, 0) + count
    return counts


# ---- rendering -------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _num(value: float | int | None) -> str:
    # Formatted here, not by Fluent: its formatting of thousands of numbers (through Babel) is
    # most of a run's time. Digits ungrouped, one decimal with a point, as percents are shown.
    if value is None:
        return "—"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


Memo = dict[tuple[int | str, int], str]  # (unit, or week and day; the translator): text


def render(digest: Digest, t: Translate, memo: Memo | None = None) -> list[str]:
    """The digest as HTML messages, each within Telegram's limit, split between lines.
    With `memo` (one per run), a unit followed by many members is rendered once per language,
    and so is the title."""
    totals = digest.totals
    n = _num
    blocks = [
        "\n".join(
            [
                _title(digest, t, memo),
                t(
                    "digest-headline-behind" if totals.behind else "digest-headline",
                    units=totals.units,
                    week_admitted=n(totals.week.admitted),
                    admitted=n(totals.year.admitted),
                    target=n(totals.target),
                    percent=_pct(totals.percent),
                    expected=n(totals.expected),
                ),
                t(
                    "digest-headline-net",
                    lost=n(totals.year.lost),
                    net=n(totals.year.net_members),
                    week_founded=n(totals.week.founded),
                    founded=n(totals.year.founded),
                    unions_target=n(totals.unions_target),
                ),
                *_best_and_weakest(digest, t),
                *(
                    [t("digest-push", waiting=n(totals.waiting), stale=n(totals.stale))]
                    if totals.waiting or totals.stale
                    else []
                ),
            ]
        ),
        *(_unit_block(unit, t, memo) for unit in digest.units),
    ]
    return split_message(blocks)


def _title(digest: Digest, t: Translate, memo: Memo | None) -> str:
    key = (f"{digest.week.label} {digest.as_of}", id(t))
    if memo is not None and key in memo:
        return memo[key]
    title = t(
        "digest-title",
        week=digest.week.label,
        start=f"{digest.week.start:%d/%m}",
        end=f"{digest.as_of:%d/%m/%Y}",
    )
    if memo is not None:
        memo[key] = title
    return title


def _best_and_weakest(digest: Digest, t: Translate) -> list[str]:
    if digest.best is None or digest.weakest is None:
        return []
    return [
        t(
            "digest-best-weakest",
            best=escape(digest.best.row.unit.name),
            best_percent=_pct(digest.best.row.members_percent),
            weakest=escape(digest.weakest.row.unit.name),
            weakest_percent=_pct(digest.weakest.row.members_percent),
        )
    ]


def _unit_block(unit: UnitDigest, t: Translate, memo: Memo | None) -> str:
    key = (unit.row.unit.id, id(t))
    if memo is not None and key in memo:
        return memo[key]
    block = unit_block(unit, t)
    if memo is not None:
        memo[key] = block
    return block


def unit_block(unit: UnitDigest, t: Translate) -> str:
    """One unit: this week, year to date, target, percent, pace; marked when behind."""
    row, n = unit.row, _num
    lines = [
        t(
            "digest-unit-behind" if row.behind else "digest-unit",
            unit=escape(row.unit.name),
            week_admitted=n(unit.week.admitted),
            admitted=n(row.figures.admitted),
            target=n(row.goal.members),
            percent=_pct(row.members_percent),
            expected=n(row.expected_members),
        ),
        t(
            "digest-unit-unions",
            week_founded=n(unit.week.founded),
            founded=n(row.figures.founded),
            unions_target=n(row.goal.unions),
            lost=n(row.figures.lost),
            net=n(row.figures.net_members),
        ),
    ]
    if unit.waiting or unit.stale:
        lines.append(t("digest-unit-push", waiting=n(unit.waiting), stale=n(unit.stale)))
    return "\n".join(lines)


def split_message(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Blocks joined by blank lines into messages of at most `limit` characters; a block too
    long for one message is cut between its lines (a line too long, between characters)."""
    whole = "\n\n".join(blocks)
    if len(whole) <= limit:  # one message (most digests): what the walk below would give
        whole = whole.strip("\n")
        return [whole] if whole else []
    lines: list[str] = []
    for index, block in enumerate(blocks):
        if index:
            lines.append("")
        for line in block.split("\n"):
            lines.extend(line[i : i + limit] for i in range(0, max(len(line), 1), limit))
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + 1 + len(line) > limit:
            messages.append("\n".join(current).strip("\n"))
            current, size = [], 0
        if not current and not line:
            continue  # no message starts with a blank line
        size += len(line) + (1 if current else 0)
        current.append(line)
    if current:
        messages.append("\n".join(current).strip("\n"))
    return [message for message in messages if message]
