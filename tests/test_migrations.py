"""The stairway: every migration upgrades and downgrades cleanly, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from pathlib import Path

import pytest
from alembic import command
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
        # SQLite's FTS5 index (migration 0013) is a virtual table with shadow tables of its own;
        # PostgreSQL's words in rank order (0014) are kept by triggers, with no model either.
        indexes = ("enterprise_search", "enterprise_words")
        return {n for n in names if not n.startswith(indexes)} - {"alembic_version"}

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


def test_reassignments_move_from_the_note_to_typed_columns(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "leads.db"
    url = sqlite_url(path)
    upgrade(url, "0004")
    now = "2026-01-01 00:00:00"
    with sqlite3.connect(path) as db:
        db.executescript(
            f"""
            INSERT INTO units VALUES
                (1, 'W', 'Phường', 'ward_union', NULL, 'phuong', '{now}', '{now}');
            INSERT INTO people (id, channel, chat_id, language, created_at, updated_at)
                VALUES (3, 'telegram', '3', 'vi', '{now}', '{now}');
            INSERT INTO people (id, channel, chat_id, language, created_at, updated_at)
                VALUES (7, 'telegram', '7', 'vi', '{now}', '{now}');
            INSERT INTO enterprises (id, name, search_key, pays_union_fee, has_party_cell,
                in_industrial_zone, created_at, updated_at)
                VALUES (1, 'DN', 'dn', 0, 0, 0, '{now}', '{now}');
            INSERT INTO leads (id, ref, enterprise_id, unit_id, stage, priority, priority_reasons,
                created_at, updated_at) VALUES (1, 'R1', 1, 1, 'new', 0, '[]', '{now}', '{now}');
            INSERT INTO lead_events (id, lead_id, at, kind, note)
                VALUES (1, 1, '{now}', 'reassign', '3>7');
            INSERT INTO lead_events (id, lead_id, at, kind, note)
                VALUES (2, 1, '{now}', 'note', 'hẹn thứ Hai');
            """
        )
    upgrade(url, "0005")
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT kind, from_person_id, to_person_id, note FROM lead_events ORDER BY id"
        ).fetchall()
    assert rows == [("reassign", 3, 7, None), ("note", None, None, "hẹn thứ Hai")]
    downgrade(url, "0004")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT note FROM lead_events WHERE id = 1").fetchone() == ("3>7",)


LATER_MIGRATION = '''
"""a later migration that rebuilds the tables migration 0016's trigger writes to"""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("processed_updates", "fsm_records", "outbox"):
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.add_column(sa.Column("later", sa.Integer))


def downgrade() -> None:
    for table in ("processed_updates", "fsm_records", "outbox"):
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.drop_column("later")
'''


def test_a_later_batch_migration_keeps_the_commit_trigger_working(tmp_path: Path) -> None:
    """SQLite refuses to rename a rebuilt table under a trigger naming it, unless migrations
    use the legacy rename (models/migrations/env.py): a future migration must just work."""
    url = sqlite_url(tmp_path / "later.db")
    upgrade(url)
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "9999_later.py").write_text(LATER_MIGRATION.format(head=revisions()[-1]))
    config = alembic_config(url)
    migrations = Path(config.get_main_option("script_location") or "")
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", os.pathsep.join(map(str, (migrations / "versions", versions)))
    )
    command.upgrade(config, "9999")
    batch = {
        "marks": [{"bot_id": 1, "update_id": 5, "processed_at": "2026-12-03 10:00:00.000000"}],
        "fsm": [{"key": "k", "state": "s", "data": "{}", "updated_at": "2026-12-03 10:00:00"}],
    }
    with sqlite3.connect(tmp_path / "later.db") as db:
        db.execute("INSERT INTO commit_writes (batch) VALUES (?)", (json.dumps(batch),))
        assert db.execute("SELECT update_id FROM processed_updates").fetchall() == [(5,)]
        assert db.execute("SELECT key, state FROM fsm_records").fetchall() == [("k", "s")]
    command.downgrade(config, revisions()[-1])
