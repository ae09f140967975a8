"""The webhook: only Telegram (the secret token) gets in; an update is answered once handled;
a second delivery of the same update has no second effect."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.webhook import build_app, new_secret, webhook_path
from models import Application, ProcessedUpdate
from tests.conftest import World, t
from tests.journeys import reach

SECRET = new_secret()
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
async def client(world: World) -> AsyncIterator[TestClient[object, object]]:
    app = build_app(world.dp, world.bot, SECRET, "/tg")
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


def test_secrets_and_paths() -> None:
    assert len(SECRET) >= 32 and set(SECRET) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    )
    assert new_secret() != SECRET
    assert webhook_path("https://bot.example.vn/tg/hook") == "/tg/hook"


async def test_without_the_secret_nothing_is_handled(
    world: World, client: TestClient[object, object]
) -> None:
    user = world.sim.user(981)
    update = user.message_update(text="/start").model_dump_json(exclude_none=True)
    for headers in ({}, {HEADER: "wrong"}, {HEADER: SECRET[:-1]}):
        response = await client.post(
            "/tg", data=update, headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status == 401
    assert world.api.sent == []
    async with world.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0


async def test_an_update_is_answered_after_it_is_committed_and_only_once(
    world: World, client: TestClient[object, object]
) -> None:
    user = world.sim.user(982)
    await reach(user, "summary")
    submit = next(data for label, data in user.last.inline_buttons if label == t("join-submit"))
    update = user.callback_update(user.last, submit).model_dump_json(exclude_none=True)
    headers = {HEADER: SECRET, "Content-Type": "application/json"}
    response = await client.post("/tg", data=update, headers=headers)
    assert response.status == 200
    # Answered: the application is committed and the worker was told its reference.
    async with world.session_factory() as session:
        [application] = list(await session.scalars(select(Application)))
    assert any(application.reference and application.reference in m.text for m in world.api.sent)
    sent = len(world.api.sent)
    again = await client.post("/tg", data=update, headers=headers)  # Telegram retries
    assert again.status == 200 and len(world.api.sent) == sent
    async with world.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Application)) == 1


async def test_health(client: TestClient[object, object]) -> None:
    response = await client.get("/health")
    assert response.status == 200 and (await response.json()) == {"ok": True}
