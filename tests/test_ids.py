"""Identifiers are never issued twice: not after an erasure, not after a migration."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Base, Enterprise
from models.db import create_engine, create_session_factory
from models.migrate import upgrade, upgrade_async
from services.applications import Draft, erase_person, format_reference, submit_application
from services.demo import load_demo
from services.people import get_or_create_person
from tests.conftest import NOW, sqlite_url

# migrations/versions/0004_never_reuse_ids.py
NEVER_REUSED = {
    "units",
    "enterprises",
    "people",
    "applications",
    "invitations",
    "role_grants",
    "leads",
    "lead_events",
    "audit_events",
}


def draft(enterprise_id: int) -> Draft:
    return Draft(
        consent_at=NOW.isoformat(),
        full_name="Nguyễn Thị Lan",
        birth_date="1998-03-25",
        gender="female",
        phone="+84912345678",
        citizen_id_skipped=True,
        enterprise_id=enterprise_id,
        job="Công nhân may",
    )


async def join_erase_join(factory: async_sessionmaker[AsyncSession]) -> tuple[str, str]:
    """The references of a worker's first and, after erasing their data, second application."""
    references = []
    for _ in range(2):
        async with factory.begin() as session:
            enterprise_id = await session.scalar(select(Enterprise.id).limit(1))
            assert enterprise_id is not None
            person, _ = await get_or_create_person(session, "telegram", 5005, "vi")
            submitted = await submit_application(session, person, draft(enterprise_id), NOW)
            assert submitted.application.reference is not None
            references.append(submitted.application.reference)
        async with factory.begin() as session:
            person, _ = await get_or_create_person(session, "telegram", 5005, "vi")
            await erase_person(session, person)
    return references[0], references[1]


@pytest.fixture
async def sqlite_factory(db_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(sqlite_url(db_path))
    yield create_session_factory(engine)
    await engine.dispose()


async def test_a_reference_is_not_issued_again_after_an_erasure(
    sqlite_factory: async_sessionmaker[AsyncSession],
) -> None:
    first, second = await join_erase_join(sqlite_factory)
    assert first != second


@pytest.fixture
async def pg_factory(pg_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated PostgreSQL database with a little demo data."""
    await upgrade_async(pg_url)
    engine = create_engine(pg_url)
    factory = create_session_factory(engine)
    async with factory.begin() as session:
        await load_demo(session, enterprises=5)
    yield factory
    await engine.dispose()


@pytest.mark.postgres
async def test_a_reference_is_not_issued_again_after_an_erasure_postgres(
    pg_factory: async_sessionmaker[AsyncSession],
) -> None:
    first, second = await join_erase_join(pg_factory)
    assert first != second


async def reference_past_a_million(factory: async_sessionmaker[AsyncSession], jump: str) -> None:
    """After `jump` moves the id counter on, a reference still has the application's id."""
    async with factory.begin() as session:
        await session.execute(text(jump))
        enterprise_id = await session.scalar(select(Enterprise.id).limit(1))
        assert enterprise_id is not None
        person, _ = await get_or_create_person(session, "telegram", 5006, "vi")
        application = (
            await submit_application(session, person, draft(enterprise_id), NOW)
        ).application
    assert application.id == 1_234_567
    assert application.reference == format_reference(application.id, NOW.year) == "DV-2026-1234567"


async def test_a_reference_is_the_id_the_database_issued(
    sqlite_factory: async_sessionmaker[AsyncSession],
) -> None:
    jump = "UPDATE sqlite_sequence SET seq = 1234566 WHERE name = 'applications'"
    await reference_past_a_million(sqlite_factory, jump)


@pytest.mark.postgres
async def test_a_reference_is_the_id_the_database_issued_postgres(
    pg_factory: async_sessionmaker[AsyncSession],
) -> None:
    jump = "SELECT setval(pg_get_serial_sequence('applications', 'id'), 1234566)"
    await reference_past_a_million(pg_factory, jump)


def autoincrement_tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for name, sql in rows if "AUTOINCREMENT" in sql}


def test_the_schema_and_the_models_agree(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    upgrade(sqlite_url(path))
    flagged = {
        t.name
        for t in Base.metadata.tables.values()
        if t.dialect_options["sqlite"]["autoincrement"]
    }
    assert flagged >= NEVER_REUSED
    assert autoincrement_tables(path) >= NEVER_REUSED


def test_the_migration_keeps_rows_and_skips_ids_the_audit_trail_names(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = sqlite_url(path)
    upgrade(url, "0003")
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            INSERT INTO units (id, code, name, kind, search_key, created_at, updated_at)
                VALUES (1, 'LC', 'LĐLĐ tỉnh Lai Châu', 'provincial_federation', '',
                '2026-01-01', '2026-01-01');
            INSERT INTO people (id, channel, chat_id, language, created_at, updated_at) VALUES
                (1, 'telegram', '11', 'vi', '2026-01-01', '2026-01-01'),
                (2, 'telegram', '12', 'vi', '2026-01-01', '2026-01-01');
            INSERT INTO role_grants (id, person_id, role, unit_id, granted_at)
                VALUES (1, 2, 'admin', 1, '2026-01-01');
            INSERT INTO applications (id, reference, person_id, status, consent_version,
                consent_at, routed_unit_id, routing_reason, created_at, updated_at)
                VALUES (1, 'DV-2026-000001', 2, 'submitted', '2026-01', '2026-01-01', 1, 'root',
                '2026-01-01', '2026-01-01');
            -- person 3 and their application 2 were erased before the upgrade
            INSERT INTO audit_events (at, action, subject_type, subject_id, detail) VALUES
                ('2026-01-02', 'application.submitted', 'application', 2, '{}'),
                ('2026-01-02', 'person.erased', 'person', 3, '{}');
            """
        )
    upgrade(url)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=ON")
        assert db.execute("SELECT person_id FROM applications").fetchall() == [(2,)]
        assert db.execute("SELECT person_id, role FROM role_grants").fetchall() == [(2, "admin")]
        db.execute(
            "INSERT INTO people (channel, chat_id, language, created_at, updated_at) "
            "VALUES ('telegram', '13', 'vi', '2026-01-03', '2026-01-03')"
        )
        assert db.execute("SELECT max(id) FROM people").fetchone() == (4,)
        sequences = dict(db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    assert sequences["applications"] == 2
    assert autoincrement_tables(path) >= NEVER_REUSED
