"""Roles scoped to unit subtrees: who may do what, where. Checked on the server, every time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Person, Role, RoleGrant, Unit
from services import audit


class Action:
    REPORT_LEAD = "lead.report"
    VIEW_OWN_LEADS = "lead.view_own"
    UPDATE_LEAD = "lead.update"
    VIEW_UNIT_LEADS = "lead.view_unit"
    REASSIGN_LEAD = "lead.reassign"
    INVITE_COLLABORATOR = "invite.collaborator"
    INVITE_ANY = "invite.any"
    REVIEW_APPLICATION = "application.review"
    REVERSE_DECISION = "application.reverse"
    VIEW_MEMBER = "member.view"
    RECORD_FOUNDING = "founding.record"
    VIEW_PROGRESS = "progress.view"
    ANSWER_QUESTION = "application.answer"  # the worker's own application; no role needed
    DECIDE_TRANSFER = "transfer.decide"  # accept or decline a member moving into the unit
    ANSWER_WORKER_QUESTION = "question.answer"  # a worker's question to the union
    CHANGE_MEMBERSHIP = "member.change"  # the member's own membership; no role needed
    ENTER_FIGURES = "figures.enter"
    ASSIGN_STEERING = "steering.assign"  # choose the units a steering member follows


# Which roles may perform an action (always within the scope of one of their grants).
ALLOWED: dict[str, frozenset[str]] = {
    Action.REPORT_LEAD: frozenset({Role.COLLABORATOR, Role.OFFICER, Role.ADMIN}),
    Action.VIEW_OWN_LEADS: frozenset({Role.COLLABORATOR, Role.OFFICER, Role.ADMIN}),
    Action.UPDATE_LEAD: frozenset({Role.COLLABORATOR, Role.OFFICER, Role.ADMIN}),
    Action.VIEW_UNIT_LEADS: frozenset({Role.OFFICER, Role.ADMIN}),
    Action.REASSIGN_LEAD: frozenset({Role.OFFICER, Role.ADMIN}),
    Action.INVITE_COLLABORATOR: frozenset({Role.OFFICER, Role.ADMIN}),
    Action.INVITE_ANY: frozenset({Role.ADMIN}),
    Action.REVIEW_APPLICATION: frozenset({Role.OFFICER, Role.ADMIN}),
    Action.REVERSE_DECISION: frozenset({Role.ADMIN}),
    Action.VIEW_MEMBER: frozenset({Role.OFFICER, Role.ADMIN}),
    Action.RECORD_FOUNDING: frozenset({Role.OFFICER, Role.ADMIN}),
    Action.VIEW_PROGRESS: frozenset({Role.OFFICER, Role.STEERING, Role.ADMIN}),
    Action.ANSWER_QUESTION: frozenset(),
    Action.DECIDE_TRANSFER: frozenset({Role.OFFICER, Role.ADMIN}),
    Action.ANSWER_WORKER_QUESTION: frozenset({Role.OFFICER, Role.ADMIN}),
    Action.CHANGE_MEMBERSHIP: frozenset(),
    Action.ENTER_FIGURES: frozenset({Role.OFFICER, Role.ADMIN}),
    Action.ASSIGN_STEERING: frozenset({Role.ADMIN}),
}


class Forbidden(Exception):
    def __init__(self, action: str, reason: str) -> None:
        super().__init__(f"{action}: {reason}")
        self.action = action
        self.reason = reason


@dataclass(frozen=True, slots=True)
class UnitTree:
    """The parent links of every unit, loaded once per question: the tree is small and shallow."""

    parent: dict[int, int | None]

    @classmethod
    async def load(cls, session: AsyncSession) -> UnitTree:
        connection = await session.connection()  # columns only: no ORM row handling
        rows = await connection.execute(select(Unit.id, Unit.parent_id))
        return cls({unit_id: parent_id for unit_id, parent_id in rows.all()})

    def lineage(self, unit_id: int) -> list[int]:
        """The unit and its ancestors up to the root."""
        chain: list[int] = []
        current: int | None = unit_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self.parent.get(current)
        return chain

    def within(self, unit_id: int, scope_id: int) -> bool:
        return scope_id in self.lineage(unit_id)

    def subtree(self, roots: Iterable[int]) -> set[int]:
        roots = set(roots)
        return {unit for unit in self.parent if roots.intersection(self.lineage(unit))}


async def active_grants(session: AsyncSession, person_id: int) -> list[RoleGrant]:
    rows = await session.scalars(
        select(RoleGrant).where(RoleGrant.person_id == person_id, RoleGrant.revoked_at.is_(None))
    )
    return list(rows)


async def roles_of(session: AsyncSession, person: Person | None) -> frozenset[str]:
    if person is None or person.id is None:
        return frozenset()
    return frozenset(grant.role for grant in await active_grants(session, person.id))


async def scope_roots(session: AsyncSession, person: Person, action: str) -> list[int]:
    """The units under which a person may perform an action (empty when nowhere)."""
    allowed = ALLOWED[action]
    return [g.unit_id for g in await active_grants(session, person.id) if g.role in allowed]


async def officers_over(
    session: AsyncSession, unit_id: int, tree: UnitTree | None = None
) -> list[tuple[int, Person]]:
    """The officers whose scope holds `unit_id`, each with the unit of their grant, the
    nearest unit first (an officer with grants at two levels comes twice)."""
    lineage = (tree or await UnitTree.load(session)).lineage(unit_id)
    rows = await session.execute(
        select(RoleGrant.unit_id, Person)
        .join(Person, Person.id == RoleGrant.person_id)
        .where(
            RoleGrant.role == Role.OFFICER,
            RoleGrant.revoked_at.is_(None),
            RoleGrant.unit_id.in_(lineage),
        )
        .order_by(Person.id)
    )
    level = {unit: depth for depth, unit in enumerate(lineage)}
    return sorted(((grant_unit, person) for grant_unit, person in rows), key=lambda r: level[r[0]])


async def nearest_officers(
    session: AsyncSession, unit_id: int, tree: UnitTree | None = None
) -> list[Person]:
    """The officers of the nearest unit, at or above `unit_id`, that has any: the people to tell
    at once of something waiting there (a worker's question, a transfer). Officers higher up
    see it in their lists and in the daily reminder, without a message each."""
    found = await officers_over(session, unit_id, tree)
    nearest = found[0][0] if found else None
    return list(dict.fromkeys(person for unit, person in found if unit == nearest))


def deny(
    session: AsyncSession,
    person: Person | None,
    action: str,
    reason: str,
    subject_type: str | None = None,
    subject_id: int | None = None,
) -> NoReturn:
    """Audit a refusal and raise it; the error handler answers the user."""
    audit.record(
        session,
        "access.denied",
        actor_id=None if person is None else person.id,
        subject_type=subject_type,
        subject_id=subject_id,
        attempted=action,
        reason=reason,
    )
    raise Forbidden(action, reason)


async def permitted_grants(
    session: AsyncSession,
    person: Person | None,
    action: str,
    unit_id: int | None = None,
    *,
    subject: tuple[str, int] | None = None,
    tree: UnitTree | None = None,
) -> list[RoleGrant]:
    """Every grant that allows `action` on `unit_id`; refuses (and audits) when none does.

    With `unit_id` None, any grant with a suitable role suffices (e.g. to open a menu).
    `subject` names what the refusal is about in the audit trail (default: the unit).
    """
    subject_type, subject_id = subject or (
        ("unit", unit_id) if unit_id is not None else (None, None)
    )
    grants = [] if person is None else await active_grants(session, person.id)
    suitable = [g for g in grants if g.role in ALLOWED[action]]
    if not suitable:
        deny(session, person, action, "no_role", subject_type, subject_id)
    if unit_id is not None:
        lineage = set((tree or await UnitTree.load(session)).lineage(unit_id))
        suitable = [g for g in suitable if g.unit_id in lineage]
        if not suitable:
            deny(session, person, action, "out_of_scope", subject_type, subject_id)
    return suitable


async def authorize(
    session: AsyncSession,
    person: Person | None,
    action: str,
    unit_id: int | None = None,
    tree: UnitTree | None = None,
) -> RoleGrant:
    """The grant that allows `action` on `unit_id`; refuses (and audits) otherwise."""
    return (await permitted_grants(session, person, action, unit_id, tree=tree))[0]


async def grant_role(
    session: AsyncSession,
    person: Person,
    role: str,
    unit: Unit,
    *,
    granted_by: int | None = None,
    invitation_id: int | None = None,
) -> RoleGrant:
    """Give a person a role over a unit's subtree (idempotent for an identical active grant)."""
    if role not in Role.ALL:
        raise ValueError(f"unknown role {role!r}")
    for grant in await active_grants(session, person.id):
        if grant.role == role and grant.unit_id == unit.id:
            return grant
    grant = RoleGrant(
        person_id=person.id,
        role=role,
        unit_id=unit.id,
        granted_by=granted_by,
        invitation_id=invitation_id,
    )
    session.add(grant)
    await session.flush()
    audit.record(
        session,
        "role.granted",
        actor_id=granted_by,
        subject_type="person",
        subject_id=person.id,
        role=role,
        unit_id=unit.id,
    )
    return grant
