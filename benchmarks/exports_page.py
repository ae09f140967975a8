"""Exports and the public page at the scale of a large federation's year.

    python benchmarks/exports_page.py [--members N]

Builds a migrated SQLite database with the demo unit tree (Lai Châu), then N recognized members,
each with the application they joined by (personal data generated, seeded random), spread over
the year and the units. Times, in one run: the members export of the whole tree as XLSX and as
CSV, the applications export as XLSX, the progress table, and the public page computed once
(uncached) and served from its one-minute cache. Prints exactly one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=TZ)
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]
GIVEN = ["Thị Lan", "Văn Minh", "Thị Hoa", "Văn Bình", "Thị Mai", "Đức Anh", "Thu Hà"]


async def fill(url: str, members: int) -> None:
    from sqlalchemy import insert, select

    from models import Application, Member, Unit
    from models.db import create_engine, create_session_factory
    from services.demo import load_demo

    engine = create_engine(url)
    rng = random.Random(2026)
    async with create_session_factory(engine).begin() as session:
        await load_demo(session, enterprises=50)
        units = list(await session.scalars(select(Unit.id)))
        apps = []
        for index in range(members):
            day = date(2026, 1, 1) + timedelta(days=rng.randrange(320))
            apps.append(
                {
                    "id": index + 1,
                    "reference": f"DV-2026-{index + 1:06d}",
                    "full_name": f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}",
                    "birth_date": date(1970 + rng.randrange(35), 1 + rng.randrange(12), 1),
                    "gender": rng.choice(["male", "female"]),
                    "phone": f"+8498{index:07d}",
                    "citizen_id": f"0011{index:08d}",
                    "job": "Công nhân",
                    "employer_name": "Công ty TNHH Lai Châu",
                    "consent_version": "1",
                    "consent_at": datetime(day.year, day.month, day.day, tzinfo=UTC),
                    "routed_unit_id": rng.choice(units),
                    "routing_reason": "ward",
                    "status": "approved",
                }
            )
        await session.execute(insert(Application), apps)
        await session.execute(
            insert(Member),
            [
                {
                    "number": f"M-{app['id']}",
                    "application_id": app["id"],
                    "union_unit_id": app["routed_unit_id"],
                    "full_name": app["full_name"],
                    "admitted_on": app["consent_at"].date() + timedelta(days=3),
                }
                for app in apps
            ],
        )
    await engine.dispose()


async def measure(url: str, members: int) -> dict[str, object]:
    from bot.settings import Settings
    from bot.web import PublicPage, Texts, render_page
    from locales import fluent_core
    from models.db import create_engine, create_session_factory
    from services import exports
    from services.progress import parse_period
    from services.register import root_unit

    engine = create_engine(url)
    factory = create_session_factory(engine)
    core = fluent_core("vi")

    def t(key: str, **args: object) -> str:
        return core.get(key, "vi", **args)

    figures: dict[str, object] = {"members": members}
    async with factory() as session:
        root = await root_unit(session)
        assert root is not None
        started = time.perf_counter()
        table = await exports.members_table(session, [root.id], TZ)
        read = time.perf_counter() - started
        assert len(table.rows) == members, len(table.rows)
        started = time.perf_counter()
        exports.to_xlsx(table)
        figures["members_xlsx_seconds"] = round(read + time.perf_counter() - started, 2)
        started = time.perf_counter()
        exports.to_csv(table)
        figures["members_csv_seconds"] = round(read + time.perf_counter() - started, 2)
        started = time.perf_counter()
        exports.to_xlsx(await exports.applications_table(session, [root.id], TZ))
        figures["applications_xlsx_seconds"] = round(time.perf_counter() - started, 2)
        year = parse_period("2026")
        assert year is not None
        started = time.perf_counter()
        exports.to_xlsx(await exports.progress_table(session, [root.id], year, NOW.date(), t))
        figures["progress_xlsx_seconds"] = round(time.perf_counter() - started, 3)
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    page = PublicPage(factory, settings, clock=lambda: NOW)
    started = time.perf_counter()
    render_page(await page.snapshot(year), Texts("vi", "vi"))
    figures["page_seconds"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    for _ in range(100):
        render_page(await page.snapshot(year), Texts("vi", "vi"))
    figures["page_cached_ms"] = round((time.perf_counter() - started) * 10, 2)
    await engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()
    from models.migrate import upgrade

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        asyncio.run(fill(url, args.members))
        print(json.dumps({"benchmark": "exports_page", **asyncio.run(measure(url, args.members))}))


if __name__ == "__main__":
    main()
