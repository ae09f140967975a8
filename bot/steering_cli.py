"""`doanvien steering` (who follows which units) and `doanvien digest` (the weekly digest, by
hand: `--dry-run` prints it, without it the messages are enqueued for the running bot)."""

from __future__ import annotations

import argparse
import base64
import sys
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access_cli import CHANNELS, NO_UNITS
from bot.settings import Settings
from models import Person, Unit
from models.db import create_engine, create_session_factory
from models.migrate import upgrade_async


def add_steering_commands(commands: Any) -> None:
    steering = commands.add_parser(
        "steering", help="steering-committee members and the units they follow"
    )
    actions = steering.add_subparsers(dest="steering_command", required=True)
    for name, text in (
        ("assign", "make a user follow units in the weekly digest (grants the steering role)"),
        ("unassign", "stop a user following units"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("chat_id", type=int, help="the user's Telegram id (see /mydata)")
        action.add_argument("units", nargs="+", metavar="UNIT", help="unit codes (doanvien units)")
        action.add_argument("--channel", choices=CHANNELS, default="telegram")
    actions.add_parser("list", help="every member and the units they follow")
    digest = commands.add_parser("digest", help="the steering committee's weekly digest")
    digest.add_argument("--week", help="the ISO week, e.g. 2026-W47 (default: last week)")
    digest.add_argument("--dry-run", action="store_true", help="print what would be sent to whom")
    digest.add_argument(
        "--charts", type=Path, metavar="DIR", help="with --dry-run: write the charts here"
    )


async def run_steering(args: argparse.Namespace, settings: Settings) -> int:
    from services import steering

    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine).begin() as session:
            if args.steering_command == "list":
                listed = await steering.listing(session)
                for person, unit in listed:
                    print(f"{_who(person)}  {unit.code}  {unit.name}")
                if not listed:
                    print("no steering assignments yet", file=sys.stderr)
                return 0
            units = await _units(session, args.units)
            if isinstance(units, str):
                print(units, file=sys.stderr)
                return 1
            person = await _person(session, args.channel, args.chat_id, settings)
            change = steering.assign if args.steering_command == "assign" else steering.unassign
            changed = {unit.id for unit in await change(session, person, units)}
    finally:
        await engine.dispose()
    verb = "now follows" if args.steering_command == "assign" else "no longer follows"
    for unit in units:
        done = (
            verb if unit.id in changed else verb.replace("now", "already").replace("no", "did not")
        )
        print(f"{_who(person)} {done} {unit.code} ({unit.name})")
    return 0


# (what was done, what was already so) for each action
VERBS = {
    "assign": ("now follows", "already follows"),
    "unassign": ("no longer follows", "did not follow"),
}


def _who(person: Person) -> str:
    prefix = "" if person.channel == "telegram" else f"{person.channel}:"
    name = f" ({person.display_name})" if person.display_name else ""
    return f"{prefix}{person.chat_id}{name}"


async def _units(session: AsyncSession, codes: list[str]) -> list[Unit] | str:
    """The units with these codes, or why not."""
    from services.register import unit_by_code
    from services.units import any_units

    if not await any_units(session):
        return NO_UNITS
    found = {code: await unit_by_code(session, code) for code in dict.fromkeys(codes)}
    missing = [code for code, unit in found.items() if unit is None]
    if missing:
        return f"no unit with code {', '.join(missing)}; doanvien units lists them"
    return [unit for unit in found.values() if unit is not None]


async def _person(session: AsyncSession, channel: str, chat_id: int, settings: Settings) -> Person:
    from services.people import get_or_create_person

    person, _ = await get_or_create_person(session, channel, chat_id, settings.default_locale)
    return person


async def run_digest(args: argparse.Namespace, settings: Settings) -> int:
    from services.digest import Week, parse_week

    now = datetime.now(settings.tz)
    week = parse_week(args.week) if args.week else Week.of(now.date()).previous()
    if week is None:
        print(f"not an ISO week: {args.week}; write it as 2026-W47", file=sys.stderr)
        return 1
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        factory = create_session_factory(engine)
        action = _dry_run if args.dry_run else _enqueue
        return await action(factory.begin, week, now, settings, args)
    finally:
        await engine.dispose()


Begin = Callable[[], Any]


async def _dry_run(
    begin: Begin, week: Any, now: datetime, settings: Settings, args: argparse.Namespace
) -> int:
    from services.weekly import plan_digests

    charts: Path | None = args.charts
    async with begin() as session:
        planned = await plan_digests(
            session, week, now, settings.default_locale, chart=charts is not None
        )
    if not planned:
        print(f"{week.label}: no steering member follows a unit; nothing would be sent")
        return 0
    for item in planned:
        print(f"--- to {_who(item.person)} [{item.person.language}] {item.key} ({item.method})")
        print(item.text)
        if charts is not None and item.method == "sendPhoto":
            path = charts / f"{item.key.replace(':', '-')}.png"
            _write(path, base64.b64decode(item.payload["photo"]["base64"]))
            print(f"chart: {path}")
    people = len({item.person.id for item in planned})
    print(f"{week.label}: {len(planned)} messages to {people} people (charts apart)")
    return 0


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def _enqueue(
    begin: Begin, week: Any, now: datetime, settings: Settings, args: argparse.Namespace
) -> int:
    from services.weekly import enqueue_once, plan_digests

    async with begin() as session:
        planned = await plan_digests(session, week, now, settings.default_locale)
        count = await enqueue_once(session, "digest", week.label, planned)
    if count is None:
        print(f"{week.label}: the digest was already enqueued; nothing done")
        return 0
    print(f"{week.label}: {count} messages enqueued; the running bot sends them")
    return 0


Runner = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]
COMMANDS: dict[str, Runner] = {"steering": run_steering, "digest": run_digest}
