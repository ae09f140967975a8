"""Targets import: the appendix of plan 277 (seed 003) as it is, blanks kept as no target."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Target, Unit
from services.progress import parse_period, progress
from services.register import unit_by_code
from services.register_import import ImportFileError
from services.targets_import import import_targets, parse_years
from tests.conftest import World

LAI_CHAU = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "lai_chau_targets_2021_2023.csv"
)


def test_years() -> None:
    assert parse_years("lai_chau_targets_2021_2023") == (2021, 2023)
    assert parse_years("2021–2023") == (2021, 2023)
    assert parse_years("2026") == (2026, 2026)
    assert parse_years("2023-2021") is None and parse_years("kế hoạch") is None


async def targets(world: World) -> dict[str, Target]:
    async with world.session_factory() as session:
        rows = await session.execute(
            select(Unit.code, Target).join(Unit, Unit.id == Target.unit_id)
        )
        return {code: target for code, target in rows}


async def test_the_seed_appendix_imports_as_is(world: World) -> None:
    assert LAI_CHAU.exists(), "../shared/data beside the project"
    async with world.session_factory.begin() as session:
        result = await import_targets(session, LAI_CHAU)
    assert (result.inserted, result.rejected) == (11, 0)
    found = await targets(world)
    tp = found["LC-TP"]
    assert (tp.first_year, tp.last_year, tp.new_members, tp.new_unions) == (2021, 2023, 100, 10)
    assert (tp.base_members, tp.base_non_members, tp.base_enterprises_without_union) == (
        2136,
        371,
        25,
    )
    vc = found["LC-CDVC"]  # blank cells: no target, not zero
    assert (vc.new_members, vc.new_unions, vc.base_non_members) == (20, None, None)
    async with world.session_factory.begin() as session:
        again = await import_targets(session, LAI_CHAU)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 11)
    # The province's target is the sum of its units': 540 members, 23 CĐCS.
    period = parse_period("2021-2023")
    assert period is not None
    async with world.session_factory() as session:
        root = await unit_by_code(session, "LC")
        assert root is not None
        [row] = (await progress(session, [root.id], period, date(2022, 6, 30))).units
    assert (row.goal.source, row.goal.members, row.goal.unions) == ("children", 540, 23)


async def test_bad_rows_are_reported_and_the_period_is_needed(world: World, tmp_path: Path) -> None:
    bad = tmp_path / "chi_tieu.csv"
    bad.write_text(
        "Mã đơn vị,Chỉ tiêu kết nạp đoàn viên,Chỉ tiêu thành lập CĐCS\n"
        "LC-TP,120,12\nNOPE,10,1\nLC-TD,nhiều,2\n",
        encoding="utf-8",
    )
    async with world.session_factory.begin() as session:
        with pytest.raises(ImportFileError, match="--period"):
            await import_targets(session, bad)
    async with world.session_factory.begin() as session:
        result = await import_targets(session, bad, period="2026", report_path=tmp_path / "r.csv")
    assert (result.inserted, result.rejected) == (1, 2)
    assert {e.line for e in result.errors} == {3, 4}
    renamed = tmp_path / "targets_2027.csv"
    shutil.copy(bad, renamed)
    async with world.session_factory.begin() as session:
        from_name = await import_targets(session, renamed)
    assert from_name.inserted == 1
    assert (await targets(world))["LC-TP"].new_members == 120
