"""Role × action: every privileged action, tried by every lower role and by an out-of-scope
holder of the right role, is refused, audited, and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bot.simulator import SimUser
from handlers.common import MenuCb
from handlers.leads import LeadCb
from models import AuditEvent, Invitation, Lead, Role, Unit
from services.register import unit_by_code
from tests.conftest import World, t
from tests.test_leads import enterprises_without_union, give_role, report_known

# Who is who: (user id, role or None, unit code)
CAST = {
    "worker": (901, None, None),
    "steering": (902, Role.STEERING, "LC-TP"),
    "owner": (903, Role.COLLABORATOR, "LC-TP-W03"),
    "other_collaborator": (904, Role.COLLABORATOR, "LC-TP-W03"),
    "far_collaborator": (905, Role.COLLABORATOR, "LC-THU-W01"),
    "officer": (906, Role.OFFICER, "LC-TP"),
    "far_officer": (907, Role.OFFICER, "LC-THU"),
}


@dataclass
class Stage:
    world: World
    lead: Lead
    person_ids: dict[str, int]
    near_ward_id: int

    def user(self, who: str) -> SimUser:
        return self.world.sim.user(CAST[who][0])


@pytest.fixture
async def stage(world: World) -> Stage:
    ids: dict[str, int] = {}
    for who, (user_id, role, unit) in CAST.items():
        if role is not None and unit is not None:
            ids[who] = await give_role(world, user_id, role, unit)
    enterprise = (await enterprises_without_union(world, "LC-TP-W03"))[0]
    assert enterprise.tax_code is not None
    await report_known(world.sim.user(CAST["owner"][0]), enterprise.tax_code)
    async with world.session_factory() as session:
        lead = await session.scalar(select(Lead))
        ward = await unit_by_code(session, "LC-TP-W02")
    assert lead is not None and ward is not None
    return Stage(world, lead, ids, ward.id)


Attempt = Callable[[Stage, SimUser], Awaitable[object]]


async def report(stage: Stage, user: SimUser) -> object:
    return await user.send("/lead")


async def unit_leads(stage: Stage, user: SimUser) -> object:
    return await user.click_data(MenuCb(action="leads_unit").pack())


async def change_stage(stage: Stage, user: SimUser) -> object:
    data = LeadCb(action="stage", lead_id=stage.lead.id, value="contacted").pack()
    return await user.click_data(data)


async def open_reassign(stage: Stage, user: SimUser) -> object:
    return await user.click_data(LeadCb(action="reassign", lead_id=stage.lead.id).pack())


async def reassign_to(stage: Stage, user: SimUser) -> object:
    target = str(stage.person_ids["other_collaborator"])
    data = LeadCb(action="reassign_to", lead_id=stage.lead.id, value=target).pack()
    return await user.click_data(data)


async def invite(stage: Stage, user: SimUser) -> object:
    return await user.send("/invite")


async def enter_figures(stage: Stage, user: SimUser) -> object:
    return await user.send("/report")


MATRIX: list[tuple[str, Attempt, list[str]]] = [
    ("report a lead", report, ["worker", "steering"]),
    ("see a unit's leads", unit_leads, ["worker", "steering", "owner", "other_collaborator"]),
    (
        "change a lead's stage",
        change_stage,
        ["worker", "steering", "other_collaborator", "far_collaborator", "far_officer"],
    ),
    (
        "open reassignment",
        open_reassign,
        ["worker", "steering", "owner", "other_collaborator", "far_collaborator", "far_officer"],
    ),
    (
        "reassign a lead",
        reassign_to,
        ["worker", "steering", "owner", "other_collaborator", "far_collaborator", "far_officer"],
    ),
    ("invite a collaborator", invite, ["worker", "steering", "owner", "far_collaborator"]),
    ("enter paper figures", enter_figures, ["worker", "steering", "owner", "far_collaborator"]),
]
CASES = [(name, attempt, who) for name, attempt, refused in MATRIX for who in refused]


async def denials(world: World) -> int:
    async with world.session_factory() as session:
        count = await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")
        )
    return int(count or 0)


@pytest.mark.parametrize(
    ("action", "attempt", "who"), CASES, ids=[f"{name}-{who}" for name, _, who in CASES]
)
async def test_refused(stage: Stage, action: str, attempt: Attempt, who: str) -> None:
    world = stage.world
    before = await denials(world)
    user = stage.user(who)
    await attempt(stage, user)
    assert user.last.text == t("access-denied"), f"{who} could {action}"
    assert await denials(world) == before + 1
    async with world.session_factory() as session:
        lead = await session.get(Lead, stage.lead.id)
        invitations = await session.scalar(select(func.count()).select_from(Invitation))
    assert lead is not None
    assert (lead.stage, lead.collaborator_id) == (stage.lead.stage, stage.lead.collaborator_id)
    assert invitations == 0


@pytest.mark.parametrize("who", ["owner", "officer"])
async def test_allowed_holders_can_change_the_stage(stage: Stage, who: str) -> None:
    await change_stage(stage, stage.user(who))
    async with stage.world.session_factory() as session:
        lead = await session.get(Lead, stage.lead.id)
    assert lead is not None and lead.stage == "contacted"


async def test_officer_in_scope_can_reassign(stage: Stage) -> None:
    await reassign_to(stage, stage.user("officer"))
    async with stage.world.session_factory() as session:
        lead = await session.get(Lead, stage.lead.id)
    assert lead is not None and lead.collaborator_id == stage.person_ids["other_collaborator"]


async def test_wards_out_of_scope_are_never_offered_for_an_invitation(stage: Stage) -> None:
    # Buttons carry no unit id: a ward outside the officer's subtree cannot even be chosen.
    user = stage.user("far_officer")
    await user.send("/invite")
    async with stage.world.session_factory() as session:
        near = await session.get(Unit, stage.near_ward_id)
        assert near is not None
    await user.send(near.name)
    assert t("invite-ward-none", query=near.name) in user.last.text
    assert all(near.name not in label for label, _ in user.last.inline_buttons)
