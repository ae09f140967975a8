"""After joining: a member changes job and moves to another union, asks a question, leaves."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.simulator import SimUser
from handlers.after_joining import QuestionCb, TransferCb
from models import AuditEvent, Enterprise, Member, Question, Transfer, Unit
from services import after_joining
from services.access import UnitTree
from services.members import verification_parameter
from services.people import get_or_create_person
from services.register import unit_by_code
from tests.conftest import NOW, TZ, World, t
from tests.journeys import complete_join
from tests.test_leads import enterprises_without_union
from tests.test_review import members, officer

QUESTION_TEXT = "Công ty nợ lương 2 tháng thì tôi phải làm sao?"


async def become_member(world: World, worker_id: int, officer_id: int) -> SimUser:
    """A worker who joined at Công ty TNHH May Lai Châu and was recognized by its union."""
    worker = world.sim.user(worker_id)
    await complete_join(worker)
    reviewer = await officer(world, officer_id)
    await reviewer.send("/review")
    await reviewer.click(t("review-approve"))
    return worker


async def the_member(world: World) -> Member:
    [member] = await members(world)
    return member


async def transfers(world: World) -> list[Transfer]:
    async with world.session_factory() as session:
        return list(await session.scalars(select(Transfer).order_by(Transfer.id)))


async def unit(world: World, unit_id: int) -> Unit:
    async with world.session_factory() as session:
        found = await session.get(Unit, unit_id)
    assert found is not None
    return found


async def denials(world: World, subject_type: str) -> int:
    async with world.session_factory() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "access.denied", AuditEvent.subject_type == subject_type)
        )
    return int(count or 0)


async def open_membership(worker: SimUser) -> None:
    await worker.click(t("menu-membership"), message=(await worker.send("/start"))[-1])


async def leave(worker: SimUser, reason: str, confirm: str) -> None:
    """My membership → Leave the union → the reason → yes or no."""
    await open_membership(worker)
    await worker.click(t("membership-leave"))
    await worker.click(reason)
    await worker.click(confirm)


async def request_move_to(worker: SimUser, enterprise: Enterprise) -> None:
    """My membership → I changed job → the new employer from the register → send."""
    await open_membership(worker)
    await worker.click(t("membership-changed-job"))
    assert t("transfer-ask-workplace") in worker.last.text
    assert enterprise.tax_code is not None
    await worker.send(enterprise.tax_code)
    await worker.click(enterprise.name[:40])
    assert enterprise.name in worker.last.text
    await worker.click(t("transfer-send"))


async def subtree_of(world: World, code: str) -> set[int]:
    async with world.session_factory() as session:
        root = await unit_by_code(session, code)
        assert root is not None
        return (await UnitTree.load(session)).subtree([root.id])


async def movement(world: World, code: str) -> after_joining.Movement:
    units = await subtree_of(world, code)
    async with world.session_factory() as session:
        return await after_joining.movement(session, units, date(2026, 1, 1), date(2027, 1, 1), TZ)


# ---- transfers ----------------------------------------------------------------------------


async def test_a_transfer_accepted_by_the_new_union_keeps_the_number(world: World) -> None:
    worker = await become_member(world, 801, 802)
    before = await the_member(world)
    [target] = (await enterprises_without_union(world, "LC-THU"))[:1]
    await request_move_to(worker, target)
    [transfer] = await transfers(world)
    destination = await unit(world, transfer.to_unit_id)
    assert worker.last.text == t("transfer-sent", union=destination.name)
    assert (transfer.status, transfer.from_unit_id) == ("pending", before.union_unit_id)
    # Asking again while it waits: told it waits, no second request.
    await open_membership(worker)
    assert t("membership-transfer-waiting", union=destination.name) in worker.last.text
    await worker.click(t("membership-changed-job"))
    assert worker.last.text == t("transfer-already-waiting", union=destination.name)

    receiver = await officer(world, 803, "LC-THU")
    await receiver.click(t("menu-transfers"), message=(await receiver.send("/start"))[-1])
    assert before.number in receiver.last.text and target.name in receiver.last.text
    await receiver.click(t("transfers-accept"))
    assert t("transfers-accepted", name="Nguyễn Thị Lan") in receiver.last.text
    after = await the_member(world)
    assert after.number == before.number
    assert (after.union_unit_id, after.status) == (destination.id, "active")
    [transfer] = await transfers(world)
    assert transfer.status == "accepted" and transfer.decided_at is not None
    told = [m.text for m in worker.inbox[-2:]]
    assert t("transfer-accepted", union=destination.name, number=before.number) in told
    # Counted once, as a transfer: not a new admission at the destination, not a loss.
    assert await movement(world, "LC-THU") == after_joining.Movement(0, 0, 1, 0)
    assert await movement(world, "LC-TP") == after_joining.Movement(1, 0, 0, 1)
    assert await movement(world, "LC") == after_joining.Movement(1, 0, 0, 0)
    assert len(await members(world)) == 1
    # The card still verifies, now naming the new union.
    parameter = verification_parameter(world.settings.card_key(), before.number)
    stranger = world.sim.user(804)
    await stranger.send(f"/start {parameter}")
    assert stranger.last.text == t("verify-valid", union=destination.name)


async def test_a_declined_transfer_leaves_the_membership_where_it_was(world: World) -> None:
    worker = await become_member(world, 811, 812)
    before = await the_member(world)
    async with world.session_factory() as session:
        ward = await unit_by_code(session, "LC-THU-W01")
    assert ward is not None
    # Not in the register: the employer's name (what was searched), then its ward.
    await open_membership(worker)
    await worker.click(t("membership-changed-job"))
    await worker.send("Xưởng mộc Bình Minh")
    await worker.click(t("join-workplace-not-listed"))
    await worker.click(t("membership-keep"))
    await worker.send(ward.name)
    await worker.click(ward.name)
    assert "Xưởng mộc Bình Minh" in worker.last.text
    await worker.click(t("transfer-send"))
    [transfer] = await transfers(world)
    assert (transfer.employer_name, transfer.to_unit_id) == ("Xưởng mộc Bình Minh", ward.id)

    receiver = await officer(world, 813, "LC-THU")
    await receiver.send("/transfers")
    assert "Xưởng mộc Bình Minh" in receiver.last.text
    await receiver.click(t("transfers-decline"))
    assert t("transfers-declined", name="Nguyễn Thị Lan") in receiver.last.text
    assert worker.last.text == t("transfer-declined", union=ward.name)
    after = await the_member(world)
    assert (after.number, after.union_unit_id) == (before.number, before.union_unit_id)
    [transfer] = await transfers(world)
    assert transfer.status == "declined"
    assert await movement(world, "LC-THU") == after_joining.Movement(0, 0, 0, 0)


async def test_an_officer_outside_the_destination_cannot_accept(world: World) -> None:
    worker = await become_member(world, 821, 822)
    [target] = (await enterprises_without_union(world, "LC-THU"))[:1]
    await request_move_to(worker, target)
    [transfer] = await transfers(world)
    source = await officer(world, 822)  # the member's own union: not the destination
    await source.send("/transfers")
    assert source.last.text == t("transfers-none")
    denied = await denials(world, "transfer")
    await source.click_data(TransferCb(action="accept", transfer_id=transfer.id).pack())
    assert source.last.text == t("access-denied")
    assert await denials(world, "transfer") == denied + 1
    worker_itself = world.sim.user(821)
    await worker_itself.click_data(TransferCb(action="accept", transfer_id=transfer.id).pack())
    assert worker_itself.last.text == t("access-denied")
    [transfer] = await transfers(world)
    assert transfer.status == "pending"
    assert (await the_member(world)).union_unit_id == transfer.from_unit_id


async def test_a_new_job_under_the_same_union_moves_nothing(world: World) -> None:
    worker = await become_member(world, 831, 832)
    await open_membership(worker)
    await worker.click(t("membership-changed-job"))
    await worker.send("may lai chau")
    await worker.click("Công ty TNHH May Lai Châu")
    await worker.click(t("transfer-send"))
    assert worker.last.text == t("transfer-same-union", union="CĐCS Công ty TNHH May Lai Châu")
    assert await transfers(world) == []


async def test_a_worker_who_is_not_a_member_has_no_membership_entries(world: World) -> None:
    worker = world.sim.user(841)
    await worker.send("/start")
    labels = [text for text, _ in worker.last.inline_buttons]
    assert t("menu-ask") in labels and t("menu-membership") not in labels
    await worker.send("/membership")
    assert worker.last.text == t("membership-none")


# ---- questions ----------------------------------------------------------------------------


async def test_a_question_is_answered_and_the_worker_gets_the_answer(world: World) -> None:
    worker = await become_member(world, 851, 852)
    await worker.click(t("menu-ask"), message=(await worker.send("/start"))[-1])
    assert t("question-ask-text") in worker.last.text
    await worker.send(QUESTION_TEXT)
    assert worker.last.text == t("question-sent", unit="CĐCS Công ty TNHH May Lai Châu")
    far = await officer(world, 853, "LC-THU")
    await far.send("/questions")
    assert far.last.text == t("questions-none")
    near = await officer(world, 852)
    await near.click(t("menu-questions"), message=(await near.send("/start"))[-1])
    assert t("questions-title", total=1, stale=0) in near.inbox[-2].text
    card = near.last
    assert QUESTION_TEXT in card.text and "Nguyễn Thị Lan" in card.text
    await near.click(t("questions-answer"))
    assert QUESTION_TEXT in near.last.text
    await near.send("Bạn hãy gửi bảng lương cho Công đoàn, chúng tôi sẽ làm việc với công ty.")
    assert t("questions-answer-sent") in near.last.text
    assert t("questions-none") in near.last.text
    answer = worker.last.text
    assert QUESTION_TEXT in answer and "gửi bảng lương cho Công đoàn" in answer
    async with world.session_factory() as session:
        [question] = list(await session.scalars(select(Question)))
    assert question.answered_at is not None and question.answer is not None
    # The old Answer button: already answered, nothing sent twice.
    sent = len(worker.inbox)
    await near.click(t("questions-answer"), message=card)
    assert "Cán bộ 852" in near.last.text
    assert len(worker.inbox) == sent


async def test_the_nearest_officers_hear_of_a_question_and_a_transfer_at_once(
    world: World,
) -> None:
    worker = await become_member(world, 881, 882)  # 882: officer of LC-TP, over the union
    near = world.sim.user(882)
    top, far = await officer(world, 883, "LC"), await officer(world, 884, "LC-THU")
    await worker.click(t("menu-ask"), message=(await worker.send("/start"))[-1])
    await worker.send(QUESTION_TEXT)
    # Told once, with the button to the list; the province's officer and another district's
    # are not disturbed (they still see it in their lists and the daily reminder).
    union = "CĐCS Công ty TNHH May Lai Châu"
    assert near.last.text == t("question-new-officer", unit=union)
    assert QUESTION_TEXT not in near.last.text  # the worker's words stay in the list
    assert top.inbox == [] and far.inbox == []
    await near.click(t("menu-questions"))
    assert QUESTION_TEXT in near.last.text

    [target] = (await enterprises_without_union(world, "LC-THU"))[:1]
    await request_move_to(worker, target)
    [transfer] = await transfers(world)
    destination = await unit(world, transfer.to_unit_id)
    assert far.last.text == t("transfer-new-officer", unit=destination.name)
    assert top.inbox == []
    await far.click(t("menu-transfers"))
    assert target.name in far.last.text
    await far.click(t("transfers-accept"))
    assert (await transfers(world))[0].status == "accepted"


async def test_a_non_member_asks_the_root_and_outsiders_cannot_answer(world: World) -> None:
    worker = world.sim.user(861)
    await worker.click(t("menu-ask"), message=(await worker.send("/start"))[-1])
    await worker.send(QUESTION_TEXT)
    assert worker.last.text == t("question-sent", unit="LĐLĐ tỉnh Lai Châu")
    async with world.session_factory() as session:
        [question] = list(await session.scalars(select(Question)))
    below = await officer(world, 862)
    await below.send("/questions")
    assert below.last.text == t("questions-none")
    denied = await denials(world, "question")
    await below.click_data(QuestionCb(action="answer", question_id=question.id).pack())
    assert below.last.text == t("access-denied")
    assert await denials(world, "question") == denied + 1
    top = await officer(world, 863, "LC")
    await top.send("/questions")
    assert QUESTION_TEXT in top.last.text
    assert t("questions-from-worker") in top.last.text


async def test_questions_waiting_two_days_are_listed_first_and_flagged(world: World) -> None:
    async with world.session_factory.begin() as session:
        for chat_id, asked in ((871, NOW), (872, NOW - timedelta(days=3))):
            person, _ = await get_or_create_person(session, "telegram", chat_id, "vi")
            await after_joining.ask(session, person, f"Câu hỏi của {chat_id}", asked)
    top = await officer(world, 873, "LC")
    await top.send("/questions")
    listing, card = top.inbox[-2].text, top.last.text
    assert t("questions-title", total=2, stale=1) in listing
    assert t("questions-stale-line", unit="LĐLĐ tỉnh Lai Châu", asked="19/11/2026") in listing
    assert t("questions-stale-flag") in card and "Câu hỏi của 872" in card
    await top.click(t("questions-next"))
    assert "Câu hỏi của 871" in top.last.text
    assert t("questions-stale-flag") not in top.last.text
    units = await subtree_of(world, "LC")
    async with world.session_factory() as session:
        stale = await after_joining.stale_questions(session, units, NOW)
        none_yet = await after_joining.stale_questions(session, units, NOW - timedelta(days=2))
    assert [q.text for q in stale] == ["Câu hỏi của 872"]
    assert none_yet == []


async def test_my_data_shows_the_questions_and_erasure_deletes_them(world: World) -> None:
    worker = await become_member(world, 881, 882)
    await worker.click(t("menu-ask"), message=(await worker.send("/start"))[-1])
    await worker.send(QUESTION_TEXT)
    await worker.click(t("menu-my-data"))
    assert QUESTION_TEXT in worker.last.text
    await worker.click(t("privacy-delete"))
    await worker.click(t("privacy-delete-yes"))
    assert worker.last.text == t("privacy-deleted")
    assert t("menu-membership") not in [label for label, _ in worker.last.inline_buttons]
    async with world.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 0


# ---- leaving ------------------------------------------------------------------------------


async def test_leaving_is_confirmed_recorded_as_a_loss_and_the_card_stops(world: World) -> None:
    worker = await become_member(world, 891, 892)
    member = await the_member(world)
    parameter = verification_parameter(world.settings.card_key(), member.number)
    await open_membership(worker)
    await worker.click(t("membership-leave"))
    await worker.click(t("leave-reason-left-job"))
    assert member.number in worker.last.text
    await worker.click(t("leave-no"))
    assert worker.last.text == t("leave-stayed")
    assert (await the_member(world)).status == "active"

    await leave(worker, t("leave-reason-left-job"), t("leave-yes"))
    union = "CĐCS Công ty TNHH May Lai Châu"
    assert worker.last.text == t("leave-done", union=union, date="22/11/2026")
    assert t("menu-membership") not in [label for label, _ in worker.last.inline_buttons]
    left = await the_member(world)
    assert (left.status, left.ended_on, left.ended_reason) == ("left", NOW.date(), "left_job")
    assert await movement(world, "LC-TP") == after_joining.Movement(1, 1, 0, 0)
    stranger = world.sim.user(893)
    await stranger.send(f"/start {parameter}")
    assert stranger.last.text == t("verify-invalid")
    await worker.send("/membership")
    assert worker.last.text == t("membership-none")


async def test_leaving_cancels_a_transfer_still_waiting(world: World) -> None:
    worker = await become_member(world, 895, 896)
    [target] = (await enterprises_without_union(world, "LC-THU"))[:1]
    await request_move_to(worker, target)
    await leave(worker, t("leave-reason-other"), t("leave-yes"))
    [transfer] = await transfers(world)
    assert transfer.status == "cancelled"
    receiver = await officer(world, 897, "LC-THU")
    await receiver.send("/transfers")
    assert receiver.last.text == t("transfers-none")


async def test_two_officers_deciding_a_transfer_at_once_make_one_decision(world: World) -> None:
    worker = await become_member(world, 898, 899)
    [target] = (await enterprises_without_union(world, "LC-THU"))[:1]
    await request_move_to(worker, target)
    [transfer] = await transfers(world)
    await officer(world, 901, "LC-THU")
    await officer(world, 902, "LC-THU")

    async def decide(chat_id: int, accept: bool) -> str:
        async with world.session_factory() as session:
            person, _ = await get_or_create_person(session, "telegram", chat_id, "vi")
            try:
                await after_joining.decide_transfer(session, person, transfer.id, accept, NOW)
            except after_joining.TransferDecidedError:
                await session.rollback()
                return "taken"
            await session.commit()
            return "decided"

    outcomes = await asyncio.gather(decide(901, True), decide(902, False))
    assert sorted(outcomes) == ["decided", "taken"]
    [transfer] = await transfers(world)
    member = await the_member(world)
    moved = member.union_unit_id == transfer.to_unit_id
    assert transfer.status == ("accepted" if moved else "declined")
