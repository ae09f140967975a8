"""Progress against targets, checked by hand-computed cases (gross and net, last year)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event

import services.progress as progress_module
from models import (
    Founding,
    Member,
    PaperFigures,
    Role,
    Target,
    Transfer,
    TransferStatus,
    Unit,
)
from services.access import UnitTree
from services.progress import (
    Figures,
    change,
    figures_by_unit,
    parse_period,
    percent,
    plan_share,
    progress,
)
from services.register import unit_by_code
from tests.conftest import NOW, World, t
from tests.test_leads import give_role

LAI_CHAU = {  # seed 003, appendix: new members and new CĐCS for 2021–2023
    "LC-TP": (100, 10),
    "LC-TD": (40, 2),
    "LC-TU": (40, 2),
    "LC-THU": (40, 3),
    "LC-PT": (90, 1),
    "LC-SH": (70, 1),
    "LC-NN": (40, 1),
    "LC-MT": (50, 3),
    "LC-CDVC": (20, None),
    "LC-CDNGD": (30, None),
    "LC-CDNYT": (20, None),
}


def test_percent_and_change_are_computed_not_copied() -> None:
    assert percent(123_636, 152_200) == 81.2  # seed 000 prints 80.2 %
    assert percent(855, 492) == 173.8
    assert percent(374, 241) == 155.2
    assert percent(4_550, 6_500) == 70.0
    assert percent(1, None) is None and percent(1, 0) is None
    assert change(30_018, 14_914) == 101.3
    assert change(5, 0) is None
    assert Figures(30_018, 10_979, 67, 0, 64).net_members == 19_039  # Thái Nguyên, seed 004
    assert Figures(30_018, 10_979, 67, 0, 64).net_unions == 3


def test_periods() -> None:
    span = parse_period("2021-2023")
    assert span is not None and (span.start, span.end) == (date(2021, 1, 1), date(2024, 1, 1))
    quarter = parse_period("2026-Q3")
    assert quarter is not None and (quarter.start, quarter.end) == (
        date(2026, 7, 1),
        date(2026, 10, 1),
    )
    month = parse_period("2026-11")
    assert month is not None and month.end == date(2026, 12, 1)
    assert parse_period("2026-13") is None and parse_period("tuần sau") is None
    year = parse_period("2026")
    assert year is not None and round(year.elapsed(date(2026, 7, 1)), 3) == round(182 / 365, 3)


async def seed(world: World) -> dict[str, Unit]:
    async with world.session_factory.begin() as session:
        units = {code: await unit_by_code(session, code) for code in LAI_CHAU}
        for code, (members, unions) in LAI_CHAU.items():
            unit = units[code]
            assert unit is not None
            session.add(
                Target(
                    unit_id=unit.id,
                    first_year=2026,
                    last_year=2026,
                    new_members=members,
                    new_unions=unions,
                )
            )
        tp, td = units["LC-TP"], units["LC-TD"]
        assert tp is not None and td is not None
        # LC-TP: 30 admitted in the bot this year (2 left), 10 on paper; 1 CĐCS founded.
        for index in range(30):
            session.add(
                Member(
                    number=f"T-{index}",
                    union_unit_id=tp.id,
                    admitted_on=date(2026, 3, 1) + timedelta(days=index),
                    status="left" if index < 2 else "active",
                    ended_on=date(2026, 10, 1) if index < 2 else None,
                )
            )
        session.add(
            PaperFigures(
                unit_id=tp.id,
                period_kind="month",
                period_start=date(2026, 5, 1),
                period_end=date(2026, 5, 31),
                admitted=10,
                lost=0,
                founded=0,
                dissolved=0,
                founded_large=0,
                source="import",
            )
        )
        # The same people entered by week must not count twice.
        session.add(
            PaperFigures(
                unit_id=tp.id,
                period_kind="week",
                period_start=date(2026, 5, 4),
                period_end=date(2026, 5, 10),
                admitted=10,
                lost=0,
                founded=0,
                dissolved=0,
                founded_large=0,
                source="import",
            )
        )
        union = Unit(
            code="CS-NEW",
            name="CĐCS Mới",
            kind="grassroots_union",
            parent_id=tp.id,
            search_key="cdcs moi",
        )
        session.add(union)
        await session.flush()
        session.add(
            Founding(
                unit_id=union.id,
                decision_number="1/QĐ",
                decision_date=date(2026, 6, 1),
                large_enterprise=True,
            )
        )
        # Last year LC-TP admitted 20: this year's 30 + 10 is +100 %.
        for index in range(20):
            session.add(
                Member(
                    number=f"L-{index}",
                    union_unit_id=tp.id,
                    admitted_on=date(2025, 4, 1),
                    status="active",
                )
            )
        # LC-TD: 5 admitted this year.
        for index in range(5):
            session.add(
                Member(
                    number=f"D-{index}",
                    union_unit_id=td.id,
                    admitted_on=date(2026, 2, 1),
                    status="active",
                )
            )
    return {code: unit for code, unit in units.items() if unit is not None}


async def test_progress_of_lai_chau_by_hand(world: World) -> None:
    units = await seed(world)
    today = date(2026, 7, 1)  # 182 of 365 days
    async with world.session_factory() as session:
        root = await unit_by_code(session, "LC")
        assert root is not None
        ids = [root.id, units["LC-TP"].id, units["LC-TD"].id]
        year = parse_period("2026")
        assert year is not None
        with counting(world) as few:
            report = await progress(session, ids, year, today)
        with counting(world) as many:
            await progress(session, [root.id, *(u.id for u in units.values())], year, today)
        lc, tp, td = report.units
    # Set-based: the statements do not grow with the number of units.
    assert few == many and len(few) == 15  # the tree, 2 × 6 figures, targets, units
    assert (tp.figures.admitted, tp.figures.lost, tp.figures.net_members) == (40, 2, 38)
    assert (tp.figures.founded, tp.figures.founded_large) == (1, 1)
    assert tp.members_percent == 40.0 and tp.unions_percent == 10.0
    assert tp.expected_members == round(100 * 182 / 365, 1) and tp.behind  # 40 < 49.9
    assert tp.members_change == 100.0
    assert (td.figures.admitted, td.members_percent) == (5, 12.5) and td.behind
    # The root has no target of its own: the sum of its units' (540 members, 23 CĐCS).
    assert (lc.goal.source, lc.goal.members, lc.goal.unions) == ("children", 540, 23)
    assert lc.figures.admitted == 45 and lc.members_percent == round(45 * 100 / 540, 1)
    assert (tp.rank, td.rank, tp.siblings) == (1, 2, 11)


async def test_a_shorter_period_gets_its_share_of_the_plan(world: World) -> None:
    units = await seed(world)  # LC-TP: 100 members and 10 CĐCS in the 2026 plan
    quarter = parse_period("2026-Q3")  # 92 of 365 days
    assert quarter is not None
    async with world.session_factory() as session:
        report = await progress(session, [units["LC-TP"].id], quarter, date(2026, 8, 15))
    (tp,) = report.units
    # 25.2 members and 2.5 CĐCS, rounded up; 46 of the quarter's 92 days gone at an even pace.
    assert (tp.goal.members, tp.goal.unions, tp.goal.source) == (26, 3, "set")
    assert tp.expected_members == round(26 * 46 / 92, 1)
    plan = Target(unit_id=1, first_year=2021, last_year=2023, new_members=300)
    third = plan_share(plan, parse_period("2022") or quarter)
    assert round(third, 4) == round(365 / 1095, 4)


@contextmanager
def counting(world: World) -> Iterator[list[str]]:
    """The SQL statements run meanwhile."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]).split()[0])

    event.listen(world.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(world.engine.sync_engine, "before_cursor_execute", record)


async def test_progress_command_for_an_officer_and_a_worker(world: World) -> None:
    await seed(world)
    await give_role(world, 951, Role.STEERING, "LC")
    steering = world.sim.user(951)
    await steering.send("/progress 2026")
    assert "LĐLĐ thành phố Lai Châu" in steering.last.text
    assert "40/100 (40.0 %)" in steering.last.text
    await steering.send("/progress someday")
    assert steering.last.text == t("progress-bad-period")
    worker = world.sim.user(952)
    await worker.send("/progress")
    assert worker.last.text == t("access-denied")


async def test_a_member_who_moved_counts_for_the_union_they_joined(world: World) -> None:
    units = await seed(world)
    tp, td = units["LC-TP"], units["LC-TD"]
    async with world.session_factory.begin() as session:
        moved = Member(number="MV-1", union_unit_id=td.id, admitted_on=date(2026, 4, 1))
        session.add(moved)
        await session.flush()
        declined, accepted = TransferStatus.DECLINED, TransferStatus.ACCEPTED
        for status, to in ((declined, tp.id), (accepted, td.id), (accepted, tp.id)):
            session.add(
                Transfer(
                    member_id=moved.id,
                    from_unit_id=tp.id,
                    to_unit_id=to,
                    routing_reason="upper_union",
                    status=status,
                    requested_at=NOW,
                )
            )
    year = parse_period("2026")
    assert year is not None
    async with world.session_factory() as session:
        report = await progress(session, [tp.id, td.id], year, date(2026, 7, 1))
    by_code = {row.unit.code: row.figures.admitted for row in report.units}
    # Joined LC-TP (its first accepted transfer left it), now in LC-TD: LC-TP's 40 + 1, LC-TD 5.
    assert by_code == {"LC-TP": 41, "LC-TD": 5}


async def test_a_long_period_counted_unit_by_unit_gives_the_same_figures(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a period of more than a quarter has its admissions counted by one index range
    per unit instead of grouped: the same figures, revoked members and movers included."""
    units = await seed(world)
    tp, td = units["LC-TP"], units["LC-TD"]
    async with world.session_factory.begin() as session:
        session.add(
            Member(
                number="RV-1", union_unit_id=td.id, admitted_on=date(2026, 5, 1), status="revoked"
            )
        )
        moved = Member(number="MV-2", union_unit_id=td.id, admitted_on=date(2026, 6, 1))
        session.add(moved)
        await session.flush()
        session.add(
            Transfer(
                member_id=moved.id,
                from_unit_id=tp.id,
                to_unit_id=td.id,
                routing_reason="upper_union",
                status=TransferStatus.ACCEPTED,
                requested_at=NOW,
            )
        )
    year = parse_period("2026")
    assert year is not None and year.days > progress_module.SEEK_AFTER_DAYS
    found = []
    for seek_after in (10_000, 0):  # grouped, then unit by unit
        monkeypatch.setattr(progress_module, "SEEK_AFTER_DAYS", seek_after)
        async with world.session_factory() as session:
            tree = await UnitTree.load(session)
            found.append(await figures_by_unit(session, tree, year))
    grouped, per_unit = found
    assert per_unit == grouped
    # LC-TP: its 30, 10 on paper and the mover; LC-TD: its 5, the revoked member not counted.
    assert (grouped[tp.id].admitted, grouped[td.id].admitted) == (41, 5)
