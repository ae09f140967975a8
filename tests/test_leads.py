"""Collaborators' leads through the real Dispatcher: report, de-duplicate, score, follow up."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.simulator import SimUser
from handlers.leads import LeadCb
from models import AuditEvent, Enterprise, Lead, LeadEvent, Person, Role, Unit
from services import leads
from services.access import grant_role
from services.demo import tax_code
from services.forms.lead import reasons_line
from services.people import get_or_create_person
from services.register import unit_by_code
from tests.conftest import NOW, World, t

TODAY = NOW.date()
ROOT = Path(__file__).resolve().parents[1]


# ---- helpers ---------------------------------------------------------------------------


async def give_role(world: World, user_id: int, role: str, unit_code: str) -> int:
    """Grant a role to the person behind a chat; returns the person's id."""
    async with world.session_factory() as session:
        person, _ = await get_or_create_person(session, "telegram", user_id, "vi")
        unit = await unit_by_code(session, unit_code)
        assert unit is not None
        await grant_role(session, person, role, unit)
        await session.commit()
        return person.id


async def collaborator(world: World, user_id: int, unit_code: str, name: str = "Lan") -> SimUser:
    await give_role(world, user_id, Role.COLLABORATOR, unit_code)
    return world.sim.user(user_id, first_name=name)


async def unit(world: World, code: str) -> Unit:
    async with world.session_factory() as session:
        found = await unit_by_code(session, code)
        assert found is not None
        return found


async def enterprises_without_union(world: World, ward_code: str) -> list[Enterprise]:
    """Register entries with no CĐCS (and a well-formed 10-digit tax code) in the wards whose
    code starts with `ward_code`."""
    async with world.session_factory() as session:
        rows = await session.scalars(
            select(Enterprise)
            .join(Unit, Unit.id == Enterprise.ward_unit_id)
            .where(
                Unit.code.startswith(ward_code),
                Enterprise.grassroots_union_id.is_(None),
                func.length(Enterprise.tax_code) == 10,
            )
            .order_by(Enterprise.id)
        )
        found = list(rows)
    assert found, f"the demo register has no enterprise without a CĐCS in {ward_code}"
    return found


async def all_leads(world: World) -> list[Lead]:
    async with world.session_factory() as session:
        return list(await session.scalars(select(Lead).order_by(Lead.id)))


async def events(world: World, lead_id: int) -> list[LeadEvent]:
    async with world.session_factory() as session:
        rows = await session.scalars(
            select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
        )
        return list(rows)


async def denials(world: World) -> list[AuditEvent]:
    async with world.session_factory() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.denied").order_by(AuditEvent.id)
        )
        return list(rows)


async def report_known(user: SimUser, code: str) -> None:
    """Report a registered enterprise by its tax code, without contact or note."""
    await user.send("/lead")
    await user.send(code)
    await user.click(t("lead-confirm-yes"))
    await user.click(t("lead-skip"))
    await user.click(t("lead-skip"))


def reasons_text(enterprise: Enterprise) -> str:
    scored = leads.priority(enterprise, TODAY)
    return reasons_line(t, scored.reasons)


async def open_card(user: SimUser, lead: Lead) -> None:
    await user.click_data(LeadCb(action="open", lead_id=lead.id).pack())
    assert t("lead-card-title", ref=lead.ref) in user.last.text


# ---- priority (pure) -------------------------------------------------------------------


def test_priority_follows_the_seed_rules() -> None:
    fee_payer = Enterprise(
        name="A", employees=40, pays_union_fee=True, has_party_cell=False, in_industrial_zone=False
    )
    scored = leads.priority(fee_payer, TODAY)
    assert [r.key for r in scored.reasons] == ["pays-fee", "workers"]
    assert scored.score == leads.POINTS["pays-fee"] + leads.POINTS["workers"]
    assert reasons_text(fee_payer) == "đóng kinh phí công đoàn nhưng chưa có CĐCS; 40 lao động"

    # Lai Châu also counts 10 or more workers, with a lower weight; years count from 3.
    small = Enterprise(
        name="B",
        employees=12,
        pays_union_fee=False,
        has_party_cell=True,
        in_industrial_zone=True,
        founded_year=TODAY.year - 3,
    )
    scored = leads.priority(small, TODAY)
    assert {r.key: r.points for r in scored.reasons} == {
        "party-cell": 20,
        "industrial-zone": 15,
        "workers": 10,
        "years": 10,
    }
    assert scored.score == 55 <= leads.MAX_PRIORITY == 100

    # With a CĐCS, nothing that is about lacking one counts.
    unionized = Enterprise(
        name="C",
        employees=8,
        pays_union_fee=True,
        has_party_cell=True,
        in_industrial_zone=False,
        founded_year=2000,
        grassroots_union_id=1,
    )
    assert leads.priority(unionized, TODAY) == leads.Priority(0, ())


# ---- reporting -------------------------------------------------------------------------


async def test_known_enterprise_is_confirmed_scored_and_stored(world: World) -> None:
    user = await collaborator(world, 101, "LC-TP-W03")
    enterprise = (await enterprises_without_union(world, "LC-TP-W03"))[0]
    assert enterprise.tax_code is not None
    await user.send("/lead")
    assert t("lead-ask-tax-code") in user.last.text
    await user.send(enterprise.tax_code)
    assert t("lead-confirm") in user.last.text and enterprise.name in user.last.text
    assert reasons_text(enterprise) in user.last.text
    await user.click(t("lead-confirm-yes"))
    await user.send("Nguyễn Văn Bình 0912 345 678")
    await user.send("Giám đốc hẹn gặp thứ Hai")
    [lead] = await all_leads(world)
    scored = leads.priority(enterprise, TODAY)
    ward = await unit(world, "LC-TP-W03")
    assert (lead.enterprise_id, lead.unit_id, lead.stage) == (enterprise.id, ward.id, "new")
    assert lead.priority == scored.score > 0
    assert lead.priority_reasons == [r.to_json() for r in scored.reasons]
    assert (lead.contact_name, lead.contact_phone) == ("Nguyễn Văn Bình", "+84912345678")
    assert lead.next_follow_up == TODAY + timedelta(days=7)
    assert re.fullmatch(r"[A-Z0-9]{6,8}", lead.ref)
    assert (
        t(
            "lead-reported",
            name=enterprise.name,
            ref=lead.ref,
            score=scored.score,
            reasons=reasons_text(enterprise),
            follow_up=(TODAY + timedelta(days=7)).strftime("%d/%m/%Y"),
        )
        == user.last.text
    )
    kinds = [(e.kind, e.to_stage, e.note) for e in await events(world, lead.id)]
    assert kinds == [("reported", "new", None), ("note", None, "Giám đốc hẹn gặp thứ Hai")]
    async with world.session_factory() as session:
        assert (await leads.lead_by_ref(session, lead.ref.lower())) is not None
        assert await leads.lead_by_ref(session, "NOPE42") is None


async def test_unknown_enterprise_full_form_creates_it_within_scope(world: World) -> None:
    user = await collaborator(world, 102, "LC-TP-W01")
    await user.send("/lead")
    await user.click(t("lead-tax-code-unknown"))
    assert t("lead-ask-name") in user.last.text
    await user.send("Công ty TNHH Gạch <Tân Phong>")
    assert t("invalid-text-markup") in user.last.text and t("lead-ask-name") in user.last.text
    await user.send("Công ty TNHH Gạch Tân Phong")
    await user.send("Tổ 5, đường Trần Phú")
    # A collaborator over one ward reports in that ward: not asked for it.
    assert t("lead-ask-workers") in user.last.text
    await user.send("40")
    await user.click(t("lead-yes"))  # pays the union fee
    await user.click(t("lead-no"))  # Party cell
    await user.click(t("lead-no"))  # industrial zone
    await user.send("6")
    await user.click(t("lead-skip"))
    await user.click(t("lead-skip"))
    [lead] = await all_leads(world)
    ward = await unit(world, "LC-TP-W01")
    async with world.session_factory() as session:
        enterprise = await session.get(Enterprise, lead.enterprise_id)
        assert enterprise is not None
    assert (enterprise.tax_code, enterprise.search_key) == (None, "cong ty tnhh gach tan phong")
    assert (enterprise.ward_unit_id, lead.unit_id) == (ward.id, ward.id)
    assert (enterprise.employees, enterprise.founded_year) == (40, TODAY.year - 6)
    assert (enterprise.pays_union_fee, enterprise.has_party_cell) == (True, False)
    assert lead.priority == 30 + 25 + 10
    line = "đóng kinh phí công đoàn nhưng chưa có CĐCS; 40 lao động; hoạt động 6 năm chưa có CĐCS"
    assert line in user.last.text


async def test_the_ward_is_searched_within_the_reporters_scope(world: World) -> None:
    await give_role(world, 103, Role.OFFICER, "LC-TP")
    officer = world.sim.user(103)
    await officer.send("/lead")
    await officer.click(t("lead-tax-code-unknown"))
    await officer.send("Cơ sở mộc Mường Kim")
    await officer.send("Bản Mường Kim")
    assert t("lead-ask-ward") in officer.last.text
    await officer.send("Mường Kim")  # a commune of Than Uyên, outside the officer's district
    assert t("lead-ward-none", query="Mường Kim") in officer.last.text
    await officer.send("phong")
    labels = [text for text, _ in officer.last.inline_buttons]
    assert "Công đoàn phường Tân Phong" in labels
    assert "Công đoàn phường Đông Phong" in labels
    await officer.click("Đông Phong")
    assert t("lead-ask-workers") in officer.last.text


async def test_known_enterprise_outside_the_scope_is_not_reported(world: World) -> None:
    user = await collaborator(world, 103, "LC-TP-W01")
    elsewhere = (await enterprises_without_union(world, "LC-TP-W03"))[0]
    assert elsewhere.tax_code is not None
    await user.send("/lead")
    await user.send(elsewhere.tax_code)
    assert (
        t("lead-out-of-scope", name=elsewhere.name, ward="Công đoàn phường Quyết Thắng")
        in user.last.text
    )
    assert t("lead-ask-tax-code") in user.last.text
    assert await all_leads(world) == []


async def test_enterprise_with_a_grassroots_union_is_not_a_lead(world: World) -> None:
    user = await collaborator(world, 104, "LC-TP-W01")
    await user.send("/lead")
    await user.send(tax_code(1))
    assert user.last.text == t(
        "lead-has-union",
        name="Công ty TNHH May Lai Châu",
        union="CĐCS Công ty TNHH May Lai Châu",
    )
    assert await all_leads(world) == []


async def test_duplicate_active_lead_tells_who_and_when_and_takes_a_note(world: World) -> None:
    first = await collaborator(world, 105, "LC-TP-W03")
    second = await collaborator(world, 106, "LC-TP-W03", name="Hùng")
    enterprise = (await enterprises_without_union(world, "LC-TP-W03"))[0]
    assert enterprise.tax_code is not None
    await report_known(first, enterprise.tax_code)
    await second.send("/lead")
    await second.send(enterprise.tax_code)
    expected = t(
        "lead-duplicate",
        name=enterprise.name,
        unit="Công đoàn phường Quyết Thắng",
        date=TODAY.strftime("%d/%m/%Y"),
        stage=t("lead-stage-new"),
    )
    assert expected in second.last.text
    await second.send("Đã gặp")  # a button is expected here
    assert second.last.text.startswith(f"⚠️ {t('lead-use-buttons')}")
    assert expected in second.last.text
    await second.click(t("lead-add-note"))
    await second.send("Công nhân muốn có công đoàn")
    assert second.last.text == t("lead-note-added")
    [lead] = await all_leads(world)
    note = (await events(world, lead.id))[-1]
    async with world.session_factory() as session:
        actor = await session.get(Person, note.actor_id)
    assert (note.kind, note.note) == ("note", "Công nhân muốn có công đoàn")
    assert actor is not None and actor.chat_id == "106"


# ---- lists and cards -------------------------------------------------------------------


async def test_my_leads_are_ordered_by_priority_and_paginated(world: World) -> None:
    user = await collaborator(world, 107, "LC")  # the whole province
    candidates = await enterprises_without_union(world, "LC-")
    assert len(candidates) >= 9
    for enterprise in candidates[:2]:
        assert enterprise.tax_code is not None
        await report_known(user, enterprise.tax_code)
    async with world.session_factory() as session:
        person, _ = await get_or_create_person(session, "telegram", 107, "vi")
        for enterprise in candidates[2:9]:
            draft = leads.LeadDraft(enterprise_id=enterprise.id)
            assert isinstance(await leads.report_lead(session, person, draft, NOW), leads.Reported)
        await session.commit()
    reported = await all_leads(world)
    ranked = [
        LeadCb(action="open", lead_id=lead.id).pack()
        for lead in sorted(reported, key=lambda lead: (-lead.priority, -lead.id))
    ]
    assert len(ranked) == 9 and len({lead.priority for lead in reported}) > 1

    def shown() -> list[str]:
        return [data for _, data in user.last.inline_buttons if data.startswith("ld:open:")]

    await user.send("/leads")
    assert t("lead-list-title", total=9, page=1, pages=2) in user.last.text
    assert shown() == ranked[:8]
    assert t("lead-stage-new") in user.last.text
    assert (TODAY + timedelta(days=7)).strftime("%d/%m/%Y") in user.last.text
    await user.click(t("lead-page-next"))
    assert shown() == ranked[8:]
    await user.click(t("lead-page-prev"))
    assert shown() == ranked[:8]


async def test_stage_changes_keep_history_and_follow_up_dates(world: World) -> None:
    user = await collaborator(world, 108, "LC-TP-W03", name="Mai")
    enterprise = (await enterprises_without_union(world, "LC-TP-W03"))[0]
    assert enterprise.tax_code is not None
    await report_known(user, enterprise.tax_code)
    [lead] = await all_leads(world)
    await open_card(user, lead)
    await user.click(t("lead-stage-contacted"))
    assert t("lead-moved", stage=t("lead-stage-contacted")) in user.last.text
    await user.click(t("lead-stage-mobilizing"))
    await user.click(t("lead-follow-up-in", days=14))
    assert t("lead-follow-up-set", date=(TODAY + timedelta(days=14)).strftime("%d/%m/%Y")) in (
        user.last.text
    )
    await user.click(t("lead-follow-up-date"))
    await user.send("31/02/2027")
    assert t("invalid-due-date-impossible") in user.last.text
    await user.send("01/01/2020")
    assert t("invalid-due-date-past") in user.last.text
    await user.send("15/12/2026")
    (lead,) = await all_leads(world)
    assert (lead.stage, lead.next_follow_up) == ("mobilizing", date(2026, 12, 15))
    stage_events = [e for e in await events(world, lead.id) if e.kind == "stage"]
    assert [(e.from_stage, e.to_stage) for e in stage_events] == [
        ("new", "contacted"),
        ("contacted", "mobilizing"),
    ]
    assert all(e.actor_id is not None and e.at is not None for e in stage_events)
    await user.click(t("lead-history"))
    history = user.last.text
    assert f"Mai: {t('lead-stage-new')} → {t('lead-stage-contacted')}" in history
    assert t("lead-stage-mobilizing") in history and "15/12/2026" in history


async def test_qr_code_and_link_for_the_factory_gate(world: World) -> None:
    user = await collaborator(world, 109, "LC-TP-W03")
    enterprise = (await enterprises_without_union(world, "LC-TP-W03"))[0]
    assert enterprise.tax_code is not None
    await report_known(user, enterprise.tax_code)
    [lead] = await all_leads(world)
    await open_card(user, lead)
    before = len(world.api.requests)
    await user.click(t("lead-qr"))
    sent = world.api.requests[before:]
    photos = [r for r in sent if type(r).__name__ == "SendPhoto"]
    assert len(photos) == 1
    link = f"https://t.me/doanvien_bot?start=e_{enterprise.tax_code}_c{lead.ref}"
    assert any(link in m.text for m in user.inbox[-2:])


async def test_a_lead_without_tax_code_needs_one_for_the_link(world: World) -> None:
    user = await collaborator(world, 110, "LC-TP-W01")
    await user.send("/lead")
    await user.click(t("lead-tax-code-unknown"))
    await user.send("Hợp tác xã Chè Tân Phong")
    await user.send("Bản Tả Xin Chải")
    await user.send("12")
    for _ in range(3):
        await user.click(t("lead-no"))
    await user.send("2")
    await user.click(t("lead-skip"))
    await user.click(t("lead-skip"))
    [lead] = await all_leads(world)
    assert lead.priority == 10
    await open_card(user, lead)
    await user.click(t("lead-qr"))
    assert user.last.text == t("lead-qr-needs-tax-code", name="Hợp tác xã Chè Tân Phong")
    await user.click(t("lead-set-tax-code"))
    await user.send(tax_code(1))  # the register's May Lai Châu
    assert t("lead-tax-code-taken", name="Công ty TNHH May Lai Châu") in user.last.text
    await user.send("0100109106")
    assert t("lead-tax-code-set", tax_code="0100109106") in user.last.text
    await user.click(t("lead-qr"))
    assert any(f"e_0100109106_c{lead.ref}" in m.text for m in user.inbox[-2:])


# ---- officers --------------------------------------------------------------------------


async def test_officer_sees_the_subtree_and_reassigns(world: World) -> None:
    reporter = await collaborator(world, 111, "LC-TP-W03")
    district_collaborator = await collaborator(world, 112, "LC-TP", name="Bình")
    other_ward = await collaborator(world, 113, "LC-TP-W01", name="Cúc")
    officer_id = await give_role(world, 114, Role.OFFICER, "LC-TP")
    await give_role(world, 115, Role.OFFICER, "LC-TD")
    officer, stranger = world.sim.user(114, first_name="Dũng"), world.sim.user(115)
    enterprise = (await enterprises_without_union(world, "LC-TP-W03"))[0]
    assert enterprise.tax_code is not None
    await report_known(reporter, enterprise.tax_code)
    for someone in (district_collaborator, other_ward):
        await someone.send("/leads")  # they have none; their names become known
    [lead] = await all_leads(world)

    await stranger.send("/start")
    await stranger.click(t("menu-leads-unit"))
    assert stranger.last.text == t("lead-list-unit-empty")
    await stranger.click_data(LeadCb(action="open", lead_id=lead.id).pack())
    assert stranger.last.text == t("access-denied")

    await officer.send("/start")
    await officer.click(t("menu-leads-unit"))
    assert enterprise.name in officer.last.text
    await officer.click_data(LeadCb(action="open", lead_id=lead.id).pack())
    await officer.click(t("lead-reassign"))
    names = [text for text, _ in officer.last.inline_buttons]
    assert "Bình" in names and "Cúc" not in names and "Lan" not in names
    # A forged choice of someone whose scope does not cover the lead is refused.
    cuc = await give_role(world, 113, Role.COLLABORATOR, "LC-TP-W01")
    await officer.click_data(LeadCb(action="reassign_to", lead_id=lead.id, value=str(cuc)).pack())
    assert t("lead-reassign-refused") in [m.text for m in officer.inbox[-2:]]
    await officer.click("Bình")
    assert t("lead-reassigned", person="Bình") in officer.last.text
    [lead] = await all_leads(world)
    async with world.session_factory() as session:
        new_owner = await session.get(Person, lead.collaborator_id)
    assert new_owner is not None and new_owner.chat_id == "112"
    reassign = (await events(world, lead.id))[-1]
    assert (reassign.kind, reassign.actor_id) == ("reassign", officer_id)
    await officer.click(t("lead-history"))
    assert "Dũng: " in officer.last.text and "Lan" in officer.last.text
    # The former owner no longer may touch it.
    await reporter.click_data(LeadCb(action="stage", lead_id=lead.id, value="closed").pack())
    assert reporter.last.text == t("access-denied")


# ---- refusals and bad input ------------------------------------------------------------


async def test_a_worker_without_roles_cannot_report(world: World) -> None:
    worker = world.sim.user(116)
    await worker.send("/lead")
    assert worker.last.text == t("access-denied")
    await worker.send("/leads")
    assert worker.last.text == t("access-denied")
    refused = await denials(world)
    assert [(e.detail or {}).get("attempted") for e in refused] == ["lead.report", "lead.view_own"]
    async with world.session_factory() as session:
        person = await session.scalar(select(Person).where(Person.chat_id == "116"))
    assert person is not None and refused[0].actor_person_id == person.id


async def test_a_collaborator_cannot_touch_another_collaborators_lead(world: World) -> None:
    owner = await collaborator(world, 117, "LC-TP-W03")
    neighbour = await collaborator(world, 118, "LC-TP-W03")
    enterprise = (await enterprises_without_union(world, "LC-TP-W03"))[0]
    assert enterprise.tax_code is not None
    await report_known(owner, enterprise.tax_code)
    [lead] = await all_leads(world)
    await neighbour.send("/leads")
    assert neighbour.last.text == t("lead-list-empty")
    for forged in (
        LeadCb(action="open", lead_id=lead.id).pack(),
        LeadCb(action="stage", lead_id=lead.id, value="closed").pack(),
        LeadCb(action="qr", lead_id=lead.id).pack(),
    ):
        await neighbour.click_data(forged)
        assert neighbour.last.text == t("access-denied")
    [lead] = await all_leads(world)
    assert lead.stage == "new"
    assert [(e.detail or {}).get("reason") for e in await denials(world)] == ["not_own"] * 3


async def test_bad_inputs_in_the_form_get_reasons(world: World) -> None:
    await give_role(world, 119, Role.OFFICER, "LC-TP")  # over a district: asked for the ward
    user = world.sim.user(119)
    await user.send("/lead")
    tax_question = user.last
    for text, reason in (
        ("123", t("invalid-tax-code-format")),
        ("0100109107", t("invalid-tax-code-checksum")),
    ):
        await user.send(text)
        assert user.last.text.startswith(f"⚠️ {reason}")
        assert t("lead-ask-tax-code") in user.last.text
    await user.send_sticker()
    assert user.last.text.startswith(f"⚠️ {t('lead-text-only')}")
    await user.click(t("lead-tax-code-unknown"))
    await user.click(t("lead-back"))
    assert t("lead-ask-tax-code") in user.last.text
    await user.click(t("lead-tax-code-unknown"))
    # The tax-code question's old button is stale now.
    await user.click(t("lead-tax-code-unknown"), message=tax_question)
    assert t("lead-stale-button") in user.last.text and t("lead-ask-name") in user.last.text
    await user.send("x")
    assert t("invalid-text-too-short", min=2) in user.last.text
    await user.send("Cơ sở may Hoàng Anh")
    await user.send("Số 3, Tân Phong")
    await user.send("a")
    assert t("form-query-too-short") in user.last.text
    await user.send("xyz")
    assert t("lead-ward-none", query="xyz") in user.last.text
    await user.send("tân phong")
    await user.click("Tân Phong")
    for text, reason in (
        ("khoảng 40", t("invalid-count-format")),
        ("0", t("invalid-count-too-small", min=1)),
    ):
        await user.send(text)
        assert user.last.text.startswith(f"⚠️ {reason}")
        assert t("lead-ask-workers") in user.last.text
    await user.send("30")
    await user.send("chắc vậy")
    assert user.last.text.startswith(f"⚠️ {t('lead-use-buttons')}")
    assert t("lead-ask-pays-fee") in user.last.text
    await user.send("có")  # a button's label, typed, is that button
    assert t("lead-ask-party-cell") in user.last.text
    for _ in range(2):
        await user.click(t("lead-no"))
    await user.send("500")
    assert t("invalid-years", max=100, year=TODAY.year) in user.last.text
    await user.send("2016")  # the founding year is understood too
    await user.send("Bình 0912")
    assert t("invalid-phone-format") in user.last.text and t("lead-ask-contact") in user.last.text
    await user.send("Bình 0987 654 321")
    await user.send("<script>")
    assert t("invalid-text-markup") in user.last.text
    await user.click(t("lead-cancel"))
    assert user.last.text == t("form-cancel-confirm")
    await user.click(t("form-cancel-yes"))
    assert user.last.text == t("lead-cancelled")
    assert await all_leads(world) == []
