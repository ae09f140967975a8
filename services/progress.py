"""Progress against targets, for any units and period: gross and net, percent, pace, the same
period last year, and a ranking of siblings.

Set-based: every figure is one grouped query over the whole federation, rolled up the unit tree
in Python, so the number of statements does not grow with the number of units.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Founding,
    Member,
    MemberStatus,
    PaperFigures,
    PeriodKind,
    Target,
    Transfer,
    Unit,
)
from models.after_joining import TransferStatus
from models.db import dialect_name
from services.access import UnitTree

# On SQLite, a period longer than this has its admissions counted by one index range per unit
# rather than sorted into groups: past about a quarter there are more of them than units.
SEEK_AFTER_DAYS = 92


@dataclass(frozen=True, slots=True)
class Period:
    """From `start` to the day before `end`."""

    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def last_year(self) -> Period:
        return Period(_year_earlier(self.start), _year_earlier(self.end), self.label)

    def elapsed(self, today: date) -> float:
        """How much of the period has passed by the end of `today` (0 to 1)."""
        done = (min(max(today + timedelta(days=1), self.start), self.end) - self.start).days
        return done / self.days if self.days else 1.0


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


_YEARS = re.compile(r"^\s*(\d{4})\s*(?:[-–—/]\s*(\d{4}))?\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")
_HALF = re.compile(r"^\s*(\d{4})\s*-?\s*[Hh]([12])\s*$")
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def parse_period(text: str) -> Period | None:
    """ "2026", "2021-2023", "2026-Q3", "2026-H1" (six months) or "2026-11"; None when it is
    none of these."""
    if match := _YEARS.match(text):
        first = int(match[1])
        last = int(match[2] or first)
        if last < first:
            return None
        label = f"{first}" if first == last else f"{first}–{last}"
        return Period(date(first, 1, 1), date(last + 1, 1, 1), label)
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return Period(start, end, f"{year}-Q{quarter}")
    if match := _HALF.match(text):
        year, half = int(match[1]), int(match[2])
        end = date(year + 1, 1, 1) if half == 2 else date(year, 7, 1)
        return Period(date(year, 6 * half - 5, 1), end, f"{year}-H{half}")
    if (match := _MONTH.match(text)) and 1 <= int(match[2]) <= 12:
        year, month = int(match[1]), int(match[2])
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return Period(date(year, month, 1), end, f"{year}-{month:02d}")
    return None


@dataclass(slots=True)
class Figures:
    admitted: int = 0
    lost: int = 0
    founded: int = 0
    founded_large: int = 0
    dissolved: int = 0

    @property
    def net_members(self) -> int:
        return self.admitted - self.lost

    @property
    def net_unions(self) -> int:
        return self.founded - self.dissolved

    def add(self, other: Figures) -> None:
        self.admitted += other.admitted
        self.lost += other.lost
        self.founded += other.founded
        self.founded_large += other.founded_large
        self.dissolved += other.dissolved


class Events(NamedTuple):
    """The period's counts by the unit where each event happened, one mapping per figure."""

    admitted: dict[int, int]
    lost: dict[int, int]
    founded: dict[int, int]
    founded_large: dict[int, int]
    dissolved: dict[int, int]


async def _events(session: AsyncSession, period: Period) -> Events:
    """Figures of the period, attributed to the unit where each event happened."""
    by_unit = Events(*(defaultdict(int) for _ in range(5)))
    # Columns only: read through the session's connection, without the ORM's row handling.
    connection = await session.connection()
    admitted = by_unit.admitted
    # A member is admitted by the union they joined: the one their first accepted transfer
    # left, else the one they are in. Counted by union from the index alone (`+ 0`: grouping
    # by the bare column, SQLite would walk the whole table in that column's order), then the
    # few who moved are taken from their union and given back to the one they joined.
    in_period = (
        Member.admitted_on >= period.start,
        Member.admitted_on < period.end,
        Member.status != MemberStatus.REVOKED,
    )
    if period.days > SEEK_AFTER_DAYS and dialect_name(session) == "sqlite":
        # A long period: sorting its admissions into their unions' groups is most of the cost
        # (127,000 of them in a year of Hà Nội: 37 ms); a short range of the (union, day) index
        # per unit, read in the units' order, counts them without a sort (16 ms).
        per_unit = (
            select(func.count())
            .where(Member.union_unit_id == Unit.id, *in_period)
            .correlate(Unit)
            .scalar_subquery()
        )
        unions = await connection.execute(select(Unit.id, per_unit))
    else:
        union = Member.union_unit_id + 0
        unions = await connection.execute(
            select(union, func.count()).where(*in_period).group_by(union)
        )
    # `.all()`: the rows fetched at once, not one by one (thousands of them).
    admitted.update((unit_id, count) for unit_id, count in unions.all() if count)
    first = (
        select(Transfer.member_id, func.min(Transfer.id).label("first_id"))
        .where(Transfer.status == TransferStatus.ACCEPTED)
        .group_by(Transfer.member_id)
        .subquery()
    )
    moves = await connection.execute(
        select(Transfer.from_unit_id, Member.union_unit_id, func.count())
        .select_from(Member)
        .join(first, first.c.member_id == Member.id)
        .join(Transfer, Transfer.id == first.c.first_id)
        .where(*in_period)
        .group_by(Transfer.from_unit_id, Member.union_unit_id)
    )
    for joined, member_of, count in moves.all():
        admitted[int(member_of)] -= int(count)
        admitted[int(joined)] += int(count)
    rows: Any = await connection.execute(  # reused for results of several shapes
        select(Member.union_unit_id, func.count(Member.id))
        .where(
            Member.status == MemberStatus.LEFT,
            Member.ended_on >= period.start,
            Member.ended_on < period.end,
        )
        .group_by(Member.union_unit_id)
    )
    lost = by_unit.lost
    for unit_id, count in rows.all():
        lost[unit_id] += count
    large = func.sum(case((Founding.large_enterprise, 1), else_=0))
    rows = await connection.execute(
        select(Founding.unit_id, func.count(Founding.id), large)
        .where(Founding.decision_date >= period.start, Founding.decision_date < period.end)
        .where(Founding.decision_number != "")
        .group_by(Founding.unit_id)
    )
    for unit_id, count, large_count in rows.all():
        by_unit.founded[int(unit_id)] += int(count)
        by_unit.founded_large[int(unit_id)] += int(large_count or 0)
    rows = await connection.execute(
        select(Founding.unit_id, func.count(Founding.id))
        .where(Founding.dissolved_on >= period.start, Founding.dissolved_on < period.end)
        .group_by(Founding.unit_id)
    )
    for unit_id, count in rows.all():
        by_unit.dissolved[int(unit_id)] += int(count)
    # Figures recruited on paper, by month (weeks are the same people entered more often:
    # one kind only, or they would count twice).
    paper = (
        PaperFigures.admitted,
        PaperFigures.lost,
        PaperFigures.founded,
        PaperFigures.founded_large,
        PaperFigures.dissolved,
    )
    rows = await connection.execute(
        select(PaperFigures.unit_id, *(func.sum(column) for column in paper))
        .where(
            PaperFigures.period_kind == PeriodKind.MONTH,
            PaperFigures.period_start >= period.start,
            PaperFigures.period_end < period.end,
        )
        .group_by(PaperFigures.unit_id)
    )
    for unit_id, *sums in rows.all():
        for counts, value in zip(by_unit, sums, strict=True):
            counts[int(unit_id)] += int(value or 0)
    return by_unit


def _roll_up(
    tree: UnitTree, events: Events, only: Iterable[int] | None = None
) -> dict[int, Figures]:
    """Every unit's figures (with `only`: those units') with its whole subtree's. The units are
    laid out in depth-first order, once per tree, so that a subtree is a run of consecutive
    places: its total is the difference of two running sums (no object per unit not asked)."""
    place, after = _layout(tree)
    size = len(place)
    sums: list[list[int]] = []
    for counts in events:
        if not counts:  # nothing of this figure anywhere (no dissolutions): zeros, no walk
            sums.append([0] * (size + 1))
            continue
        column = [0] * size
        for unit_id, count in counts.items():
            if (at := place.get(unit_id)) is not None:
                column[at] += count
        sums.append(list(accumulate(column, initial=0)))
    admitted, lost, founded, founded_large, dissolved = sums
    totals: dict[int, Figures] = {}
    for unit_id in tree.parent if only is None else only:
        if unit_id not in place:  # not in the tree (or in a loop of parents): its own only
            totals[unit_id] = Figures(*(counts.get(unit_id, 0) for counts in events))
            continue
        first, last = place[unit_id], after[unit_id]
        totals[unit_id] = Figures(
            admitted[last] - admitted[first],
            lost[last] - lost[first],
            founded[last] - founded[first],
            founded_large[last] - founded_large[first],
            dissolved[last] - dissolved[first],
        )
    return totals


class _Shape(NamedTuple):
    parent: dict[int, int | None]  # the tree's parent links, to tell whether it changed
    children: dict[int, list[int]]  # by parent, in the order of the tree's units
    place: dict[int, int]  # in a depth-first walk from the roots
    after: dict[int, int]  # the place after the last unit below


_SHAPE: list[_Shape] = []  # the last tree's only


def _shape(tree: UnitTree) -> _Shape:
    """The tree's children lists and depth-first layout, worked out again only when the tree
    changed (comparing two trees' parent links is one C loop, the walk a Python one). What it
    holds is shared: read it, never change it."""
    cached = _SHAPE[0] if _SHAPE else None
    if cached is not None and cached.parent == tree.parent:
        return cached
    children: dict[int, list[int]] = defaultdict(list)
    roots: list[int] = []
    for unit_id, parent in tree.parent.items():
        if parent is not None:
            children[parent].append(unit_id)
        if parent is None or parent not in tree.parent:
            roots.append(unit_id)
    place: dict[int, int] = {}
    after: dict[int, int] = {}
    stack: list[tuple[int, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        unit_id, done = stack.pop()
        if done:
            after[unit_id] = len(place)
            continue
        place[unit_id] = len(place)
        stack.append((unit_id, True))
        stack.extend((child, False) for child in reversed(children.get(unit_id, [])))
    _SHAPE[:] = [_Shape(dict(tree.parent), dict(children), place, after)]
    return _SHAPE[0]


def _layout(tree: UnitTree) -> tuple[dict[int, int], dict[int, int]]:
    """Each unit's place in a depth-first walk from the roots, and the place after the last
    unit below it."""
    shape = _shape(tree)
    return shape.place, shape.after


@dataclass(frozen=True, slots=True)
class Goal:
    members: int | None
    unions: int | None
    unions_large: int | None
    source: str  # "set": given to the unit; "children": the sum of its children's; "none"


async def targets_of(session: AsyncSession, period: Period) -> list[Target]:
    """The plans covering the period's years, the narrowest last (so it wins in a dict)."""
    last_day = period.end - timedelta(days=1)
    rows = await session.scalars(
        select(Target)
        .where(Target.first_year <= period.start.year, Target.last_year >= last_day.year)
        .order_by((Target.last_year - Target.first_year).desc())
    )
    return list(rows)


T = TypeVar("T")


def set_or_summed(
    tree: UnitTree,
    direct: dict[int, T],
    summed: Callable[[list[T]], T | None],
    only: Iterable[int] | None = None,
) -> dict[int, T | None]:
    """Every unit's value (with `only`: those units' and their subtrees' as far as needed): its
    own, else `summed` over its children's (None: nothing below)."""
    children = _shape(tree).children
    found: dict[int, T | None] = {}

    def value(unit_id: int) -> T | None:
        if unit_id not in found:
            if unit_id in direct:
                found[unit_id] = direct[unit_id]
            else:
                below = [value(child) for child in children.get(unit_id, [])]
                found[unit_id] = summed([v for v in below if v is not None])
        return found[unit_id]

    for unit_id in tree.parent if only is None else only:
        value(unit_id)
    return found


async def _goals(
    session: AsyncSession, tree: UnitTree, period: Period, only: Iterable[int]
) -> dict[int, Goal]:
    """Targets of the period's years, set directly or summed from the children; for the units
    `only` (and whatever below them their sums need)."""
    direct = {}
    last_day = period.end - timedelta(days=1)
    connection = await session.connection()  # columns, not Target objects: no ORM rows
    plans = await connection.execute(
        select(
            Target.unit_id,
            Target.first_year,
            Target.last_year,
            Target.new_members,
            Target.new_unions,
            Target.new_unions_large,
        )
        .where(Target.first_year <= period.start.year, Target.last_year >= last_day.year)
        .order_by((Target.last_year - Target.first_year).desc())  # the narrowest wins
    )
    for unit_id, first_year, last_year, members, unions, unions_large in plans.all():
        share = _share(first_year, last_year, period)
        direct[unit_id] = Goal(
            _part(members, share), _part(unions, share), _part(unions_large, share), "set"
        )

    def summed(below: list[Goal]) -> Goal | None:
        below = [g for g in below if g.source != "none"]
        return Goal(
            sum_present(g.members for g in below),
            sum_present(g.unions for g in below),
            sum_present(g.unions_large for g in below),
            "children" if below else "none",
        )

    none = Goal(None, None, None, "none")
    return {u: goal or none for u, goal in set_or_summed(tree, direct, summed, only).items()}


def plan_share(plan: Target, period: Period) -> float:
    """The part of a plan's target that falls in the period: a quarter of a yearly target, a
    third of a 2021–2023 plan for 2022; 1 when the period is the plan's whole term."""
    return _share(plan.first_year, plan.last_year, period)


def _share(first_year: int, last_year: int, period: Period) -> float:
    term = (date(last_year + 1, 1, 1) - date(first_year, 1, 1)).days
    return min(1.0, period.days / term) if term > 0 else 1.0


def _part(value: int | None, share: float) -> int | None:
    # Rounded up: a plan of one new CĐCS a year still asks for one in each quarter's view.
    return None if value is None else math.ceil(value * share - 1e-9)


def sum_present(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def percent(achieved: int, target: int | None) -> float | None:
    """Achieved as a percent of target, to one decimal (123,636 of 152,200 is 81.2)."""
    if not target:
        return None
    return round(achieved * 100 / target, 1)


def change(now: int, before: int) -> float | None:
    """The change over the same period last year, in percent (None when last year was 0)."""
    if before == 0:
        return None
    return round((now - before) * 100 / before, 1)


@dataclass(frozen=True, slots=True)
class UnitProgress:
    unit: Unit
    figures: Figures
    last_year: Figures
    goal: Goal
    members_percent: float | None
    unions_percent: float | None
    expected_members: float | None  # where the unit should be today at an even pace
    members_change: float | None
    unions_change: float | None
    rank: int | None = None  # among its siblings, by percent of the members' target
    siblings: int = 0

    @property
    def behind(self) -> bool:
        expected = self.expected_members
        return expected is not None and self.figures.admitted < expected


@dataclass(frozen=True, slots=True)
class Progress:
    period: Period
    today: date
    units: list[UnitProgress] = field(default_factory=list)


async def figures_by_unit(
    session: AsyncSession, tree: UnitTree, period: Period, only: Iterable[int] | None = None
) -> dict[int, Figures]:
    """Every unit's (with `only`: those units') figures over `period`, its subtree included."""
    return _roll_up(tree, await _events(session, period), only)


async def progress(
    session: AsyncSession,
    unit_ids: list[int],
    period: Period,
    today: date,
    *,
    until: date | None = None,
    tree: UnitTree | None = None,
    compare: bool = True,
) -> Progress:
    """Progress of the given units (each with its whole subtree) over `period`; with `until`,
    only what happened before that day counts (a past week's digest), pace still by `today`;
    without `compare`, last year's figures are not read (the changes are then None)."""
    tree = tree or await UnitTree.load(session)
    counted = period if until is None else Period(period.start, min(until, period.end), "")
    children = _shape(tree).children
    # Each unit is ranked among its parent's children (top units: among the others asked).
    families = {
        parent: children.get(parent, [])
        if parent is not None
        else [u for u in unit_ids if u in tree.parent and tree.parent[u] is None]
        for parent in {tree.parent.get(u) for u in unit_ids}
    }
    wanted = {unit_id for family in families.values() for unit_id in family}
    totals = await figures_by_unit(session, tree, counted, wanted)
    before = await figures_by_unit(session, tree, counted.last_year(), wanted) if compare else {}
    goals = await _goals(session, tree, period, wanted)
    none = Goal(None, None, None, "none")
    members_percent = {
        u: percent(totals[u].admitted if u in totals else 0, goals.get(u, none).members)
        for u in wanted
    }
    places: dict[int, tuple[int, int]] = {}
    for family in families.values():
        order = sorted(sorted(set(family)), key=lambda u: -(members_percent[u] or -1.0))
        places.update((u, (place, len(order))) for place, u in enumerate(order, start=1))
    asked = set(unit_ids) & wanted
    units = {u.id: u for u in await session.scalars(select(Unit).where(Unit.id.in_(asked)))}
    elapsed = period.elapsed(today)
    rows: dict[int, UnitProgress] = {}
    for unit_id, unit in units.items():
        figures = totals.get(unit_id, Figures())
        last = before.get(unit_id, Figures())
        goal = goals.get(unit_id, none)
        rows[unit_id] = UnitProgress(
            unit,
            figures,
            last,
            goal,
            members_percent[unit_id],
            percent(figures.founded, goal.unions),
            None if goal.members is None else round(goal.members * elapsed, 1),
            change(figures.admitted, last.admitted) if compare else None,
            change(figures.founded, last.founded) if compare else None,
            *places[unit_id],
        )
    return Progress(period, today, [rows[u] for u in unit_ids if u in rows])
