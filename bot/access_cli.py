"""`doanvien invite` and `doanvien admin`: hand out roles from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings
from models.access import Role
from models.db import create_engine, create_session_factory
from models.migrate import upgrade_async


def add_access_commands(commands: Any) -> None:
    invite = commands.add_parser("invite", help="create (or revoke) a role invitation link")
    invite.add_argument("--role", choices=Role.ALL)
    invite.add_argument("--unit", help="the unit code, e.g. LC-TP")
    invite.add_argument("--expires", default="7d", help="validity, e.g. 7d, 12h, 30m")
    invite.add_argument("--qr", type=Path, help="where to write the QR code PNG")
    invite.add_argument("--revoke", metavar="TOKEN", help="revoke an unused invitation")
    admin = commands.add_parser("admin", help="manage administrators")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    add = admin_commands.add_parser("add", help="make a Telegram user an administrator")
    add.add_argument(
        "chat_id", type=int, help="the user's Telegram id (shown under My data, /mydata)"
    )
    add.add_argument("--unit", help="the unit code (default: the root of the tree)")


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


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


async def run_invite(args: argparse.Namespace, settings: Settings) -> int:
    from services.invitations import create_invitation, deep_link, parse_duration, qr_png, revoke
    from services.register import unit_by_code

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
                return _fail("invite needs --role and --unit (or --revoke TOKEN)")
            try:
                ttl = parse_duration(args.expires)
            except ValueError as error:
                return _fail(str(error))
            unit = await unit_by_code(session, args.unit)
            if unit is None:
                return _fail(f"no unit with code {args.unit!r}")
            created = await create_invitation(session, args.role, unit, ttl=ttl)
    finally:
        await engine.dispose()
    link = deep_link(await _bot_username(settings), created.start_parameter)
    qr_path = args.qr or Path(f"invite-{args.role}-{args.unit}.png")
    qr_path.write_bytes(qr_png(link))
    print(
        f"{args.role} of {unit.code} ({unit.name}), single use, expires "
        f"{created.invitation.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    print(link)
    print(f"QR code: {qr_path}")
    print(f"to revoke: doanvien invite --revoke {created.token}")
    return 0


async def run_admin(args: argparse.Namespace, settings: Settings) -> int:
    from services.access import grant_role
    from services.people import get_or_create_person
    from services.register import root_unit, unit_by_code

    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine).begin() as session:
            unit = await (unit_by_code(session, args.unit) if args.unit else root_unit(session))
            if unit is None:
                return _fail("no such unit; load units first (doanvien demo or import units)")
            person, _ = await get_or_create_person(
                session, "telegram", args.chat_id, settings.default_locale
            )
            await grant_role(session, person, Role.ADMIN, unit)
    finally:
        await engine.dispose()
    print(f"{args.chat_id} is now an administrator of {unit.code} ({unit.name})")
    return 0
