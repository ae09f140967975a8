"""Worker applications: submit, look up, and erase on request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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
from services import audit
from services.founding import FoundingAlertDue, alert_if_due
from services.register import enterprise_by_id
from services.routing import Route, route_application

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


async def _pending_duplicates(
    session: AsyncSession, person_id: int, phone: str | None, citizen_id: str | None
) -> list[str]:
    matches = [Application.phone == phone] if phone else []
    if citizen_id:
        matches.append(Application.citizen_id == citizen_id)
    if not matches:
        return []
    rows = await session.scalars(
        select(Application.reference).where(
            Application.status.in_(ApplicationStatus.PENDING),
            Application.person_id != person_id,
            or_(*matches),
        )
    )
    return [ref for ref in rows if ref]


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
    existing = await pending_application(session, person.id)
    if existing is not None:
        raise AlreadyPendingError(existing)
    enterprise: Enterprise | None = None
    if draft.enterprise_id is not None:
        enterprise = await enterprise_by_id(session, draft.enterprise_id)
    route = await route_application(session, enterprise, draft.employer_ward_id)
    duplicates = await _pending_duplicates(session, person.id, draft.phone, draft.citizen_id)
    credit = await _credited_lead(session, draft.lead_ref, enterprise)
    assert draft.consent_at is not None and draft.birth_date is not None
    application = Application(
        person_id=person.id,
        status=ApplicationStatus.SUBMITTED,
        full_name=draft.full_name,
        birth_date=date.fromisoformat(draft.birth_date),
        gender=draft.gender,
        phone=draft.phone,
        citizen_id=draft.citizen_id,
        enterprise_id=enterprise.id if enterprise is not None else None,
        employer_name=None if enterprise is not None else draft.employer_name,
        employer_ward_id=None if enterprise is not None else draft.employer_ward_id,
        job=draft.job,
        consent_version=CONSENT_VERSION,
        consent_at=datetime.fromisoformat(draft.consent_at),
        routed_unit_id=route.unit.id,
        routing_reason=route.reason,
        duplicate_of=duplicates or None,
        source=draft.source,
        credited_lead_id=credit.id if credit is not None else None,
        credited_person_id=credit.collaborator_id if credit is not None else None,
        created_at=now,
        updated_at=now,
    )
    session.add(application)
    await session.flush()
    application.reference = format_reference(application.id, now.year)
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
    alert = await alert_if_due(session, enterprise.id) if enterprise is not None else None
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
