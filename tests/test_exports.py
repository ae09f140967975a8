"""Exports opened back and checked: the progress table in the shape of the Lai Châu appendix,
applications and members in the membership software's columns, scoped to the asker's units."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from bot.cli import main
from models import Application, AuditEvent, Member, Role
from services import exports
from services.progress import parse_period
from services.register import unit_by_code
from tests.conftest import NOW, World, dispose, sqlite_url, t
from tests.test_leads import give_role
from tests.test_progress import seed

# The appendix of plan 277 (seed 003), as the repository keeps it.
APPENDIX = Path(__file__).resolve().parents[1] / "services/data/lai_chau_targets_2021_2023.csv"


def rows_of(data: bytes) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return [row for row in sheet.iter_rows(values_only=True)]


def table_of(data: bytes, first_header: str) -> list[dict[str, Any]]:
    """The rows under the header line (title lines above it skipped), as dicts."""
    rows = rows_of(data)
    at = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    headers = rows[at]
    return [dict(zip(headers, row, strict=True)) for row in rows[at + 1 :]]


def test_periods_of_the_reporting_rhythm() -> None:
    half = parse_period("2026-H1")
    assert half is not None and (half.start, half.end) == (date(2026, 1, 1), date(2026, 7, 1))
    second = parse_period("2026-h2")
    assert second is not None and (second.start, second.end) == (
        date(2026, 7, 1),
        date(2027, 1, 1),
    )
    assert parse_period("2026-H3") is None
    today = date(2026, 8, 14)
    labels = [exports.current_period(span, today).label for span in exports.SPANS]
    assert labels == ["2026-08", "2026-Q3", "2026-H2", "2026"]
    request = exports.parse_request("progress csv 2026-h1")
    assert request is not None and (request.kind, request.fmt) == ("progress", "csv")
    assert request.period is not None and request.period.label == "2026-H1"
    assert exports.parse_request("members") == exports.Request("members", None, "xlsx")
    assert exports.parse_request("members someday") is None
    assert exports.parse_request("salaries 2026") is None


def test_the_cli_writes_the_appendix_with_what_was_achieved(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(db_path))
    assert main(["import", "targets", str(APPENDIX)]) == 0
    out = tmp_path / "tien-do.xlsx"
    assert main(["export", "progress", "--period", "2021-2023", "-o", str(out)]) == 0
    assert f"{out}: 12 rows" in capsys.readouterr().out
    rows = {row[t("export-col-unit-code")]: row for row in table_of(out.read_bytes(), "STT")}
    with APPENDIX.open(encoding="utf-8") as handle:
        plan = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    for line in plan:  # every unit of the appendix, its baseline and targets as the plan has them
        row = rows[line["unit_code"]]  # named as in the unit tree
        for column, key in (
            ("members_2021_06", "export-col-base-members"),
            ("non_member_workers_2021_06", "export-col-base-non-members"),
            ("enterprises_without_union_6plus", "export-col-base-enterprises"),
            ("target_new_members", "export-col-target-members"),
            ("target_new_grassroots_unions", "export-col-target-unions"),
        ):
            assert row[t(key)] == (int(line[column]) if line[column] else None), (line, key)
    # The province: the sum of its units', said so (540 members, 23 CĐCS).
    province = rows["LC"]
    assert (province[t("export-col-target-members")], province[t("export-col-target-unions")]) == (
        sum(int(line["target_new_members"]) for line in plan),
        sum(int(line["target_new_grassroots_unions"] or 0) for line in plan),
    )
    assert province[t("export-col-target-source")] == t("export-target-children")
    # CSV: UTF-8 with a BOM, the same header; an English header on request.
    assert main(["export", "progress", "--period", "2022", "--unit", "LC-TP", "-o", "p.csv"]) == 0
    data = (tmp_path / "p.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0][2] == "Tên đơn vị" and lines[1][1] == "LC-TP"
    assert main(["export", "progress", "--lang", "en", "--format", "csv", "-o", "e.csv"]) == 0
    assert (tmp_path / "e.csv").read_text("utf-8-sig").startswith("No.,Unit code,Unit,")
    # What stops the command is one line.
    capsys.readouterr()
    assert main(["export", "progress", "--period", "2026-Q5"]) == 1
    assert main(["export", "members", "--unit", "NOPE"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "not a period: 2026-Q5; write 2026, 2026-H1, 2026-Q3 or 2026-07",
        "no unit with code NOPE; doanvien units lists them",
    ]


async def test_progress_figures_in_the_export(world: World) -> None:
    await seed(world)  # LC-TP: 40 admitted (10 on paper), 2 lost, 1 CĐCS; target 100 and 10
    async with world.session_factory() as session:
        lc = await unit_by_code(session, "LC")
        assert lc is not None
        period = parse_period("2026")
        assert period is not None
        table = await exports.progress_table(session, [lc.id], period, date(2026, 7, 1), t)
    data = exports.to_xlsx(table)
    rows = {row[t("export-col-unit-code")]: row for row in table_of(data, "STT")}
    tp = rows["LC-TP"]
    got = [tp[t(key)] for key in exports.PROGRESS_HEADERS[11:16]]
    assert got == [40, 2, 38, 40.0, round(100 * 182 / 365, 1)]
    assert (tp[t("export-col-founded")], tp[t("export-col-unions-percent")]) == (1, 10.0)
    assert rows["LC"][t("export-col-admitted")] == 45  # 40 + LC-TD's 5
    assert rows_of(data)[0][0] == t("export-progress-title", period="2026")


async def people(world: World) -> None:
    """An application and a member with personal data in LC-TP, and in LC-TD."""
    async with world.session_factory.begin() as session:
        for code, name, phone in (
            ("LC-TP", "Nguyễn Thị Lan", "+84987000001"),
            ("LC-TD", "Trần Văn Bình", "+84987000002"),
        ):
            unit = await unit_by_code(session, code)
            assert unit is not None
            app = Application(
                reference=f"DV-2026-{code}",
                full_name=name,
                birth_date=date(1995, 4, 30),
                gender="female",
                phone=phone,
                citizen_id="001195000001",
                job="Công nhân may",
                employer_name="Công ty May Lai Châu",
                consent_version="1",
                consent_at=datetime(2026, 11, 2, tzinfo=UTC),
                routed_unit_id=unit.id,
                routing_reason="ward",
                status="approved",
            )
            session.add(app)
            await session.flush()
            session.add(
                Member(
                    number=f"{code}-2026-1",
                    union_unit_id=unit.id,
                    application_id=app.id,
                    full_name=name,
                    admitted_on=date(2026, 11, 3),
                )
            )


async def test_an_officer_exports_only_their_units_from_the_chat(world: World) -> None:
    await people(world)
    await give_role(world, 961, Role.OFFICER, "LC-TP")
    officer = world.sim.user(961)
    await officer.send("/start")
    await officer.click(t("export-menu"))  # the menu's entry, as /export
    assert officer.last.text == t("export-choose")
    await officer.click(t("export-btn-members"))
    document = world.api.requests[-1]
    assert type(document).__name__ == "SendDocument"
    members = table_of(document.document.data, "STT")  # type: ignore[attr-defined]
    assert [m["Họ và tên"] for m in members] == ["Nguyễn Thị Lan"]
    lan = members[0]
    assert (lan["Số điện thoại"], lan["Giới tính"], lan["Mã công đoàn"]) == (
        "0987000001",
        "Nữ",
        "LC-TP",
    )
    assert lan["Số CCCD"] == "001195000001"  # text, leading zeros kept
    assert officer.last.text == t("export-caption-members", period=t("export-all-time"), rows=1)
    # Typed, as CSV: the applications of LC-TP only, never LC-TD's.
    await officer.send("/export applications 2026 csv")
    document = world.api.requests[-1]
    text = document.document.data.decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "Nguyễn Thị Lan" in text and "Trần Văn Bình" not in text and "DV-2026-LC-TD" not in text
    assert document.document.filename == "ho-so-2026.csv"  # type: ignore[attr-defined]
    await officer.send("/export applications 2025")
    assert officer.last.text == t("export-caption-applications", period="2025", rows=0)
    await officer.send("/export payroll")
    assert officer.last.text == t("export-usage")
    async with world.session_factory() as session:
        audited = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "export.personal_data")
            )
        )
    assert [(e.detail["kind"], e.detail["rows"]) for e in audited] == [
        ("members", 1),
        ("applications", 1),
        ("applications", 0),
    ]


async def test_people_lists_are_for_officers_only(world: World) -> None:
    await people(world)
    await give_role(world, 962, Role.STEERING, "LC")
    steering = world.sim.user(962)
    await steering.send("/export")
    labels = [label for label, _ in steering.last.inline_buttons]
    assert t("export-btn-year") in labels and t("export-btn-members") not in labels
    await steering.click(t("export-btn-quarter"))
    document = world.api.requests[-1]
    assert document.document.filename == "tien-do-2026-Q4.xlsx"  # type: ignore[attr-defined]
    # A forged button, or the typed command, does not give them the members.
    await steering.click_data(exports_cb("members"))
    assert steering.last.text == t("access-denied")
    await steering.send("/export members")
    assert steering.last.text == t("access-denied")
    worker = world.sim.user(963)
    await worker.send("/export")
    assert worker.last.text == t("access-denied")


def exports_cb(kind: str) -> str:
    from handlers.exports import ExportCb

    return ExportCb(kind=kind, span="all").pack()


async def test_the_admin_scope_holds_every_unit(world: World) -> None:
    await people(world)
    async with world.session_factory() as session:
        root = await unit_by_code(session, "LC")
        tp = await unit_by_code(session, "LC-TP")
        assert root is not None and tp is not None
        everyone = await exports.members_table(session, [root.id], NOW.tzinfo or UTC)
        theirs = await exports.members_table(session, [tp.id, tp.id], NOW.tzinfo or UTC)
        counts = [
            len((await exports.members_table(session, [root.id], UTC, parse_period(p))).rows)
            for p in ("2026-11", "2026-10", "2026-H2")
        ]
    assert len(everyone.rows) == 2 and len(theirs.rows) == 1
    assert counts == [2, 0, 2]  # admitted on 3 November
    assert everyone.headers == [header for _, header in exports.columns("members")]


@pytest.mark.postgres
async def test_exports_and_the_page_on_postgresql(pg_url: str) -> None:
    from services.public_progress import as_json, public_progress
    from tests.test_backends import make_world

    world = await make_world(pg_url)
    try:
        await seed(world)
        await people(world)
        async with world.session_factory() as session:
            root = await unit_by_code(session, "LC")
            assert root is not None
            members = await exports.members_table(session, [root.id], UTC, parse_period("2026"))
            apps = await exports.applications_table(session, [root.id], UTC, parse_period("2026"))
            year = parse_period("2026")
            assert year is not None
            table = await exports.progress_table(session, [root.id], year, NOW.date(), t)
            page = as_json(await public_progress(session, year, NOW))
        # 35 of seed's members were admitted in 2026 (20 in 2025), and the 2 with applications
        assert (len(members.rows), len(apps.rows)) == (37, 2)
        assert [row[1] for row in table.rows][:2] == ["LC", "LC-TP"]
        assert page["total"]["members"]["admitted"] == 47
    finally:
        await dispose(world.engine)
