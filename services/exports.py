"""Exports as XLSX (openpyxl) or CSV (UTF-8 with a BOM, so Excel reads Vietnamese): the
progress table in the shape of the targets appendix of plan 277 plus what was achieved, and the
applications and members in the columns of `services/data/export_columns.csv`.

Every export covers the subtrees of the units it is given; who may ask for which units is
decided by the caller (`services.access`), never here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from models import Application, Enterprise, Member, Person, Unit
from services import audit
from services.access import Action, UnitTree, authorize, scope_roots
from services.datafiles import read_table
from services.progress import (
    Period,
    UnitProgress,
    parse_period,
    progress,
    set_or_summed,
    sum_present,
    targets_of,
)

Text = Callable[..., str]
Cell = str | int | float | date | None
FORMATS = ("xlsx", "csv")
KINDS = ("progress", "applications", "members")


@dataclass(frozen=True, slots=True)
class Table:
    """What an export holds: a sheet name, title lines (XLSX only), the header and the rows."""

    name: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    title: list[str] = field(default_factory=list)


# ---- files ----------------------------------------------------------------------------------


def render(table: Table, fmt: str) -> bytes:
    """The table as an XLSX workbook or a CSV file."""
    return to_csv(table) if fmt == "csv" else to_xlsx(table)


def to_xlsx(table: Table) -> bytes:
    """A workbook written in one pass (openpyxl's write-only mode: memory and time stay linear
    in the rows): bold title and header, the header frozen, dates shown dd/mm/yyyy."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.name[:31])  # Excel's limit for a sheet name
    for index, header in enumerate(table.headers):
        width = max([len(header), *(len(_text(row[index])) for row in table.rows[:200])])
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(width + 2, 50)
    header_row = len(table.title) + (2 if table.title else 1)
    sheet.freeze_panes = f"A{header_row + 1}"
    for line in table.title:
        sheet.append([_styled(sheet, line, bold=True)])
    if table.title:
        sheet.append([])
    sheet.append([_styled(sheet, header, bold=True) for header in table.headers])
    for row in table.rows:
        sheet.append([_styled(sheet, v) if isinstance(v, date) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _styled(sheet: Any, value: Cell, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if bold:
        cell.font = BOLD
    if isinstance(value, date):
        cell.number_format = "DD/MM/YYYY"
    return cell


BOLD = Font(bold=True)


def to_csv(table: Table) -> bytes:
    """Comma separated, dates as dd/mm/yyyy, UTF-8 with a BOM (Excel then reads diacritics)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([_text(value) for value in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def filename(kind: str, label: str, fmt: str) -> str:
    """`tien-do-2026-Q3.xlsx`, `ho-so-2026.csv`, `doan-vien-tat-ca.xlsx`."""
    stem = {"progress": "tien-do", "applications": "ho-so", "members": "doan-vien"}[kind]
    return f"{stem}-{label.replace('–', '-')}.{fmt}"


# ---- scope ----------------------------------------------------------------------------------


def in_subtrees(roots: Sequence[int]) -> Select[int]:
    """The ids of the given units and every unit below them (one recursive query)."""
    scope = select(Unit.id).where(Unit.id.in_(roots)).cte("scope", recursive=True)
    below = aliased(Unit)
    scope = scope.union_all(select(below.id).where(below.parent_id == scope.c.id))
    return select(scope.c.id)


# ---- the progress table ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Baseline:
    members: int | None = None
    non_members: int | None = None
    enterprises_without_union: int | None = None


async def _baselines(session: AsyncSession, tree: UnitTree, period: Period) -> dict[int, Baseline]:
    """The baseline each unit's plan starts from: set for it, or the sum of its units'."""
    direct = {
        t.unit_id: Baseline(t.base_members, t.base_non_members, t.base_enterprises_without_union)
        for t in await targets_of(session, period)
    }

    def summed(below: list[Baseline]) -> Baseline:
        return Baseline(
            sum_present(b.members for b in below),
            sum_present(b.non_members for b in below),
            sum_present(b.enterprises_without_union for b in below),
        )

    found = set_or_summed(tree, direct, summed)
    return {unit_id: base or Baseline() for unit_id, base in found.items()}


def report_units(tree: UnitTree, roots: Sequence[int]) -> list[int]:
    """Each root followed by its own units, as `/progress` lists them."""
    ordered: list[int] = []
    for root in sorted(set(roots)):
        ordered.append(root)
        ordered += sorted(u for u, parent in tree.parent.items() if parent == root)
    return list(dict.fromkeys(ordered))


PROGRESS_HEADERS = (
    "export-col-row",
    "export-col-unit-code",
    "export-col-unit-name",
    "export-col-unit-kind",
    "export-col-base-members",
    "export-col-base-non-members",
    "export-col-base-enterprises",
    "export-col-target-members",
    "export-col-target-unions",
    "export-col-target-unions-large",
    "export-col-target-source",
    "export-col-admitted",
    "export-col-lost",
    "export-col-net-members",
    "export-col-members-percent",
    "export-col-expected",
    "export-col-founded",
    "export-col-founded-large",
    "export-col-dissolved",
    "export-col-net-unions",
    "export-col-unions-percent",
    "export-col-change",
)
SOURCE_KEYS = {
    "set": "export-target-set",
    "children": "export-target-children",
    "none": "export-target-none",
}


async def progress_table(
    session: AsyncSession, roots: Sequence[int], period: Period, today: date, t: Text
) -> Table:
    """Per unit: the appendix's baseline and targets, then admitted, lost, net and percent."""
    tree = await UnitTree.load(session)
    report = await progress(session, report_units(tree, roots), period, today)
    baselines = await _baselines(session, tree, period)
    rows = [
        _progress_row(index, row, baselines.get(row.unit.id, Baseline()), t)
        for index, row in enumerate(report.units, start=1)
    ]
    title = [
        t("export-progress-title", period=period.label),
        t("export-progress-as-of", date=today.strftime("%d/%m/%Y")),
    ]
    headers = [t(key) for key in PROGRESS_HEADERS]
    return Table(t("export-progress-sheet"), headers, rows, title)


def _progress_row(index: int, row: UnitProgress, base: Baseline, t: Text) -> list[Cell]:
    figures, goal = row.figures, row.goal
    return [
        index,
        row.unit.code,
        row.unit.name,
        row.unit.kind,
        base.members,
        base.non_members,
        base.enterprises_without_union,
        goal.members,
        goal.unions,
        goal.unions_large,
        t(SOURCE_KEYS[goal.source]),
        figures.admitted,
        figures.lost,
        figures.net_members,
        row.members_percent,
        row.expected_members,
        figures.founded,
        figures.founded_large,
        figures.dissolved,
        figures.net_unions,
        row.unions_percent,
        row.members_change,
    ]


# ---- applications and members ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """One exported row's sources; any may be missing (a member entered without the bot, an
    application whose worker deleted their data)."""

    application: Application | None
    member: Member | None
    enterprise: Enterprise | None
    unit: Unit
    row_number: int
    tz: tzinfo


def _national_phone(phone: str | None) -> str | None:
    """+84987654321 as Vietnamese forms write it: 0987654321."""
    if phone and phone.startswith("+84"):
        return "0" + phone[3:]
    return phone


def _day(moment: datetime | None, tz: tzinfo) -> date | None:
    """The federation's calendar day of a stored moment."""
    return moment.astimezone(tz).date() if moment is not None else None


FIELDS: dict[str, Callable[[Record], Cell]] = {
    "row_number": lambda r: r.row_number,
    "reference": lambda r: r.application.reference if r.application else None,
    "full_name": lambda r: (
        (r.member.full_name if r.member else None)
        or (r.application.full_name if r.application else None)
    ),
    "birth_date": lambda r: r.application.birth_date if r.application else None,
    "gender": lambda r: _label("gender", r.application.gender if r.application else None),
    "citizen_id": lambda r: r.application.citizen_id if r.application else None,
    "phone": lambda r: _national_phone(r.application.phone if r.application else None),
    "job": lambda r: r.application.job if r.application else None,
    "employer_name": lambda r: (
        (r.enterprise.name if r.enterprise else None)
        or (r.application.employer_name if r.application else None)
    ),
    "employer_tax_code": lambda r: r.enterprise.tax_code if r.enterprise else None,
    "unit_code": lambda r: r.unit.code,
    "unit_name": lambda r: r.unit.name,
    "member_number": lambda r: r.member.number if r.member else None,
    "admitted_on": lambda r: r.member.admitted_on if r.member else None,
    "submitted_on": lambda r: _day(r.application.created_at, r.tz) if r.application else None,
    "decided_on": lambda r: _day(r.application.decided_at, r.tz) if r.application else None,
    "ended_on": lambda r: r.member.ended_on if r.member else None,
    "status": lambda r: _label(
        "status",
        r.member.status if r.member else r.application.status if r.application else None,
    ),
}


@cache
def columns(export: str) -> tuple[tuple[str, str], ...]:
    """(field, header) of an export, in order, from the column table."""
    found = tuple(
        (row["field"], row["header"]) for row in read_table("export_columns.csv")
        if row["export"] == export
    )  # fmt: skip
    unknown = [name for name, _ in found if name not in FIELDS]
    if unknown:
        raise ValueError(f"export_columns.csv: unknown field(s) {', '.join(unknown)}")
    return found


@cache
def _labels() -> dict[tuple[str, str], str]:
    return {(r["field"], r["code"]): r["label"] for r in read_table("export_values.csv")}


def _label(field_name: str, code: str | None) -> str | None:
    return None if code is None else _labels().get((field_name, code), code)


def _table(export: str, name: str, records: Iterable[Record]) -> Table:
    wanted = columns(export)
    rows = [[FIELDS[name](record) for name, _ in wanted] for record in records]
    return Table(name, [header for _, header in wanted], rows)


async def _records(
    session: AsyncSession,
    anchor: type[Application] | type[Member],
    unit_column: InstrumentedAttribute[int],
    roots: Sequence[int],
    tz: tzinfo,
    *within: ColumnElement[bool],
) -> list[Record]:
    """Both lists read the same four rows — the application, the member, the employer, the
    union — starting from applications or from members, in the units' subtrees."""
    other = Member if anchor is Application else Application
    query = (
        select(Application, Member, Enterprise, Unit)
        .select_from(anchor)
        .join(Unit, Unit.id == unit_column)
        .outerjoin(other, Member.application_id == Application.id)
        .outerjoin(Enterprise, Enterprise.id == Application.enterprise_id)
        .where(unit_column.in_(in_subtrees(roots)), *within)
        .order_by(anchor.id)
    )
    result = await session.execute(query)
    return [
        Record(app, member, enterprise, unit, index, tz)
        for index, (app, member, enterprise, unit) in enumerate(result, start=1)
    ]


async def applications_table(
    session: AsyncSession, roots: Sequence[int], tz: tzinfo, period: Period | None = None
) -> Table:
    """Applications routed into the units' subtrees (submitted within `period`, if given)."""
    within = (
        ()
        if period is None
        else (
            Application.created_at >= _midnight(period.start, tz),
            Application.created_at < _midnight(period.end, tz),
        )
    )
    column = Application.routed_unit_id
    records = await _records(session, Application, column, roots, tz, *within)
    return _table("applications", "Ho so", records)


async def members_table(
    session: AsyncSession, roots: Sequence[int], tz: tzinfo, period: Period | None = None
) -> Table:
    """Members of unions in the units' subtrees (admitted within `period`, if given)."""
    within = (
        ()
        if period is None
        else (Member.admitted_on >= period.start, Member.admitted_on < period.end)
    )
    records = await _records(session, Member, Member.union_unit_id, roots, tz, *within)
    return _table("members", "Doan vien", records)


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


async def export(
    session: AsyncSession,
    kind: str,
    roots: Sequence[int],
    period: Period | None,
    now: datetime,
    t: Text,
) -> Table:
    """One export by its kind: `progress` (of this year unless a period is given),
    `applications` or `members` (all, or those of the period); `now` is aware, local."""
    assert now.tzinfo is not None
    if kind == "progress":
        today = now.date()
        return await progress_table(session, roots, period or _year(today), today, t)
    if kind == "applications":
        return await applications_table(session, roots, now.tzinfo, period)
    return await members_table(session, roots, now.tzinfo, period)


def _year(today: date) -> Period:
    return Period(date(today.year, 1, 1), date(today.year + 1, 1, 1), str(today.year))


# What each export needs: the progress table is for whoever follows progress; lists of people
# only for those who decide on them.
ACTIONS = {
    "progress": Action.VIEW_PROGRESS,
    "applications": Action.REVIEW_APPLICATION,
    "members": Action.VIEW_MEMBER,
}


def outermost(tree: UnitTree, roots: Iterable[int]) -> list[int]:
    """The roots that are not inside another one (a grant over LC covers one over LC-TP)."""
    unique = set(roots)
    return sorted(r for r in unique if not any(o != r and tree.within(r, o) for o in unique))


async def export_for(
    session: AsyncSession,
    person: Person,
    kind: str,
    period: Period | None,
    now: datetime,
    t: Text,
) -> Table:
    """An export of the person's scope for `kind`; refused (and audited) without the role.
    Lists of people are recorded in the audit trail (counts only)."""
    action = ACTIONS[kind]
    await authorize(session, person, action)
    tree = await UnitTree.load(session)
    roots = outermost(tree, await scope_roots(session, person, action))
    table = await export(session, kind, roots, period, now, t)
    if kind != "progress":
        audit.record(
            session,
            "export.personal_data",
            actor_id=person.id,
            kind=kind,
            period=period.label if period else None,
            rows=len(table.rows),
        )
    return table


SPANS = ("month", "quarter", "half", "year")


def current_period(span: str, today: date) -> Period:
    """This month, quarter, half-year or year."""
    label = {
        "month": f"{today.year}-{today.month:02d}",
        "quarter": f"{today.year}-Q{(today.month + 2) // 3}",
        "half": f"{today.year}-H{(today.month + 5) // 6}",
    }.get(span, str(today.year))
    period = parse_period(label)
    assert period is not None
    return period


@dataclass(frozen=True, slots=True)
class Request:
    kind: str
    period: Period | None
    fmt: str


def parse_request(text: str) -> Request | None:
    """`progress 2026-Q3 csv`, `members 2026`, `applications`: the kind first, then a period
    and a format in any order; None when something is not understood."""
    words = text.lower().split()
    if not words or words[0] not in KINDS:
        return None
    period: Period | None = None
    fmt = "xlsx"
    for word in words[1:]:
        if word in FORMATS:
            fmt = word
        elif period is None and (period := parse_period(word)) is not None:
            continue
        else:
            return None
    return Request(words[0], period, fmt)
