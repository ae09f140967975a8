"""Officers enter the figures recruited on paper, in the chat and from a spreadsheet."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.simulator import SimUser
from handlers.common import MenuCb
from models import AuditEvent, PaperFigures, Role, Unit, UnitKind
from services.figures_import import FIGURES_HEADERS, import_figures
from services.register_import import ImportFileError
from services.validation import normalize_search_key
from tests.conftest import NOW, World, t
from tests.test_leads import give_role

TAN_PHONG = "Công đoàn phường Tân Phong"  # LC-TP-W01
COUNTS = {"admitted": 12, "lost": 3, "founded": 2, "founded_large": 1, "dissolved": 1}
WEEK_47 = t("figures-period-week", week=47, year="2026", start="16/11", end="22/11/2026")


async def officer(world: World, user_id: int, unit: str = "LC-TP") -> SimUser:
    await give_role(world, user_id, Role.OFFICER, unit)
    return world.sim.user(user_id, first_name=f"Cán bộ {user_id}")


async def stored(world: World) -> list[PaperFigures]:
    async with world.session_factory() as session:
        return list(await session.scalars(select(PaperFigures).order_by(PaperFigures.id)))


def counts(**values: int) -> str:
    return t("figures-counts", net=values["admitted"] - values["lost"], **values)


async def enter(
    user: SimUser, unit: str | None, period: str, values: dict[str, int] = COUNTS
) -> None:
    """From /report to the summary: the unit searched (unless skipped), the period, counts."""
    await user.send("/report")
    if unit is not None:
        assert t("figures-ask-unit") in user.last.text
        await user.send(unit)
        await user.click(f"· {unit}")
    assert t("figures-ask-period") in user.last.text
    if period.startswith("#"):
        await user.click(t(period[1:]))
    else:
        await user.send(period)
    for name in ("admitted", "lost", "founded", "founded_large", "dissolved"):
        if name == "founded_large" and values["founded"] == 0:
            continue
        await user.send(str(values[name]))


async def test_an_officer_enters_a_weeks_figures(world: World) -> None:
    lan = await officer(world, 801)
    await enter(lan, "LC-TP-W01", "#figures-period-this-week")
    summary = lan.last.text
    assert TAN_PHONG in summary and WEEK_47 in summary
    assert counts(**COUNTS) in summary
    assert t("figures-summary-replaces", counts="") not in summary
    await lan.click(t("figures-save"))
    [row] = await stored(world)
    assert (row.period_kind, row.period_start, row.period_end) == (
        "week",
        date(2026, 11, 16),
        date(2026, 11, 22),
    )
    assert (row.admitted, row.lost, row.founded, row.founded_large, row.dissolved) == (
        12,
        3,
        2,
        1,
        1,
    )
    assert row.source == "chat"
    assert lan.last.text == t(
        "figures-saved", unit=TAN_PHONG, period=WEEK_47, counts=counts(**COUNTS)
    )
    async with world.session_factory() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "figures.recorded")
        )
    assert event is not None and event.detail["period"] == "2026-W47"
    assert event.detail["replaced"] is None


async def test_entering_again_replaces_and_says_what_it_replaced(world: World) -> None:
    lan = await officer(world, 811)
    await enter(lan, "LC-TP-W01", "2026-W47")
    await lan.click(t("figures-save"))
    again = {"admitted": 20, "lost": 0, "founded": 0, "founded_large": 0, "dissolved": 0}
    # Another officer over the same unit, typing the week another way.
    minh = await officer(world, 812)
    await enter(minh, "LC-TP-W01", "tuần 47/2026", again)
    assert t("figures-summary-replaces", counts=counts(**COUNTS)) in minh.last.text
    await minh.click(t("figures-save"))
    [row] = await stored(world)  # replaced, never added up
    assert (row.admitted, row.lost, row.founded, row.founded_large) == (20, 0, 0, 0)
    saved = t("figures-saved", unit=TAN_PHONG, period=WEEK_47, counts=counts(**again))
    assert minh.last.text == saved + "\n\n" + t("figures-replaced", counts=counts(**COUNTS))
    # The same figures a third time change nothing, and say so.
    await enter(minh, "LC-TP-W01", "2026-W47", again)
    await minh.click(t("figures-save"))
    assert t("figures-unchanged") in minh.last.text
    assert len(await stored(world)) == 1


async def test_a_month_is_apart_from_its_weeks(world: World) -> None:
    lan = await officer(world, 815)
    await enter(lan, "LC-TP-W01", "#figures-period-this-week")
    await lan.click(t("figures-save"))
    await enter(lan, "LC-TP-W01", "#figures-period-last-month")
    assert t("figures-period-month", month=10, year="2026") in lan.last.text
    await lan.click(t("figures-save"))
    rows = await stored(world)
    assert [(r.period_kind, r.period_start) for r in rows] == [
        ("week", date(2026, 11, 16)),
        ("month", date(2026, 10, 1)),
    ]


async def test_units_out_of_scope_are_not_offered(world: World) -> None:
    far = await officer(world, 821, "LC-THU")
    await far.send("/report")
    await far.send("LC-TP-W01")
    assert t("figures-unit-none", query="LC-TP-W01") in far.last.text
    await far.send("Tân Phong")
    assert t("figures-unit-none", query="Tân Phong") in far.last.text
    await far.send("Than Uyên")
    labels = [label for label, _ in far.last.inline_buttons]
    assert any("LC-THU" in label for label in labels)
    assert not any("LC-TP" in label for label in labels)


async def test_an_officer_of_one_unit_is_not_asked_for_it(world: World) -> None:
    async with world.session_factory() as session:
        leaf = await session.scalar(
            select(Unit).where(Unit.kind == UnitKind.GRASSROOTS_UNION).order_by(Unit.id)
        )
    assert leaf is not None
    chair = await officer(world, 825, leaf.code)
    await enter(chair, None, "11/2026")
    assert leaf.name in chair.last.text
    await chair.click(t("figures-save"))
    [row] = await stored(world)
    assert (row.unit_id, row.period_kind) == (leaf.id, "month")


@pytest.mark.parametrize(
    ("role", "unit"),
    [(None, None), (Role.COLLABORATOR, "LC-TP-W01"), (Role.STEERING, "LC-TP")],
)
async def test_others_are_refused(world: World, role: str | None, unit: str | None) -> None:
    if role is not None and unit is not None:
        await give_role(world, 831, role, unit)
    someone = world.sim.user(831)
    await someone.send("/report")
    assert someone.last.text == t("access-denied")
    await someone.click_data(MenuCb(action="figures").pack())
    assert someone.last.text == t("access-denied")
    menu = await someone.send("/start")
    assert not any(t("menu-figures") == label for label, _ in menu[-1].inline_buttons)
    async with world.session_factory() as session:
        refused = await session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "access.denied",
                AuditEvent.detail["attempted"].as_string() == "figures.enter",
            )
        )
    assert refused == 2
    assert await stored(world) == []


async def test_the_menu_button_opens_the_form(world: World) -> None:
    lan = await officer(world, 835)
    await lan.send("/start")
    await lan.click(t("menu-figures"))
    assert t("figures-ask-unit") in lan.last.text


async def test_bad_numbers_and_periods_get_reasons_and_the_same_question(world: World) -> None:
    lan = await officer(world, 841)
    await lan.send("/report")
    await lan.send("LC-TP-W01")
    await lan.click("· LC-TP-W01")
    for typed, reason in (
        ("tuần sau", t("invalid-period-format")),
        ("2026-W50", t("invalid-period-future")),
        ("13/2026", t("invalid-period-month")),
        ("2025-W53", t("invalid-period-week", year="2025", weeks=52)),
    ):
        await lan.send(typed)
        assert reason in lan.last.text and t("figures-ask-period") in lan.last.text
    await lan.send("2026-W46")
    for typed, reason in (
        ("mười", t("invalid-count-format")),
        ("-2", t("invalid-count-too-small", min=0)),
        ("2,5", t("invalid-count-format")),
    ):
        await lan.send(typed)
        assert reason in lan.last.text and t("figures-ask-admitted") in lan.last.text
    await lan.send("7")
    await lan.send("1")
    await lan.send("2")
    await lan.send("3")  # more in large enterprises than founded
    assert t("invalid-part-too-large", whole=2) in lan.last.text
    assert t("figures-ask-founded-large") in lan.last.text
    await lan.send("2")
    await lan.send("0")
    assert t("figures-save") in [label for label, _ in lan.last.inline_buttons]
    # Editing the CĐCS founded asks again how many were in large enterprises.
    await lan.click(t("figures-edit-founded"))
    await lan.send("1")
    assert t("figures-ask-founded-large") in lan.last.text
    await lan.send("1")
    assert counts(admitted=7, lost=1, founded=1, founded_large=1, dissolved=0) in lan.last.text
    await lan.click(t("figures-save"))
    [row] = await stored(world)
    assert (row.period_start, row.founded, row.founded_large) == (date(2026, 11, 9), 1, 1)


async def test_cancel_saves_nothing(world: World) -> None:
    lan = await officer(world, 845)
    await lan.send("/report")
    await lan.send("LC-TP-W01")
    await lan.click("· LC-TP-W01")
    await lan.send("/cancel")
    await lan.click(t("form-cancel-yes"))
    assert t("figures-cancelled") in lan.last.text
    assert await stored(world) == []


# ---- the import ----------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


async def run_import(world: World, path: Path, report: Path | None = None) -> object:
    async with world.engine.begin() as conn:
        return await import_figures(conn, path, today=NOW.date(), now=NOW, report_path=report)


GOOD = (
    "unit_code,period,admitted,lost,founded,dissolved,founded_large\n"
    "LC-TP-W01,2026-W47,12,3,2,1,1\n"
    "LC-TP-W02,2026-11,40,5,1,0,0\n"
    "LC-THU,10/2026,7,0,0,0,0\n"
)


async def test_a_good_file_imports_and_again_changes_nothing(world: World, tmp_path: Path) -> None:
    path = write(tmp_path / "figures.csv", GOOD)
    result = await run_import(world, path)
    assert (result.inserted, result.replaced, result.unchanged, result.rejected) == (3, 0, 0, 0)  # type: ignore[attr-defined]
    rows = await stored(world)
    assert {r.source for r in rows} == {"import"}
    assert {r.entered_by for r in rows} == {None}
    again = await run_import(world, path)
    assert (again.inserted, again.replaced, again.unchanged, again.rejected) == (0, 0, 3, 0)  # type: ignore[attr-defined]
    assert "0 inserted, 0 replaced, 3 unchanged, 0 rejected" in again.summary()  # type: ignore[attr-defined]


async def test_a_changed_row_is_replaced_and_the_summary_says_what_it_was(
    world: World, tmp_path: Path
) -> None:
    await run_import(world, write(tmp_path / "a.csv", GOOD))
    changed = GOOD.replace("LC-TP-W02,2026-11,40,5,1,0,0", "LC-TP-W02,2026-11,45,5,1,0,1")
    result = await run_import(world, write(tmp_path / "b.csv", changed))
    assert (result.inserted, result.replaced, result.unchanged) == (0, 1, 2)  # type: ignore[attr-defined]
    summary = result.summary()  # type: ignore[attr-defined]
    assert "line 3: LC-TP-W02 2026-11 replaced" in summary
    assert "admitted 40 → 45" in summary and "founded_large 0 → 1" in summary
    rows = {r.unit_id: r for r in await stored(world)}
    assert sorted(r.admitted for r in rows.values()) == [7, 12, 45]


async def test_bad_rows_are_reported_and_good_rows_kept(world: World, tmp_path: Path) -> None:
    text = (
        "Đơn vị báo cáo số liệu tuần\n"  # a title line above the header
        "unit_code,period,admitted,lost,founded,dissolved,founded_large\n"
        "LC-TP-W01,2026-W47,12,3,2,1,1\n"
        "NOPE,2026-W47,1,0,0,0,0\n"
        "LC-TP-W02,2026-W60,1,0,0,0,0\n"
        "LC-TP-W03,2026-W47,mười,0,0,0,0\n"
        "LC-TP-W03,2026-W46,1,0,1,0,2\n"
        "LC-TP-W01,W47/2026,9,9,0,0,0\n"
        ",2026-W47,1,,0,0,0\n"
    )
    report = tmp_path / "errors.csv"
    result = await run_import(world, write(tmp_path / "bad.csv", text), report)
    assert (result.inserted, result.rejected) == (1, 6)  # type: ignore[attr-defined]
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "line,column,value,reason,reason_key"
    keys = [(line.split(",")[0], line.split(",")[-1]) for line in lines[1:]]
    assert keys == [
        ("4", "figures-import-unknown-unit"),
        ("5", "invalid-period-week"),
        ("6", "invalid-count-format"),
        ("7", "invalid-part-too-large"),
        ("8", "figures-import-duplicate"),
        ("9", "figures-import-missing"),  # an empty count is 0, an empty unit is missing
    ]
    assert "duplicate of line 3" in lines[5]
    assert "header is line 2" in result.summary()  # type: ignore[attr-defined]
    [row] = await stored(world)
    assert row.admitted == 12


async def test_vietnamese_headers_in_a_workbook(world: World, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        [
            "Mã đơn vị",
            "Kỳ báo cáo",
            "Kết nạp",
            "Đoàn viên giảm",
            "CĐCS thành lập",
            "Giải thể CĐCS",
            "Trong đó DN từ 25 LĐ",
            "Ghi chú",
            "Người lập",
        ]
    )
    sheet.append(["LC-TP-W01", date(2026, 11, 1), 30, 2, 1, 0, 1, "từ sổ", "Lan"])
    sheet.append(["LC-TP-W02", "tuần 46/2026", 5.0, 0, 0, 0, 0, None, None])
    path = tmp_path / "so-lieu.xlsx"
    book.save(path)
    result = await run_import(world, path)
    assert (result.inserted, result.rejected) == (2, 0)  # type: ignore[attr-defined]
    assert "ignored columns: Người lập" in result.summary()  # type: ignore[attr-defined]
    rows = await stored(world)
    assert [(r.period_kind, r.admitted, r.founded_large, r.note) for r in rows] == [
        ("month", 30, 1, "từ sổ"),  # Excel's date for "11/2026" is read as the month
        ("week", 5, 0, None),
    ]


async def test_a_file_without_the_unit_column_is_one_clear_line(
    world: World, tmp_path: Path
) -> None:
    path = write(tmp_path / "x.csv", "period,admitted\n2026-W47,3\n")
    with pytest.raises(ImportFileError, match="no column 'Mã đơn vị'"):
        await run_import(world, path)
    assert await stored(world) == []


def test_figures_headers_are_unambiguous() -> None:
    assert set(FIGURES_HEADERS) == {
        "unit_code", "period", "admitted", "lost", "founded", "dissolved", "founded_large",
        "note",
    }  # fmt: skip
    fields: dict[str, str] = {}
    for name, aliases in FIGURES_HEADERS.items():
        for alias in aliases:
            assert fields.setdefault(normalize_search_key(alias), name) == name, alias


def test_the_command_line_imports_and_a_bad_file_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main
    from tests.conftest import sqlite_url

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(db_path))
    text = (
        "Mã ĐV;Kỳ;Kết nạp;Giảm;CĐCS mới;Giải thể CĐCS;Trong đó DN từ 25 LĐ\n"
        "LC-TP;3/2025;9;1;1;0;1\n"
        "LC-XX;3/2025;1;0;0;0;0\n"
    )
    path = write(tmp_path / "so-lieu.csv", text)
    assert main(["import", "figures", str(path), "--report", str(tmp_path / "r.csv")]) == 0
    out = capsys.readouterr().out
    assert "figures: 2 data rows read: 1 inserted, 0 replaced, 0 unchanged, 1 rejected" in out
    assert "line 3, Mã ĐV 'LC-XX': no unit has this code or name" in out
    assert main(["import", "figures", str(write(tmp_path / "x.csv", "a,b\n1,2\n"))]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("import failed, nothing was imported: x.csv:")


async def save_at_once(world: World) -> list[object]:
    """Two sessions save the same unit and period; the first commits while the second waits."""
    from services.figures import Counts, record_figures
    from services.register import unit_by_code
    from services.validation import Period

    period = Period.week_of(date(2026, 11, 16))
    first, second = Counts(admitted=5), Counts(admitted=8)
    async with world.session_factory() as a, world.session_factory() as b:
        unit = await unit_by_code(a, "LC-TP-W01")
        assert unit is not None
        one = await record_figures(a, None, unit.id, period, first, "import", NOW)
        other = asyncio.create_task(record_figures(b, None, unit.id, period, second, "import", NOW))
        await asyncio.sleep(0.3)  # the second waits on the first's row
        await a.commit()
        two = await other
        await b.commit()
    return [one.replaced, two.replaced, [r.admitted for r in await stored(world)]]


async def test_two_saves_at_once_make_one_row_on_sqlite(world: World) -> None:
    from services.figures import Counts

    assert await save_at_once(world) == [None, Counts(admitted=5), [8]]


@pytest.mark.postgres
async def test_two_saves_at_once_make_one_row_on_postgres(pg_url: str) -> None:
    from services.figures import Counts
    from tests.test_backends import make_world

    world = await make_world(pg_url)
    try:
        assert await save_at_once(world) == [None, Counts(admitted=5), [8]]
    finally:
        await world.engine.dispose()


async def test_the_service_refuses_a_unit_out_of_scope(world: World) -> None:
    from services.access import Forbidden
    from services.figures import Counts, record_figures
    from services.people import get_or_create_person
    from services.register import unit_by_code
    from services.validation import Period

    await give_role(world, 851, Role.OFFICER, "LC-THU")
    async with world.session_factory() as session:
        person, _ = await get_or_create_person(session, "telegram", 851, "vi")
        near = await unit_by_code(session, "LC-TP-W01")
        assert near is not None
        with pytest.raises(Forbidden):
            await record_figures(
                session, person, near.id, Period.week_of(date(2026, 11, 16)), Counts(), "chat", NOW
            )
    assert await stored(world) == []


async def test_totals_for_the_digest_sum_one_kind_of_period(world: World, tmp_path: Path) -> None:
    from services.figures import Counts, paper_totals

    await run_import(world, write(tmp_path / "f.csv", GOOD))
    async with world.session_factory() as session:
        units = [u.id for u in await session.scalars(select(Unit))]
        weeks = await paper_totals(session, units, date(2026, 11, 1), date(2026, 11, 30), "week")
        months = await paper_totals(session, units, date(2026, 10, 1), date(2026, 11, 30), "month")
        none = await paper_totals(session, [], date(2026, 1, 1), date(2026, 12, 31), "month")
    assert weeks == Counts(admitted=12, lost=3, founded=2, dissolved=1, founded_large=1)
    assert months == Counts(admitted=47, lost=5, founded=1)
    assert none == Counts()
