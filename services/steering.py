"""Steering-committee members and the units each follows in the weekly digest.

Assigning a unit also grants the steering role over it, so `/progress` shows the same scope;
unassigning revokes that grant (other grants of the person stay)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Person, Role, RoleGrant, SteeringAssignment, Unit
from models.base import utcnow
from services import audit
from services.access import grant_role


@dataclass(frozen=True, slots=True)
class Follower:
    """A steering member with the units they follow, as the digest needs them."""

    person: Person
    unit_ids: list[int]


async def assign(
    session: AsyncSession, person: Person, units: list[Unit], *, by: int | None = None
) -> list[Unit]:
    """Make `person` follow `units`; returns the units that were not followed yet."""
    have: set[int] = set(await session.scalars(_unit_ids_of(person.id)))
    added = [unit for unit in units if unit.id not in have]
    for unit in added:
        session.add(SteeringAssignment(person_id=person.id, unit_id=unit.id, assigned_by=by))
        await grant_role(session, person, Role.STEERING, unit, granted_by=by)
        audit.record(
            session,
            "steering.assigned",
            actor_id=by,
            subject_type="person",
            subject_id=person.id,
            unit_id=unit.id,
        )
    await session.flush()
    return added


async def unassign(
    session: AsyncSession, person: Person, units: list[Unit], *, by: int | None = None
) -> list[Unit]:
    """Stop `person` following `units`; returns the units that were followed."""
    have: set[int] = set(await session.scalars(_unit_ids_of(person.id)))
    removed = [unit for unit in units if unit.id in have]
    ids = [unit.id for unit in removed]
    if not ids:
        return []
    await session.execute(
        delete(SteeringAssignment).where(
            SteeringAssignment.person_id == person.id, SteeringAssignment.unit_id.in_(ids)
        )
    )
    await session.execute(
        update(RoleGrant)
        .where(
            RoleGrant.person_id == person.id,
            RoleGrant.role == Role.STEERING,
            RoleGrant.unit_id.in_(ids),
            RoleGrant.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    for unit in removed:
        audit.record(
            session,
            "steering.unassigned",
            actor_id=by,
            subject_type="person",
            subject_id=person.id,
            unit_id=unit.id,
        )
    return removed


def _unit_ids_of(person_id: int) -> Select[int]:
    return select(SteeringAssignment.unit_id).where(SteeringAssignment.person_id == person_id)


async def followers(session: AsyncSession) -> list[Follower]:
    """Every steering member with their units (in the order assigned): two statements."""
    rows = await session.execute(
        select(SteeringAssignment.person_id, SteeringAssignment.unit_id).order_by(
            SteeringAssignment.person_id, SteeringAssignment.id
        )
    )
    units: dict[int, list[int]] = defaultdict(list)
    for person_id, unit_id in rows.all():
        units[person_id].append(unit_id)
    if not units:
        return []
    people = await session.scalars(select(Person).where(Person.id.in_(list(units))))
    return sorted(
        (Follower(person, units[person.id]) for person in people), key=lambda f: f.person.id
    )


async def listing(session: AsyncSession) -> list[tuple[Person, Unit]]:
    """(member, unit) of every assignment, by member then unit code."""
    rows = await session.execute(
        select(Person, Unit)
        .join(SteeringAssignment, SteeringAssignment.person_id == Person.id)
        .join(Unit, Unit.id == SteeringAssignment.unit_id)
        .order_by(Person.id, Unit.code)
    )
    return [(person, unit) for person, unit in rows]
