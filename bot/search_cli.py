"""`doanvien search QUERY`: the register as the bot's forms search it, from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.settings import Settings
from models.db import create_engine, create_session_factory
from models.migrate import upgrade_async


def add_search_command(commands: Any) -> None:
    search = commands.add_parser(
        "search",
        help="find enterprises by name or tax code, ranked as the bot ranks them",
        description="Find enterprises by name (diacritics and one slipped letter forgiven) or "
        "by tax code (a prefix, a branch with or without its dash).",
    )
    search.add_argument("query", nargs="+", help='e.g. "may lai chau", 0100000, 0101234567-001')
    search.add_argument("--ward", metavar="CODE", help="rank this ward's enterprises first")
    search.add_argument("--limit", type=int, default=5, help="how many (default 5)")


async def run_search(args: argparse.Namespace, settings: Settings) -> int:
    from services.register import unit_by_code
    from services.search import search_enterprises

    if not 1 <= args.limit <= 100:
        print("--limit must be between 1 and 100", file=sys.stderr)
        return 2
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            near: tuple[int, ...] = ()
            if args.ward:
                ward = await unit_by_code(session, args.ward)
                if ward is None:
                    print(f"no unit {args.ward}; see doanvien units --kind ward", file=sys.stderr)
                    return 1
                near = (ward.id,)
            found = await search_enterprises(session, " ".join(args.query), args.limit, near)
    finally:
        await engine.dispose()
    for enterprise in found:
        workers = "?" if enterprise.employees is None else enterprise.employees
        print(f"{enterprise.tax_code or '-':<14}  {workers:>6}  {enterprise.name}")
    if not found:
        print("no enterprise matches", file=sys.stderr)
    return 0
