"""Officers decide on applications: the queue of their subtree, approve, reject, ask for more,
re-route, and (administrators) reverse a decision. Exactly one decision per application."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Application,
    ApplicationMessage,
    ApplicationStatus,
    Enterprise,
    Member,
    MemberStatus,
    Person,
    Unit,
    UnitKind,
)
from models.base import as_utc
from services import audit
from services.access import Action, UnitTree, deny, permitted_grants, scope_roots
from services.members import new_member_number
from services.register import search_units

# Why an application may be rejected: the list is data; the officer adds their own words.
REJECT_REASONS = ("not_employed", "duplicate", "under_age", "not_eligible", "other")
# Units that can recognize a member: a grassroots union, or an upper union over grassroots.
RECOGNIZING = frozenset({UnitKind.GRASSROOTS_UNION, UnitKind.TRADE_GUILD, *UnitKind.UPPER})
REROUTED = "rerouted"


async def review_scope(session: AsyncSession, officer: Person) -> set[int]:
    """The units whose applications the officer reviews (empty when none)."""
    roots = await scope_roots(session, officer, Action.REVIEW_APPLICATION)
    return (await UnitTree.load(session)).subtree(roots) if roots else set()


@dataclass(frozen=True, slots=True)
class QueueCount:
    unit: Unit
    waiting: int


async def queue_counts(session: AsyncSession, units: set[int]) -> list[QueueCount]:
    """Applications waiting for a decision, per unit, most first."""
    if not units:
        return []
    rows = await session.execute(
        select(Unit, func.count(Application.id))
        .join(Application, Application.routed_unit_id == Unit.id)
        .where(Unit.id.in_(units), Application.status == ApplicationStatus.SUBMITTED)
        .group_by(Unit.id)
        .order_by(func.count(Application.id).desc(), Unit.name)
    )
    return [QueueCount(unit, int(count)) for unit, count in rows]


async def next_application(
    session: AsyncSession, units: set[int], after: Application | None = None
) -> Application | None:
    """The oldest application waiting in these units (after `after`, to skip one)."""
    if not units:
        return None
    stmt = select(Application).where(
        Application.routed_unit_id.in_(units), Application.status == ApplicationStatus.SUBMITTED
    )
    if after is not None:
        stmt = stmt.where(
            (Application.created_at > after.created_at)
            | ((Application.created_at == after.created_at) & (Application.id > after.id))
        )
    return await session.scalar(stmt.order_by(Application.created_at, Application.id).limit(1))


async def application_for(
    session: AsyncSession, person: Person, application_id: int, action: str
) -> Application:
    """The application, if `person` may perform `action` on it; refuses (and audits) otherwise."""
    application = await session.get(Application, application_id)
    if application is None:
        deny(session, person, action, "not_found", "application", application_id)
    await permitted_grants(
        session,
        person,
        action,
        application.routed_unit_id,
        subject=("application", application_id),
    )
    return application


async def by_reference(session: AsyncSession, reference: str) -> Application | None:
    if not reference:
        return None
    return await session.scalar(
        select(Application).where(Application.reference == reference.upper())
    )


@dataclass(frozen=True, slots=True)
class ReviewCard:
    application: Application
    unit: Unit | None
    enterprise: Enterprise | None
    enterprise_union: Unit | None
    messages: list[ApplicationMessage]
    waited: timedelta


async def review_card(session: AsyncSession, application: Application, now: datetime) -> ReviewCard:
    enterprise = (
        await session.get(Enterprise, application.enterprise_id)
        if application.enterprise_id
        else None
    )
    union = None
    if enterprise is not None and enterprise.grassroots_union_id is not None:
        union = await session.get(Unit, enterprise.grassroots_union_id)
    messages = list(
        await session.scalars(
            select(ApplicationMessage)
            .where(ApplicationMessage.application_id == application.id)
            .order_by(ApplicationMessage.id)
        )
    )
    return ReviewCard(
        application,
        await session.get(Unit, application.routed_unit_id),
        enterprise,
        union,
        messages,
        as_utc(now) - as_utc(application.created_at),
    )


# ---- decisions ----------------------------------------------------------------------------


class AlreadyDecidedError(Exception):
    """Someone else decided first; says who and when."""

    def __init__(self, application: Application, by: Person | None) -> None:
        super().__init__(application.reference)
        self.application = application
        self.by = by


@dataclass(frozen=True, slots=True)
class Decided:
    """What happened to an application, for telling the worker and the officer."""

    kind: str  # approved, rejected, more_info, rerouted, reversed
    application: Application
    worker: Person | None
    member: Member | None = None
    union: Unit | None = None
    text: str | None = None  # the officer's question


async def _claim(
    session: AsyncSession,
    officer: Person,
    application: Application,
    status: str,
    now: datetime,
    **values: object,
) -> None:
    """Move a waiting application to `status` in one conditional UPDATE: of two officers
    deciding at once, exactly one changes the row; the other is told who did."""
    result = await session.execute(
        update(Application)
        .where(
            Application.id == application.id,
            Application.status.in_(ApplicationStatus.PENDING),
        )
        .values(status=status, updated_at=as_utc(now), **values)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(application)
    if not result.rowcount:  # type: ignore[attr-defined]
        by = await session.get(Person, application.decided_by) if application.decided_by else None
        raise AlreadyDecidedError(application, by)


async def _worker(session: AsyncSession, application: Application) -> Person | None:
    return await session.get(Person, application.person_id) if application.person_id else None


async def approve(
    session: AsyncSession, officer: Person, application_id: int, now: datetime
) -> Decided:
    """Recognize the worker as a member of the routed union, with a new member number."""
    application = await application_for(session, officer, application_id, Action.REVIEW_APPLICATION)
    await _claim(
        session,
        officer,
        application,
        ApplicationStatus.APPROVED,
        now,
        decided_at=as_utc(now),
        decided_by=officer.id,
    )
    union = await session.get(Unit, application.routed_unit_id)
    assert union is not None
    member = Member(
        number=await new_member_number(session, union, now.year),
        person_id=application.person_id,
        application_id=application.id,
        union_unit_id=union.id,
        full_name=application.full_name,
        admitted_on=now.date(),
        admitted_by=officer.id,
        status=MemberStatus.ACTIVE,
    )
    session.add(member)
    await session.flush()
    audit.record(
        session,
        "application.approved",
        actor_id=officer.id,
        subject_type="application",
        subject_id=application.id,
        member_id=member.id,
        union_unit_id=union.id,
    )
    return Decided("approved", application, await _worker(session, application), member, union)


async def reject(
    session: AsyncSession,
    officer: Person,
    application_id: int,
    code: str,
    note: str | None,
    now: datetime,
) -> Decided:
    if code not in REJECT_REASONS:
        raise ValueError(code)
    application = await application_for(session, officer, application_id, Action.REVIEW_APPLICATION)
    await _claim(
        session,
        officer,
        application,
        ApplicationStatus.REJECTED,
        now,
        decided_at=as_utc(now),
        decided_by=officer.id,
        decision_code=code,
        status_reason=note,
    )
    audit.record(
        session,
        "application.rejected",
        actor_id=officer.id,
        subject_type="application",
        subject_id=application.id,
        reason=code,
    )
    return Decided("rejected", application, await _worker(session, application))


async def ask_more(
    session: AsyncSession, officer: Person, application_id: int, question: str, now: datetime
) -> Decided:
    """A question to the worker; the application waits for the answer, then returns."""
    application = await application_for(session, officer, application_id, Action.REVIEW_APPLICATION)
    await _claim(session, officer, application, ApplicationStatus.MORE_INFO, now)
    session.add(
        ApplicationMessage(
            application_id=application.id,
            at=as_utc(now),
            author_id=officer.id,
            kind="question",
            text=question,
        )
    )
    audit.record(
        session,
        "application.more_info",
        actor_id=officer.id,
        subject_type="application",
        subject_id=application.id,
    )
    worker = await _worker(session, application)
    return Decided("more_info", application, worker, text=question)


async def waiting_for_answer(session: AsyncSession, worker: Person) -> Application | None:
    return await session.scalar(
        select(Application)
        .where(
            Application.person_id == worker.id,
            Application.status == ApplicationStatus.MORE_INFO,
        )
        .order_by(Application.id.desc())
        .limit(1)
    )


async def answer(session: AsyncSession, worker: Person, text: str, now: datetime) -> Application:
    """The worker's answer: kept with the application, which returns to the queue."""
    application = await waiting_for_answer(session, worker)
    if application is None:
        deny(session, worker, Action.ANSWER_QUESTION, "not_asked", "person", worker.id)
    application.status = ApplicationStatus.SUBMITTED
    application.updated_at = as_utc(now)
    session.add(
        ApplicationMessage(
            application_id=application.id,
            at=as_utc(now),
            author_id=worker.id,
            kind="answer",
            text=text,
        )
    )
    audit.record(
        session,
        "application.answered",
        actor_id=worker.id,
        subject_type="application",
        subject_id=application.id,
    )
    return application


async def reroute_targets(session: AsyncSession, query: str) -> list[Unit]:
    """Units an application may be sent to: any unit that can recognize members."""
    return list(await search_units(session, query, RECOGNIZING))


async def reroute(
    session: AsyncSession, officer: Person, application_id: int, unit_id: int, now: datetime
) -> Decided:
    """Send the application to another unit (the worker named the wrong employer or ward)."""
    application = await application_for(session, officer, application_id, Action.REVIEW_APPLICATION)
    unit = await session.get(Unit, unit_id)
    if unit is None or unit.kind not in RECOGNIZING:
        raise ValueError(unit_id)
    if application.status not in ApplicationStatus.PENDING:
        by = await session.get(Person, application.decided_by) if application.decided_by else None
        raise AlreadyDecidedError(application, by)
    previous = application.routed_unit_id
    application.routed_unit_id = unit.id
    application.routing_reason = REROUTED
    application.updated_at = as_utc(now)
    audit.record(
        session,
        "application.rerouted",
        actor_id=officer.id,
        subject_type="application",
        subject_id=application.id,
        from_unit_id=previous,
        to_unit_id=unit.id,
    )
    return Decided("rerouted", application, await _worker(session, application), union=unit)


async def reverse(
    session: AsyncSession, admin: Person, application_id: int, reason: str, now: datetime
) -> Decided:
    """An administrator undoes a decision: the application waits again, a membership it
    created is revoked (its number is never issued again)."""
    application = await application_for(session, admin, application_id, Action.REVERSE_DECISION)
    if application.status in ApplicationStatus.PENDING:
        _not_decided(session, admin, application)
    member = await session.scalar(select(Member).where(Member.application_id == application.id))
    if member is not None:
        member.status = MemberStatus.REVOKED
        member.ended_on = now.date()
        member.ended_reason = reason
    previous = application.status
    application.status = ApplicationStatus.SUBMITTED
    application.decided_at = application.decided_by = application.decision_code = None
    application.status_reason = None
    application.updated_at = as_utc(now)
    audit.record(
        session,
        "application.reversed",
        actor_id=admin.id,
        subject_type="application",
        subject_id=application.id,
        previous=previous,
    )
    return Decided("reversed", application, await _worker(session, application), member)


def _not_decided(session: AsyncSession, admin: Person, application: Application) -> NoReturn:
    deny(session, admin, Action.REVERSE_DECISION, "not_decided", "application", application.id)


async def member_of(session: AsyncSession, person: Person) -> tuple[Member, Unit] | None:
    """The person's active membership, if any."""
    row = (
        await session.execute(
            select(Member, Unit)
            .join(Unit, Unit.id == Member.union_unit_id)
            .where(Member.person_id == person.id, Member.status == MemberStatus.ACTIVE)
            .order_by(Member.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else (row[0], row[1])
