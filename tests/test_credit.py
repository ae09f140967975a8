"""Applications from a lead's factory-gate link are credited to that lead's collaborator."""

from __future__ import annotations

from sqlalchemy import select

from models import Application, Person
from tests.conftest import World, t
from tests.test_leads import all_leads, collaborator, enterprises_without_union, report_known


async def start_from_link(world: World, user_id: int, parameter: str, name: str) -> None:
    worker = world.sim.user(user_id)
    await worker.send(f"/start {parameter}")
    await worker.click(t("join-consent-agree"))
    await worker.send(name)
    await worker.send("02/09/1995")
    await worker.click(t("gender-male"))
    await worker.send(f"09876543{user_id % 100:02d}")
    await worker.click(t("join-skip"))
    await worker.send("Công nhân")
    await worker.click(t("join-submit"))


async def test_link_credits_exactly_the_collaborator_whose_link_was_used(world: World) -> None:
    lan = await collaborator(world, 801, "LC-TP-W03", name="Lan")
    hoa = await collaborator(world, 802, "LC-TP-W03", name="Hoa")
    first, second = (await enterprises_without_union(world, "LC-TP-W03"))[:2]
    assert first.tax_code and second.tax_code
    await report_known(lan, first.tax_code)
    await report_known(hoa, second.tax_code)
    lead_lan, lead_hoa = await all_leads(world)
    await start_from_link(world, 811, f"e_{first.tax_code}_c{lead_lan.ref}", "Vũ Văn An")
    await start_from_link(world, 812, f"e_{second.tax_code}_c{lead_hoa.ref}", "Đỗ Văn Bình")
    # A link whose code does not belong to that enterprise credits nobody.
    await start_from_link(world, 813, f"e_{second.tax_code}_c{lead_lan.ref}", "Hà Văn Cường")
    await start_from_link(world, 814, f"e_{first.tax_code}", "Lý Văn Dũng")
    async with world.session_factory() as session:
        rows = (
            await session.execute(
                select(Application.full_name, Application.credited_lead_id, Person.chat_id)
                .outerjoin(Person, Person.id == Application.credited_person_id)
                .order_by(Application.id)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("Vũ Văn An", lead_lan.id, "801"),
        ("Đỗ Văn Bình", lead_hoa.id, "802"),
        ("Hà Văn Cường", None, None),
        ("Lý Văn Dũng", None, None),
    ]


async def test_changing_the_workplace_drops_the_credit(world: World) -> None:
    lan = await collaborator(world, 821, "LC-TP-W03")
    first = (await enterprises_without_union(world, "LC-TP-W03"))[0]
    assert first.tax_code
    await report_known(lan, first.tax_code)
    [lead] = await all_leads(world)
    worker = world.sim.user(831)
    await worker.send(f"/start e_{first.tax_code}_c{lead.ref}")
    await worker.click(t("join-consent-agree"))
    await worker.send("Vũ Thị Én")
    await worker.send("02/09/1995")
    await worker.click(t("gender-female"))
    await worker.send("0987654000")
    await worker.click(t("join-skip"))
    await worker.send("Công nhân")
    await worker.click(t("join-edit-workplace"))
    await worker.send("may lai chau")
    await worker.click("Công ty TNHH May Lai Châu")
    await worker.click(t("join-submit"))
    async with world.session_factory() as session:
        application = await session.scalar(select(Application))
    assert application is not None and application.credited_lead_id is None
