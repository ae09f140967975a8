"""The `doanvien` command: settings errors, the no-token hint, migrate, demo, console."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_settings
from models.migrate import head_revision
from services import invitations
from tests.conftest import sqlite_url

ROOT = Path(__file__).resolve().parents[1]


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "TIMEZONE"}
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        cwd=cwd or ROOT,
    )


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE: unknown time zone 'Mars/Olympus'"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: use sqlite+aiosqlite"),
        ("DATABASE_URL", "not a url", "DATABASE_URL: not a database URL"),
        ("BOT_TOKEN", "abc", "BOT_TOKEN: must look like"),
        ("DEFAULT_LOCALE", "fr", "DEFAULT_LOCALE: must be one of vi, en"),
        ("TELEGRAM_API_URL", "ftp://x", "TELEGRAM_API_URL: must start with http"),
        ("REDIS_URL", "localhost", "REDIS_URL: must start with redis://"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ],
)
def test_malformed_settings_stop_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, fragment: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value) == f"Configuration error: {fragment}" or fragment in str(error.value)
    assert "\n" not in str(error.value)


def test_cli_reports_bad_settings_without_a_traceback(tmp_path: Path) -> None:
    result = run_cli("migrate", env={"TIMEZONE": "Nowhere/City"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: TIMEZONE: unknown time zone 'Nowhere/City'"
    )


def test_run_without_token_explains_how_to_get_one(tmp_path: Path) -> None:
    result = run_cli("run", env={"DATABASE_URL": sqlite_url(tmp_path / "x.db")}, cwd=tmp_path)
    assert result.returncode == 2
    assert "@BotFather" in result.stderr and "doanvien console" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_demo_and_console(tmp_path: Path) -> None:
    env = {"DATABASE_URL": sqlite_url(tmp_path / "c.db")}
    assert run_cli("migrate", env=env, cwd=tmp_path).returncode == 0
    demo = run_cli("demo", "--enterprises", "30", env=env, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "30 enterprises" in demo.stdout
    again = run_cli("demo", "--enterprises", "30", env=env, cwd=tmp_path)
    assert again.stdout == demo.stdout  # idempotent
    script = (
        "\n".join(
            [
                "#1",
                "#1",
                "Nguyễn Thị Lan",
                "25/03/1998",
                "#2",
                "0912345678",
                "#1",
                "may lai chau",
                "#1",
                "Công nhân may",
                "#8",
                "/quit",
            ]
        )
        + "\n"
    )
    console = run_cli("console", env=env, stdin=script, cwd=tmp_path)
    assert console.returncode == 0, console.stderr
    assert "[#1] 📝 Gia nhập Công đoàn" in console.stdout
    assert "DV-" in console.stdout and "Traceback" not in console.stdout + console.stderr
    # Log lines (here aiogram's, one per update) stay out of the conversation.
    assert "aiogram.event" in (tmp_path / "doanvien-console.log").read_text()
    assert "aiogram.event" not in console.stdout + console.stderr


def test_main_returns_exit_codes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path / "m.db"))
    assert main(["run"]) == 2
    assert main(["migrate"]) == 0


# --------------------------------------------------------------------------------------------
# One line for what stops a command; the database; roles and units from the command line
# --------------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """`main([...])` in a clean folder, without a token or a bot username."""
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "BOT_USERNAME", "REDIS_URL", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def one_line(text: str) -> str:
    assert text.count("\n") == 1 and "Traceback" not in text, text
    return text.strip()


def test_a_new_database_says_it_was_created(
    cli_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env.setenv("DATABASE_URL", sqlite_url(tmp_path / "new.db"))
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out == f"database created at the newest schema ({head_revision()})\n"
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out == f"database is up to date ({head_revision()})\n"


def test_a_mistyped_sqlite_path_creates_no_folder(
    cli_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "x" / "y"
    cli_env.setenv("DATABASE_URL", sqlite_url(missing / "z.db"))
    for command in (["migrate"], ["demo"], ["units"], ["admin", "add", "5"]):
        assert main(command) == 1
        assert one_line(capsys.readouterr().err) == (
            f"Database error: the folder {missing} of the SQLite database does not exist; "
            "create it, or fix DATABASE_URL"
        )
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("command", ["migrate", "run"])
def test_postgres_unreachable_is_one_line(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    cli_env.setenv("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/test")
    cli_env.setenv("BOT_TOKEN", "123456:ABCDEFGH")
    assert main([command]) == 1
    assert one_line(capsys.readouterr().err).startswith(
        "Database error: cannot reach PostgreSQL at 127.0.0.1:1 ("
    )


@pytest.mark.postgres
def test_postgres_database_missing_or_not_migrated(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pg_url: str
) -> None:
    cli_env.setenv("DATABASE_URL", pg_url.rsplit("/", 1)[0] + "/doanvien_no_such_db")
    assert main(["migrate"]) == 1
    assert one_line(capsys.readouterr().err) == (
        "Database error: the database doanvien_no_such_db does not exist on 127.0.0.1; "
        "create it (createdb doanvien_no_such_db) or fix DATABASE_URL"
    )
    cli_env.setenv("DATABASE_URL", pg_url)
    cli_env.setenv("BOT_TOKEN", "123456:ABCDEFGH")
    assert main(["run"]) == 1
    assert one_line(capsys.readouterr().err) == (
        f"Database error: the schema is at nothing yet, this version needs {head_revision()}; "
        "run doanvien migrate"
    )


@pytest.fixture
def demo_env(cli_env: pytest.MonkeyPatch, db_path: Path) -> Path:
    cli_env.setenv("DATABASE_URL", sqlite_url(db_path))
    return db_path


def admins(db_path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db_path) as db:
        return db.execute(
            "SELECT p.channel, p.chat_id, u.code FROM role_grants g "
            "JOIN people p ON p.id = g.person_id JOIN units u ON u.id = g.unit_id "
            "WHERE g.role = 'admin' ORDER BY p.channel"
        ).fetchall()


def test_admin_add_for_telegram_or_the_console(
    demo_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "add", "1001", "--unit", "LC-TP"]) == 0
    out = capsys.readouterr()
    assert (
        out.out.splitlines()[0] == "1001 is now an administrator of LC-TP (LĐLĐ thành phố Lai Châu)"
    )
    assert "warning: BOT_USERNAME is not set and BOT_TOKEN is not set" in out.err
    assert main(["admin", "add", "1001", "--channel", "console"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "console user 1001 is now an administrator of LC (LĐLĐ tỉnh Lai Châu)",
        "doanvien console --user 1001 talks as them",
    ]
    assert main(["admin", "add", "3", "--channel", "zalo"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "Zalo chat 3 is now an administrator of LC (LĐLĐ tỉnh Lai Châu)"
    )
    assert admins(demo_env) == [
        ("console", "1001", "LC"),
        ("telegram", "1001", "LC-TP"),
        ("zalo", "3", "LC"),
    ]


def test_an_unknown_unit_is_named(
    demo_env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["admin", "add", "7", "--unit", "NOPE"]) == 1
    assert one_line(capsys.readouterr().err) == "no unit with code NOPE; doanvien units lists them"
    assert main(["invite", "--role", "officer", "--unit", "NOPE"]) == 1
    assert one_line(capsys.readouterr().err) == "no unit with code NOPE; doanvien units lists them"
    os.environ["DATABASE_URL"] = sqlite_url(tmp_path / "empty.db")
    for command in (["admin", "add", "7", "--unit", "NOPE"], ["admin", "add", "7"], ["units"]):
        assert main(command) == 1
        assert one_line(capsys.readouterr().err) == (
            "no units loaded; run doanvien demo or doanvien import units"
        )


def test_invite_a_collaborator_for_a_ward_only(
    demo_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["invite", "--role", "collaborator", "--unit", "LC-TP"]) == 1
    assert one_line(capsys.readouterr().err) == (
        "a collaborator is a ward union chair, and LC-TP is a district_federation, not a "
        "ward_union; invite for a ward (doanvien units --kind ward --under LC-TP), or add --force"
    )
    assert main(["invite", "--role", "collaborator", "--unit", "LC-TP", "--force"]) == 0
    assert main(["invite", "--role", "collaborator", "--unit", "LC-TP-W01"]) == 0
    out = capsys.readouterr()
    assert "https://t.me/<bot>?start=inv_" in out.out
    assert out.err.count("warning: BOT_USERNAME is not set") == 2


def test_revoke_a_token_that_begins_with_a_dash(
    demo_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = iter(["-starts-with-a-dash", "fine-token"])
    monkeypatch.setattr(invitations.secrets, "token_urlsafe", lambda _size: next(tokens))
    assert invitations._new_token() == "fine-token"

    token = "-Abc123_dash"
    with sqlite3.connect(demo_env) as db:
        db.execute(
            "INSERT INTO invitations (token_hash, role, unit_id, created_at, expires_at) "
            "VALUES (?, 'officer', 1, '2026-01-01', '2999-01-01')",
            (invitations.hash_token(token),),
        )
    assert main(["invite", f"--revoke={token}"]) == 0
    assert capsys.readouterr().out == "invitation revoked\n"
    assert main(["invite", f"--revoke={token}"]) == 1


def test_units_lists_the_tree(demo_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["units"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(maxsplit=2) == ["LC", "provincial_federation", "LĐLĐ tỉnh Lai Châu"]
    assert any(line.startswith("  LC-TP ") for line in lines)
    assert any(line.startswith("    LC-TP-W01 ") for line in lines)

    assert main(["units", "--kind", "ward", "--under", "LC-TP"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [f"LC-TP-W0{i}" for i in range(1, 7)]
    assert all(line.startswith("  LC-TP-W") and "ward_union" in line for line in lines)

    assert main(["units", "--kind", "planet"]) == 1
    assert one_line(capsys.readouterr().err).startswith("no unit kind planet; one of ")
    assert main(["units", "--under", "NOPE"]) == 1
    assert one_line(capsys.readouterr().err) == "no unit with code NOPE; doanvien units lists them"
