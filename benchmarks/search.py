"""Workplace search over a city-sized register, against the LIKE scan it replaces.

    python benchmarks/search.py [--rows N] [--runs R] [--no-postgres] [--no-sqlite]
        [--slowest K] [--keep-pg NAME]

Generates N enterprises (default 250,000, Hà Nội's register) with varied names: company
forms, a hundred sectors, two-syllable brand names, places, personal names, foreign groups;
valid tax codes, one in ten a branch (``-001``); wards; workers spread like a real register.
Loads them into a fresh migrated SQLite file and, when PostgreSQL answers on 127.0.0.1:5432,
into a fresh database there (bulk inserts, the search index built by the migration's
triggers or in one pass). Then runs a fixed mix of 200 queries, R times each, through
``services.search.search_enterprises`` and through the LIKE scan it replaced: common words,
rare words, tax-code prefixes, misspellings, no-hit queries, a quarter of them with a ward
"near" the person, and 50 known-answer queries (an exact name as typed, folded, with a
wrong letter or a wrong diacritic; a tax code, a branch's with and without its dash).

Prints one JSON line: p50/p99/max in ms per backend and for the LIKE scan, and how many
known-answer queries got the expected enterprise first. ``--slowest K`` also prints the K
slowest samples of each backend to stderr (query, ward, ms); ``--keep-pg NAME`` loads the
PostgreSQL database NAME only if it does not exist yet and keeps it, to iterate on the
search without reloading (drop it by hand).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.vn import mst

from models import Enterprise
from models.db import create_engine
from models.migrate import upgrade
from services.search import SETTLE_POSTGRES, VACUUM_POSTGRES, bulk_load, search_enterprises
from services.validation import looks_like_tax_code, normalize_search_key

PG_ADMIN = os.environ.get("TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
WARDS = 500

FORMS = [
    ("Công ty TNHH", 40),
    ("Công ty TNHH MTV", 10),
    ("Công ty Cổ phần", 20),
    ("Doanh nghiệp tư nhân", 8),
    ("Hợp tác xã", 4),
    ("Công ty TNHH Một thành viên", 5),
    ("Chi nhánh Công ty TNHH", 5),
    ("Công ty Hợp danh", 1),
    ("Chi nhánh Công ty Cổ phần", 3),
    ("Văn phòng đại diện", 2),
]
SECTORS = [
    "May mặc",
    "Xây dựng",
    "Thương mại và Dịch vụ",
    "Đầu tư",
    "Thực phẩm",
    "Cơ khí",
    "Điện tử",
    "Vận tải",
    "Logistics",
    "Công nghệ",
    "Nhựa",
    "Bao bì",
    "In ấn",
    "Dệt may",
    "Giày da",
    "Gỗ",
    "Nội thất",
    "Xuất nhập khẩu",
    "Du lịch",
    "Khách sạn",
    "Nhà hàng",
    "Dược phẩm",
    "Thiết bị y tế",
    "Vật liệu xây dựng",
    "Bất động sản",
    "Môi trường",
    "Nông nghiệp",
    "Thủy sản",
    "Chè",
    "Cao su",
    "Điện lạnh",
    "Phần mềm",
    "Giáo dục",
    "Tư vấn",
    "Kế toán",
    "Dịch vụ bảo vệ",
    "Vệ sinh công nghiệp",
    "Thép",
    "Kính",
    "Hóa chất",
    "Sơn",
    "Ô tô",
    "Xe máy",
    "Linh kiện điện tử",
    "Cơ điện",
    "Thiết bị điện",
    "Viễn thông",
    "Quảng cáo",
    "Truyền thông",
    "Sản xuất và Thương mại",
    "Kỹ thuật",
    "Phát triển nhà",
    "Cấp thoát nước",
    "Chiếu sáng",
    "Đồ uống",
    "Bánh kẹo",
    "Nước giải khát",
    "Mỹ phẩm",
    "Thời trang",
    "Dược liệu",
    "Phân bón",
    "Thức ăn chăn nuôi",
    "Lương thực",
    "Gạch men",
    "Xi măng",
    "Đá ốp lát",
    "Hàng không",
    "Giao nhận",
    "Kho vận",
    "Sửa chữa",
    "Thiết kế",
    "Kiến trúc",
    "Trang trí",
    "Điện nước",
    "Năng lượng",
    "Năng lượng mặt trời",
    "Khoáng sản",
    "Thủy điện",
    "Lâm sản",
    "Tre nứa",
    "Mây tre đan",
    "Gốm sứ",
    "Thủ công mỹ nghệ",
    "Vàng bạc",
    "Đá quý",
    "Y tế",
    "Nha khoa",
    "Thú y",
    "Bảo hiểm",
    "Tài chính",
    "Chứng khoán",
    "Nhân lực",
    "Việc làm",
    "Đào tạo",
    "Ngoại ngữ",
    "Tin học",
    "Dữ liệu",
    "Thương mại điện tử",
    "Siêu thị",
    "Bán lẻ",
    "Phân phối",
]
SYLL = [
    "An",
    "Bình",
    "Minh",
    "Phát",
    "Thịnh",
    "Hưng",
    "Long",
    "Phú",
    "Quý",
    "Tài",
    "Đức",
    "Thành",
    "Công",
    "Việt",
    "Hoàng",
    "Gia",
    "Khang",
    "Hòa",
    "Hải",
    "Sơn",
    "Hà",
    "Nam",
    "Bắc",
    "Tân",
    "Tiến",
    "Đạt",
    "Lộc",
    "Thuận",
    "Kim",
    "Ngọc",
    "Bảo",
    "Trường",
    "Xuân",
    "Thu",
    "Hồng",
    "Lan",
    "Mai",
    "Sao",
    "Ánh",
    "Dương",
    "Quang",
    "Huy",
    "Vinh",
    "Nhật",
    "Tâm",
    "Thiên",
    "Đại",
    "Hợp",
    "Nhất",
    "Trí",
    "Nghĩa",
    "Tín",
    "Thái",
    "Trung",
    "Đông",
    "Tây",
    "Phương",
    "Hoa",
    "Cường",
    "Dũng",
    "Hùng",
    "Kiên",
    "Lực",
    "Mạnh",
    "Phong",
    "Vân",
    "Vũ",
    "Lâm",
    "Tùng",
    "Bách",
    "Cúc",
    "Đào",
    "Liên",
    "Sen",
    "Trúc",
    "Quỳnh",
    "Châu",
    "Anh",
    "Linh",
    "Hạnh",
    "Hiền",
    "Thảo",
    "Uyên",
    "Yến",
    "Khánh",
    "Hân",
    "Duy",
    "Khoa",
    "Nguyên",
    "Phúc",
    "Toàn",
    "Thắng",
    "Lợi",
    "Vượng",
    "Thăng",
    "Tường",
    "Thông",
    "Định",
    "Hiệp",
    "Hậu",
    "Nhân",
    "Lễ",
    "Trọng",
    "Đoàn",
    "Kết",
    "Hữu",
    "Chính",
    "Cát",
    "Tường",
    "Sáng",
    "Tạo",
    "Mới",
    "Xanh",
    "Đỏ",
    "Vàng",
    "Bạc",
    "Ngân",
    "Phượng",
    "Rồng",
    "Hổ",
    "Ưng",
    "Hạc",
    "Sông",
    "Núi",
    "Biển",
    "Đồng",
    "Trời",
    "Đất",
    "Quốc",
    "Tế",
    "Toàn",
    "Cầu",
    "Hoàn",
    "Mỹ",
    "Thiện",
    "Chí",
    "Quyết",
    "Tâm",
    "Đạo",
    "Nhiên",
    "Triều",
    "Khải",
    "Hào",
    "Hiển",
    "Doanh",
    "Vĩnh",
    "Cửu",
    "Thuần",
    "Khiết",
    "Diệu",
    "Kỳ",
    "Lạc",
    "Hồng",
    "Âu",
    "Cơ",
    "Văn",
    "Lang",
    "Thiên",
    "Long",
    "Hòa",
    "Bình",
    "Tràng",
    "An",
]
PLACES = [
    "Hà Nội",
    "Thăng Long",
    "Sông Hồng",
    "Tây Hồ",
    "Cầu Giấy",
    "Đông Anh",
    "Gia Lâm",
    "Sóc Sơn",
    "Long Biên",
    "Hoàn Kiếm",
    "Ba Đình",
    "Hà Đông",
    "Thanh Xuân",
    "Hoàng Mai",
    "Đống Đa",
    "Hai Bà Trưng",
    "Nam Từ Liêm",
    "Bắc Từ Liêm",
    "Thanh Trì",
    "Mê Linh",
    "Sơn Tây",
    "Ba Vì",
    "Phúc Thọ",
    "Đan Phượng",
    "Hoài Đức",
    "Quốc Oai",
    "Thạch Thất",
    "Chương Mỹ",
    "Thanh Oai",
    "Thường Tín",
    "Phú Xuyên",
    "Ứng Hòa",
    "Mỹ Đức",
    "Việt Nam",
    "Miền Bắc",
    "Thủ Đô",
    "Hồ Gươm",
    "Kinh Bắc",
    "Bắc Ninh",
    "Hải Phòng",
    "Quảng Ninh",
    "Thái Nguyên",
    "Vĩnh Phúc",
    "Hưng Yên",
    "Hà Nam",
    "Nam Định",
    "Ninh Bình",
    "Thanh Hóa",
    "Nghệ An",
    "Đà Nẵng",
    "Sài Gòn",
    "Mekong",
    "Tây Nguyên",
    "Lai Châu",
    "Điện Biên",
    "Sơn La",
    "Hòa Bình",
    "Phú Thọ",
    "Tuyên Quang",
    "Yên Bái",
    "Lào Cai",
    "Hà Giang",
    "Cao Bằng",
    "Lạng Sơn",
    "Bắc Giang",
]
SURN = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Tạ",
    "Trịnh",
    "Mai",
    "Lương",
    "Đào",
    "Cao",
    "Chu",
    "Kiều",
]
MID = [
    "Văn",
    "Thị",
    "Đức",
    "Minh",
    "Quang",
    "Hữu",
    "Thanh",
    "Ngọc",
    "Xuân",
    "Thu",
    "Hồng",
    "Kim",
    "Bảo",
    "Gia",
    "Anh",
]
FOREIGN = [
    "Samsung",
    "Canon",
    "Foxconn",
    "Hanwha",
    "Toyota",
    "Honda",
    "Yamaha",
    "Panasonic",
    "Nidec",
    "Brother",
    "Kyocera",
    "Sumitomo",
    "Mitsubishi",
    "LG",
    "Hyundai",
    "Kumho",
    "Daewoo",
    "Pou Chen",
    "Taekwang",
    "Changshin",
    "Meiko",
    "Fuji",
    "Nitto",
    "Denso",
    "Bridgestone",
    "Heineken",
    "Unilever",
    "Nestle",
    "Jollibee",
    "Lotte",
    "Aeon",
    "Uniqlo",
    "Shinetsu",
    "Luxshare",
    "Goertek",
    "Amkor",
    "Intel",
    "Hoya",
    "Sharp",
    "Ricoh",
    "Seiko",
    "Sanyo",
]
FSUF = [
    "Việt Nam",
    "Electronics Việt Nam",
    "Vina",
    "Hà Nội",
    "Precision Việt Nam",
    "Industrial Việt Nam",
    "Vietnam Co",
    "Manufacturing Việt Nam",
]


def brand(r):
    return f"{r.choice(SYLL)} {r.choice(SYLL)}"


def person(r):
    return f"{r.choice(SURN)} {r.choice(MID)} {r.choice(SYLL)}"


def name(r):
    form = r.choices([f for f, _ in FORMS], [w for _, w in FORMS])[0]
    k = r.random()
    if form == "Doanh nghiệp tư nhân":
        rest = r.choice(
            [person(r), f"{r.choice(SECTORS)} {person(r)}", f"{r.choice(SECTORS)} {brand(r)}"]
        )
    elif form == "Hợp tác xã":
        rest = f"{r.choice(SECTORS)} {r.choice([brand(r), r.choice(PLACES)])}"
    elif k < 0.05:
        rest = f"{r.choice(FOREIGN)} {r.choice(FSUF)}"
    elif k < 0.40:
        rest = f"{r.choice(SECTORS)} {brand(r)}"
    elif k < 0.60:
        rest = brand(r)
    elif k < 0.72:
        rest = f"{brand(r)} {r.choice(PLACES)}"
    elif k < 0.84:
        rest = f"{r.choice(SECTORS)} {r.choice(PLACES)}"
    elif k < 0.92:
        rest = f"{r.choice(SECTORS)} và {r.choice(SECTORS)} {brand(r)}"
    else:
        rest = f"{brand(r)} {r.randint(1, 999)}"
    return f"{form} {rest}"


@dataclass(frozen=True)
class Row:
    id: int
    tax_code: str
    name: str
    ward: int
    employees: int


def generate(count: int, seed: int = 2026) -> list[Row]:
    rng = random.Random(seed)
    rows: list[Row] = []
    serial = 0
    while len(rows) < count:
        ward = rng.randint(1, WARDS)
        employees = max(1, int(rng.lognormvariate(2.3, 1.4)))
        if rows and rng.random() < 0.1:  # a branch of an earlier head office
            head = rows[rng.randrange(len(rows))]
            if "-" in head.tax_code:
                continue
            code = f"{head.tax_code}-{rng.randint(1, 20):03d}"
            title = f"Chi nhánh {head.name}"
        else:
            serial += 1
            body = f"01{serial:07d}"
            check = mst.calc_check_digit(body)
            if len(check) != 1:
                continue
            code, title = body + check, name(rng)
        rows.append(Row(len(rows) + 1, code, title, ward, employees))
    unique: dict[str, Row] = {}
    for row in rows:  # a branch code drawn twice: the first one stays
        unique.setdefault(row.tax_code, row)
    return [
        Row(i, r.tax_code, r.name, r.ward, r.employees)
        for i, r in enumerate(unique.values(), start=1)
    ]


@dataclass(frozen=True)
class Query:
    text: str
    near: tuple[int, ...] = ()
    expected: int | None = None  # the enterprise a person expects first


TONES = {"a": "áàảãạ", "o": "óòỏõọ", "e": "éèẻẽẹ", "i": "íìỉĩị", "u": "úùủũụ"}


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word))
    kind = rng.choice(("drop", "swap", "replace"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("bcdghklmnpqrstvx") + word[i + 1 :]


def wrong_tone(rng: random.Random, name: str) -> str | None:
    for i, ch in enumerate(name):
        for marks in TONES.values():
            if ch in marks:
                return name[:i] + rng.choice([m for m in marks if m != ch]) + name[i + 1 :]
    return None


def queries(rows: Sequence[Row], seed: int = 7) -> list[Query]:
    rng = random.Random(seed)
    keys = Counter(normalize_search_key(r.name) for r in rows)
    unique = [r for r in rows if keys[normalize_search_key(r.name)] == 1 and "-" not in r.tax_code]
    branches = [r for r in rows if "-" in r.tax_code]
    mix: list[Query] = []
    picks = rng.sample(unique, 45)
    for row in picks[:15]:
        mix.append(Query(row.name, expected=row.id))
    for row in picks[15:25]:
        mix.append(Query(normalize_search_key(row.name), expected=row.id))
    for row in picks[25:35]:  # a slip in the name's last (most distinctive) word
        words = row.name.split()
        longest = max(range(len(words)), key=lambda i: (len(words[i]) >= 4, i))
        words[longest] = typo(rng, words[longest])
        mix.append(Query(" ".join(words), expected=row.id))
    for row in picks[35:40]:
        mix.append(Query(wrong_tone(rng, row.name) or row.name, expected=row.id))
    for row in picks[40:45]:
        mix.append(Query(row.tax_code, expected=row.id))
    for row in rng.sample(branches, 5):
        text = row.tax_code if len(mix) % 2 else row.tax_code.replace("-", "")
        mix.append(Query(text, expected=row.id))
    common = [
        "công ty tnhh",
        "cổ phần",
        "thương mại",
        "xây dựng",
        "hà nội",
        "việt nam",
        "tnhh mtv",
        "công ty",
        "dịch vụ",
        "chi nhánh công ty tnhh",
        "công ty cổ phần",
        "doanh nghiệp tư nhân",
        "hợp tác xã",
        "sản xuất",
        "may mặc",
    ]
    for i in range(30):
        mix.append(Query(common[i % len(common)], near=(rng.randint(1, WARDS),) if i % 2 else ()))
    for i in range(30):
        row = rng.choice(rows)
        words = row.name.split()[-2:]
        near = (row.ward,) if i % 3 == 0 else ()
        mix.append(Query(" ".join(words), near=near))
    for i in range(30):
        row = rng.choice(rows)
        mix.append(Query(row.tax_code[: rng.randint(3, 9)], near=(row.ward,) if i % 4 else ()))
    for _ in range(30):
        row = rng.choice(rows)
        words = row.name.split()
        j = rng.randrange(len(words))
        if len(words[j]) >= 4:
            words[j] = typo(rng, words[j])
        mix.append(Query(" ".join(words[-3:])))
    no_hit = [
        "thực phẩm sao mai",
        "xyzzy",
        "công ty tnhh hợp tác xã",
        "cổ phần tư nhân",
        "samsung bánh kẹo",
        "qwerty uiop",
        "doanh nghiệp tư nhân cổ phần",
        "logistics chè",
        "vàng bạc phần mềm",
        "0999999",
    ]
    for i in range(30):
        mix.append(Query(no_hit[i % len(no_hit)], near=(rng.randint(1, WARDS),) if i % 2 else ()))
    assert len(mix) == 200
    return mix


async def like_scan(session: AsyncSession, query: str, limit: int = 5) -> list[int]:
    """The search this one replaced (services/register.py before migration 0013)."""
    text = query.strip()
    if looks_like_tax_code(text):
        digits = text.replace(" ", "")
        stmt = select(Enterprise.id).where(Enterprise.tax_code.startswith(digits, autoescape=True))
    else:
        words = normalize_search_key(text).split()
        if not words:
            return []
        stmt = select(Enterprise.id)
        for word in words:
            stmt = stmt.where(Enterprise.search_key.contains(word, autoescape=True))
    stmt = stmt.order_by(Enterprise.employees.desc().nulls_last(), Enterprise.name).limit(limit)
    return list(await session.scalars(stmt))


COLUMNS = (
    "id",
    "tax_code",
    "name",
    "search_key",
    "ward_unit_id",
    "employees",
    "pays_union_fee",
    "has_party_cell",
    "in_industrial_zone",
    "created_at",
    "updated_at",
)


def records(rows: Sequence[Row], ward_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    from models.base import utcnow

    now = utcnow()
    return [
        (
            r.id,
            r.tax_code,
            r.name,
            normalize_search_key(r.name),
            ward_ids[r.ward - 1],
            r.employees,
            False,
            False,
            False,
            now,
            now,
        )
        for r in rows
    ]


def ward_rows() -> list[tuple[Any, ...]]:
    """The city's federation (id 1) and its wards (ids 2..WARDS + 1)."""
    from models.base import utcnow

    now = utcnow()
    city = (1, "HN", "LĐLĐ thành phố Hà Nội", "provincial_federation", None, "ldld", now, now)
    wards = [
        (i + 1, f"W{i}", f"Phường {i}", "ward_union", 1, f"phuong {i}", now, now)
        for i in range(1, WARDS + 1)
    ]
    return [city, *wards]


UNIT_COLUMNS = ("id", "code", "name", "kind", "parent_id", "search_key", "created_at", "updated_at")
WARD_IDS = [i + 1 for i in range(1, WARDS + 1)]


def insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def load_sqlite(path: Path, rows: Sequence[Row]) -> tuple[str, float]:
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    start = time.perf_counter()
    engine = create_sync_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql(insert_sql("units", UNIT_COLUMNS), ward_rows())
        with bulk_load(conn):
            conn.exec_driver_sql(insert_sql("enterprises", COLUMNS), records(rows, WARD_IDS))
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return url, time.perf_counter() - start


def load_postgres(rows: Sequence[Row], keep: str | None = None) -> tuple[str, float, str]:
    import asyncpg  # type: ignore[import-untyped]

    name_ = keep or f"doanvien_bench_{uuid.uuid4().hex[:8]}"
    admin = PG_ADMIN.replace("postgresql+asyncpg", "postgresql")
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name_}"

    async def create() -> bool:
        conn = await asyncpg.connect(admin)
        found = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name_)
        if not found:
            await conn.execute(f'CREATE DATABASE "{name_}"')
        await conn.close()
        return not found

    if not asyncio.run(create()):
        upgrade(url)  # a kept database: migrated further if the branch adds a migration
        return url, 0.0, name_
    upgrade(url)
    start = time.perf_counter()

    async def fill() -> None:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        await conn.copy_records_to_table("units", columns=UNIT_COLUMNS, records=ward_rows())
        await conn.copy_records_to_table(
            "enterprises", columns=COLUMNS, records=records(rows, WARD_IDS)
        )
        await conn.execute(SETTLE_POSTGRES)  # as after `doanvien import enterprises`
        await conn.execute(VACUUM_POSTGRES)
        await conn.execute("ANALYZE")
        await conn.close()

    asyncio.run(fill())
    return url, time.perf_counter() - start, name_


def drop_postgres(name_: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(PG_ADMIN.replace("postgresql+asyncpg", "postgresql"))
        await conn.execute(f'DROP DATABASE IF EXISTS "{name_}" WITH (FORCE)')
        await conn.close()

    asyncio.run(drop())


async def measure(
    url: str, mix: Sequence[Query], runs: int, like_runs: int, slowest: int = 0
) -> dict[str, Any]:
    engine = create_engine(url)
    times: list[float] = []
    samples: list[tuple[float, Query]] = []
    like_times: list[float] = []
    known = like_known = 0
    async with AsyncSession(engine, expire_on_commit=False) as session:
        for query in mix:
            found = await search_enterprises(session, query.text, near=query.near)  # warm
            for _ in range(runs):
                start = time.perf_counter()
                await search_enterprises(session, query.text, near=query.near)
                times.append((time.perf_counter() - start) * 1000)
                samples.append((times[-1], query))
            session.expunge_all()
            if query.expected is not None and found and found[0].id == query.expected:
                known += 1
        for query in mix if like_runs else ():  # --like-runs 0: the search alone
            for _ in range(like_runs):
                start = time.perf_counter()
                ids = await like_scan(session, query.text)
                like_times.append((time.perf_counter() - start) * 1000)
            if query.expected is not None and ids and ids[0] == query.expected:
                like_known += 1
    await engine.dispose()
    for ms, query in sorted(samples, key=lambda sample: -sample[0])[:slowest]:
        print(f"{ms:8.2f} ms  {query.text!r} near={list(query.near)}", file=sys.stderr)
    expected = sum(q.expected is not None for q in mix)
    return {
        "search": summary(times) | {"known": f"{known}/{expected}"},
        "like": summary(like_times) | {"known": f"{like_known}/{expected}"} if like_times else {},
    }


def summary(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def postgres_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--like-runs", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--slowest", type=int, default=0, metavar="K")
    parser.add_argument("--keep-pg", metavar="NAME")
    args = parser.parse_args()
    start = time.perf_counter()
    rows = generate(args.rows)
    mix = queries(rows)
    out: dict[str, Any] = {
        "rows": len(rows),
        "queries": len(mix),
        "runs": args.runs,
        "generate_s": round(time.perf_counter() - start, 1),
    }
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="search-bench-") as folder:
            url, seconds = load_sqlite(Path(folder) / "bench.db", rows)
            out["sqlite_load_s"] = round(seconds, 1)
            if args.slowest:
                print("sqlite, slowest:", file=sys.stderr)
            result = asyncio.run(measure(url, mix, args.runs, args.like_runs, args.slowest))
            out["sqlite"], out["sqlite_like"] = result["search"], result["like"]
    if not args.no_postgres and postgres_up():
        url, seconds, db_name = load_postgres(rows, args.keep_pg)
        try:
            out["postgres_load_s"] = round(seconds, 1)
            if args.slowest:
                print("postgres, slowest:", file=sys.stderr)
            result = asyncio.run(measure(url, mix, args.runs, args.like_runs, args.slowest))
            out["postgres"], out["postgres_like"] = result["search"], result["like"]
        finally:
            if args.keep_pg is None:
                drop_postgres(db_name)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
