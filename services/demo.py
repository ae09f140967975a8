"""Demo data: the Lai Châu units of plan 277/KH-LĐLĐ and generated enterprises in their wards."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.vn import mst

from models import Enterprise, Unit, UnitKind
from models.db import dialect_name, upsert
from services.datafiles import read_table
from services.units import UnitRow, upsert_units
from services.validation import normalize_search_key

ROOT = UnitRow("LC", "LĐLĐ tỉnh Lai Châu", UnitKind.PROVINCIAL_FEDERATION)
# A few real communes (xã), wards (phường) and towns (thị trấn) of each district as they were
# under plan 277 (2021), enough to route demo applications.
WARDS: dict[str, list[tuple[str, str]]] = {
    "LC-TP": [
        ("phường", "Tân Phong"),
        ("phường", "Đông Phong"),
        ("phường", "Quyết Thắng"),
        ("phường", "Quyết Tiến"),
        ("phường", "Đoàn Kết"),
        ("xã", "San Thàng"),
    ],
    "LC-TD": [("xã", "Bình Lư"), ("xã", "Bản Bo"), ("xã", "Sơn Bình")],
    "LC-TU": [("thị trấn", "Tân Uyên"), ("xã", "Mường Khoa"), ("xã", "Trung Đồng")],
    "LC-THU": [
        ("thị trấn", "Than Uyên"),
        ("xã", "Mường Than"),
        ("xã", "Mường Kim"),
        ("xã", "Phúc Than"),
    ],
    "LC-PT": [("thị trấn", "Phong Thổ"), ("xã", "Mường So"), ("xã", "Dào San")],
    "LC-SH": [("thị trấn", "Sìn Hồ"), ("xã", "Pa Tần"), ("xã", "Nậm Tăm")],
    "LC-NN": [("thị trấn", "Nậm Nhùn"), ("xã", "Nậm Hàng"), ("xã", "Mường Mô")],
    "LC-MT": [("thị trấn", "Mường Tè"), ("xã", "Bum Tở"), ("xã", "Ka Lăng")],
}
# The appendix of plan 277 says "LĐLĐ Thành phố" inside a Lai Châu table; out of it, a unit
# needs its full name.
FULL_NAMES = {"LC-TP": "LĐLĐ thành phố Lai Châu"}
TRADES = [
    "May",
    "Chè",
    "Gỗ",
    "Xây dựng",
    "Thủy điện",
    "Vận tải",
    "Khoáng sản",
    "Du lịch",
    "Cao su",
    "Thực phẩm",
    "Cơ khí",
    "Dược",
    "Nông sản",
    "Vật liệu",
    "Thương mại",
]
NAMES = [
    "Lai Châu",
    "Tây Bắc",
    "Hoàng Liên",
    "Sông Đà",
    "Phương Nam",
    "Minh Phát",
    "An Khang",
    "Hưng Thịnh",
    "Bình Minh",
    "Đại Phát",
    "Thành Công",
    "Hồng Hà",
    "Việt Tiến",
    "Phú Sơn",
]
FORMS = ["Công ty TNHH", "Công ty Cổ phần", "Doanh nghiệp tư nhân", "Công ty TNHH MTV"]
# A fixed first enterprise so the README's deep link works on every demo database.
SHOWCASE = ("Công ty TNHH May Lai Châu", "LC-TP", 180, True)


@dataclass(frozen=True, slots=True)
class DemoSummary:
    units: int
    enterprises: int
    with_grassroots_union: int
    showcase_tax_code: str


def tax_code(serial: int) -> str:
    """The `serial`-th well-formed MST with Lai Châu's province prefix 62."""
    return _tax_codes(serial)[serial - 1]


@cache
def _tax_codes(count: int) -> tuple[str, ...]:
    codes: list[str] = []
    body = 0
    while len(codes) < count:
        body += 1
        digits = f"62{body:07d}"
        check = mst.calc_check_digit(digits)
        if len(check) == 1:  # some bodies have no valid check digit
            codes.append(digits + check)
    return tuple(codes)


def unit_rows() -> list[UnitRow]:
    rows = [ROOT]
    for record in read_table("lai_chau_targets_2021_2023.csv"):
        code = record["unit_code"]
        name = FULL_NAMES.get(code, record["unit_name"])
        rows.append(UnitRow(code, name, record["unit_kind"], ROOT.code))
    for district, wards in WARDS.items():
        for index, (kind, ward) in enumerate(wards, start=1):
            rows.append(
                UnitRow(
                    f"{district}-W{index:02d}",
                    f"Công đoàn {kind} {ward}",
                    UnitKind.WARD_UNION,
                    district,
                )
            )
    return rows


PLACE_OF_WARD = {
    f"{district}-W{index:02d}": ward
    for district, wards in WARDS.items()
    for index, (_, ward) in enumerate(wards, start=1)
}


async def load_demo(session: AsyncSession, enterprises: int = 300, seed: int = 2026) -> DemoSummary:
    """Idempotent: running it twice leaves the same data."""
    rng = random.Random(seed)
    rows = unit_rows()
    await upsert_units(session, rows)
    wards = [r.code for r in rows if r.kind == UnitKind.WARD_UNION]
    by_code = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    grassroots: list[UnitRow] = []
    records: list[dict[str, object]] = []
    for serial in range(1, enterprises + 1):
        if serial == 1:
            name, district, employees, has_union = SHOWCASE
            ward = f"{district}-W01"
        else:
            name = f"{rng.choice(FORMS)} {rng.choice(TRADES)} {rng.choice(NAMES)} {serial}"
            ward = rng.choice(wards)
            employees = rng.choice([4, 8, 12, 18, 26, 40, 75, 120, 300])
            has_union = rng.random() < 0.3
        code = tax_code(serial)
        union_code = f"CS-{code}"
        if has_union:
            grassroots.append(UnitRow(union_code, f"CĐCS {name}", UnitKind.GRASSROOTS_UNION, ward))
        records.append(
            {
                "tax_code": code,
                "name": name,
                "search_key": normalize_search_key(name),
                "address": f"{PLACE_OF_WARD[ward]}, Lai Châu",
                "ward_unit_id": by_code[ward].id,
                "employees": employees,
                "pays_union_fee": rng.random() < 0.4,
                "has_party_cell": rng.random() < 0.2,
                "in_industrial_zone": rng.random() < 0.25,
                "founded_year": rng.randint(2005, 2024),
                "_union": union_code if has_union else None,
            }
        )
    await upsert_units(session, grassroots)
    by_code = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    for record in records:
        union = record.pop("_union")
        record["grassroots_union_id"] = by_code[str(union)].id if union else None
    columns = [c for c in records[0] if c != "tax_code"]
    dialect = dialect_name(session)
    for start in range(0, len(records), 200):
        await session.execute(
            upsert(
                dialect,
                Enterprise.__table__,  # type: ignore[arg-type]
                records[start : start + 200],
                ["tax_code"],
                columns,
            )
        )
    return DemoSummary(len(rows) + len(grassroots), len(records), len(grassroots), tax_code(1))
