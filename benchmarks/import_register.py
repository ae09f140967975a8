"""Enterprise-register import throughput, against the sqlite3 CLI's `.import` of the same CSV.

    python benchmarks/import_register.py [--rows N] [--batch-size B] [--keep DIR] [--pg URL]

Generates N enterprise rows (valid tax codes, Vietnamese names and headers, ward codes of the
demo unit tree) into a CSV in a temporary directory, imports it into a fresh migrated SQLite
database with `services.register_import.import_enterprises`, then imports the same file again
(every row must come out "unchanged"). In the same run it times the sqlite3 command-line
shell importing that CSV into a plain table (`.import --csv`). When the PostgreSQL server of
`--pg` (default: TEST_PG_URL or the local test server) answers, the same two imports run into a
fresh database there, beside PostgreSQL's own `COPY` of the CSV into a plain table.

The import runs in a child process so that its peak RSS (ru_maxrss) is its own, not the
generator's. Prints exactly one JSON line on stdout; exits non-zero, printing no JSON, when a
count is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from stdnum.vn import mst

GOAL_RATIO = 4
HEADERS = [
    "Mã số thuế",
    "Tên doanh nghiệp",
    "Địa chỉ",
    "Số lao động",
    "Mã phường",
    "Đóng kinh phí công đoàn",
    "Có chi bộ Đảng",
    "Trong KCN",
    "Năm thành lập",
]
STREETS = [
    "Trần Hưng Đạo",
    "Lê Lợi",
    "Nguyễn Trãi",
    "Hoàng Văn Thụ",
    "Điện Biên Phủ",
    "Võ Nguyên Giáp",
]


def generate(path: Path, rows: int, seed: int = 2026) -> None:
    from models import UnitKind
    from services.demo import FORMS, NAMES, TRADES, WARDS, unit_rows

    rng = random.Random(seed)
    wards = [
        (r.code, r.name.removeprefix("Công đoàn xã, phường "))
        for r in unit_rows()
        if r.kind == UnitKind.WARD_UNION
    ]
    assert len(wards) == sum(len(w) for w in WARDS.values())
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        serial = written = 0
        while written < rows:
            serial += 1
            body = f"01{serial:07d}"
            check = mst.calc_check_digit(body)
            if len(check) != 1:  # weighted sum divisible by 11: no such tax code
                continue
            written += 1
            ward_code, ward_name = rng.choice(wards)
            writer.writerow(
                [
                    body + check,
                    f"{rng.choice(FORMS)} {rng.choice(TRADES)} {rng.choice(NAMES)} {serial}",
                    f"Số {rng.randint(1, 300)} đường {rng.choice(STREETS)}, {ward_name}, Lai Châu",
                    rng.choice((4, 8, 12, 18, 26, 40, 75, 120, 300, 1500)),
                    ward_code,
                    rng.choice(("x", "")),
                    rng.choice(("Có", "Không")),
                    rng.choice(("1", "0")),
                    rng.randint(1995, 2025),
                ]
            )


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sqlite_cli_import(csv_path: Path, workdir: Path, rows: int) -> tuple[float, float]:
    """Wall and CPU seconds of the sqlite3 shell's `.import --csv` into a plain table."""
    db = workdir / "plain.db"
    db.unlink(missing_ok=True)
    cpu = children_cpu()
    start = time.perf_counter()
    subprocess.run(["sqlite3", str(db), f".import --csv {csv_path} t"], check=True)
    seconds = time.perf_counter() - start
    cpu = children_cpu() - cpu
    with sqlite3.connect(db) as conn:
        imported = conn.execute("SELECT count(*) FROM t").fetchone()[0]
    conn.close()
    db.unlink(missing_ok=True)
    if imported != rows:
        raise SystemExit(f"sqlite3 imported {imported} rows, expected {rows}")
    return seconds, cpu


def child(url: str, csv_path: Path, batch_size: int) -> None:
    """Runs in a child process: prepare the database, then time two imports of the file."""
    from models.db import create_engine
    from models.migrate import upgrade
    from services.demo import unit_rows
    from services.register_import import import_enterprises
    from services.units import upsert_units

    upgrade(url)

    async def run() -> dict[str, Any]:
        from sqlalchemy.ext.asyncio import AsyncSession

        engine = create_engine(url)
        async with engine.begin() as conn, AsyncSession(bind=conn) as session:
            await upsert_units(session, unit_rows())
        timings: dict[str, Any] = {}
        for label in ("first", "again"):
            start, cpu = time.perf_counter(), time.process_time()
            async with engine.begin() as conn:
                result = await import_enterprises(conn, csv_path, batch_size=batch_size)
            timings[label] = {
                "seconds": time.perf_counter() - start,
                "cpu_seconds": time.process_time() - cpu,
                "rows_read": result.rows_read,
                "inserted": result.inserted,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.rejected,
            }
        await engine.dispose()
        return timings

    timings = asyncio.run(run())
    timings["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(timings))


def run_child(url: str, csv_path: Path, batch_size: int) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", url, str(csv_path), "--batch-size", str(batch_size)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    timings: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return timings


def wrong_counts(timings: dict[str, Any], rows: int) -> str | None:
    first, again = timings["first"], timings["again"]
    expected_first = {"rows_read": rows, "inserted": rows, "rejected": 0}
    expected_again = {"rows_read": rows, "unchanged": rows, "updated": 0, "inserted": 0}
    for got, expected in ((first, expected_first), (again, expected_again)):
        wrong = {k: got[k] for k, v in expected.items() if got[k] != v}
        if wrong:
            return f"wrong counts: {wrong}, expected {expected}"
    return None


async def _pg(admin_url: str, sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_copy(url: str, csv_path: Path) -> float:
    """Seconds of PostgreSQL's COPY of the CSV into a plain table of text columns."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        columns = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
        await conn.execute(f"CREATE TABLE plain ({columns})")
        start = time.perf_counter()
        await conn.copy_to_table("plain", source=str(csv_path), format="csv", header=True)
        seconds = time.perf_counter() - start
        await conn.execute("DROP TABLE plain")
        return seconds
    finally:
        await conn.close()


def postgresql(admin_url: str, csv_path: Path, rows: int, batch_size: int) -> dict[str, Any]:
    """The same import into a fresh PostgreSQL database, beside COPY of the same CSV."""
    name = f"import_bench_{os.getpid()}"
    plain = admin_url.replace("postgresql+asyncpg", "postgresql")
    try:
        asyncio.run(_pg(plain, f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        return {"pg_skipped": f"PostgreSQL not reachable ({type(exc).__name__})"}
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        timings = run_child(url, csv_path, batch_size)
        if problem := wrong_counts(timings, rows):
            raise SystemExit(f"PostgreSQL: {problem}")
        copy = min(asyncio.run(_pg_copy(url.replace("+asyncpg", ""), csv_path)) for _ in range(2))
    finally:
        asyncio.run(_pg(plain, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    seconds = timings["first"]["seconds"]
    return {
        "pg_seconds": round(seconds, 3),
        "pg_reimport_seconds": round(timings["again"]["seconds"], 3),
        "pg_copy_seconds": round(copy, 3),
        "pg_ratio_vs_copy": round(seconds / copy, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in this folder")
    parser.add_argument(
        "--pg",
        default=os.environ.get("TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL server to compare on (a database is created and dropped); '' to skip",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from services.register_import import BATCH_SIZE

    batch_size = args.batch_size or BATCH_SIZE
    if args.child:
        child(args.child[0], Path(args.child[1]), batch_size)
        return 0
    if shutil.which("sqlite3") is None:
        print("the sqlite3 command-line shell is needed (apt-get install sqlite3)", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    try:
        csv_path = workdir / "register.csv"
        start = time.perf_counter()
        generate(csv_path, args.rows)
        generate_seconds = time.perf_counter() - start
        cli = [sqlite_cli_import(csv_path, workdir, args.rows)]
        timings = run_child(f"sqlite+aiosqlite:///{workdir / 'bot.db'}", csv_path, batch_size)
        # The sqlite3 shell twice more, after our run; its best time is the reference.
        cli += [sqlite_cli_import(csv_path, workdir, args.rows) for _ in range(2)]
        sqlite_seconds = min(wall for wall, _ in cli)
        sqlite_cpu = min(cpu for _, cpu in cli)
        first, again = timings["first"], timings["again"]
        if problem := wrong_counts(timings, args.rows):
            print(problem, file=sys.stderr)
            return 1
        pg = postgresql(args.pg, csv_path, args.rows, batch_size) if args.pg else {}
        csv_mb = csv_path.stat().st_size / 1e6
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(csv_path, args.keep / csv_path.name)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    seconds = first["seconds"]
    print(
        json.dumps(
            {
                "benchmark": "import_register",
                "rows": args.rows,
                "csv_mb": round(csv_mb, 1),
                "batch_size": batch_size,
                "seconds": round(seconds, 3),
                "rows_per_s": round(args.rows / seconds),
                "peak_rss_mb": round(timings["peak_rss_mb"], 1),
                "reimport_seconds": round(again["seconds"], 3),
                "reimport_rows_per_s": round(args.rows / again["seconds"]),
                "reimport_unchanged": again["unchanged"],
                "sqlite3_cli_import_seconds": round(sqlite_seconds, 3),
                "ratio_vs_sqlite_import": round(seconds / sqlite_seconds, 2),
                "goal_ratio": GOAL_RATIO,
                "cpu_seconds": round(first["cpu_seconds"], 3),
                "sqlite3_cli_cpu_seconds": round(sqlite_cpu, 3),
                "cpu_ratio_vs_sqlite_import": round(first["cpu_seconds"] / sqlite_cpu, 2),
                **pg,
                "cpus": os.cpu_count(),
                "load_average_1m": round(os.getloadavg()[0], 2),
                "generate_seconds": round(generate_seconds, 2),
                "python": platform.python_version(),
                "sqlite": subprocess.run(
                    ["sqlite3", "--version"], capture_output=True, text=True
                ).stdout.split()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
