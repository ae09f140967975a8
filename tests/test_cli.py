"""The `doanvien` command: settings errors, the no-token hint, migrate, demo, console."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_settings
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
                "1",
                "1",
                "Nguyễn Thị Lan",
                "25/03/1998",
                "2",
                "0912345678",
                "1",
                "may lai chau",
                "1",
                "Công nhân may",
                "8",
                "/quit",
            ]
        )
        + "\n"
    )
    console = run_cli("console", env=env, stdin=script, cwd=tmp_path)
    assert console.returncode == 0, console.stderr
    assert "[1] 📝 Gia nhập Công đoàn" in console.stdout
    assert "DV-" in console.stdout and "Traceback" not in console.stdout + console.stderr


def test_main_returns_exit_codes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path / "m.db"))
    assert main(["run"]) == 2
    assert main(["migrate"]) == 0
