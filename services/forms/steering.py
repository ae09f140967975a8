"""An administrator assigns a unit to a steering member: the person (by Telegram id, or by
name among people who hold a role), then the unit (searched within the admin's scope)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from models import Person, RoleGrant, Unit, UnitKind
from services import steering
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
from services.register import search_units
from services.validation import normalize_search_key

LISTED = 8


@dataclass(frozen=True, slots=True)
class Assigned:
    person: Person
    unit: Unit
    added: bool  # False: they already followed it


def _label(person: Person) -> str:
    return f"{person.display_name or '—'} · {person.chat_id}"


async def _people(ctx: Ctx, query: str) -> list[Choice]:
    """A Telegram id as typed, or role holders whose name contains every word typed."""
    text = query.strip()
    if text.isdecimal():
        people = await ctx.session.scalars(
            select(Person).where(Person.channel == ctx.person.channel, Person.chat_id == text)
        )
        return [Choice(p.id, _label(p)) for p in people]
    words = normalize_search_key(text).split()
    holders = select(RoleGrant.person_id).where(RoleGrant.revoked_at.is_(None))
    statement = select(Person).where(Person.id.in_(holders), Person.display_name.is_not(None))
    found = [
        p
        for p in await ctx.session.scalars(statement.order_by(Person.display_name))
        if all(w in normalize_search_key(p.display_name or "") for w in words)
    ]
    return [Choice(p.id, _label(p)) for p in found[:LISTED]]


async def _units_in_scope(ctx: Ctx, query: str) -> list[Choice]:
    roots = await scope_roots(ctx.session, ctx.person, Action.ASSIGN_STEERING)
    scope = (await UnitTree.load(ctx.session)).subtree(roots)
    units = await search_units(ctx.session, query, UnitKind.ALL, within=scope)
    return [Choice(u.id, u.name) for u in units]


async def _person_chosen(ctx: Ctx, value: Any) -> Outcome | None:
    if await ctx.session.get(Person, int(value)) is None:
        return refuse(ctx.t("steering-person-gone"))
    return None


async def _assign(ctx: Ctx, value: Any) -> Outcome:
    unit = await ctx.session.get(Unit, int(value))
    person = await ctx.session.get(Person, int(ctx.draft.get("person", 0)))
    if unit is None or person is None:
        return refuse(ctx.t("steering-person-gone"))
    # Offered from the admin's scope; checked again, as the roles may have changed since.
    await authorize(ctx.session, ctx.person, Action.ASSIGN_STEERING, unit.id)
    added = await steering.assign(ctx.session, person, [unit], by=ctx.person.id)
    return done(Assigned(person, unit, bool(added)))


STEERING = Form(
    name="steering",
    draft_key="steering",
    controls=CONTROLS,
    submit=ends_in_its_step,
    steps=(
        Step(
            "person",
            "steering-ask-person",
            field="person",
            search=Search(_people, found="steering-pick-person", none="steering-person-none"),
            answer=_person_chosen,
            back=False,
            keep=False,
        ),
        Step(
            "unit",
            "steering-ask-unit",
            search=Search(_units_in_scope, found="steering-pick-unit", none="steering-unit-none"),
            answer=_assign,
            keep=False,
        ),
    ),
)
