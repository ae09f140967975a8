"""Figures recruited on paper: admitted, lost, CĐCS founded and dissolved, per unit and period.

Paper figures count only what happened outside the bot: a member recognized in the bot is a
`Member` row, never a paper figure, so the digest may add the two without counting anyone
twice. Figures entered again for the same unit and period replace the earlier ones (the
caller is told what they replaced); they are never added up.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import PaperFigures, Person, Unit, UnitKind
from models.base import as_utc
from models.db import dialect_name, upsert
from services import audit
from services.access import Action, UnitTree, authorize, scope_roots
from services.register import search_units
from services.validation import Period, normalize_search_key

NOTE_MAX_LEN = 500


@dataclass(frozen=True, slots=True)
class Counts:
    """The five figures of one unit and period."""

    admitted: int = 0
    lost: int = 0
    founded: int = 0  # CĐCS founded
    dissolved: int = 0  # CĐCS dissolved
    founded_large: int = 0  # of those founded, in enterprises with >= 25 workers

    def __post_init__(self) -> None:
        if min(self.as_dict().values()) < 0:
            raise ValueError("figures are whole numbers from 0")
        if self.founded_large > self.founded:
            raise ValueError("founded in large enterprises exceeds founded")

    def as_dict(self) -> dict[str, int]:
        return {f.name: int(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def of(cls, figures: PaperFigures) -> Counts:
        return cls(**{f.name: int(getattr(figures, f.name)) for f in fields(cls)})

    @classmethod
    def from_draft(cls, draft: dict[str, Any]) -> Counts:
        return cls(**{f.name: int(draft.get(f.name) or 0) for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class Recorded:
    """What was saved, and the figures it replaced (None when it is the period's first entry)."""

    figures: PaperFigures
    replaced: Counts | None

    @property
    def changed(self) -> bool:
        return self.replaced != Counts.of(self.figures)


async def figures_for(session: AsyncSession, unit_id: int, period: Period) -> PaperFigures | None:
    """The figures already entered for a unit and period."""
    return await session.scalar(select(PaperFigures).where(*_same_period(unit_id, period)))


def _same_period(unit_id: int, period: Period) -> tuple[ColumnElement[bool], ...]:
    return (
        PaperFigures.unit_id == unit_id,
        PaperFigures.period_kind == period.kind,
        PaperFigures.period_start == period.start,
    )


async def record_figures(
    session: AsyncSession,
    officer: Person | None,
    unit_id: int,
    period: Period,
    counts: Counts,
    source: str,
    now: datetime,
    note: str | None = None,
    tree: UnitTree | None = None,
) -> Recorded:
    """Save a unit's figures for a period, replacing any entered before.

    `officer` None is the command line, which acts as an administrator; anyone else must
    hold a role allowed to enter figures over the unit (refused and audited otherwise).
    Identical figures entered again change nothing.
    """
    if officer is not None:
        await authorize(session, officer, Action.ENTER_FIGURES, unit_id, tree=tree)
    if await session.get(Unit, unit_id) is None:
        raise ValueError(f"no unit {unit_id}")
    values: dict[str, Any] = {
        **counts.as_dict(),
        "period_end": period.end,
        "entered_by": None if officer is None else officer.id,
        "entered_at": as_utc(now),
        "source": source,
        "note": note[:NOTE_MAX_LEN] if note else None,
    }
    # Insert unless the period already has figures: two officers saving the same unit and
    # period at once make one row, and the second replaces the first (and says so).
    key = {"unit_id": unit_id, "period_kind": period.kind, "period_start": period.start}
    table = cast(Table, PaperFigures.__table__)
    added = await session.execute(
        upsert(dialect_name(session), table, [{**key, **values}], index_elements=key)
    )
    figures = await session.scalar(
        select(PaperFigures)
        .where(*_same_period(unit_id, period))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert figures is not None
    replaced = None
    if getattr(added, "rowcount", 0) != 1:
        replaced = Counts.of(figures)
        if replaced == counts and (note is None or note == figures.note):
            return Recorded(figures, replaced)
        for name, value in values.items():
            setattr(figures, name, value)
        await session.flush()
    audit.record(
        session,
        "figures.recorded",
        actor_id=None if officer is None else officer.id,
        subject_type="unit",
        subject_id=unit_id,
        period=period.code,
        source=source,
        figures=counts.as_dict(),
        replaced=None if replaced is None else replaced.as_dict(),
    )
    return Recorded(figures, replaced)


async def paper_totals(
    session: AsyncSession, unit_ids: Collection[int], start: date, end: date, kind: str
) -> Counts:
    """The paper figures of `kind` (weeks or months) whose periods lie within [start, end],
    summed over the units: what the digest adds to the bot's own recognitions. Weeks and
    months are separate entries of the same people, so one digest reads one kind only."""
    if not unit_ids:
        return Counts()
    names = [f.name for f in fields(Counts)]
    row = (
        await session.execute(
            select(*(func.coalesce(func.sum(getattr(PaperFigures, n)), 0) for n in names)).where(
                PaperFigures.unit_id.in_(list(unit_ids)),
                PaperFigures.period_kind == kind,
                PaperFigures.period_start >= start,
                PaperFigures.period_end <= end,
            )
        )
    ).one()
    return Counts(**{name: int(value) for name, value in zip(names, row, strict=True)})


# ---- the officer's scope -------------------------------------------------------------------


async def figures_scope(session: AsyncSession, officer: Person) -> set[int]:
    """The units an officer may enter figures for: the subtrees of their grants."""
    roots = await scope_roots(session, officer, Action.ENTER_FIGURES)
    return (await UnitTree.load(session)).subtree(roots) if roots else set()


async def only_unit(session: AsyncSession, officer: Person) -> int | None:
    """The one unit an officer's scope holds, when it holds exactly one."""
    scope = await figures_scope(session, officer)
    return next(iter(scope)) if len(scope) == 1 else None


async def search_scope(
    session: AsyncSession, officer: Person, query: str, limit: int = 5
) -> list[Unit]:
    """Units of the officer's scope whose code is the query or whose name holds its words."""
    scope = await figures_scope(session, officer)
    return await find_units(session, query, scope, limit)


async def find_units(
    session: AsyncSession, query: str, within: Collection[int], limit: int = 5
) -> list[Unit]:
    by_code = await session.scalar(
        select(Unit).where(Unit.code == query.strip().upper(), Unit.id.in_(list(within)))
    )
    found = [by_code] if by_code is not None else []
    for unit in await search_units(session, query, UnitKind.ALL, limit, within):
        if unit not in found:
            found.append(unit)
    return found[:limit]


async def unit_by_code_or_name(session: AsyncSession, text: str) -> list[Unit]:
    """The unit a spreadsheet names: by its code, else by its whole name (all that match)."""
    value = text.strip()
    by_code = await session.scalar(select(Unit).where(Unit.code == value))
    if by_code is None:
        by_code = await session.scalar(select(Unit).where(Unit.code == value.upper()))
    if by_code is not None:
        return [by_code]
    key = normalize_search_key(value)
    if not key:
        return []
    return list(await session.scalars(select(Unit).where(Unit.search_key == key).limit(5)))
