"""`doanvien import figures FILE`: paper figures from a spreadsheet, per unit and period.

The file is read by the register import's machinery (CSV or XLSX, a header row below title
rows, headers matched in Vietnamese or English through services/data/register_headers.csv,
the per-line error report). Each row is a unit (its code, or its whole name when only one unit
has it), a period (``2026-W47``, ``11/2026``, ``tuần 47/2026`` ...), the five counts (an
empty cell is 0) and an optional note. A row whose unit and period an earlier row gave is
rejected. Figures are saved as `record_figures` saves them from the chat — replacing, never
adding to, those entered before — by an administrator (the command line), with source
'import'. Everything runs in the caller's transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from locales import fluent_core
from models import FiguresSource, Unit
from services.figures import NOTE_MAX_LEN, Counts, record_figures, unit_by_code_or_name
from services.register_import import (
    ImportFileError,
    RowError,
    _find_header,
    _headers,
    _open_table,
    _Report,
    _xlsx_text,
    summary_tail,
)
from services.validation import Invalid, Period, parse_count, parse_part, parse_period

__all__ = ["FIGURES_HEADERS", "FiguresImportResult", "import_figures"]

FIGURES_HEADERS: Final = _headers("figures")
COUNT_FIELDS: Final = ("admitted", "lost", "founded", "founded_large", "dissolved")
REQUIRED: Final = ("unit_code", "period", *COUNT_FIELDS)
SHOWN_REPLACEMENTS: Final = 10


@dataclass(slots=True)
class FiguresImportResult:
    rows_read: int = 0
    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    report_path: Path | None = None
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    header_line: int = 1
    replacements: list[str] = field(default_factory=list)  # what each replaced row replaced
    seconds: float = 0.0

    def summary(self) -> str:
        text = (
            f"figures: {self.rows_read:,} data rows read: {self.inserted:,} inserted, "
            f"{self.replaced:,} replaced, {self.unchanged:,} unchanged, "
            f"{self.rejected:,} rejected"
        )
        for line in self.replacements[:SHOWN_REPLACEMENTS]:
            text += f"\n  {line}"
        if len(self.replacements) > SHOWN_REPLACEMENTS:
            text += f"\n  ... and {len(self.replacements) - SHOWN_REPLACEMENTS} more replaced"
        text += summary_tail(self)
        return text


def _reason(key: str, **args: Any) -> str:
    """The reason in English, from the same Fluent message the chat shows."""
    return str(fluent_core("en").get(key, "en", **args))


def _cell(value: Any) -> str:
    # Excel turns a typed "11/2026" into the date 1 November 2026.
    if isinstance(value, datetime | date) and value.day == 1:
        return f"{value.month}/{value.year}"
    return " ".join(_xlsx_text(value).split())


@dataclass(slots=True)
class _Row:
    line: int
    unit: Unit
    period: Period
    counts: Counts
    note: str | None


async def import_figures(
    db: AsyncSession | AsyncConnection,
    path: Path,
    *,
    today: date,
    now: datetime,
    report_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> FiguresImportResult:
    """Import paper figures from a CSV or XLSX file; bad rows go to the report, good rows in."""
    started = time.perf_counter()
    report = _Report(report_path)
    try:
        if isinstance(db, AsyncSession):
            result = await _import(db, Path(path), report, today, now, progress)
        else:
            async with AsyncSession(bind=db, autoflush=False, expire_on_commit=False) as session:
                result = await _import(session, Path(path), report, today, now, progress)
    except BaseException:
        report.discard()
        raise
    result.report_path = report.finish()
    result.seconds = time.perf_counter() - started
    return result


class _Units:
    """Units named by the file, looked up once per distinct value."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.found: dict[str, list[Unit]] = {}

    async def named(self, text: str) -> list[Unit]:
        if text not in self.found:
            self.found[text] = await unit_by_code_or_name(self.session, text)
        return self.found[text]


async def _import(
    session: AsyncSession,
    path: Path,
    report: _Report,
    today: date,
    now: datetime,
    progress: Callable[[int], None] | None,
) -> FiguresImportResult:
    result = FiguresImportResult()
    units = _Units(session)
    good: list[_Row] = []
    first_line: dict[tuple[int, str, date], int] = {}
    errors: list[RowError] = []
    with _open_table(path) as (rows, _is_xlsx):
        header = _find_header(rows, FIGURES_HEADERS, REQUIRED, path)
        result.ignored_columns = header.ignored
        result.warnings = header.warnings
        result.header_line = header.row
        labels = header.labels
        width = max(header.columns.values()) + 1
        number = header.row
        for raw_cells in rows:
            number += 1
            cells = [_cell(v) for v in raw_cells]
            cells += [""] * (width - len(cells))
            if not any(cells):
                continue
            result.rows_read += 1
            values = {name: cells[index] for name, index in header.columns.items()}
            line = _Line(number, values, labels)
            refuse = line.refuse
            unit = await _unit(units, values["unit_code"], refuse)
            period = _period(values["period"], today, refuse)
            counts = _counts(values, refuse)
            if unit is not None and period is not None and not line.bad:
                key = (unit.id, period.kind, period.start)
                if key in first_line:
                    refuse("period", "figures-import-duplicate", line=first_line[key])
                else:
                    first_line[key] = number
            if line.bad or unit is None or period is None or counts is None:
                result.rejected += 1
                errors.extend(line.bad)
                continue
            note = values.get("note", "")[:NOTE_MAX_LEN] or None
            good.append(_Row(number, unit, period, counts, note))
            if progress is not None and result.rows_read % 1000 == 0:
                progress(result.rows_read)
    if result.rows_read == 0:
        raise ImportFileError(f"{path.name} has a header row but no data rows: nothing to import")
    if progress is not None:
        progress(result.rows_read)

    for row in good:
        recorded = await record_figures(
            session, None, row.unit.id, row.period, row.counts, FiguresSource.IMPORT, now, row.note
        )
        if recorded.replaced is None:
            result.inserted += 1
        elif recorded.changed:
            result.replaced += 1
            result.replacements.append(_replacement(row, recorded.replaced))
        else:
            result.unchanged += 1
    for error in errors:
        report.add(error)
    result.errors = report.kept
    return result


Refuse = Callable[..., None]


@dataclass(slots=True)
class _Line:
    """One data row as read, and what is wrong with it."""

    number: int
    values: dict[str, str]
    labels: dict[str, str]
    bad: list[RowError] = field(default_factory=list)

    def refuse(self, name: str, key: str, **args: Any) -> None:
        value = self.values[name]
        self.bad.append(RowError(self.number, self.labels[name], value, _reason(key, **args), key))


async def _unit(units: _Units, text: str, refuse: Refuse) -> Unit | None:
    if not text:
        refuse("unit_code", "figures-import-missing")
        return None
    found = await units.named(text)
    if len(found) == 1:
        return found[0]
    if found:
        codes = ", ".join(unit.code for unit in found)
        refuse("unit_code", "figures-import-ambiguous-unit", codes=codes)
    else:
        refuse("unit_code", "figures-import-unknown-unit")
    return None


def _period(text: str, today: date, refuse: Refuse) -> Period | None:
    if not text:
        refuse("period", "figures-import-missing")
        return None
    parsed = parse_period(text, today)
    if isinstance(parsed, Invalid):
        refuse("period", parsed.reason, **parsed.args)
        return None
    return parsed.value


def _counts(values: dict[str, str], refuse: Refuse) -> Counts | None:
    """The five counts (an empty cell is 0), the large-enterprise ones within those founded."""
    parsed: dict[str, int] = {}
    for name in COUNT_FIELDS:
        text = values[name] or "0"
        if name == "founded_large" and "founded" in parsed:
            result = parse_part(text, parsed["founded"])
        else:
            result = parse_count(text, minimum=0)
        if isinstance(result, Invalid):
            refuse(name, result.reason, **result.args)
        else:
            parsed[name] = result.value
    return Counts(**parsed) if len(parsed) == len(COUNT_FIELDS) else None


def _replacement(row: _Row, old: Counts) -> str:
    new = row.counts.as_dict()
    changes = ", ".join(
        f"{name} {value} → {new[name]}"
        for name, value in old.as_dict().items()
        if value != new[name]
    )
    return f"line {row.line}: {row.unit.code} {row.period.code} replaced ({changes})"
