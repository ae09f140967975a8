"""The stairway: every migration upgrades and downgrades cleanly, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from models import Base
from models.db import create_engine
from models.migrate import alembic_config, downgrade, upgrade
from tests.conftest import sqlite_url


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def stairway(url: str) -> None:
    previous = "base"
    for revision in revisions():
        upgrade(url, revision)
        downgrade(url, previous)
        upgrade(url, revision)
        previous = revision


def tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_engine(url)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
        await engine.dispose()
        return set(names) - {"alembic_version"}

    return asyncio.run(read())


def test_stairway_sqlite(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "stairway.db")
    stairway(url)
    assert tables(url) == set(Base.metadata.tables)
    downgrade(url, "base")
    assert tables(url) == set()


@pytest.mark.postgres
def test_stairway_postgres(pg_url: str) -> None:
    stairway(pg_url)
    assert tables(pg_url) == set(Base.metadata.tables)
    downgrade(pg_url, "base")
    assert tables(pg_url) == set()
