"""`doanvien console`: what a typed line means, and a session that survives bad commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.console import (
    AS_USAGE,
    PHONE_USAGE,
    Press,
    Quit,
    Say,
    SendSticker,
    SetPhone,
    SwitchUser,
    Usage,
    parse_line,
    run_console,
)
from bot.settings import Settings
from tests.conftest import sqlite_url


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("#2", Press(2)),
        (" #12 ", Press(12)),
        ("2", Say("2")),  # a bare number is typed text ("40" workers), never a button
        ("40", Say("40")),
        ("#two", Say("#two")),
        ("Nguyễn Thị Lan", Say("Nguyễn Thị Lan")),
        ("/start", Say("/start")),
        ("/as 2002", SwitchUser(2002, None)),
        ("/as 2002 Trần Văn Minh", SwitchUser(2002, "Trần Văn Minh")),
        ("/as abc", Usage(AS_USAGE)),
        ("/as", Usage(AS_USAGE)),
        ("/phone +84987654321", SetPhone("+84987654321")),
        ("/phone", Usage(PHONE_USAGE)),
        ("/sticker", SendSticker()),
        ("/quit", Quit()),
        ("/exit", Quit()),
        ("   ", None),
    ],
)
def test_parse_line(line: str, command: object) -> None:
    assert parse_line(line) == command


def reader(lines: list[str]) -> Callable[[], str]:
    pending = iter(lines)

    def read() -> str:
        try:
            return next(pending)
        except StopIteration:
            raise EOFError from None

    return read


async def test_bad_commands_get_a_usage_line_and_the_session_goes_on(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=sqlite_url(db_path), _env_file=None)  # type: ignore[call-arg]
    lines = ["/as abc", "/as 2002 Minh", "/phone +84987654321", "/as 1001", "#99", "/quit"]
    await run_console(settings, read=reader(lines))
    out = capsys.readouterr().out
    assert "#2 presses button 2" in out.split("\n", 1)[0]  # the hint, shown once
    assert out.count("presses button") == 1
    assert f"({AS_USAGE})" in out
    assert "(now user 2002, Minh)" in out
    assert "(the share-phone button now sends +84987654321)" in out
    assert "(now user 1001, Lan)" in out
    assert "(no button #99)" in out
    assert "[#1] " in out and "Traceback" not in out
