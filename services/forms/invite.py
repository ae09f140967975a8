"""An officer invites a collaborator: one step, the ward (searched within the officer's scope)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models import Unit, UnitKind
from services.access import Action, UnitTree, authorize, scope_roots
from services.forms.engine import (
    Choice,
    Ctx,
    Form,
    Outcome,
    Search,
    Step,
    done,
    ends_in_its_step,
    refuse,
)
from services.forms.join import CONTROLS
from services.invitations import NewInvitation, create_invitation
from services.register import search_wards


@dataclass(frozen=True, slots=True)
class Invited:
    invitation: NewInvitation
    unit: Unit


async def _wards_in_scope(ctx: Ctx, query: str) -> list[Choice]:
    roots = await scope_roots(ctx.session, ctx.person, Action.INVITE_COLLABORATOR)
    scope = (await UnitTree.load(ctx.session)).subtree(roots)
    return [Choice(w.id, w.name) for w in await search_wards(ctx.session, query, within=scope)]


async def _invite(ctx: Ctx, value: Any) -> Outcome:
    unit = await ctx.session.get(Unit, int(value))
    if unit is None or unit.kind != UnitKind.WARD_UNION:
        return refuse(ctx.t("join-ward-gone"))
    # Offered from the officer's scope; checked again, as the roles may have changed since.
    await authorize(ctx.session, ctx.person, Action.INVITE_COLLABORATOR, unit.id)
    created = await create_invitation(ctx.session, "collaborator", unit, created_by=ctx.person.id)
    return done(Invited(created, unit))


INVITE = Form(
    name="invite",
    draft_key="invite",
    controls=CONTROLS,
    submit=ends_in_its_step,
    steps=(
        Step(
            "ward",
            "invite-ask-ward",
            search=Search(_wards_in_scope, found="invite-pick-ward", none="invite-ward-none"),
            answer=_invite,
            back=False,
            keep=False,
        ),
    ),
)
