"""Alembic environment: runs migrations on the async engine of DATABASE_URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from models import Base
from models.db import create_engine

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch migration rebuilds a SQLite table and drops the old one; with foreign keys
        # on, that drop would run the children's ON DELETE actions (SET NULL, CASCADE) and
        # lose their rows. SQLite's own procedure: keys off, outside any transaction (this
        # PRAGMA is the connection's first statement), and a check before the commit.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        # The rebuilt table is renamed to the old one's name: SQLite's checks of the schema
        # at a rename would refuse it while a trigger (0016's commit_writes) names the table
        # just dropped. The legacy rename skips that check; the trigger then finds its table.
        connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
    # The highest AUTOINCREMENT mark each table has had, before and after every step.
    high = _sequences(connection) if sqlite else {}

    def remember(**_: object) -> None:
        for name, seq in _sequences(connection).items():
            high[name] = max(high.get(name, 0), seq)

    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
        on_version_apply=remember if sqlite else (),
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            _restore_sequences(connection, high)
            if connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                raise RuntimeError("the migration left rows whose foreign keys point nowhere")


def _sequences(connection: Connection) -> dict[str, int]:
    """SQLite's AUTOINCREMENT high-water marks (`sqlite_sequence`), if the file has any."""
    exists = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
    ).first()
    if exists is None:
        return {}
    rows = connection.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").all()
    return {str(name): int(seq) for name, seq in rows}


def _restore_sequences(connection: Connection, before: dict[str, int]) -> None:
    # Rebuilding a table (a batch migration) starts its AUTOINCREMENT mark again from the
    # highest id it holds: ids erased earlier would be issued again. Keep the old mark.
    for name, seq in _sequences(connection).items():
        if before.get(name, 0) > seq:
            connection.exec_driver_sql(
                "UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (before[name], name)
            )


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_configure)
        await connection.commit()
    await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(_run_async(str(config.get_main_option("sqlalchemy.url"))))
