"""After joining: a member moves to another union when changing job, anyone asks the union a
question, a member leaves. A transfer is neither an admission nor a loss; leaving is a loss."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Enterprise,
    Member,
    MemberStatus,
    Person,
    Question,
    Transfer,
    TransferStatus,
    Unit,
)
from models.base import as_utc
from services import audit
from services.access import Action, UnitTree, deny, permitted_grants, scope_roots
from services.applications import latest_application
from services.register import enterprise_by_id, root_unit
from services.review import member_of
from services.routing import NoUnitsError, Route, route_application

# A question unanswered this long is listed to the officers first, and flagged.
STALE_AFTER = timedelta(days=2)
# Why a member leaves: the list is data (kept with the membership that ended).
LEAVE_REASONS = ("left_job", "retired", "personal", "other")


async def _membership(session: AsyncSession, person: Person) -> tuple[Member, Unit]:
    found = await member_of(session, person)
    if found is None:
        deny(session, person, Action.CHANGE_MEMBERSHIP, "not_member", "person", person.id)
    return found


async def _scope(session: AsyncSession, officer: Person, action: str) -> set[int]:
    roots = await scope_roots(session, officer, action)
    return (await UnitTree.load(session)).subtree(roots) if roots else set()


# ---- transfers ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewEmployer:
    """Where the member works now: a registered enterprise, or a name and (maybe) a ward."""

    enterprise_id: int | None
    employer_name: str | None = None
    employer_ward_id: int | None = None


class TransferPendingError(Exception):
    """The member already asked to move; that request waits for a decision."""

    def __init__(self, transfer: Transfer) -> None:
        super().__init__(transfer.id)
        self.transfer = transfer


class SameUnionError(Exception):
    """The new employer belongs to the member's own union: nothing moves."""

    def __init__(self, union: Unit) -> None:
        super().__init__(union.code)
        self.union = union


class TransferDecidedError(Exception):
    """Another officer decided first; says who."""

    def __init__(self, transfer: Transfer, by: Person | None) -> None:
        super().__init__(transfer.id)
        self.transfer = transfer
        self.by = by


async def destination(session: AsyncSession, employer: NewEmployer) -> Route:
    """The union the new employer's workers belong to, by the rules applications follow."""
    enterprise = (
        await enterprise_by_id(session, employer.enterprise_id)
        if employer.enterprise_id is not None
        else None
    )
    return await route_application(session, enterprise, employer.employer_ward_id)


async def pending_transfer(session: AsyncSession, member_id: int) -> Transfer | None:
    return await session.scalar(
        select(Transfer).where(
            Transfer.member_id == member_id, Transfer.status == TransferStatus.PENDING
        )
    )


async def request_transfer(
    session: AsyncSession, person: Person, employer: NewEmployer, now: datetime
) -> Transfer:
    """A member's request to move to the new employer's union; its officers decide."""
    member, union = await _membership(session, person)
    existing = await pending_transfer(session, member.id)
    if existing is not None:
        raise TransferPendingError(existing)
    route = await destination(session, employer)
    if route.unit.id == member.union_unit_id:
        raise SameUnionError(union)
    transfer = Transfer(
        member_id=member.id,
        from_unit_id=member.union_unit_id,
        to_unit_id=route.unit.id,
        enterprise_id=employer.enterprise_id,
        employer_name=None if employer.enterprise_id is not None else employer.employer_name,
        employer_ward_id=None if employer.enterprise_id is not None else employer.employer_ward_id,
        routing_reason=route.reason,
        status=TransferStatus.PENDING,
        requested_at=as_utc(now),
    )
    session.add(transfer)
    await session.flush()
    audit.record(
        session,
        "transfer.requested",
        actor_id=person.id,
        subject_type="transfer",
        subject_id=transfer.id,
        member_id=member.id,
        from_unit_id=transfer.from_unit_id,
        to_unit_id=transfer.to_unit_id,
    )
    return transfer


async def transfer_scope(session: AsyncSession, officer: Person) -> set[int]:
    """The units whose incoming transfers the officer decides (empty when none)."""
    return await _scope(session, officer, Action.DECIDE_TRANSFER)


async def waiting_transfers(session: AsyncSession, units: set[int]) -> int:
    if not units:
        return 0
    count = await session.scalar(
        select(func.count(Transfer.id)).where(
            Transfer.to_unit_id.in_(units), Transfer.status == TransferStatus.PENDING
        )
    )
    return int(count or 0)


async def next_transfer(
    session: AsyncSession, units: set[int], after: Transfer | None = None
) -> Transfer | None:
    """The oldest transfer waiting to come into these units (after `after`, to skip one)."""
    if not units:
        return None
    stmt = select(Transfer).where(
        Transfer.to_unit_id.in_(units), Transfer.status == TransferStatus.PENDING
    )
    if after is not None:
        stmt = stmt.where(
            (Transfer.requested_at > after.requested_at)
            | ((Transfer.requested_at == after.requested_at) & (Transfer.id > after.id))
        )
    return await session.scalar(stmt.order_by(Transfer.requested_at, Transfer.id).limit(1))


async def transfer_for(session: AsyncSession, person: Person, transfer_id: int) -> Transfer:
    """The transfer, if `person` may decide it (their scope holds the destination); refuses
    (and audits) otherwise."""
    transfer = await session.get(Transfer, transfer_id)
    if transfer is None:
        deny(session, person, Action.DECIDE_TRANSFER, "not_found", "transfer", transfer_id)
    await permitted_grants(
        session,
        person,
        Action.DECIDE_TRANSFER,
        transfer.to_unit_id,
        subject=("transfer", transfer_id),
    )
    return transfer


@dataclass(frozen=True, slots=True)
class TransferCard:
    transfer: Transfer
    member: Member
    from_unit: Unit
    to_unit: Unit
    enterprise: Enterprise | None
    ward: Unit | None


async def transfer_card(session: AsyncSession, transfer: Transfer) -> TransferCard:
    member = await session.get(Member, transfer.member_id)
    from_unit = await session.get(Unit, transfer.from_unit_id)
    to_unit = await session.get(Unit, transfer.to_unit_id)
    assert member is not None and from_unit is not None and to_unit is not None
    enterprise = (
        await enterprise_by_id(session, transfer.enterprise_id) if transfer.enterprise_id else None
    )
    ward = await session.get(Unit, transfer.employer_ward_id) if transfer.employer_ward_id else None
    return TransferCard(transfer, member, from_unit, to_unit, enterprise, ward)


@dataclass(frozen=True, slots=True)
class TransferDecided:
    transfer: Transfer
    member: Member
    worker: Person | None
    union: Unit  # the destination


async def decide_transfer(
    session: AsyncSession, officer: Person, transfer_id: int, accept: bool, now: datetime
) -> TransferDecided:
    """Accept (the membership moves, its number stays) or decline a transfer. Of two officers
    deciding at once, exactly one changes the row; the other is told who did."""
    transfer = await transfer_for(session, officer, transfer_id)
    status = TransferStatus.ACCEPTED if accept else TransferStatus.DECLINED
    result = await session.execute(
        update(Transfer)
        .where(Transfer.id == transfer.id, Transfer.status == TransferStatus.PENDING)
        .values(status=status, decided_at=as_utc(now), decided_by=officer.id)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(transfer)
    if not result.rowcount:  # type: ignore[attr-defined]
        by = await session.get(Person, transfer.decided_by) if transfer.decided_by else None
        raise TransferDecidedError(transfer, by)
    member = await session.get(Member, transfer.member_id)
    union = await session.get(Unit, transfer.to_unit_id)
    assert member is not None and union is not None
    if accept:
        member.union_unit_id = union.id
    audit.record(
        session,
        f"transfer.{status}",
        actor_id=officer.id,
        subject_type="transfer",
        subject_id=transfer.id,
        member_id=member.id,
    )
    worker = await session.get(Person, member.person_id) if member.person_id else None
    return TransferDecided(transfer, member, worker, union)


@dataclass(frozen=True, slots=True)
class Movement:
    """Members gained and lost by a set of units over a period. A transfer between two units
    of the set moves nobody in or out of it."""

    admitted: int
    lost: int
    transferred_in: int
    transferred_out: int

    @property
    def net(self) -> int:
        return self.admitted - self.lost + self.transferred_in - self.transferred_out


async def movement(
    session: AsyncSession, units: set[int], start: date, end: date, tz: tzinfo = UTC
) -> Movement:
    """Admitted, lost, transferred in and out of `units` from `start` to before `end`
    (days in the time zone `tz`)."""
    if not units:
        return Movement(0, 0, 0, 0)
    # A member is admitted by the union they joined: the one the first transfer left, if any.
    first_union = (
        select(Transfer.from_unit_id)
        .where(Transfer.member_id == Member.id, Transfer.status == TransferStatus.ACCEPTED)
        .order_by(Transfer.id)
        .limit(1)
        .correlate(Member)
        .scalar_subquery()
    )
    admitted = await session.scalar(
        select(func.count(Member.id)).where(
            func.coalesce(first_union, Member.union_unit_id).in_(units),
            Member.admitted_on >= start,
            Member.admitted_on < end,
            Member.status != MemberStatus.REVOKED,
        )
    )
    lost = await session.scalar(
        select(func.count(Member.id)).where(
            Member.union_unit_id.in_(units),
            Member.status == MemberStatus.LEFT,
            Member.ended_on >= start,
            Member.ended_on < end,
        )
    )
    since = datetime.combine(start, time(), tz).astimezone(UTC)
    until = datetime.combine(end, time(), tz).astimezone(UTC)
    accepted = select(func.count(Transfer.id)).where(
        Transfer.status == TransferStatus.ACCEPTED,
        Transfer.decided_at >= since,
        Transfer.decided_at < until,
    )
    moved_in = await session.scalar(
        accepted.where(Transfer.to_unit_id.in_(units), Transfer.from_unit_id.not_in(units))
    )
    moved_out = await session.scalar(
        accepted.where(Transfer.from_unit_id.in_(units), Transfer.to_unit_id.not_in(units))
    )
    return Movement(int(admitted or 0), int(lost or 0), int(moved_in or 0), int(moved_out or 0))


# ---- questions ----------------------------------------------------------------------------


async def question_unit(session: AsyncSession, person: Person) -> Unit:
    """Who answers the person: their union; a non-member's unit of their latest application;
    else the root of the tree."""
    found = await member_of(session, person)
    if found is not None:
        return found[1]
    application = await latest_application(session, person.id)
    unit = await session.get(Unit, application.routed_unit_id) if application else None
    unit = unit or await root_unit(session)
    if unit is None:
        raise NoUnitsError
    return unit


async def ask(session: AsyncSession, person: Person, text: str, now: datetime) -> Question:
    """A worker's question, for the officers over the worker's union."""
    unit = await question_unit(session, person)
    question = Question(person_id=person.id, unit_id=unit.id, text=text, asked_at=as_utc(now))
    session.add(question)
    await session.flush()
    # Never the text: it may carry personal data.
    audit.record(
        session,
        "question.asked",
        actor_id=person.id,
        subject_type="question",
        subject_id=question.id,
        unit_id=unit.id,
    )
    return question


async def questions_of(session: AsyncSession, person_id: int) -> list[Question]:
    """Every question a person has asked, oldest first (My data shows them)."""
    rows = await session.scalars(
        select(Question).where(Question.person_id == person_id).order_by(Question.id)
    )
    return list(rows)


async def question_scope(session: AsyncSession, officer: Person) -> set[int]:
    """The units whose workers' questions the officer answers (empty when none)."""
    return await _scope(session, officer, Action.ANSWER_WORKER_QUESTION)


async def open_questions(session: AsyncSession, units: set[int]) -> list[Question]:
    """Unanswered questions in these units, oldest (so the stale ones) first."""
    if not units:
        return []
    rows = await session.scalars(
        select(Question)
        .where(Question.unit_id.in_(units), Question.answered_at.is_(None))
        .order_by(Question.asked_at, Question.id)
    )
    return list(rows)


async def stale_questions(session: AsyncSession, units: set[int], now: datetime) -> list[Question]:
    """Questions in these units without an answer for `STALE_AFTER` or longer, oldest first
    (for the officers' list, and for the scheduler's reminder)."""
    if not units:
        return []
    rows = await session.scalars(
        select(Question)
        .where(
            Question.unit_id.in_(units),
            Question.answered_at.is_(None),
            Question.asked_at <= as_utc(now) - STALE_AFTER,
        )
        .order_by(Question.asked_at, Question.id)
    )
    return list(rows)


def is_stale(question: Question, now: datetime) -> bool:
    return question.answered_at is None and as_utc(now) - as_utc(question.asked_at) >= STALE_AFTER


async def question_for(session: AsyncSession, person: Person, question_id: int) -> Question:
    """The question, if `person` may answer it; refuses (and audits) otherwise."""
    question = await session.get(Question, question_id)
    if question is None:
        deny(session, person, Action.ANSWER_WORKER_QUESTION, "not_found", "question", question_id)
    await permitted_grants(
        session,
        person,
        Action.ANSWER_WORKER_QUESTION,
        question.unit_id,
        subject=("question", question_id),
    )
    return question


class AlreadyAnsweredError(Exception):
    """Another officer answered first; says who."""

    def __init__(self, question: Question, by: Person | None) -> None:
        super().__init__(question.id)
        self.question = question
        self.by = by


@dataclass(frozen=True, slots=True)
class Answered:
    question: Question
    worker: Person | None


async def answer_question(
    session: AsyncSession, officer: Person, question_id: int, text: str, now: datetime
) -> Answered:
    """An officer's answer, kept with the question; exactly one answer per question."""
    question = await question_for(session, officer, question_id)
    result = await session.execute(
        update(Question)
        .where(Question.id == question.id, Question.answered_at.is_(None))
        .values(answered_at=as_utc(now), answered_by=officer.id, answer=text)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(question)
    if not result.rowcount:  # type: ignore[attr-defined]
        by = await session.get(Person, question.answered_by) if question.answered_by else None
        raise AlreadyAnsweredError(question, by)
    audit.record(
        session,
        "question.answered",
        actor_id=officer.id,
        subject_type="question",
        subject_id=question.id,
    )
    worker = await session.get(Person, question.person_id) if question.person_id else None
    return Answered(question, worker)


# ---- leaving ------------------------------------------------------------------------------


async def leave_union(
    session: AsyncSession, person: Person, reason: str, now: datetime
) -> tuple[Member, Unit]:
    """The member leaves: a loss dated today; the card stops verifying; a transfer still
    waiting is cancelled."""
    if reason not in LEAVE_REASONS:
        raise ValueError(reason)
    member, union = await _membership(session, person)
    member.status = MemberStatus.LEFT
    member.ended_on = now.date()
    member.ended_reason = reason
    await session.execute(
        update(Transfer)
        .where(Transfer.member_id == member.id, Transfer.status == TransferStatus.PENDING)
        .values(status=TransferStatus.CANCELLED, decided_at=as_utc(now))
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        "member.left",
        actor_id=person.id,
        subject_type="member",
        subject_id=member.id,
        reason=reason,
    )
    return member, union
