"""The `doanvien` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.access_cli import add_access_commands, run_admin, run_invite
from bot.import_cli import add_import_commands, run_import
from bot.settings import Settings, SettingsError, load_settings

NO_TOKEN = """\
BOT_TOKEN is not set, so there is no Telegram bot to serve.

To get a token: open Telegram, talk to @BotFather, send /newbot and follow the steps;
then start the bot with
    BOT_TOKEN=123456789:AA... doanvien run
(or put BOT_TOKEN=... in a .env file in this folder).

To try the bot right now without a token, in this terminal:
    doanvien demo       # load demo units and enterprises (Lai Châu)
    doanvien console    # chat with the bot here, as a worker
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="doanvien", description="Union membership chatbot")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="serve Telegram by long polling (migrates SQLite first)")
    commands.add_parser("migrate", help="upgrade the database to the newest schema")
    demo = commands.add_parser("demo", help="load demo units and enterprises")
    demo.add_argument("--enterprises", type=int, default=300)
    console = commands.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--user", type=int, default=1001, help="the simulated user's id")
    add_access_commands(commands)
    add_import_commands(commands)
    return parser


async def _migrate(settings: Settings) -> None:
    from models.migrate import upgrade_async

    await upgrade_async(settings.database_url)
    print("database is up to date")


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
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "run":
        if settings.bot_token is None:
            print(NO_TOKEN, file=sys.stderr)
            return 2
        from bot.runner import run_polling

        asyncio.run(run_polling(settings))
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
    elif args.command == "console":
        from bot.console import run_console

        logging.getLogger().setLevel(logging.WARNING)
        asyncio.run(run_console(settings, user_id=args.user))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
