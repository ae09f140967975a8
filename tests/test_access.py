"""Roles by invitation, scoped to unit subtrees, checked on the server."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.access_cli import run_admin, run_invite
from handlers.forms import FormCb
from models import AuditEvent, Invitation, Person, Role, RoleGrant, Unit
from models.base import utcnow
from services.access import Action, Forbidden, authorize, grant_role
from services.invitations import create_invitation, hash_token
from services.people import get_or_create_person
from services.register import unit_by_code
from tests.conftest import World, t


async def give_role(world: World, user_id: int, role: str, unit_code: str) -> None:
    async with world.session_factory.begin() as session:
        person, _ = await get_or_create_person(session, "telegram", user_id, "vi")
        unit = await unit_by_code(session, unit_code)
        assert unit is not None
        await grant_role(session, person, role, unit)


async def invitation(world: World, role: str, unit_code: str, **kwargs: object) -> str:
    async with world.session_factory.begin() as session:
        unit = await unit_by_code(session, unit_code)
        assert unit is not None
        created = await create_invitation(session, role, unit, **kwargs)  # type: ignore[arg-type]
        return created.start_parameter


async def grants(world: World, user_id: int) -> list[tuple[str, str]]:
    async with world.session_factory() as session:
        rows = await session.execute(
            select(RoleGrant.role, Unit.code)
            .join(Person, Person.id == RoleGrant.person_id)
            .join(Unit, Unit.id == RoleGrant.unit_id)
            .where(Person.chat_id == str(user_id), RoleGrant.revoked_at.is_(None))
        )
        return sorted((role, code) for role, code in rows)


async def audit_actions(world: World) -> list[str]:
    async with world.session_factory() as session:
        return list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def menu_labels(world: World, user_id: int) -> list[str]:
    message = next(m for m in reversed(world.api.sent) if m.chat_id == user_id)
    return [text for text, _ in message.inline_buttons]


async def test_invitation_link_grants_the_role_once(world: World) -> None:
    parameter = await invitation(world, Role.OFFICER, "LC-TP")
    user = world.sim.user(300)
    await user.send(f"/start {parameter}")
    assert user.last.text == t(
        "invite-welcome", role=t("role-officer"), unit="LĐLĐ thành phố Lai Châu"
    )
    assert t("menu-invite") in menu_labels(world, 300)
    assert await grants(world, 300) == [("officer", "LC-TP")]
    other = world.sim.user(301)
    await other.send(f"/start {parameter}")
    assert other.last.text == t("invite-refused-used")
    assert await grants(world, 301) == []
    assert "invitation.refused" in await audit_actions(world)


async def test_expired_unknown_and_revoked_invitations_are_refused(world: World) -> None:
    expired = await invitation(world, Role.OFFICER, "LC-TP", now=utcnow() - timedelta(days=8))
    user = world.sim.user(302)
    await user.send(f"/start {expired}")
    assert user.last.text == t("invite-refused-expired")
    await user.send("/start inv_notarealtoken")
    assert user.last.text == t("invite-refused-unknown")
    revoked = await invitation(world, Role.OFFICER, "LC-TP")
    async with world.session_factory.begin() as session:
        from services.invitations import revoke

        assert await revoke(session, revoked)
        assert not await revoke(session, revoked)
    await user.send(f"/start {revoked}")
    assert user.last.text == t("invite-refused-revoked")
    assert await grants(world, 302) == []


async def test_tokens_are_stored_hashed(world: World) -> None:
    parameter = await invitation(world, Role.COLLABORATOR, "LC-TP-W01")
    token = parameter.removeprefix("inv_")
    async with world.session_factory() as session:
        stored = (await session.scalars(select(Invitation.token_hash))).all()
    assert hash_token(token) in stored and token not in stored


async def test_menus_show_what_roles_allow(world: World) -> None:
    await give_role(world, 310, Role.COLLABORATOR, "LC-TP-W01")
    await give_role(world, 311, Role.OFFICER, "LC-TP")
    for user_id in (309, 310, 311):
        await world.sim.user(user_id).send("/start")
    worker, collaborator, officer = (menu_labels(world, u) for u in (309, 310, 311))
    assert t("menu-lead-new") not in worker and t("menu-invite") not in worker
    assert t("menu-lead-new") in collaborator and t("menu-invite") not in collaborator
    assert t("menu-lead-new") in officer and t("menu-leads-unit") in officer


async def test_officer_invites_a_collaborator_for_a_ward_in_scope(world: World) -> None:
    await give_role(world, 320, Role.OFFICER, "LC-TP")
    officer = world.sim.user(320)
    await officer.send("/invite")
    assert t("invite-ask-ward") in officer.last.text
    await officer.send("Mường Kim")  # a ward of Than Uyên: outside the officer's subtree
    assert t("invite-ward-none", query="Mường Kim") in officer.last.text
    await officer.send("tan phong")
    await officer.click("Tân Phong")
    photo = next(r for r in reversed(world.api.requests) if type(r).__name__ == "SendPhoto")
    caption = photo.caption or ""  # type: ignore[attr-defined]
    parameter = caption.split("?start=")[1].split()[0]
    chair = world.sim.user(321)
    await chair.send(f"/start {parameter}")
    assert await grants(world, 321) == [("collaborator", "LC-TP-W01")]


async def test_forged_ward_choice_is_refused(world: World) -> None:
    # Buttons carry an index into the wards offered (kept on the server), never a unit id:
    # a forged index picks nothing.
    await give_role(world, 330, Role.OFFICER, "LC-TP")
    officer = world.sim.user(330)
    await officer.send("/invite")
    await officer.send("tan phong")
    menu = int(officer.last.inline_buttons[0][1].split(":")[3])
    forged = FormCb(form="invite", step="ward", menu=menu, action="c", index=40)
    await officer.click_data(forged.pack())
    assert t("join-stale-button") in officer.last.text
    async with world.session_factory() as session:
        assert (await session.scalars(select(Invitation))).all() == []


async def test_role_revoked_after_the_search_is_refused_and_audited(world: World) -> None:
    await give_role(world, 331, Role.OFFICER, "LC-TP")
    officer = world.sim.user(331)
    await officer.send("/invite")
    await officer.send("tan phong")
    async with world.session_factory.begin() as session:
        await session.execute(update(RoleGrant).values(revoked_at=utcnow()))
    await officer.click("Tân Phong")
    assert officer.last.text == t("access-denied")
    assert "access.denied" in await audit_actions(world)
    async with world.session_factory() as session:
        assert (await session.scalars(select(Invitation))).all() == []


@pytest.mark.parametrize("role", [None, Role.COLLABORATOR, Role.STEERING])
async def test_lower_roles_cannot_invite(world: World, role: str | None) -> None:
    if role is not None:
        await give_role(world, 340, role, "LC-TP")
    user = world.sim.user(340)
    await user.send("/invite")
    assert user.last.text == t("access-denied")
    await user.click_data("m:invite")
    assert user.last.text == t("access-denied")


async def test_authorize_checks_role_and_subtree(world: World) -> None:
    await give_role(world, 350, Role.OFFICER, "LC-TP")
    async with world.session_factory.begin() as session:
        person, _ = await get_or_create_person(session, "telegram", 350, "vi")
        inside = await unit_by_code(session, "LC-TP-W02")
        outside = await unit_by_code(session, "LC-MT")
        assert inside is not None and outside is not None
        grant = await authorize(session, person, Action.VIEW_UNIT_LEADS, inside.id)
        assert grant.role == Role.OFFICER
        with pytest.raises(Forbidden) as refused:
            await authorize(session, person, Action.VIEW_UNIT_LEADS, outside.id)
        assert refused.value.reason == "out_of_scope"
        with pytest.raises(Forbidden) as refused:
            await authorize(session, person, Action.INVITE_ANY, inside.id)
        assert refused.value.reason == "no_role"


async def test_cli_invite_admin_and_revoke(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qr = tmp_path / "qr.png"
    args = argparse.Namespace(role="officer", unit="LC-TP", expires="2d", qr=qr, revoke=None)
    assert await run_invite(args, world.settings) == 0
    out = capsys.readouterr().out
    assert qr.read_bytes().startswith(b"\x89PNG")
    token = out.split("--revoke ")[1].split()[0]
    assert f"?start=inv_{token}" in out
    bad = argparse.Namespace(role="officer", unit="NOPE", expires="2d", qr=qr, revoke=None)
    assert await run_invite(bad, world.settings) == 1
    assert await run_invite(argparse.Namespace(revoke=token), world.settings) == 0
    assert await run_invite(argparse.Namespace(revoke=token), world.settings) == 1
    assert await run_admin(argparse.Namespace(chat_id=360, unit=None), world.settings) == 0
    assert await grants(world, 360) == [("admin", "LC")]
