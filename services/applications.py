"""Worker applications: submit, look up, and erase on request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    bindparam,
    cast,
    column,
    delete,
    func,
    insert,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import ExecutableReturnsRows

from models import (
    Application,
    ApplicationMessage,
    ApplicationStatus,
    Enterprise,
    Lead,
    Member,
    Person,
    Question,
    Transfer,
    TransferStatus,
)
from models.db import dialect_name
from services import audit
from services.founding import FoundingAlertDue, alert_if_due
from services.routing import Route, enterprise_and_union, route_application

# Bumped whenever the consent text changes, so each application records what was agreed to.
CONSENT_VERSION = "2026-01"


@dataclass(slots=True)
class Draft:
    """The answers gathered so far; lives in the conversation state until submitted."""

    consent_at: str | None = None
    full_name: str | None = None
    birth_date: str | None = None
    gender: str | None = None
    phone: str | None = None
    citizen_id: str | None = None
    citizen_id_skipped: bool = False
    enterprise_id: int | None = None
    employer_name: str | None = None
    employer_ward_id: int | None = None
    job: str | None = None
    source: str | None = None
    # The lead whose factory-gate link opened the journey (?start=e_<MST>_c<ref>).
    lead_ref: str | None = None

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Draft:
        raw = data.get("draft") or {}
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_state(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @property
    def has_workplace(self) -> bool:
        # The ward is optional: a worker may not know it, and routing then falls back to the root.
        return self.enterprise_id is not None or self.employer_name is not None

    def missing(self) -> list[str]:
        """Names of the answers still needed before the draft can be submitted."""
        needed = {
            "consent": self.consent_at,
            "full_name": self.full_name,
            "birth_date": self.birth_date,
            "gender": self.gender,
            "phone": self.phone,
            "citizen_id": self.citizen_id or (True if self.citizen_id_skipped else None),
            "workplace": True if self.has_workplace else None,
            "job": self.job,
        }
        return [name for name, value in needed.items() if value is None]


class AlreadyPendingError(Exception):
    def __init__(self, application: Application) -> None:
        super().__init__(application.reference)
        self.application = application


class IncompleteDraftError(Exception):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


@dataclass(frozen=True, slots=True)
class Submitted:
    application: Application
    route: Route
    duplicates: list[str]
    # Set the first time the enterprise (without a CĐCS) reaches five applications.
    founding_alert: FoundingAlertDue | None = None


def format_reference(application_id: int, year: int) -> str:
    return f"DV-{year}-{application_id:06d}"


# An application is inserted with its reference in one statement: the id is taken as the
# database would take it, never one issued before (even after deletions), and the reference
# written from it as `format_reference` writes it. PostgreSQL: the id's sequence. SQLite:
# AUTOINCREMENT's rule, one above the largest id ever issued (sqlite_sequence) or present;
# its one writer at a time makes the read and the insert one step.
_SQLITE_SEQUENCE = table("sqlite_sequence", column("name", String), column("seq", Integer))
_FILLED = (
    "person_id",
    "status",
    "full_name",
    "birth_date",
    "gender",
    "phone",
    "citizen_id",
    "enterprise_id",
    "employer_name",
    "employer_ward_id",
    "job",
    "consent_version",
    "consent_at",
    "routed_unit_id",
    "routing_reason",
    "duplicate_of",
    "source",
    "credited_lead_id",
    "credited_person_id",
    "created_at",
    "updated_at",
)


@cache
def _insert_numbered(dialect: str) -> ExecutableReturnsRows:
    """The INSERT of an application and its reference (built once per dialect), to run with
    the row's values and the `year` as parameters; returns the new application."""
    columns = Application.__table__.c
    year = bindparam("year", type_=Integer)
    taken: ColumnElement[int]
    reference: ColumnElement[str]
    if dialect == "postgresql":
        taken = func.nextval(func.pg_get_serial_sequence(Application.__tablename__, "id"))
        ids = select(taken.label("id")).subquery("next_id")
        digits = cast(ids.c.id, String)
        number = func.lpad(digits, func.greatest(6, func.length(digits)), "0")
        reference = func.concat("DV-", year, "-", number)
    else:
        issued = (
            select(_SQLITE_SEQUENCE.c.seq)
            .where(_SQLITE_SEQUENCE.c.name == Application.__tablename__)
            .scalar_subquery()
        )
        # A max() of its own, which SQLite answers from the end of the index.
        present = select(func.max(columns.id)).scalar_subquery()
        taken = func.max(func.coalesce(issued, 0), func.coalesce(present, 0)) + 1
        ids = select(taken.label("id")).subquery("next_id")
        reference = func.printf("DV-%d-%06d", year, ids.c.id)
    values = [bindparam(name, type_=columns[name].type) for name in _FILLED]
    numbered = insert(Application).from_select(
        ["id", "reference", *_FILLED], select(ids.c.id, reference, *values)
    )
    return select(Application).from_statement(numbered.returning(*columns))


async def pending_application(session: AsyncSession, person_id: int) -> Application | None:
    return await session.scalar(
        select(Application)
        .where(
            Application.person_id == person_id,
            Application.status.in_(ApplicationStatus.PENDING),
        )
        .order_by(Application.id.desc())
        .limit(1)
    )


async def applications_of(session: AsyncSession, person_id: int) -> list[Application]:
    """Every application a person has made, newest first."""
    rows = await session.scalars(
        select(Application)
        .where(Application.person_id == person_id)
        .order_by(Application.id.desc())
    )
    return list(rows)


async def latest_application(session: AsyncSession, person_id: int) -> Application | None:
    return await session.scalar(
        select(Application)
        .where(Application.person_id == person_id)
        .order_by(Application.id.desc())
        .limit(1)
    )


async def _pending_of(
    session: AsyncSession, person_id: int, phone: str | None, citizen_id: str | None
) -> tuple[Application | None, list[str]]:
    """In one statement: the person's own pending application (the latest), and the
    references of other people's pending applications with the same phone or citizen ID."""
    matches = [Application.person_id == person_id]
    if phone:
        matches.append(Application.phone == phone)
    if citizen_id:
        matches.append(Application.citizen_id == citizen_id)
    rows = list(
        await session.scalars(
            select(Application)
            .where(Application.status.in_(ApplicationStatus.PENDING), or_(*matches))
            .order_by(Application.id)
        )
    )
    mine = [row for row in rows if row.person_id == person_id]
    others = [row.reference for row in rows if row.person_id not in (None, person_id)]
    return (mine[-1] if mine else None), [ref for ref in others if ref]


async def _credited_lead(
    session: AsyncSession, lead_ref: str | None, enterprise: Enterprise | None
) -> Lead | None:
    """The lead to credit: only when the worker joined at the enterprise of the link used."""
    if lead_ref is None or enterprise is None:
        return None
    lead = await session.scalar(select(Lead).where(Lead.ref == lead_ref))
    if lead is None or lead.enterprise_id != enterprise.id:
        return None
    return lead


async def submit_application(
    session: AsyncSession, person: Person, draft: Draft, now: datetime
) -> Submitted:
    """Store a complete draft as an application, routed to the unit that will recognize it."""
    missing = draft.missing()
    if missing:
        raise IncompleteDraftError(missing)
    existing, duplicates = await _pending_of(session, person.id, draft.phone, draft.citizen_id)
    if existing is not None:
        raise AlreadyPendingError(existing)
    enterprise: Enterprise | None = None
    union = None
    if draft.enterprise_id is not None:
        enterprise, union = await enterprise_and_union(session, draft.enterprise_id)
    route = await route_application(session, enterprise, draft.employer_ward_id, union)
    credit = await _credited_lead(session, draft.lead_ref, enterprise)
    assert draft.consent_at is not None and draft.birth_date is not None
    row = {
        "year": now.year,
        "person_id": person.id,
        "status": ApplicationStatus.SUBMITTED,
        "full_name": draft.full_name,
        "birth_date": date.fromisoformat(draft.birth_date),
        "gender": draft.gender,
        "phone": draft.phone,
        "citizen_id": draft.citizen_id,
        "enterprise_id": enterprise.id if enterprise is not None else None,
        "employer_name": None if enterprise is not None else draft.employer_name,
        "employer_ward_id": None if enterprise is not None else draft.employer_ward_id,
        "job": draft.job,
        "consent_version": CONSENT_VERSION,
        "consent_at": datetime.fromisoformat(draft.consent_at),
        "routed_unit_id": route.unit.id,
        "routing_reason": route.reason,
        "duplicate_of": duplicates or None,
        "source": draft.source,
        "credited_lead_id": credit.id if credit is not None else None,
        "credited_person_id": credit.collaborator_id if credit is not None else None,
        "created_at": now,
        "updated_at": now,
    }
    inserted = await session.scalars(_insert_numbered(dialect_name(session)), row)
    application: Application = inserted.one()
    audit.record(
        session,
        "application.submitted",
        actor_id=person.id,
        subject_type="application",
        subject_id=application.id,
        routed_unit_id=route.unit.id,
        routing_reason=route.reason,
        flagged_duplicates=len(duplicates),
        credited_lead_id=credit.id if credit is not None else None,
    )
    await session.flush()
    alert = await alert_if_due(session, enterprise) if enterprise is not None else None
    return Submitted(application, route, duplicates, alert)


@dataclass(frozen=True, slots=True)
class Erased:
    pending_deleted: int
    decided_anonymized: int


async def erase_person(session: AsyncSession, person: Person) -> Erased:
    """Delete a person with their pending applications, questions and pending transfers; decided
    applications and transfers keep only anonymous counts."""
    pending = await session.execute(
        delete(Application).where(
            Application.person_id == person.id,
            Application.status.in_(ApplicationStatus.PENDING),
        )
    )
    own_ids = list(
        await session.scalars(select(Application.id).where(Application.person_id == person.id))
    )
    await session.execute(
        delete(ApplicationMessage).where(ApplicationMessage.application_id.in_(own_ids))
    )
    decided = await session.execute(
        update(Application)
        .where(Application.person_id == person.id)
        .values(
            person_id=None,
            full_name=None,
            birth_date=None,
            gender=None,
            phone=None,
            citizen_id=None,
            employer_name=None,
            job=None,
            status_reason=None,
            duplicate_of=None,
        )
    )
    # Questions are the person's own words; transfers name where they work now.
    await session.execute(delete(Question).where(Question.person_id == person.id))
    memberships = select(Member.id).where(Member.person_id == person.id).scalar_subquery()
    await session.execute(
        delete(Transfer).where(
            Transfer.member_id.in_(memberships), Transfer.status == TransferStatus.PENDING
        )
    )
    await session.execute(
        update(Transfer)
        .where(Transfer.member_id.in_(memberships))
        .values(employer_name=None, employer_ward_id=None, enterprise_id=None)
    )
    # A membership stays counted, without a name; the exchanges on decided applications are
    # the person's own words.
    await session.execute(
        update(Member).where(Member.person_id == person.id).values(full_name=None, person_id=None)
    )
    audit.record(session, "person.erased", subject_type="person", subject_id=person.id)
    await session.delete(person)
    await session.flush()
    return Erased(int(pending.rowcount or 0), int(decided.rowcount or 0))  # type: ignore[attr-defined]
