"""The bot on Zalo: the same journeys through the fake Zalo Bot API, on the wire."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Application, Person
from tests.journeys import complete_join
from tests.zalo_user import ZaloWorld, close_zalo_world, open_zalo_world


@pytest.fixture
async def zalo(db_path: Path) -> AsyncIterator[ZaloWorld]:
    world, engine = await open_zalo_world(db_path)
    yield world
    await close_zalo_world(world, engine)


async def test_a_worker_joins_entirely_on_zalo(zalo: ZaloWorld) -> None:
    worker = zalo.user("f00dcafe01", "Lan")
    await complete_join(worker)
    for m in worker.inbox:
        print("----\n" + m.text)
    async with zalo.channel.chats.session_factory() as session:
        [application] = list(await session.scalars(select(Application)))
        person = await session.get(Person, application.person_id)
    assert person is not None and person.channel == "zalo"
    assert application.reference is not None and application.reference in worker.last.text
    assert application.phone == "+84912345678"
