"""People the bot cannot reach (they blocked it): marked from the messenger's 403 or its
"bot was blocked" update, cleared when they unblock it or write again, listed for officers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Application, ApplicationStatus, Person, RoleGrant
from services import outbox
from services.access import UnitTree


async def blocked(session: AsyncSession, person: Person, now: datetime) -> None:
    """The person blocked the bot: nothing more is sent to them, their pending rows dropped."""
    await outbox.mark_unreachable(session, person.channel, person.chat_id, now, "blocked")
    person.unreachable_at = now


def unblocked(person: Person) -> None:
    person.unreachable_at = None


@dataclass(frozen=True, slots=True)
class Unreachable:
    person: Person
    reference: str | None  # their pending application's, for an applicant
    role: str | None  # their role in the officer's scope, for a colleague


async def unreachable_in(session: AsyncSession, roots: list[int]) -> list[Unreachable]:
    """Unreachable applicants with a pending application and role holders, within `roots`."""
    scope = (await UnitTree.load(session)).subtree(roots)
    if not scope:
        return []
    applicants = await session.execute(
        select(Person, Application.reference)
        .join(Application, Application.person_id == Person.id)
        .where(
            Person.unreachable_at.is_not(None),
            Application.status.in_(list(ApplicationStatus.PENDING)),
            Application.routed_unit_id.in_(scope),
        )
        .order_by(Person.unreachable_at)
    )
    colleagues = await session.execute(
        select(Person, RoleGrant.role)
        .join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(
            Person.unreachable_at.is_not(None),
            RoleGrant.revoked_at.is_(None),
            RoleGrant.unit_id.in_(scope),
        )
        .order_by(Person.unreachable_at)
    )
    found = [Unreachable(p, reference, None) for p, reference in applicants]
    found += [Unreachable(p, None, role) for p, role in colleagues]
    return found
