"""`doanvien import enterprises FILE`, `doanvien import units FILE`,
`doanvien import figures FILE` and `doanvien import targets FILE [--period 2021-2023]`.

Wired into `bot/cli.py` with `add_import_commands(commands)` in the parser and
`return asyncio.run(run_import(args, settings))` for the `import` command.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.settings import Settings

SHOWN_ERRORS = 5


def add_import_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `import enterprises|units|figures FILE [--report PATH]`."""
    command = subparsers.add_parser(
        "import",
        help="import the enterprise register, the unit tree or figures recruited on paper "
        "from a CSV (UTF-8) or XLSX file",
    )
    what = command.add_subparsers(
        dest="import_what", required=True, metavar="{enterprises,units,figures,targets}"
    )
    for name, help_text in (
        (
            "enterprises",
            "the enterprise register (tax department, social insurance): upserted by tax code",
        ),
        ("units", "the unit tree: code, name, kind, parent code"),
        (
            "figures",
            "figures recruited on paper: unit code, period (2026-W47 or 11/2026), admitted, "
            "lost, CĐCS founded, dissolved, founded in enterprises with 25+ workers; "
            "replacing those entered before for the same unit and period",
        ),
        (
            "targets",
            "targets per unit and period: new members, new CĐCS (of which in enterprises with "
            "25+ workers) and the baseline; a blank cell is no target",
        ),
    ):
        sub = what.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("file", type=Path, help=".csv (UTF-8) or .xlsx")
        sub.add_argument(
            "--report",
            type=Path,
            default=None,
            help="where to write the rejected rows (CSV); default: FILE.errors.csv, "
            "kept only when rows were rejected",
        )
        if name == "targets":
            sub.add_argument(
                "--period",
                default=None,
                help="2026 or 2021-2023, when the file has no period column "
                "(default: the years in the file's name)",
            )


class _Progress:
    """A `\\r`-updated line on a terminal: rows read and rows per second."""

    def __init__(self, stream: TextIO, what: str) -> None:
        self.stream = stream
        self.what = what
        self.started = time.perf_counter()
        self.last = 0.0
        self.shown = False

    def __call__(self, rows: int) -> None:
        now = time.perf_counter()
        if now - self.last < 0.2:
            return
        self.last = now
        rate = rows / max(now - self.started, 1e-9)
        self.stream.write(f"\r{self.what}: {rows:,} rows read ({rate:,.0f} rows/s)   ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


async def run_import(args: argparse.Namespace, settings: Settings) -> int:
    """Run one import; 0 when the file was processed (even with rejected rows), 1 otherwise."""
    from sqlalchemy.exc import SQLAlchemyError

    from models.db import create_engine
    from models.migrate import upgrade_async
    from services.figures_import import FiguresImportResult, import_figures
    from services.register_import import (
        ImportFileError,
        ImportResult,
        import_enterprises,
        import_units,
    )
    from services.search import vacuum_after_load
    from services.targets_import import import_targets

    what: str = args.import_what
    path = Path(args.file)
    default_report = args.report is None
    report = path.with_name(path.name + ".errors.csv") if default_report else Path(args.report)
    progress = _Progress(sys.stderr, what) if sys.stderr.isatty() else None

    engine = None
    try:
        if settings.database_url.startswith("sqlite"):
            await upgrade_async(settings.database_url)
        engine = create_engine(settings.database_url)
        async with engine.begin() as conn:  # rolled back on any error: nothing half-written
            result: ImportResult | FiguresImportResult
            if what == "targets":
                result = await import_targets(conn, path, period=args.period, report_path=report)
            elif what == "figures":  # as an administrator: the command line has no chat scope
                now = datetime.now(settings.tz)
                result = await import_figures(
                    conn, path, today=now.date(), now=now, report_path=report, progress=progress
                )
            elif what == "enterprises":
                result = await import_enterprises(conn, path, report_path=report, progress=progress)
            else:
                result = await import_units(conn, path, report_path=report, progress=progress)
        if what == "enterprises":  # committed: the search's indexes settled now, not by
            # autovacuum later; a failure here only leaves searches slower until then.
            with contextlib.suppress(SQLAlchemyError):
                await vacuum_after_load(engine)
    except ImportFileError as exc:
        _close(progress)
        print(f"import failed, nothing was imported: {exc}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as exc:
        _close(progress)
        detail = " ".join(str(exc).split("\n")[0].split())
        print(f"import failed, nothing was imported: {type(exc).__name__}: {detail}",
              file=sys.stderr)  # fmt: skip
        return 1
    finally:
        if engine is not None:
            await engine.dispose()
    _close(progress)

    if default_report and not result.rejected:
        report.unlink(missing_ok=True)  # the header-only report this run wrote
    print(result.summary())
    print(f"done in {result.seconds:.1f} s")
    if result.rejected:
        for error in result.errors[:SHOWN_ERRORS]:
            print(f"  line {error.line}, {error.column} {error.value!r}: {error.reason}")
        if result.rejected > SHOWN_ERRORS or len(result.errors) > SHOWN_ERRORS:
            print(f"  ... all rejected rows are in {result.report_path}")
    return 0


def _close(progress: _Progress | None) -> None:
    if progress is not None:
        progress.close()
