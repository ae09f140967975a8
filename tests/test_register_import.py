"""Importing the enterprise register and the unit tree from CSV and XLSX files."""

from __future__ import annotations

import argparse
import csv
import random
import sys
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from stdnum.vn import mst

from bot.import_cli import add_import_commands, run_import
from bot.settings import Settings
from models import Enterprise, Unit
from models.db import create_engine
from models.migrate import upgrade_async
from services.demo import unit_rows
from services.register_import import (
    ENTERPRISE_HEADERS,
    UNIT_HEADERS,
    ImportFileError,
    ImportResult,
    _clean_texts,
    fast_tax_code,
    import_enterprises,
    import_units,
)
from services.units import upsert_units
from services.validation import Valid, normalize_search_key, parse_tax_code
from tests.conftest import sqlite_url

VI_HEADER = [
    "STT",
    "MÃ SỐ THUẾ",
    "Tên  doanh nghiệp",
    "Địa chỉ",
    "Số LĐ",
    "Mã phường",
    "Đóng KPCĐ",
    "Có chi bộ Đảng",
    "Trong KCN",
    "Năm thành lập",
]
EN_HEADER = [
    "tax_code",
    "Enterprise name",
    "address",
    "employees",
    "ward",
    "pays_union_fee",
    "has_party_cell",
    "in_industrial_zone",
    "founded_year",
]


def tax(serial: int, prefix: str = "03") -> str:
    """The serial-th valid tax code with this province prefix."""
    found = 0
    body_serial = 0
    while True:
        body_serial += 1
        body = f"{prefix}{body_serial:07d}"
        check = mst.calc_check_digit(body)
        if len(check) == 1:
            found += 1
            if found == serial:
                return body + check


def bad_check_digit(code: str) -> str:
    return code[:9] + str((int(code[9]) + 1) % 10)


def cp1258(text: str) -> bytes:
    """Windows-1258 bytes, as Excel writes them on a Vietnamese Windows (tones as marks)."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            if len(parts) > 2:  # ố: the precomposed ô, then the tone mark
                head, marks = unicodedata.normalize("NFC", parts[:2]), parts[2:]
            else:
                head, marks = parts[0], parts[1:]
            out += head.encode("cp1258") + marks.encode("cp1258")
    return out


def write_csv(path: Path, rows: Sequence[Sequence[object]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


@pytest.fixture
async def engine(db_path: Path) -> Any:
    engine = create_engine(sqlite_url(db_path))
    yield engine
    await engine.dispose()


async def run(engine: AsyncEngine, path: Path, **kwargs: Any) -> ImportResult:
    async with engine.begin() as conn:
        return await import_enterprises(conn, path, **kwargs)


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Enterprise)) or 0)


async def stored(engine: AsyncEngine, code: str) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(select(Enterprise).where(Enterprise.tax_code == code))).one()


async def unit_id(engine: AsyncEngine, code: str) -> int:
    async with engine.connect() as conn:
        found = await conn.scalar(select(Unit.id).where(Unit.code == code))
    assert found is not None
    return int(found)


def read_report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------------------------
# Enterprises
# --------------------------------------------------------------------------------------------


async def test_vietnamese_csv_with_bad_rows_reported(engine: AsyncEngine, tmp_path: Path) -> None:
    before = await count(engine)
    good, branch = tax(1), tax(2)
    rows: list[Sequence[object]] = [
        ["DANH SÁCH DOANH NGHIỆP NGOÀI NHÀ NƯỚC"],  # a title row above the header
        VI_HEADER,
        [1, good, " Công ty  TNHH May Mường Tè ", "Bum Tở", "1.200", "LC-TP-W01", "x", "Có",
         "không", "2015"],
        [2, bad_check_digit(tax(3)), "Công ty Sai Số", "", "", "", "", "", "", ""],
        [3, good, "Công ty Trùng Mã", "", "", "", "", "", "", ""],
        [],  # a blank line: skipped, still numbered
        [5, branch + "001", "Chi nhánh Điện Biên", "", "12", "", "0", "0", "1", ""],
        [6, tax(4), "Công ty Phường Lạ", "", "", "NO-SUCH-WARD", "", "", "", ""],
        [7, tax(5), "", "", "abc", "", "có lẽ", "", "", "1700"],
    ]  # fmt: skip
    report = tmp_path / "errors.csv"
    result = await run(engine, write_csv(tmp_path / "dn.csv", rows), report_path=report)

    assert (result.rows_read, result.inserted, result.updated, result.unchanged) == (6, 2, 0, 0)
    assert result.rejected == 4
    assert result.ignored_columns == ["STT"]
    assert await count(engine) == before + 2

    row = await stored(engine, good)
    assert row.name == "Công ty TNHH May Mường Tè"
    assert row.search_key == normalize_search_key("Công ty TNHH May Mường Tè")
    assert (row.address, row.employees, row.founded_year) == ("Bum Tở", 1200, 2015)
    assert row.ward_unit_id == await unit_id(engine, "LC-TP-W01")
    assert (row.pays_union_fee, row.has_party_cell, row.in_industrial_zone) == (True, True, False)
    branch_code = f"{branch}-001"
    assert (await stored(engine, branch_code)).in_industrial_zone is True

    lines = read_report(report)
    assert [(e["line"], e["column"], e["reason_key"]) for e in lines] == [
        ("4", "MÃ SỐ THUẾ", "invalid-tax-code-checksum"),
        ("5", "MÃ SỐ THUẾ", "duplicate-tax-code"),
        ("8", "Mã phường", "unknown-ward-code"),
        ("9", "Tên doanh nghiệp", "required-value-missing"),
        ("9", "Số LĐ", "invalid-number"),
        ("9", "Đóng KPCĐ", "invalid-boolean"),
        ("9", "Năm thành lập", "invalid-year"),
    ]
    assert lines[1]["reason"].startswith("duplicate of line 3:")
    assert lines[0]["value"] == bad_check_digit(tax(3))
    assert "check digit" in lines[0]["reason"]
    assert result.errors[0].line == 4
    assert "4 rows were rejected" in result.summary()
    assert "(by line of the file: the header is line 2)" in result.summary()


async def test_english_xlsx_with_numeric_cells(engine: AsyncEngine, tmp_path: Path) -> None:
    code = tax(7)
    assert code.startswith("0")
    rows: list[Sequence[object]] = [
        EN_HEADER,
        [int(code), "Lai Chau Tea Company", None, 40, "lc-tp-w02", True, False, 1, 2020],
        [tax(8), "Tây Bắc Hydro JSC", "Sìn Hồ", 26.0, "", "yes", "no", "x", None],
    ]
    path = write_xlsx(tmp_path / "register.xlsx", rows)
    result = await run(engine, path)
    assert (result.rows_read, result.inserted, result.rejected) == (2, 2, 0)
    row = await stored(engine, code)  # the lost leading zero is put back
    assert (row.name, row.address, row.employees, row.founded_year) == (
        "Lai Chau Tea Company", None, 40, 2020,
    )  # fmt: skip
    assert row.ward_unit_id == await unit_id(engine, "LC-TP-W02")  # matched ignoring case
    assert (row.pays_union_fee, row.has_party_cell, row.in_industrial_zone) == (True, False, True)
    other = await stored(engine, tax(8))
    assert (other.employees, other.ward_unit_id, other.pays_union_fee) == (26, None, True)

    again = await run(engine, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


async def test_reimport_changes_nothing_and_a_change_is_an_update(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    header = ["Mã số thuế", "Tên doanh nghiệp", "Số lao động", "Mã phường", "Trong KCN"]
    rows = [[tax(i), f"Công ty Số {i}", i * 10, "LC-TP-W01", "x" if i % 2 else ""]
            for i in range(1, 31)]  # fmt: skip
    path = write_csv(tmp_path / "dn.csv", [header, *rows])
    first = await run(engine, path, batch_size=7)
    assert (first.inserted, first.updated, first.unchanged) == (30, 0, 0)
    stamps = {code: (await stored(engine, code)).updated_at for code in (tax(1), tax(2))}

    again = await run(engine, path, batch_size=7)
    assert (again.rows_read, again.inserted, again.updated, again.unchanged) == (30, 0, 0, 30)
    for code, stamp in stamps.items():
        assert (await stored(engine, code)).updated_at == stamp

    rows[1][2] = 999  # tax(2): a new head count
    rows.append([tax(40), "Công ty Mới", 5, "", ""])
    changed = await run(engine, write_csv(tmp_path / "dn2.csv", [header, *rows]))
    assert (changed.inserted, changed.updated, changed.unchanged) == (1, 1, 29)
    assert (await stored(engine, tax(2))).employees == 999
    assert (await stored(engine, tax(2))).updated_at > stamps[tax(2)]
    assert (await stored(engine, tax(1))).updated_at == stamps[tax(1)]

    # A file without the head-count column leaves the head counts alone.
    names_only = write_csv(tmp_path / "names.csv", [["MST", "Tên DN"], [tax(2), "Công ty Số 2"]])
    result = await run(engine, names_only)
    assert (result.updated, result.unchanged) == (0, 1)
    assert (await stored(engine, tax(2))).employees == 999


async def test_demo_register_reimported_unchanged(engine: AsyncEngine, tmp_path: Path) -> None:
    """The demo's own enterprises, exported and imported back, are all unchanged."""
    async with engine.connect() as conn:
        units = dict((await conn.execute(select(Unit.id, Unit.code))).all())
        enterprises = (await conn.execute(select(Enterprise))).all()
    header = ["tax_code", "name", "address", "employees", "ward_code", "pays_union_fee",
              "has_party_cell", "in_industrial_zone", "founded_year"]  # fmt: skip
    rows: list[Sequence[object]] = [header]
    for e in enterprises:
        rows.append([e.tax_code, e.name, e.address or "", e.employees, units[e.ward_unit_id],
                     int(e.pays_union_fee), int(e.has_party_cell), int(e.in_industrial_zone),
                     e.founded_year])  # fmt: skip
    result = await run(engine, write_csv(tmp_path / "demo.csv", rows))
    assert (result.inserted, result.updated, result.rejected) == (0, 0, 0)
    assert result.unchanged == len(enterprises)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        ("Mã số thuế,Tên doanh nghiệp\r\n".encode(), "no data rows"),
        ("\ufeffMST;Tên DN\n\n;\n".encode(), "no data rows"),
    ],
)
async def test_empty_files_are_refused(
    engine: AsyncEngine, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    before = await count(engine)
    with pytest.raises(ImportFileError, match=message):
        await run(engine, path)
    assert await count(engine) == before


async def test_wrong_encoding_writes_nothing(engine: AsyncEngine, tmp_path: Path) -> None:
    """Windows-1258 bytes after many good rows: refused before the first batch is written."""
    path = tmp_path / "cp1258.csv"
    good = [f"{tax(i)},Công ty Số {i}\r\n" for i in range(1, 60)]
    path.write_bytes(
        "Mã số thuế,Tên doanh nghiệp\r\n".encode()
        + "".join(good).encode()
        + cp1258(f"{tax(70)},Công ty Hòa Bình\r\n")
    )
    before = await count(engine)
    report = tmp_path / "errors.csv"
    with pytest.raises(ImportFileError, match=r"not UTF-8 text .*line 61.*CSV UTF-8"):
        await run(engine, path, batch_size=10, report_path=report)
    assert await count(engine) == before
    assert not report.exists()


async def test_broken_csv_midway_rolls_back(engine: AsyncEngine, tmp_path: Path) -> None:
    """A fatal error after some batches were written: the transaction is rolled back."""
    path = tmp_path / "huge.csv"
    huge = "x" * (csv.field_size_limit() + 1)  # a field longer than the csv module reads
    lines = ["MST,Tên DN"] + [f"{tax(i)},Công ty {i}" for i in range(1, 40)] + [f"1,{huge}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = await count(engine)
    with pytest.raises(ImportFileError, match="line 41: not valid CSV"):
        await run(engine, path, batch_size=5)
    assert await count(engine) == before


async def test_missing_required_header(engine: AsyncEngine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dn.csv", [["Tên DN", "Địa chỉ"], ["Công ty A", "Hà Nội"]])
    with pytest.raises(ImportFileError) as error:
        await run(engine, path)
    message = str(error.value)
    assert "'Mã số thuế'" in message and "MST" in message
    assert "headers found: 'Tên DN', 'Địa chỉ'" in message
    assert "\n" not in message


async def test_unknown_extension_and_missing_file(engine: AsyncEngine, tmp_path: Path) -> None:
    path = tmp_path / "register.ods"
    path.write_bytes(b"x")
    with pytest.raises(ImportFileError, match=r"unknown file type '\.ods'"):
        await run(engine, path)
    with pytest.raises(ImportFileError, match="no such file"):
        await run(engine, tmp_path / "nope.csv")


async def index_names(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql("PRAGMA index_list('enterprises')")).all()
    return sorted(row[1] for row in rows)


async def test_first_load_into_an_empty_register(engine: AsyncEngine, tmp_path: Path) -> None:
    """On SQLite the secondary indexes are rebuilt at the end: after success and failure."""
    async with engine.begin() as conn:
        await conn.execute(Enterprise.__table__.delete())
    indexes = await index_names(engine)
    assert "ix_enterprises_search_key" in indexes and "ix_enterprises_ward_unit_id" in indexes

    huge = "x" * (csv.field_size_limit() + 1)
    lines = ["MST,Tên DN"] + [f"{tax(i)},Công ty {i}" for i in range(1, 30)] + [f"1,{huge}"]
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError):
        await run(engine, broken, batch_size=4)
    assert await count(engine) == 0
    assert await index_names(engine) == indexes

    seen: list[int] = []
    good = write_csv(tmp_path / "good.csv", [line.split(",") for line in lines[:-1]])
    result = await run(engine, good, batch_size=4, progress=seen.append)
    assert (result.inserted, await count(engine)) == (29, 29)
    assert seen == [4, 8, 12, 16, 20, 24, 28, 29]
    assert await index_names(engine) == indexes
    async with engine.connect() as conn:
        plan = (
            await conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM enterprises WHERE search_key = 'cong ty 7'"
            )
        ).all()
    assert "ix_enterprises_search_key" in str(plan)


def test_clean_texts_is_split_join_nfc() -> None:
    rng = random.Random(3)
    pieces = [" ", "  ", "\t", "\n", "a", "ế", "e\u0301", "\u00a0", "\u2003", "\x1f", "¦", "\x85"]
    for _ in range(3000):
        raws = [
            "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
            for _ in range(rng.randint(1, 4))
        ]
        expected = [unicodedata.normalize("NFC", " ".join(raw.split())) for raw in raws]
        assert _clean_texts(raws) == expected, raws
    # The batch check relies on every whitespace character but the space being unprintable.
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() and chr(c) != " "]
    assert not any(char.isprintable() for char in spaces)


def test_fast_tax_code_agrees_with_parse_tax_code() -> None:
    rng = random.Random(7)
    samples = [tax(i, "01") for i in range(1, 40)]
    samples += [s + suffix for s in samples for suffix in ("-001", "000", "1")]
    for _ in range(3000):
        size = rng.choice((9, 10, 13, 14))
        samples.append("".join(rng.choice("0123456789") for _ in range(size)))
    samples += [" 0100109106 ", "0100.109.106", "01001091O6", "０１００１０９１０６", "0100000000"]
    for sample in [*samples, ""]:
        parsed = parse_tax_code(sample)
        expected = parsed.value if isinstance(parsed, Valid) else None
        assert fast_tax_code(sample) == expected, sample


def test_header_aliases_are_unambiguous() -> None:
    # services/data/register_headers.csv names only the fields the import reads.
    assert set(ENTERPRISE_HEADERS) == {
        "tax_code", "name", "address", "employees", "ward_code", "ward_name",
        "pays_union_fee", "has_party_cell", "in_industrial_zone", "founded_year",
    }  # fmt: skip
    assert set(UNIT_HEADERS) == {"code", "name", "kind", "parent_code"}
    for table in (ENTERPRISE_HEADERS, UNIT_HEADERS):
        fields: dict[str, str] = {}
        for name, aliases in table.items():
            for alias in aliases:
                assert fields.setdefault(normalize_search_key(alias), name) == name, alias


async def test_nul_bytes_are_refused(engine: AsyncEngine, tmp_path: Path) -> None:
    path = tmp_path / "utf16.csv"
    path.write_bytes("MST,Tên DN\n0100109106,A\n".encode("utf-16-le"))  # no byte-order mark
    with pytest.raises(ImportFileError, match="NUL bytes"):
        await run(engine, path)


async def test_utf16_with_bom_and_semicolons(engine: AsyncEngine, tmp_path: Path) -> None:
    """Excel's "Unicode Text" is UTF-16 with a BOM and tabs; some exports use semicolons."""
    tabs = tmp_path / "unicode.txt"
    tabs.write_bytes(f"MST\tTên DN\n{tax(1)}\tCông ty Một\n".encode("utf-16"))
    semicolons = write_csv(tmp_path / "semi.csv", [])
    semicolons.write_text(f"Mã số thuế;Tên doanh nghiệp\n{tax(2)};Công ty Hai, Ba\n")
    assert (await run(engine, tabs)).inserted == 1
    assert (await run(engine, semicolons)).inserted == 1
    assert (await stored(engine, tax(2))).name == "Công ty Hai, Ba"


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------


async def test_import_units(engine: AsyncEngine, tmp_path: Path) -> None:
    rows = [
        ["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên"],
        ["LC-TP-W07", "Công đoàn phường Tân Phong 2", "Công đoàn xã, phường", "LC-TP"],
        ["CS-NEW", "CĐCS Công ty May", "CĐCS", "LC-TP-W07"],  # parent created by this file
        ["LC-TP-W01", "Công đoàn xã, phường Tân Phong", "ward_union", "LC-TD"],  # re-parented
        ["X-1", "Đơn vị lạ", "câu lạc bộ", "LC"],  # unknown kind
        ["X-2", "Đơn vị mồ côi", "ward_union", "NOWHERE"],  # unknown parent
        ["X-3", "Con của đơn vị lạ", "grassroots_union", "X-1"],  # parent rejected
        ["LC", "LĐLĐ tỉnh Lai Châu", "provincial_federation", "LC-TP-W07"],  # a cycle
    ]
    report = tmp_path / "units-errors.csv"
    async with engine.begin() as conn:
        result = await import_units(conn, write_csv(tmp_path / "u.csv", rows), report_path=report)
    assert (result.rows_read, result.inserted, result.updated, result.rejected) == (7, 2, 1, 4)
    async with engine.connect() as conn:
        parents = dict(
            (await conn.execute(select(Unit.code, Unit.parent_id))).all()
        )  # fmt: skip
        ids = dict((await conn.execute(select(Unit.code, Unit.id))).all())
    assert parents["LC-TP-W01"] == ids["LC-TD"]
    assert parents["CS-NEW"] == ids["LC-TP-W07"]
    assert parents["LC"] is None
    assert "X-1" not in ids and "X-2" not in ids and "X-3" not in ids
    keys = [(e["line"], e["reason_key"]) for e in read_report(report)]
    assert keys == [
        ("5", "unknown-unit-kind"),
        ("6", "unknown-parent"),
        ("7", "parent-rejected"),
        ("8", "unit-cycle"),
    ]
    cycle = next(e for e in result.errors if e.reason_key == "unit-cycle")
    assert "LC → LC-TP-W07 → LC-TP → LC" in cycle.reason

    async with engine.begin() as conn:
        again = await import_units(conn, write_csv(tmp_path / "u.csv", rows[:4]))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="doanvien")
    add_import_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


async def test_run_import_command(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=sqlite_url(db_path), _env_file=None)  # type: ignore[call-arg]
    path = write_csv(
        tmp_path / "dn.csv",
        [["MST", "Tên DN"], [tax(1), "Công ty Một"], [bad_check_digit(tax(2)), "Công ty Hai"]],
    )
    assert await run_import(parse("import", "enterprises", str(path)), settings) == 0
    out = capsys.readouterr()
    assert "1 inserted" in out.out and "1 rejected" in out.out
    assert "line 3, MST" in out.out
    assert out.err == ""  # no progress bar: stderr is not a terminal
    assert (tmp_path / "dn.csv.errors.csv").exists()

    clean = write_csv(tmp_path / "clean.csv", [["MST", "Tên DN"], [tax(1), "Công ty Một"]])
    assert await run_import(parse("import", "enterprises", str(clean)), settings) == 0
    assert "1 unchanged" in capsys.readouterr().out
    assert not (tmp_path / "clean.csv.errors.csv").exists()

    broken = tmp_path / "broken.csv"
    broken.write_bytes(cp1258("MST,Tên DN\n0100109106,Hòa Bình\n"))
    assert await run_import(parse("import", "enterprises", str(broken)), settings) == 1
    out = capsys.readouterr()
    assert out.err.count("\n") == 1 and "not UTF-8 text" in out.err
    assert "Traceback" not in out.err

    units = write_csv(tmp_path / "u.csv", [["code", "name", "kind", "parent_code"],
                                           ["LC-NEW", "CĐ mới", "sector_union", "LC"]])  # fmt: skip
    report = tmp_path / "u-report.csv"
    args = parse("import", "units", str(units), "--report", str(report))
    assert await run_import(args, settings) == 0
    assert "units: 1 data rows read: 1 inserted" in capsys.readouterr().out
    assert report.exists()  # asked for: written even when empty


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_import_on_postgres(pg_url: str, tmp_path: Path) -> None:
    await upgrade_async(pg_url)
    engine = create_engine(pg_url)
    try:
        async with engine.begin() as conn:
            from sqlalchemy.ext.asyncio import AsyncSession

            async with AsyncSession(bind=conn) as session:
                await upsert_units(session, unit_rows())
        header = ["Mã số thuế", "Tên doanh nghiệp", "Số lao động", "Mã phường", "Có chi bộ Đảng"]
        rows = [[tax(i), f"Công ty Số {i}", i, "LC-MT-W01", "có"] for i in range(1, 21)]
        rows.append([tax(1), "Trùng", 1, "", ""])
        path = write_csv(tmp_path / "dn.csv", [header, *rows])
        first = await run(engine, path, batch_size=6)
        assert (first.inserted, first.rejected) == (20, 1)
        stamp = (await stored(engine, tax(3))).updated_at
        assert isinstance(stamp, datetime)

        again = await run(engine, path, batch_size=6)
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, 20)
        assert (await stored(engine, tax(3))).updated_at == stamp

        rows[2][2] = 300
        changed = await run(engine, write_csv(tmp_path / "dn2.csv", [header, *rows]))
        assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 19)
        row = await stored(engine, tax(3))
        assert (row.employees, row.has_party_cell) == (300, True)
        assert row.updated_at > stamp

        bad = tmp_path / "bad.csv"
        bad.write_bytes(b"MST,Name\n" + cp1258("0100109106,Hòa Bình\n"))
        with pytest.raises(ImportFileError):
            await run(engine, bad)
        assert await count(engine) == 20
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_first_load_on_postgres_puts_everything_back(pg_url: str, tmp_path: Path) -> None:
    """A first load drops the secondary indexes and the word triggers: a load that fails
    midway (and is committed anyway) and one that succeeds both leave them as they were."""
    await upgrade_async(pg_url)
    engine = create_engine(pg_url)
    shape = (
        "SELECT (SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes "
        "WHERE tablename = 'enterprises' AND schemaname = current_schema()), "
        "(SELECT string_agg(tgname::text || tgenabled::text, ' ' ORDER BY tgname) FROM pg_trigger "
        "WHERE tgrelid = 'enterprises'::regclass AND NOT tgisinternal)"
    )
    try:
        async with engine.connect() as conn:
            before = (await conn.exec_driver_sql(shape)).one()
        huge = "x" * (csv.field_size_limit() + 1)
        lines = ["MST,Tên DN"] + [f"{tax(i)},Công ty {i}" for i in range(1, 30)] + [f"1,{huge}"]
        broken = tmp_path / "broken.csv"
        broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
        async with engine.connect() as conn:
            with pytest.raises(ImportFileError):
                await import_enterprises(conn, broken, batch_size=4)
            await conn.commit()  # against the advice, the rows written so far stay
            assert (await conn.exec_driver_sql(shape)).one() == before
            words = "SELECT count(DISTINCT rank_key) FROM enterprise_words"
            assert (await conn.exec_driver_sql(words)).scalar() == 28
        good = write_csv(tmp_path / "good.csv", [line.split(",") for line in lines[:-1]])
        async with engine.connect() as conn:
            await conn.exec_driver_sql("DELETE FROM enterprises")
            await conn.commit()
        result = await run(engine, good, batch_size=4)
        assert (result.inserted, await count(engine)) == (29, 29)
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql(shape)).one() == before
            assert (await conn.exec_driver_sql(words)).scalar() == 29
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------------------------
# Registers in other layouts: header synonyms, yes/no spellings, the ward by name
# --------------------------------------------------------------------------------------------

OTHER_HEADER = [
    "STT",
    "Mã số thuế",
    "Tên doanh nghiệp",
    "Lao động",
    "Phường/Xã",
    "Đã đóng KPCĐ",
    "Có tổ chức Đảng",
    "Năm thành lâp DN",  # a typo: ignored, with a warning
    "Ghi chú",
]


async def add_second_tan_phong(engine: AsyncEngine) -> None:
    from services.units import UnitRow

    async with engine.begin() as conn, AsyncSession(bind=conn) as session:
        await upsert_units(
            session, [UnitRow("LC-TD-W09", "Công đoàn phường Tân Phong", "ward_union", "LC-TD")]
        )
        await session.flush()


async def test_a_register_in_another_layout_keeps_its_meaning(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await add_second_tan_phong(engine)
    rows: list[Sequence[object]] = [
        OTHER_HEADER,
        [1, tax(1), "Công ty Một", "40", "xã Bum Tở", "Đã đóng", "x", "2010", ""],
        [2, tax(2), "Công ty Hai", "12", "P. Đông Phong", "Chưa", "Không", "", ""],
        [3, tax(3), "Công ty Ba", "30", "lc-tp-w04", "TRUE", "No", "", "a ward code"],
        [4, tax(4), "Công ty Bốn", "8", "Phường Tân Phong", "Yes", "1", "", "two wards"],
        [5, tax(5), "Công ty Năm", "9", "Phường Không Có", "0", "có", "", ""],
        [6, tax(6), "Công ty Sáu", "7", "", "FALSE", "Có", "", "no ward"],
    ]
    report = tmp_path / "errors.csv"
    result = await run(engine, write_csv(tmp_path / "dn.csv", rows), report_path=report)

    assert (result.inserted, result.rejected) == (4, 2)
    one = await stored(engine, tax(1))
    assert (one.employees, one.pays_union_fee, one.has_party_cell) == (40, True, True)
    assert one.ward_unit_id == await unit_id(engine, "LC-MT-W02")
    two = await stored(engine, tax(2))
    assert (two.pays_union_fee, two.has_party_cell) == (False, False)
    assert two.ward_unit_id == await unit_id(engine, "LC-TP-W02")
    three = await stored(engine, tax(3))
    assert (three.ward_unit_id, three.pays_union_fee) == (await unit_id(engine, "LC-TP-W04"), True)
    six = await stored(engine, tax(6))
    assert (six.ward_unit_id, six.has_party_cell) == (None, True)

    lines = read_report(report)
    assert [(e["column"], e["value"], e["reason_key"]) for e in lines] == [
        ("Phường/Xã", "Phường Tân Phong", "ambiguous-ward-name"),
        ("Phường/Xã", "Phường Không Có", "unknown-ward-name"),
    ]
    assert "LC-TD-W09, LC-TP-W01" in lines[0]["reason"]
    assert result.ignored_columns == ["STT", "Năm thành lâp DN", "Ghi chú"]
    assert result.warnings == [
        "column 'Năm thành lâp DN' was ignored although it looks like 'Năm thành lập' "
        "(founded_year); rename it to 'Năm thành lập' to import it"
    ]
    assert "warning: column 'Năm thành lâp DN' was ignored" in result.summary()


async def test_an_xlsx_register_with_ward_names_and_codes(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    rows: list[Sequence[object]] = [
        ["MST", "Tên DN", "Số LĐ", "Mã phường", "Xã/Phường", "Tổ chức Đảng", "KPCĐ", "Trong KCN"],
        [tax(1), "Công ty Một", 40, "LC-SH-W02", "Tân Phong", True, "Yes", "✓"],
        [tax(2), "Công ty Hai", 26, None, "Thị trấn Than Uyên", False, "Không", None],
    ]
    result = await run(engine, write_xlsx(tmp_path / "dn.xlsx", rows))
    assert (result.inserted, result.rejected, result.warnings) == (2, 0, [])
    one = await stored(engine, tax(1))  # the code wins over the name
    assert one.ward_unit_id == await unit_id(engine, "LC-SH-W02")
    assert (one.has_party_cell, one.pays_union_fee, one.in_industrial_zone) == (True, True, True)
    two = await stored(engine, tax(2))
    assert two.ward_unit_id == await unit_id(engine, "LC-THU-W01")
    assert (two.has_party_cell, two.pays_union_fee, two.in_industrial_zone) == (False, False, False)


def test_yes_and_no_spellings_are_data() -> None:
    from services.datafiles import read_table
    from services.register_import import _boolean

    for record in read_table("yes_no.csv"):
        for spelling in (record["value"], record["value"].upper(), f" {record['value']} "):
            assert _boolean(spelling) is (record["meaning"] == "yes"), spelling
    with pytest.raises(Exception, match="invalid-boolean"):
        _boolean("có lẽ")
    with pytest.raises(Exception, match="invalid-boolean"):
        _boolean("?")
