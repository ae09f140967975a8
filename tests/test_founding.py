"""Five workers want a union: the alert, the founding decision, the recognition file, and
dissolution."""

from __future__ import annotations

import asyncio
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.simulator import SimUser
from models import Application, Enterprise, FoundingAlert, Lead, Member, Person, Role, Unit
from services.applications import Draft, submit_application
from services.founding import THRESHOLD
from services.people import get_or_create_person
from tests.conftest import NOW, World, t
from tests.journeys import ANSWERS
from tests.test_leads import collaborator, enterprises_without_union, give_role, report_known


async def join_at(user: SimUser, enterprise: Enterprise) -> None:
    """A worker scans the factory-gate QR code of `enterprise` and applies."""
    await user.send(f"/start e_{enterprise.tax_code}")
    await user.click(t("join-consent-agree"))
    for step in ("full_name", "birth_date"):
        await user.send(ANSWERS[step])
    await user.click(t("gender-female"))
    await user.send(ANSWERS["phone"])
    await user.click(t("join-skip"))
    await user.send(ANSWERS["job"])
    await user.click(t("join-submit"))


def sent_to(world: World, chat_id: int) -> list[str]:
    return [m.text for m in world.api.sent if m.chat_id == chat_id]


async def target(world: World) -> Enterprise:
    return (await enterprises_without_union(world, "LC-TP-W03"))[0]


async def test_the_fifth_application_alerts_the_officer_and_the_collaborator_once(
    world: World,
) -> None:
    enterprise = await target(world)
    await give_role(world, 801, Role.OFFICER, "LC-TP")
    await give_role(world, 802, Role.OFFICER, "LC-THU")  # elsewhere: not told
    chair = await collaborator(world, 803, "LC-TP-W03")
    assert enterprise.tax_code is not None
    await report_known(chair, enterprise.tax_code)
    alert = t("founding-alert", count=THRESHOLD, enterprise=enterprise.name)
    for index in range(THRESHOLD + 1):
        await join_at(world.sim.user(810 + index), enterprise)
        told = sent_to(world, 801).count(alert)
        assert told == (1 if index + 1 >= THRESHOLD else 0), index
    assert sent_to(world, 803).count(alert) == 1
    assert alert not in sent_to(world, 802)


async def test_two_applications_together_alert_once(world: World) -> None:
    enterprise = await target(world)
    for index in range(THRESHOLD - 2):
        await join_at(world.sim.user(820 + index), enterprise)

    async def submit(chat_id: int) -> bool:
        async with world.session_factory() as session:
            person, _ = await get_or_create_person(session, "telegram", chat_id, "vi")
            draft = Draft(
                consent_at=NOW.isoformat(),
                full_name="Lò Thị Hoa",
                birth_date="1995-01-01",
                gender="female",
                phone="+84987654321",
                citizen_id_skipped=True,
                enterprise_id=enterprise.id,
                job="Công nhân",
            )
            submitted = await submit_application(session, person, draft, NOW)
            await session.commit()
            return submitted.founding_alert is not None

    alerts = await asyncio.gather(submit(830), submit(831))
    assert sorted(alerts) == [False, True]
    async with world.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(FoundingAlert)) == 1


async def test_recording_the_founding_moves_members_reroutes_and_credits(world: World) -> None:
    enterprise = await target(world)
    assert enterprise.tax_code is not None
    officer = world.sim.user(841, first_name="Cán bộ Hà")
    await give_role(world, 841, Role.OFFICER, "LC-TP")
    chair = await collaborator(world, 842, "LC-TP-W03", name="Chủ tịch Minh")
    await report_known(chair, enterprise.tax_code)
    for index in range(THRESHOLD):
        await join_at(world.sim.user(850 + index), enterprise)
    # Two are recognized first: as members of the upper union, as the enterprise has no CĐCS.
    for _ in range(2):
        await officer.send("/review")
        await officer.click(t("review-approve"))
    await officer.click(t("founding-record-button"), message=_alert(officer))
    await officer.send("125/QĐ-LĐLĐ")
    await officer.send("20/11/2026")
    await officer.click(t("review-keep"))
    assert (
        t(
            "founding-summary",
            enterprise=enterprise.name,
            number="125/QĐ-LĐLĐ",
            date="20/11/2026",
            name=f"CĐCS {enterprise.name}",
        )
        in officer.last.text
    )
    await officer.click(t("founding-submit"))
    async with world.session_factory() as session:
        linked = await session.get(Enterprise, enterprise.id)
        assert linked is not None and linked.grassroots_union_id is not None
        union = await session.get(Unit, linked.grassroots_union_id)
        assert union is not None and union.kind == "grassroots_union"
        members = list(await session.scalars(select(Member)))
        assert {m.union_unit_id for m in members} == {union.id} and len(members) == 2
        waiting = list(
            await session.scalars(select(Application).where(Application.status == "submitted"))
        )
        assert {a.routed_unit_id for a in waiting} == {union.id} and len(waiting) == 3
        lead = await session.scalar(select(Lead).where(Lead.enterprise_id == enterprise.id))
        assert lead is not None and lead.stage == "founded"
    document = next(r for r in reversed(world.api.requests) if type(r).__name__ == "SendDocument")
    book = openpyxl.load_workbook(io.BytesIO(document.document.data))  # type: ignore[attr-defined]
    sheet = book["Danh sách đoàn viên"]
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0] == 1]
    assert rows and rows[0][2] == ANSWERS["full_name"]
    assert "Chủ tịch Minh" in (document.caption or "")  # type: ignore[attr-defined]
    assert "Đơn gia nhập" in book.sheetnames


def _alert(officer: SimUser) -> object:
    return next(
        m
        for m in reversed(officer.inbox)
        if any(label == t("founding-record-button") for label, _ in m.inline_buttons)
    )


@pytest.mark.parametrize(
    ("choice", "status"), [("dissolve-members-keep", "active"), ("dissolve-members-lost", "left")]
)
async def test_dissolving_keeps_members_upstairs_or_counts_them_lost(
    world: World, choice: str, status: str
) -> None:
    officer = world.sim.user(861)
    await give_role(world, 861, Role.OFFICER, "LC-TP")
    worker = world.sim.user(862)
    from tests.journeys import complete_join

    await complete_join(worker)  # at Công ty TNHH May Lai Châu, which has a CĐCS
    await officer.send("/review")
    await officer.click(t("review-approve"))
    await officer.send("/dissolve")
    await officer.send("may lai chau")
    await officer.click("CĐCS Công ty TNHH May Lai Châu")
    await officer.send("01/11/2026")
    await officer.send("Doanh nghiệp ngừng hoạt động")
    await officer.click(t(choice))
    async with world.session_factory() as session:
        [member] = list(await session.scalars(select(Member)))
        assert member.status == status
        union = await session.get(Unit, member.union_unit_id)
        assert union is not None
        if status == "active":
            assert union.kind == "ward_union"
        enterprise = await session.scalar(
            select(Enterprise).where(Enterprise.name == "Công ty TNHH May Lai Châu")
        )
        assert enterprise is not None and enterprise.grassroots_union_id is None


async def test_a_collaborator_cannot_record_a_founding(world: World) -> None:
    chair = await collaborator(world, 871, "LC-TP-W03")
    await chair.send("/founding")
    assert chair.last.text == t("access-denied")
    async with world.session_factory() as session:
        person = await session.scalar(select(Person).where(Person.chat_id == "871"))
        assert person is not None
