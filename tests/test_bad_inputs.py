"""Every wrong answer gets its localized reason and the same question again; nothing is lost."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models import FsmRecord
from tests.conftest import World, t
from tests.journeys import reach

LONG = "A" * 5000
# (step, what is sent, the reason key, its Fluent arguments)
CASES: list[tuple[str, str, str, dict[str, object]]] = [
    ("full_name", "<b>Lan</b>", "invalid-name-chars", {}),
    ("full_name", LONG, "invalid-name-too-long", {"max": 100}),
    ("full_name", "L", "invalid-name-too-short", {}),
    ("full_name", "Lan 123", "invalid-name-chars", {}),
    ("full_name", "Lan 😀", "invalid-name-chars", {}),
    ("full_name", "<script>alert(1)</script>", "invalid-name-chars", {}),
    ("full_name", "Nguyễn & Co", "invalid-name-chars", {}),
    ("full_name", "@@@", "invalid-name-chars", {}),
    ("birth_date", "25-13-1998", "invalid-date-impossible", {}),
    ("birth_date", "31/02/2000", "invalid-date-impossible", {}),
    ("birth_date", "hôm qua", "invalid-date-format", {}),
    ("birth_date", "1998", "invalid-date-format", {}),
    ("birth_date", "1998-03-25", "invalid-date-format", {}),
    ("birth_date", "01/01/2030", "invalid-date-future", {}),
    ("birth_date", "23/11/2011", "invalid-date-under-age", {"min_age": 15}),
    ("birth_date", "1/1/20", "invalid-date-under-age", {"min_age": 15}),
    ("birth_date", "01/01/1900", "invalid-date-too-old", {"max_age": 100}),
    ("birth_date", LONG, "invalid-date-format", {}),
    ("phone", "12345", "invalid-phone-format", {}),
    ("phone", "+1 650 253 0000", "invalid-phone-not-vietnamese", {}),
    ("phone", "+66 81 234 5678", "invalid-phone-not-vietnamese", {}),
    ("phone", "024 3825 1234", "invalid-phone-not-mobile", {}),
    ("phone", "0912 345 678 ext 12", "invalid-phone-format", {}),
    ("phone", "số của tôi", "invalid-phone-format", {}),
    ("phone", "0" * 40, "invalid-phone-too-long", {}),
    ("phone", "1900 1234", "invalid-phone-not-mobile", {}),
    ("citizen_id", "00119801234", "invalid-citizen-id-length", {"count": 11}),
    ("citizen_id", "0011980123456", "invalid-citizen-id-length", {"count": 13}),
    ("citizen_id", "00119801234A", "invalid-citizen-id-chars", {}),
    ("citizen_id", "000198012345", "invalid-citizen-id-province", {}),
    ("citizen_id", "123456789", "invalid-citizen-id-length", {"count": 9}),
    ("citizen_id", "CCCD của tôi", "invalid-citizen-id-chars", {}),
    ("job", "x", "invalid-text-too-short", {"min": 2}),
    ("job", "B" * 101, "invalid-text-too-long", {"max": 100}),
    ("job", "<i>công nhân</i>", "invalid-text-markup", {}),
    ("job", "công\u0000nhân", "invalid-text-chars", {}),
    ("workplace", "a", "form-query-too-short", {}),
    ("workplace", LONG, "form-query-too-long", {"max": 200}),
    ("consent", "đồng ý", "join-use-buttons", {}),
    ("gender", "robot", "join-use-buttons", {}),
    ("summary", "gửi", "join-use-buttons", {}),
]
CONTENT_CASES = [
    ("full_name", "sticker"),
    ("birth_date", "photo"),
    ("citizen_id", "sticker"),
    ("job", "photo"),
    ("consent", "sticker"),
    ("summary", "photo"),
    ("phone", "sticker"),
]


async def snapshot(world: World, user_id: int) -> tuple[str | None, dict[str, object]]:
    async with world.session_factory() as session:
        record = await session.scalar(
            select(FsmRecord).where(FsmRecord.key.contains(f":{user_id}:"))
        )
        assert record is not None
        return record.state, json.loads(record.data)


def test_the_table_is_large_enough() -> None:
    assert len(CASES) + len(CONTENT_CASES) >= 40


@pytest.mark.parametrize(
    ("step", "text", "reason", "args"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
async def test_bad_text_is_refused_with_its_reason(
    world: World, step: str, text: str, reason: str, args: dict[str, object]
) -> None:
    user = world.sim.user(500)
    await reach(user, step)
    question = user.last.text
    before = await snapshot(world, 500)
    await user.send(text)
    reply = user.last.text
    assert reply.startswith("⚠️ " + t(reason, **args))
    assert reply.endswith(question)  # the same question again
    assert await snapshot(world, 500) == before  # nothing typed before is lost
    assert "Traceback" not in reply and "<b>Lan" not in reply


@pytest.mark.parametrize(("step", "kind"), CONTENT_CASES)
async def test_stickers_and_photos_mid_form_are_refused(world: World, step: str, kind: str) -> None:
    user = world.sim.user(501)
    await reach(user, step)
    before = await snapshot(world, 501)
    await (user.send_sticker() if kind == "sticker" else user.send_photo())
    # Where only a button answers, a sticker is told to press one; elsewhere, to type.
    key = "join-use-buttons" if step in ("consent", "summary") else "join-text-only"
    assert user.last.text.startswith("⚠️ " + t(key))
    assert await snapshot(world, 501) == before


async def test_user_text_is_escaped_when_echoed(world: World) -> None:
    user = world.sim.user(502)
    await reach(user, "workplace")
    await user.send("<b>không</b> có")
    assert "&lt;b&gt;không&lt;/b&gt; có" in user.last.text
