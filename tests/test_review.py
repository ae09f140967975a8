"""Officers decide on applications; workers hear the outcome and carry a verifiable card."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import delete, func, select

from bot.simulator import SimUser
from handlers.review import ReviewCb
from models import Application, ApplicationMessage, Member, Person, Role
from services import review
from services.members import verification_parameter
from services.people import get_or_create_person
from tests.conftest import NOW, World, t
from tests.journeys import complete_join
from tests.test_leads import give_role

NUMBER = re.compile(r"^CS-[0-9]{10}-2026-[0-9]{5}$")


async def applications(world: World) -> list[Application]:
    async with world.session_factory() as session:
        return list(await session.scalars(select(Application).order_by(Application.id)))


async def members(world: World) -> list[Member]:
    async with world.session_factory() as session:
        return list(await session.scalars(select(Member).order_by(Member.id)))


async def officer(world: World, user_id: int, unit: str = "LC-TP") -> SimUser:
    await give_role(world, user_id, Role.OFFICER, unit)
    return world.sim.user(user_id, first_name=f"Cán bộ {user_id}")


def photos_to(world: World, chat_id: int) -> list[Any]:
    return [
        r
        for r in world.api.requests
        if type(r).__name__ == "SendPhoto" and int(r.chat_id) == chat_id  # type: ignore[attr-defined]
    ]


def decode_qr(png: bytes) -> str:
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return str(found.text)


async def test_the_queue_holds_the_officers_subtree_only(world: World) -> None:
    worker = world.sim.user(701)
    await complete_join(worker)
    near, far = await officer(world, 702), await officer(world, 703, "LC-THU")
    await far.send("/review")
    assert far.last.text == t("review-queue-empty")
    await near.click(t("menu-review"), message=(await near.send("/start"))[-1])
    queue, card = near.inbox[-2], near.last
    assert t("review-queue-title", total=1) in queue.text
    [application] = await applications(world)
    assert f"<b>Đơn {application.reference}</b>" in card.text
    assert "Nguyễn Thị Lan" in card.text and "+84912345678" in card.text
    assert t("review-routing-grassroots-union") in card.text
    assert t("review-enterprise-has-union", union="CĐCS Công ty TNHH May Lai Châu") in card.text


async def test_approval_makes_a_member_with_a_card_that_verifies(world: World) -> None:
    worker = world.sim.user(711)
    await complete_join(worker)
    reviewer = await officer(world, 712)
    await reviewer.send("/review")
    await reviewer.click(t("review-approve"))
    [member] = await members(world)
    assert NUMBER.match(member.number), member.number
    assert t("review-approved", name="Nguyễn Thị Lan", number=member.number) in reviewer.last.text
    [application] = await applications(world)
    assert (application.status, application.decided_by is not None) == ("approved", True)
    told = [m.text for m in worker.inbox[-2:]]
    assert any(member.number in text and "Chúc mừng" in text for text in told)
    [photo] = photos_to(world, 711)
    png = photo.photo.data
    assert Image.open(io.BytesIO(png)).size == (1012, 638)
    link = decode_qr(png)
    parameter = verification_parameter(world.settings.card_key(), member.number)
    assert link == f"https://t.me/doanvien_bot?start={parameter}"
    # Anyone who scans it learns only that it is valid, and of which union.
    stranger = world.sim.user(713)
    await stranger.send(f"/start {parameter}")
    assert stranger.last.text == t("verify-valid", union="CĐCS Công ty TNHH May Lai Châu")
    assert "Lan" not in stranger.last.text
    # An officer over the union sees the record.
    await reviewer.send(f"/start {parameter}")
    assert "Nguyễn Thị Lan" in reviewer.last.text and member.number in reviewer.last.text
    # My application shows the number, and the card again.
    await worker.send("/status")
    assert member.number in worker.last.text
    await worker.click(t("menu-card"))
    assert len(photos_to(world, 711)) == 2


async def test_a_forged_or_guessed_card_link_is_not_valid(world: World) -> None:
    worker = world.sim.user(721)
    await complete_join(worker)
    reviewer = await officer(world, 722)
    await reviewer.send("/review")
    await reviewer.click(t("review-approve"))
    [member] = await members(world)
    good = verification_parameter(world.settings.card_key(), member.number)
    stranger = world.sim.user(723)
    for parameter in (
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        verification_parameter(b"another key", member.number),
        f"v_{member.number}",
    ):
        await stranger.send(f"/start {parameter}")
        assert stranger.last.text == t("verify-invalid")


async def test_rejection_needs_a_reason_and_the_worker_gets_it(world: World) -> None:
    worker = world.sim.user(731)
    await complete_join(worker)
    reviewer = await officer(world, 732)
    await reviewer.send("/review")
    await reviewer.click(t("review-reject"))
    await reviewer.click(t("reject-reason-other"))
    assert t("review-ask-reject-explain") in reviewer.last.text
    await reviewer.send("Doanh nghiệp đã giải thể")
    [application] = await applications(world)
    assert (application.status, application.decision_code) == ("rejected", "other")
    assert any("Doanh nghiệp đã giải thể" in m.text for m in worker.inbox[-2:])
    await worker.send("/status")
    assert t("reject-reason-other") in worker.last.text
    assert "Doanh nghiệp đã giải thể" in worker.last.text
    assert await members(world) == []


async def test_ask_for_more_the_answer_comes_back_to_the_queue(world: World) -> None:
    worker = world.sim.user(741)
    await complete_join(worker)
    reviewer = await officer(world, 742)
    await reviewer.send("/review")
    await reviewer.click(t("review-more"))
    await reviewer.send("Bạn làm ở phân xưởng nào?")
    question = worker.last
    assert "Bạn làm ở phân xưởng nào?" in question.text
    await reviewer.send("/review")
    assert reviewer.last.text == t("review-queue-empty")  # waiting for the worker
    await worker.click(t("worker-reply"))
    await worker.send("Phân xưởng may số 2")
    assert worker.last.text == t("worker-answer-sent")
    await reviewer.send("/review")
    assert "Phân xưởng may số 2" in reviewer.last.text
    assert "Bạn làm ở phân xưởng nào?" in reviewer.last.text
    # An old reply button after the answer: nothing to answer.
    await worker.click(t("worker-reply"), message=question)
    assert worker.last.text == t("worker-nothing-to-answer")


async def test_rerouting_moves_the_application_and_tells_the_worker(world: World) -> None:
    worker = world.sim.user(751)
    await complete_join(worker)
    first, second = await officer(world, 752), await officer(world, 753, "LC-THU")
    await first.send("/review")
    await first.click(t("review-reroute"))
    await first.send("than uyên")
    await first.click("LĐLĐ huyện Than Uyên")
    assert any("LĐLĐ huyện Than Uyên" in m.text for m in worker.inbox[-1:])
    [application] = await applications(world)
    assert application.routing_reason == review.REROUTED
    await second.send("/review")
    assert application.reference and application.reference in second.last.text
    await first.send("/review")
    assert first.last.text == t("review-queue-empty")


async def test_two_officers_approving_at_once_make_one_decision(world: World) -> None:
    await complete_join(world.sim.user(761))
    await give_role(world, 762, Role.OFFICER, "LC-TP")
    await give_role(world, 763, Role.OFFICER, "LC-TP")
    await decide_at_once(world)


async def decide_at_once(world: World) -> None:
    [application] = await applications(world)

    async def approve(chat_id: int) -> str:
        async with world.session_factory() as session:
            person, _ = await get_or_create_person(session, "telegram", chat_id, "vi")
            try:
                await review.approve(session, person, application.id, NOW)
            except review.AlreadyDecidedError:
                await session.rollback()
                return "taken"
            await session.commit()
            return "decided"

    outcomes = await asyncio.gather(approve(762), approve(763))
    assert sorted(outcomes) == ["decided", "taken"]
    assert len(await members(world)) == 1


async def test_the_second_officer_is_told_who_decided(world: World) -> None:
    await complete_join(world.sim.user(771))
    first, second = await officer(world, 772), await officer(world, 773)
    await first.send("/review")
    await second.send("/review")
    await first.click(t("review-approve"))
    await second.click(t("review-approve"))
    [application] = await applications(world)
    assert "Cán bộ 772" in second.last.text and application.reference in second.last.text
    assert len(await members(world)) == 1


async def test_only_an_admin_reverses_and_the_card_stops_verifying(world: World) -> None:
    worker = world.sim.user(781)
    await complete_join(worker)
    reviewer = await officer(world, 782)
    await reviewer.send("/review")
    await reviewer.click(t("review-approve"))
    [application] = await applications(world)
    [member] = await members(world)
    await reviewer.send(f"/application {application.reference}")
    assert t("review-reverse") not in [label for label, _ in reviewer.last.inline_buttons]
    await reviewer.click_data(ReviewCb(action="reverse", app_id=application.id).pack())
    assert reviewer.last.text == t("access-denied")
    await give_role(world, 783, Role.ADMIN, "LC")
    admin = world.sim.user(783)
    await admin.send(f"/application {application.reference}")
    await admin.click(t("review-reverse"))
    await admin.send("Công nhận nhầm người")
    [member] = await members(world)
    assert member.status == "revoked"
    assert (await applications(world))[0].status == "submitted"
    assert any(
        t("worker-reversed", reference=application.reference) == m.text for m in worker.inbox
    )
    parameter = verification_parameter(world.settings.card_key(), member.number)
    stranger = world.sim.user(785)
    await stranger.send(f"/start {parameter}")
    assert stranger.last.text == t("verify-invalid")


async def test_member_numbers_are_never_issued_twice(world: World) -> None:
    reviewer = await officer(world, 792)
    numbers = []
    for worker_id in (790, 791):
        await complete_join(world.sim.user(worker_id))
        await reviewer.send("/review")
        await reviewer.click(t("review-approve"))
        [member] = await members(world)
        numbers.append(member.number)
        async with world.session_factory.begin() as session:
            await session.execute(delete(Member))
    assert numbers[0] != numbers[1]


@pytest.mark.parametrize("role", [None, Role.COLLABORATOR, Role.STEERING])
async def test_lower_roles_cannot_review(world: World, role: str | None) -> None:
    await complete_join(world.sim.user(795))
    if role is not None:
        await give_role(world, 796, role, "LC-TP")
    user = world.sim.user(796)
    await user.send("/review")
    assert user.last.text == t("access-denied")
    [application] = await applications(world)
    await user.click_data(ReviewCb(action="approve", app_id=application.id).pack())
    assert user.last.text == t("access-denied")
    assert await members(world) == []


async def test_an_officer_outside_the_unit_cannot_decide(world: World) -> None:
    await complete_join(world.sim.user(797))
    far = await officer(world, 798, "LC-THU")
    [application] = await applications(world)
    await far.click_data(ReviewCb(action="approve", app_id=application.id).pack())
    assert far.last.text == t("access-denied")
    await far.send(f"/application {application.reference}")
    assert far.last.text == t("access-denied")
    async with world.session_factory() as session:
        denied = await session.scalar(
            select(func.count()).select_from(Person).where(Person.chat_id == "798")
        )
    assert denied == 1 and await members(world) == []


@pytest.mark.postgres
async def test_two_officers_at_once_on_postgres(pg_url: str) -> None:
    from tests.test_backends import make_world

    world = await make_world(pg_url)
    try:
        await complete_join(world.sim.user(761))
        await give_role(world, 762, Role.OFFICER, "LC-TP")
        await give_role(world, 763, Role.OFFICER, "LC-TP")
        await decide_at_once(world)
    finally:
        await world.engine.dispose()


async def test_erasing_a_members_data_keeps_only_an_anonymous_membership(world: World) -> None:
    worker = world.sim.user(799)
    await complete_join(worker)
    reviewer = await officer(world, 800)
    await reviewer.send("/review")
    await reviewer.click(t("review-more"))
    await reviewer.send("Bạn làm ca nào?")
    await worker.click(t("worker-reply"))
    await worker.send("Ca sáng, tổ 3")
    await reviewer.send("/review")
    await reviewer.click(t("review-approve"))
    await worker.send("/mydata")
    await worker.click(t("privacy-delete"))
    await worker.click(t("privacy-delete-yes"))
    async with world.session_factory() as session:
        [member] = list(await session.scalars(select(Member)))
        assert (member.full_name, member.person_id, member.status) == (None, None, "active")
        texts = await session.scalar(select(func.count()).select_from(ApplicationMessage))
        assert texts == 0
