"""`doanvien invite`, `doanvien admin` and `doanvien units`: hand out roles from the command
line, and find the unit codes they need."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from models import Unit, UnitKind
from models.access import Role
from models.db import create_engine, create_session_factory
from models.migrate import upgrade_async

CHANNELS = ("telegram", "console", "zalo")
NO_UNITS = "no units loaded; run doanvien demo or doanvien import units"


def add_access_commands(commands: Any) -> None:
    invite = commands.add_parser("invite", help="create (or revoke) a role invitation link")
    invite.add_argument("--role", choices=Role.ALL)
    invite.add_argument("--unit", help="the unit code, e.g. LC-TP (see doanvien units)")
    invite.add_argument("--expires", default="7d", help="validity, e.g. 7d, 12h, 30m")
    invite.add_argument("--qr", type=Path, help="where to write the QR code PNG")
    invite.add_argument(
        "--force", action="store_true", help="invite a collaborator for a unit that is not a ward"
    )
    invite.add_argument(
        "--revoke", metavar="TOKEN", help="revoke an unused invitation (--revoke=TOKEN)"
    )
    admin = commands.add_parser("admin", help="manage administrators")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    add = admin_commands.add_parser("add", help="make a user an administrator")
    add.add_argument(
        "chat_id", type=int, help="the user's Telegram id (shown under My data, /mydata)"
    )
    add.add_argument("--unit", help="the unit code (default: the root of the tree)")
    add.add_argument(
        "--channel",
        choices=CHANNELS,
        default="telegram",
        help="telegram (default); zalo for a Zalo chat (the id its My data shows); or console "
        "for the user of doanvien console --user ID",
    )
    units = commands.add_parser("units", help="list the unit tree: code, kind, name")
    units.add_argument("--kind", help="only units of this kind, e.g. ward (ward_union), district")
    units.add_argument("--under", metavar="CODE", help="only this unit and its subtree")


async def _bot_username(settings: Settings) -> str | None:
    if settings.bot_username:
        return settings.bot_username
    if settings.bot_token is None:
        return None
    from bot.runner import make_bot

    bot = make_bot(settings)
    try:
        return (await bot.get_me()).username
    except Exception:
        return None
    finally:
        await bot.session.close()


async def _link_to(settings: Settings, parameter: str | None) -> str:
    """The bot's t.me link; a warning when its username is unknown."""
    from services.invitations import deep_link

    username = await _bot_username(settings)
    if username is None:
        why = "Telegram could not be asked" if settings.bot_token else "BOT_TOKEN is not set"
        print(
            f"warning: BOT_USERNAME is not set and {why}, so the link reads t.me/<bot>: "
            "set BOT_USERNAME=<your bot's username>",
            file=sys.stderr,
        )
    return deep_link(username, parameter)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


class _NoUnitError(Exception):
    """The unit an option names is not there; the message says what to do."""


async def _unit(session: AsyncSession, code: str | None) -> Unit:
    """The unit with `code`, or the root when no code is given."""
    from services.register import root_unit, unit_by_code
    from services.units import any_units

    unit = await (unit_by_code(session, code) if code else root_unit(session))
    if unit is not None:
        return unit
    if not await any_units(session):
        raise _NoUnitError(NO_UNITS)
    raise _NoUnitError(f"no unit with code {code}; doanvien units lists them")


async def run_invite(args: argparse.Namespace, settings: Settings) -> int:
    from services.invitations import create_invitation, parse_duration, qr_png, revoke, role_misfit

    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine).begin() as session:
            if args.revoke:
                if not await revoke(session, args.revoke):
                    return _fail("no unused invitation with that token")
                print("invitation revoked")
                return 0
            if not args.role or not args.unit:
                return _fail("invite needs --role and --unit (or --revoke=TOKEN)")
            try:
                ttl = parse_duration(args.expires)
            except ValueError as error:
                return _fail(str(error))
            try:
                unit = await _unit(session, args.unit)
            except _NoUnitError as error:
                return _fail(str(error))
            misfit = role_misfit(args.role, unit)
            if misfit is not None and not args.force:
                return _fail(
                    f"{misfit}; invite for a ward (doanvien units --kind ward --under "
                    f"{unit.code}), or add --force"
                )
            created = await create_invitation(session, args.role, unit, ttl=ttl)
    finally:
        await engine.dispose()
    link = await _link_to(settings, created.start_parameter)
    qr_path = args.qr or Path(f"invite-{args.role}-{args.unit}.png")
    qr_path.write_bytes(qr_png(link))
    print(
        f"{args.role} of {unit.code} ({unit.name}), single use, expires "
        f"{created.invitation.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    print(link)
    print(f"QR code: {qr_path}")
    print(f"to revoke: doanvien invite --revoke={created.token}")
    return 0


async def run_admin(args: argparse.Namespace, settings: Settings) -> int:
    from services.access import grant_role
    from services.people import get_or_create_person

    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine).begin() as session:
            try:
                unit = await _unit(session, args.unit)
            except _NoUnitError as error:
                return _fail(str(error))
            person, _ = await get_or_create_person(
                session, args.channel, args.chat_id, settings.default_locale
            )
            await grant_role(session, person, Role.ADMIN, unit)
    finally:
        await engine.dispose()
    who = {"telegram": "", "zalo": "Zalo chat ", "console": "console user "}[args.channel]
    print(f"{who}{args.chat_id} is now an administrator of {unit.code} ({unit.name})")
    if args.channel == "telegram":
        print(f"open {await _link_to(settings, None)} and send /start")
    elif args.channel == "zalo":
        print("they send /start to the Zalo bot to see the administrator's menu")
    else:
        print(f"doanvien console --user {args.chat_id} talks as them")
    return 0


async def run_units(args: argparse.Namespace, settings: Settings) -> int:
    from services.units import any_units, kind_named, unit_tree

    kind = None
    if args.kind:
        kind = kind_named(args.kind)
        if kind is None:
            return _fail(f"no unit kind {args.kind}; one of {', '.join(sorted(UnitKind.ALL))}")
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            if not await any_units(session):
                return _fail(NO_UNITS)
            try:
                under = await _unit(session, args.under) if args.under else None
            except _NoUnitError as error:
                return _fail(str(error))
            listed = await unit_tree(session, under, kind)
    finally:
        await engine.dispose()
    width = max((2 * depth + len(unit.code) for depth, unit in listed), default=0)
    kinds = max((len(unit.kind) for _, unit in listed), default=0)
    for depth, unit in listed:
        code = "  " * depth + unit.code
        print(f"{code:<{width}}  {unit.kind:<{kinds}}  {unit.name}")
    if not listed:
        print(f"no {kind} units{f' under {args.under}' if args.under else ''}", file=sys.stderr)
    return 0
