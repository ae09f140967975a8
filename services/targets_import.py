"""`doanvien import targets FILE`: targets per unit and period, with each unit's baseline.

Read by the register import's machinery (CSV or XLSX, title rows above the header, headers in
Vietnamese or English through services/data/register_headers.csv, the per-line report). A
blank cell means "no target", never zero. The period (2026, or 2021-2023) comes from a period
column, else `--period`, else the file's name (lai_chau_targets_2021_2023.csv). A unit and
period given again replace what was set before.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from models import Target, Unit
from services.register_import import (
    ImportFileError,
    ImportResult,
    RowError,
    _find_header,
    _headers,
    _open_table,
    _Report,
    _xlsx_text,
)
from services.validation import Invalid, parse_count

TARGET_HEADERS: Final = _headers("targets")
NUMBERS: Final = (
    "new_members",
    "new_unions",
    "new_unions_large",
    "base_members",
    "base_non_members",
    "base_enterprises_without_union",
)
YEARS = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:\s*[-–_/]\s*((?:19|20)\d{2}))?(?!\d)")


def parse_years(text: str) -> tuple[int, int] | None:
    """ "2026" or "2021-2023" (also 2021–2023, 2021_2023) as (first, last)."""
    match = YEARS.search(text)
    if match is None:
        return None
    first, last = int(match[1]), int(match[2] or match[1])
    return (first, last) if first <= last else None


async def import_targets(
    db: AsyncSession | AsyncConnection,
    path: Path,
    *,
    period: str | None = None,
    report_path: Path | None = None,
) -> ImportResult:
    """Import targets; bad rows go to the report, good rows in, in the caller's transaction."""
    started = time.perf_counter()
    report = _Report(report_path)
    try:
        if isinstance(db, AsyncSession):
            result = await _import(db, Path(path), period, report)
        else:
            async with AsyncSession(bind=db, autoflush=False, expire_on_commit=False) as session:
                result = await _import(session, Path(path), period, report)
    except BaseException:
        report.discard()
        raise
    result.report_path = report.finish()
    result.seconds = time.perf_counter() - started
    return result


async def _import(
    session: AsyncSession, path: Path, period: str | None, report: _Report
) -> ImportResult:
    fallback = parse_years(period) if period else parse_years(path.stem)
    if period and fallback is None:
        raise ImportFileError(f"--period {period!r} is not a year or a range such as 2021-2023")
    result = ImportResult("targets")
    units = {u.code: u for u in await session.scalars(select(Unit))}
    with _open_table(path) as (rows, _is_xlsx):
        header = _find_header(rows, TARGET_HEADERS, ("unit_code",), path)
        result.ignored_columns, result.warnings = header.ignored, header.warnings
        result.header_line = header.row
        if "period" not in header.columns and fallback is None:
            raise ImportFileError(
                f"{path.name} has no period column: give one with --period 2021-2023"
            )
        number = header.row
        for raw in rows:
            number += 1
            cells = [" ".join(_xlsx_text(v).split()) for v in raw]
            if not any(cells) or cells[0].startswith("#"):
                continue
            result.rows_read += 1
            values = {n: cells[i] if i < len(cells) else "" for n, i in header.columns.items()}
            bad = _check(values, units, fallback, number, header.labels)
            if bad:
                result.rejected += 1
                for error in bad:
                    report.add(error)
                continue
            outcome = await _upsert(session, values, units[values["unit_code"]], fallback)
            setattr(result, outcome, getattr(result, outcome) + 1)
    if result.rows_read == 0:
        raise ImportFileError(f"{path.name} has a header row but no data rows: nothing to import")
    result.errors = report.kept
    return result


def _check(
    values: dict[str, str],
    units: dict[str, Unit],
    fallback: tuple[int, int] | None,
    line: int,
    labels: dict[str, str],
) -> list[RowError]:
    bad: list[RowError] = []

    def refuse(name: str, reason: str, key: str) -> None:
        bad.append(RowError(line, labels.get(name, name), values.get(name, ""), reason, key))

    if values["unit_code"] not in units:
        refuse("unit_code", "no unit with this code; doanvien units lists them", "unknown_unit")
    if values.get("period") and parse_years(values["period"]) is None:
        refuse("period", "not a year or a range such as 2021-2023", "bad_period")
    elif not values.get("period") and fallback is None:
        refuse("period", "no period", "missing_period")
    for name in NUMBERS:
        raw = values.get(name, "")
        if raw and isinstance(parse_count(raw, minimum=0), Invalid):
            refuse(name, "not a whole number of 0 or more", "bad_number")
    return bad


def _number(values: dict[str, str], name: str) -> int | None:
    raw = values.get(name, "")
    if not raw:
        return None  # blank: no target, not zero
    parsed = parse_count(raw, minimum=0)
    assert not isinstance(parsed, Invalid)  # checked before
    return parsed.value


async def _upsert(
    session: AsyncSession, values: dict[str, str], unit: Unit, fallback: tuple[int, int] | None
) -> str:
    """ "inserted", "updated" or "unchanged"."""
    years = parse_years(values["period"]) if values.get("period") else fallback
    assert years is not None
    first, last = years
    target = await session.scalar(
        select(Target).where(
            Target.unit_id == unit.id, Target.first_year == first, Target.last_year == last
        )
    )
    numbers = {name: _number(values, name) for name in NUMBERS}
    if target is None:
        session.add(Target(unit_id=unit.id, first_year=first, last_year=last, **numbers))
        await session.flush()
        return "inserted"
    if all(getattr(target, name) == value for name, value in numbers.items()):
        return "unchanged"
    for name, value in numbers.items():
        setattr(target, name, value)
    await session.flush()
    return "updated"
