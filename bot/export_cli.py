"""`doanvien export progress|applications|members [--period P] [--unit CODE] [--format F]
[-o FILE] [--lang vi|en]`: the exports of services/exports.py, as an administrator (the command
line has no chat scope; `--unit` narrows it to one subtree).

Wired into `bot/cli.py` with `add_export_commands(commands)` and
`return asyncio.run(run_export(args, settings))` for the `export` command.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.access_cli import _fail, _NoUnitError, _unit
from bot.settings import Settings
from locales import SUPPORTED_LOCALES, fluent_core


def add_export_commands(commands: Any) -> None:
    export = commands.add_parser(
        "export", help="write the progress table, applications or members as XLSX or CSV"
    )
    export.add_argument(
        "kind",
        choices=("progress", "applications", "members"),
        help="progress: per unit, against the targets; applications, members: in the columns "
        "of services/data/export_columns.csv (personal data)",
    )
    export.add_argument(
        "--period",
        help="2026, 2026-H1, 2026-Q3 or 2026-07 (progress: default this year; "
        "applications and members: default all)",
    )
    export.add_argument("--unit", metavar="CODE", help="only this unit's subtree (default: all)")
    export.add_argument("--format", choices=("xlsx", "csv"), help="default: from -o, else xlsx")
    export.add_argument("-o", "--output", type=Path, help="the file to write (default: named "
                        "after the export and period, in this folder)")  # fmt: skip
    export.add_argument(
        "--lang", choices=SUPPORTED_LOCALES, help="language of the progress table's headers"
    )


async def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from models.db import create_engine, create_session_factory
    from models.migrate import upgrade_async
    from services import exports
    from services.progress import parse_period

    period = parse_period(args.period) if args.period else None
    if args.period and period is None:
        return _fail(f"not a period: {args.period}; write 2026, 2026-H1, 2026-Q3 or 2026-07")
    output: Path | None = args.output
    fmt = args.format or ("csv" if output and output.suffix.lower() == ".csv" else "xlsx")
    locale = args.lang or settings.default_locale
    core = fluent_core(settings.default_locale)
    now = datetime.now(settings.tz)
    if settings.database_url.startswith("sqlite"):
        await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            try:
                unit = await _unit(session, args.unit)
            except _NoUnitError as error:
                return _fail(str(error))
            table = await exports.export(
                session,
                args.kind,
                [unit.id],
                period,
                now,
                lambda key, **values: core.get(key, locale, **values),
            )
    finally:
        await engine.dispose()
    label = period.label if period else (str(now.year) if args.kind == "progress" else "all")
    path = output or Path(exports.filename(args.kind, label, fmt))
    try:
        path.write_bytes(exports.render(table, fmt))
    except OSError as error:
        return _fail(f"cannot write {path}: {error.strerror or error}")
    print(f"{path}: {len(table.rows)} rows ({args.kind}, {label}, {unit.code} and below)")
    return 0
