"""The `doanvien` command."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from collections.abc import Sequence

from bot.access_cli import add_access_commands, run_admin, run_invite, run_units
from bot.export_cli import add_export_commands, run_export
from bot.import_cli import add_import_commands, run_import
from bot.logs import configure_logging
from bot.search_cli import add_search_command, run_search
from bot.settings import Settings, SettingsError, load_settings
from bot.steering_cli import COMMANDS, add_steering_commands

NO_TOKEN = """\
BOT_TOKEN is not set, so there is no Telegram bot to serve.

To get a token: open Telegram, talk to @BotFather, send /newbot and follow the steps;
then start the bot with
    BOT_TOKEN=123456789:AA... doanvien run
(or put BOT_TOKEN=... in a .env file in this folder). For Zalo, set ZALO_BOT_TOKEN
(from Zalo Bot Creator) instead or as well.

To try the bot right now without a token, in this terminal:
    doanvien demo       # load demo units and enterprises (Lai Châu)
    doanvien console    # chat with the bot here, as a worker
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="doanvien", description="Union membership chatbot")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="serve Telegram by long polling, or by webhook (migrates SQLite first)"
    )
    run.add_argument(
        "--webhook",
        metavar="URL",
        default=None,
        help="the public HTTPS address Telegram posts updates to, e.g. https://bot.example.vn/tg "
        "(registered with a generated secret token); without it, long polling",
    )
    run.add_argument("--host", default="0.0.0.0", help="where the webhook server listens")
    run.add_argument("--port", type=int, default=8080, help="the webhook server's port")
    run.add_argument("--web", action="store_true", help="also serve the public progress page")
    run.add_argument("--web-host", default="0.0.0.0", help="where the page listens")
    run.add_argument("--web-port", type=int, default=8081, help="the page's port")
    web = commands.add_parser("web", help="serve the public progress page (and its JSON) alone")
    web.add_argument("--host", default="0.0.0.0")
    web.add_argument("--port", type=int, default=8081)
    web.add_argument("--unit", metavar="CODE", help="the unit the page is about (default: root)")
    run.add_argument(
        "--zalo-webhook",
        metavar="URL",
        default=None,
        help="the public HTTPS address Zalo posts updates to (with ZALO_BOT_TOKEN); without it, "
        "Zalo is long-polled",
    )
    run.add_argument("--zalo-port", type=int, default=8082, help="the Zalo webhook's port")
    commands.add_parser("migrate", help="upgrade the database to the newest schema")
    demo = commands.add_parser("demo", help="load demo units and enterprises")
    demo.add_argument("--enterprises", type=int, default=300)
    console = commands.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--user", type=int, default=1001, help="the simulated user's id")
    console.add_argument("--name", default="Lan", help="the simulated user's first name")
    add_access_commands(commands)
    add_import_commands(commands)
    add_steering_commands(commands)
    add_export_commands(commands)
    add_search_command(commands)
    return parser


async def _migrate(settings: Settings) -> None:
    from models.migrate import current_revision, head_revision, upgrade_async

    before = await current_revision(settings.database_url)
    await upgrade_async(settings.database_url)
    head = head_revision()
    if before is None:
        print(f"database created at the newest schema ({head})")
    elif before == head:
        print(f"database is up to date ({head})")
    else:
        print(f"database upgraded from {before} to the newest schema ({head})")


async def _unready_database(settings: Settings) -> str | None:
    """Why `run` cannot serve with this database, said before polling starts. SQLite is
    migrated by `run` itself; PostgreSQL is migrated by `doanvien migrate`."""
    if settings.database_url.startswith("sqlite"):
        return None
    from models.migrate import current_revision, head_revision

    current, head = await current_revision(settings.database_url), head_revision()
    if current == head:
        return None
    return (
        f"Database error: the schema is at {current or 'nothing yet'}, this version needs "
        f"{head}; run doanvien migrate"
    )


def _database_error(exc: BaseException, database_url: str) -> str | None:
    """One line for a database that cannot be used at all; None for any other error."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from models.db import DatabaseFolderMissingError

    url = make_url(database_url)
    if isinstance(exc, DatabaseFolderMissingError):
        return f"Database error: {exc}"
    unreachable = (ConnectionError, TimeoutError, socket.gaierror)
    if isinstance(exc, unreachable) and url.drivername.startswith("postgresql"):
        where = f"{url.host or 'localhost'}:{url.port or 5432}"
        reason = exc.strerror or type(exc).__name__
        return (
            f"Database error: cannot reach PostgreSQL at {where} ({reason}); "
            "is it running, and is DATABASE_URL right?"
        )
    if not isinstance(exc, DBAPIError):
        return None
    detail = " ".join(str(exc.orig).split("\n")[0].split())
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    if sqlstate == "3D000":
        return (
            f"Database error: the database {url.database} does not exist on "
            f"{url.host or 'localhost'}; create it (createdb {url.database}) or fix DATABASE_URL"
        )
    # Connecting failed (PostgreSQL's classes 08 and 28, SQLite's file): not a bug to trace.
    if sqlstate[:2] in {"08", "28"} or detail == "unable to open database file":
        return f"Database error: {detail} ({url.render_as_string(hide_password=True)})"
    return None


async def _demo(settings: Settings, enterprises: int) -> None:
    from models.db import create_engine, create_session_factory
    from models.migrate import upgrade_async
    from services.demo import load_demo

    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    async with create_session_factory(engine).begin() as session:
        summary = await load_demo(session, enterprises=enterprises)
    await engine.dispose()
    print(
        f"demo data: {summary.units} units, {summary.enterprises} enterprises "
        f"({summary.with_grassroots_union} with a grassroots union)"
    )
    print(f"try the factory-gate link: /start e_{summary.showcase_tax_code}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    # One handler, third-party loggers capped, personal data redacted: at every level.
    configure_logging(settings.log_level)
    try:
        return _command(args, settings)
    except Exception as exc:
        message = _database_error(exc, settings.database_url)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 1


def _command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command in COMMANDS:
        return asyncio.run(COMMANDS[args.command](args, settings))
    if args.command == "run":
        if settings.bot_token is None and settings.zalo_bot_token is None:
            print(NO_TOKEN, file=sys.stderr)
            return 2
        unready = asyncio.run(_unready_database(settings))
        if unready is not None:
            print(unready, file=sys.stderr)
            return 1
        from bot.runner import Webhook, run_polling
        from bot.web import PublicWeb

        webhook = Webhook(args.webhook, args.host, args.port) if args.webhook else None
        page = PublicWeb(args.web_host, args.web_port) if args.web else None
        zalo = Webhook(args.zalo_webhook, args.host, args.zalo_port) if args.zalo_webhook else None
        asyncio.run(run_polling(settings, webhook, zalo, page))
    elif args.command == "migrate":
        asyncio.run(_migrate(settings))
    elif args.command == "demo":
        asyncio.run(_demo(settings, args.enterprises))
    elif args.command == "invite":
        return asyncio.run(run_invite(args, settings))
    elif args.command == "admin":
        return asyncio.run(run_admin(args, settings))
    elif args.command == "import":
        return asyncio.run(run_import(args, settings))
    elif args.command == "web":
        if unready := asyncio.run(_unready_database(settings)):
            print(unready, file=sys.stderr)
            return 1
        from bot.web import run_web

        return asyncio.run(run_web(settings, args.host, args.port, args.unit))
    elif args.command == "export":
        return asyncio.run(run_export(args, settings))
    elif args.command == "search":
        return asyncio.run(run_search(args, settings))
    elif args.command == "units":
        return asyncio.run(run_units(args, settings))
    elif args.command == "console":
        from bot.console import log_to_file, run_console

        log_to_file()
        asyncio.run(run_console(settings, user_id=args.user, name=args.name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
