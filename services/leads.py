"""Collaborators' leads: enterprises without a CĐCS, reported, scored and followed up.

Who may touch a lead is decided here, on every call that names one: a collaborator only
their own leads within their scope, an officer or admin any lead within theirs.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Enterprise,
    Lead,
    LeadEvent,
    LeadStage,
    Person,
    Role,
    RoleGrant,
    Unit,
    UnitKind,
)
from services import audit
from services.access import (
    ALLOWED,
    Action,
    UnitTree,
    authorize,
    deny,
    permitted_grants,
    scope_roots,
)
from services.register import enterprise_by_tax_code
from services.validation import normalize_search_key


def _utc(moment: datetime) -> datetime:
    # SQLite drops the offset of an aware datetime: store UTC so it reads back right.
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment


# --------------------------------------------------------------------------------------------
# Priority: where to recruit first (seeds 000, 002, 003)
# --------------------------------------------------------------------------------------------

LARGE_WORKFORCE: Final = 25
# Lai Châu also targets enterprises with 10 or more workers (seed 003): counted, lower weight.
SMALL_WORKFORCE: Final = 10
YEARS_WITHOUT_UNION: Final = 3
POINTS: Final[Mapping[str, int]] = {
    "pays-fee": 30,
    "workers": 25,
    "workers-small": 10,
    "party-cell": 20,
    "industrial-zone": 15,
    "years": 10,
}
# The Fluent keys are lead-reason-<key>.
REASON_KEYS: Final = ("pays-fee", "workers", "party-cell", "industrial-zone", "years")
MAX_PRIORITY: Final = sum(v for k, v in POINTS.items() if k != "workers-small")


@dataclass(frozen=True, slots=True)
class PriorityReason:
    """One rule that raised a lead's priority; ``key`` names the Fluent message lead-reason-…"""

    key: str
    points: int
    args: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "points": self.points, "args": dict(self.args)}

    @classmethod
    def from_json(cls, raw: Any) -> PriorityReason | None:
        if not isinstance(raw, dict) or raw.get("key") not in REASON_KEYS:
            return None
        args = raw.get("args") or {}
        return cls(
            str(raw["key"]), int(raw.get("points") or 0), {k: int(v) for k, v in args.items()}
        )


@dataclass(frozen=True, slots=True)
class Priority:
    score: int
    reasons: tuple[PriorityReason, ...]


def priority(enterprise: Enterprise, today: date) -> Priority:
    """The lead-priority rules applied to an enterprise, strongest reason first."""
    without_union = enterprise.grassroots_union_id is None
    reasons: list[PriorityReason] = []
    if without_union and enterprise.pays_union_fee:
        reasons.append(PriorityReason("pays-fee", POINTS["pays-fee"]))
    workers = enterprise.employees or 0
    if workers >= LARGE_WORKFORCE:
        reasons.append(PriorityReason("workers", POINTS["workers"], {"count": workers}))
    elif workers >= SMALL_WORKFORCE:
        reasons.append(PriorityReason("workers", POINTS["workers-small"], {"count": workers}))
    if without_union and enterprise.has_party_cell:
        reasons.append(PriorityReason("party-cell", POINTS["party-cell"]))
    if enterprise.in_industrial_zone:
        reasons.append(PriorityReason("industrial-zone", POINTS["industrial-zone"]))
    if without_union and enterprise.founded_year is not None:
        years = today.year - enterprise.founded_year
        if years >= YEARS_WITHOUT_UNION:
            reasons.append(PriorityReason("years", POINTS["years"], {"years": years}))
    reasons.sort(key=lambda reason: -reason.points)
    return Priority(sum(r.points for r in reasons), tuple(reasons))


def stored_reasons(lead: Lead) -> list[PriorityReason]:
    """The reasons saved with a lead (unknown entries from older versions are skipped)."""
    found = (PriorityReason.from_json(raw) for raw in lead.priority_reasons or [])
    return [reason for reason in found if reason is not None]


# --------------------------------------------------------------------------------------------
# References used in factory-gate links (?start=e_<MST>_c<ref>)
# --------------------------------------------------------------------------------------------

# No 0/O or 1/I: a reference is read aloud and typed from paper.
REF_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REF_LENGTH: Final = 6
_REF_RE: Final = re.compile(r"[A-Z0-9]{6,8}")


async def _new_ref(session: AsyncSession) -> str:
    for attempt in range(12):
        length = REF_LENGTH if attempt < 8 else REF_LENGTH + 2
        ref = "".join(secrets.choice(REF_ALPHABET) for _ in range(length))
        if await session.scalar(select(Lead.id).where(Lead.ref == ref)) is None:
            return ref
    raise RuntimeError("could not draw an unused lead reference")


async def lead_by_ref(session: AsyncSession, ref: str) -> Lead | None:
    """The lead behind a factory-gate link's ``c<ref>``, to credit its collaborator."""
    code = ref.strip().upper()
    if not _REF_RE.fullmatch(code):
        return None
    return await session.scalar(select(Lead).where(Lead.ref == code))


# --------------------------------------------------------------------------------------------
# Scope
# --------------------------------------------------------------------------------------------

SUPERVISORS: Final = ALLOWED[Action.VIEW_UNIT_LEADS]


@dataclass(frozen=True, slots=True)
class Scope:
    """The units under which a person may perform one action."""

    tree: UnitTree
    roots: tuple[int, ...]
    units: frozenset[int]

    def covers(self, unit_id: int | None) -> bool:
        return unit_id is not None and unit_id in self.units


async def scope_of(session: AsyncSession, person: Person, action: str) -> Scope:
    tree = await UnitTree.load(session)
    roots = tuple(await scope_roots(session, person, action))
    return Scope(tree, roots, frozenset(tree.subtree(roots)))


async def only_ward(session: AsyncSession, person: Person) -> int | None:
    """The ward, when the person may report leads in exactly one."""
    scope = await scope_of(session, person, Action.REPORT_LEAD)
    wards = (
        await session.scalars(
            select(Unit.id)
            .where(Unit.id.in_(scope.units), Unit.kind == UnitKind.WARD_UNION)
            .limit(2)
        )
    ).all()
    return wards[0] if len(wards) == 1 else None


def unit_for_report(enterprise: Enterprise, scope: Scope) -> int | None:
    """The unit a new lead on this enterprise belongs to, or None when it is out of scope.

    An enterprise whose ward is unknown goes to the reporter's own unit.
    """
    if enterprise.ward_unit_id is None:
        return scope.roots[0] if scope.roots else None
    return enterprise.ward_unit_id if scope.covers(enterprise.ward_unit_id) else None


def is_supervisor(roles: frozenset[str]) -> bool:
    return bool(roles & SUPERVISORS)


def _record_event(
    session: AsyncSession, lead: Lead, person: Person, now: datetime, kind: str, **fields: Any
) -> None:
    """One entry of the lead's history: who did what, and when."""
    session.add(LeadEvent(lead_id=lead.id, at=_utc(now), actor_id=person.id, kind=kind, **fields))


async def lead_for(
    session: AsyncSession, person: Person, lead_id: int, action: str = Action.UPDATE_LEAD
) -> Lead:
    """The lead, if `person` may perform `action` on it; refuses (and audits) otherwise.

    A collaborator may touch only their own leads within their scope; an officer or admin any
    lead whose unit is within theirs.
    """
    lead = await session.get(Lead, lead_id)
    if lead is None:
        deny(session, person, action, "not_found", "lead", lead_id)
    grants = await permitted_grants(
        session, person, action, lead.unit_id, subject=("lead", lead_id)
    )
    if lead.collaborator_id == person.id or any(g.role in SUPERVISORS for g in grants):
        return lead
    deny(session, person, action, "not_own", "lead", lead_id)


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class LeadDraft:
    """A report being typed; lives in the conversation state until it is saved."""

    enterprise_id: int | None = None
    tax_code: str | None = None
    name: str | None = None
    address: str | None = None
    ward_id: int | None = None
    employees: int | None = None
    pays_union_fee: bool | None = None
    has_party_cell: bool | None = None
    in_industrial_zone: bool | None = None
    years: int | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    note: str | None = None

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> LeadDraft:
        raw = data.get("lead") or {}
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})

    def to_state(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class HasUnion:
    """The enterprise already has a grassroots union: nothing to report."""

    enterprise: Enterprise
    union: Unit | None


@dataclass(frozen=True, slots=True)
class AlreadyReported:
    """The enterprise is under an active lead already."""

    enterprise: Enterprise
    lead: Lead
    unit: Unit | None


Blocker = HasUnion | AlreadyReported


@dataclass(frozen=True, slots=True)
class Reported:
    lead: Lead
    enterprise: Enterprise
    priority: Priority


class IncompleteLeadError(Exception):
    """The draft lacks what a new enterprise needs (name and ward)."""


async def active_lead(session: AsyncSession, enterprise_id: int) -> Lead | None:
    return await session.scalar(
        select(Lead)
        .where(Lead.enterprise_id == enterprise_id, Lead.stage.in_(LeadStage.ACTIVE))
        .order_by(Lead.id)
        .limit(1)
    )


async def blocker_for(session: AsyncSession, enterprise: Enterprise) -> Blocker | None:
    """Why no new lead may be opened on this enterprise, if there is a reason."""
    if enterprise.grassroots_union_id is not None:
        return HasUnion(enterprise, await session.get(Unit, enterprise.grassroots_union_id))
    lead = await active_lead(session, enterprise.id)
    if lead is not None:
        return AlreadyReported(enterprise, lead, await session.get(Unit, lead.unit_id))
    return None


async def same_enterprise(session: AsyncSession, name: str, ward_id: int) -> Enterprise | None:
    """An enterprise of the same name in the same ward (reported before without a tax code)."""
    return await session.scalar(
        select(Enterprise)
        .where(
            Enterprise.search_key == normalize_search_key(name),
            Enterprise.ward_unit_id == ward_id,
        )
        .order_by(Enterprise.id)
        .limit(1)
    )


async def _enterprise_for(
    session: AsyncSession, person: Person, draft: LeadDraft, today: date
) -> Enterprise:
    if draft.enterprise_id is not None:
        known = await session.get(Enterprise, draft.enterprise_id)
        if known is None:
            raise IncompleteLeadError("enterprise")
        return known
    if draft.tax_code is not None:
        registered = await enterprise_by_tax_code(session, draft.tax_code)
        if registered is not None:
            return registered
    if draft.name is None or draft.ward_id is None:
        raise IncompleteLeadError("name" if draft.name is None else "ward")
    await authorize(session, person, Action.REPORT_LEAD, draft.ward_id)
    if draft.tax_code is None:
        existing = await same_enterprise(session, draft.name, draft.ward_id)
        if existing is not None:
            return existing
    enterprise = Enterprise(
        tax_code=draft.tax_code,
        name=draft.name,
        search_key=normalize_search_key(draft.name),
        address=draft.address,
        ward_unit_id=draft.ward_id,
        employees=draft.employees,
        pays_union_fee=bool(draft.pays_union_fee),
        has_party_cell=bool(draft.has_party_cell),
        in_industrial_zone=bool(draft.in_industrial_zone),
        founded_year=None if draft.years is None else today.year - draft.years,
    )
    session.add(enterprise)
    await session.flush()
    audit.record(
        session,
        "enterprise.reported",
        actor_id=person.id,
        subject_type="enterprise",
        subject_id=enterprise.id,
    )
    return enterprise


FIRST_FOLLOW_UP: Final = timedelta(days=7)


async def report_lead(
    session: AsyncSession, person: Person, draft: LeadDraft, now: datetime
) -> Reported | Blocker:
    """Open a lead on the drafted enterprise (creating it if unknown), scored as of `now`."""
    today = now.date()
    await authorize(session, person, Action.REPORT_LEAD)
    enterprise = await _enterprise_for(session, person, draft, today)
    blocker = await blocker_for(session, enterprise)
    if blocker is not None:
        return blocker
    scope = await scope_of(session, person, Action.REPORT_LEAD)
    unit_id = unit_for_report(enterprise, scope)
    # Refuses (and audits) an enterprise outside the reporter's scope.
    await authorize(
        session, person, Action.REPORT_LEAD, unit_id or enterprise.ward_unit_id, scope.tree
    )
    assert unit_id is not None
    scored = priority(enterprise, today)
    lead = Lead(
        ref=await _new_ref(session),
        enterprise_id=enterprise.id,
        collaborator_id=person.id,
        unit_id=unit_id,
        stage=LeadStage.NEW,
        priority=scored.score,
        priority_reasons=[reason.to_json() for reason in scored.reasons],
        contact_name=draft.contact_name,
        contact_phone=draft.contact_phone,
        next_follow_up=today + FIRST_FOLLOW_UP,
        created_at=_utc(now),
    )
    session.add(lead)
    await session.flush()
    _record_event(session, lead, person, now, "reported", to_stage=lead.stage)
    if draft.note:
        _record_event(session, lead, person, now, "note", note=draft.note)
    audit.record(
        session,
        "lead.reported",
        actor_id=person.id,
        subject_type="lead",
        subject_id=lead.id,
        enterprise_id=enterprise.id,
        unit_id=unit_id,
        priority=scored.score,
    )
    return Reported(lead, enterprise, scored)


async def add_note_to_reported(
    session: AsyncSession, person: Person, lead_id: int, text: str, now: datetime
) -> Lead:
    """A note from someone who found the enterprise already under this lead.

    Any reporter whose scope covers the lead's unit may leave one; the lead must be active.
    """
    lead = await session.get(Lead, lead_id)
    if lead is None or lead.stage not in LeadStage.ACTIVE:
        reason = "not_found" if lead is None else "inactive"
        deny(session, person, Action.REPORT_LEAD, reason, "lead", lead_id)
    await authorize(session, person, Action.REPORT_LEAD, lead.unit_id)
    _record_event(session, lead, person, now, "note", note=text)
    return lead


# --------------------------------------------------------------------------------------------
# Lists and cards
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeadRow:
    lead: Lead
    enterprise: Enterprise


@dataclass(frozen=True, slots=True)
class LeadPage:
    rows: list[LeadRow]
    page: int
    pages: int
    total: int


async def _page(session: AsyncSession, where: list[Any], page: int, size: int) -> LeadPage:
    total = await session.scalar(select(func.count()).select_from(Lead).where(*where)) or 0
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    rows = await session.execute(
        select(Lead, Enterprise)
        .join(Enterprise, Enterprise.id == Lead.enterprise_id)
        .where(*where)
        .order_by(Lead.priority.desc(), Lead.id.desc())
        .offset(page * size)
        .limit(size)
    )
    return LeadPage([LeadRow(lead, ent) for lead, ent in rows], page, pages, total)


async def my_leads(session: AsyncSession, person: Person, page: int = 0, size: int = 8) -> LeadPage:
    """The person's own leads within their scope, highest priority first."""
    await authorize(session, person, Action.VIEW_OWN_LEADS)
    scope = await scope_of(session, person, Action.VIEW_OWN_LEADS)
    where = [Lead.collaborator_id == person.id, Lead.unit_id.in_(scope.units)]
    return await _page(session, where, page, size)


async def unit_leads(
    session: AsyncSession, person: Person, page: int = 0, size: int = 8
) -> LeadPage:
    """Every lead in the subtrees of the person's officer or admin grants."""
    await authorize(session, person, Action.VIEW_UNIT_LEADS)
    scope = await scope_of(session, person, Action.VIEW_UNIT_LEADS)
    return await _page(session, [Lead.unit_id.in_(scope.units)], page, size)


@dataclass(frozen=True, slots=True)
class LeadCard:
    lead: Lead
    enterprise: Enterprise
    ward: Unit | None
    unit: Unit | None
    collaborator: Person | None


async def card(session: AsyncSession, lead: Lead) -> LeadCard:
    enterprise = await session.get(Enterprise, lead.enterprise_id)
    assert enterprise is not None  # the foreign key cascades
    ward = await session.get(Unit, enterprise.ward_unit_id) if enterprise.ward_unit_id else None
    collaborator = await session.get(Person, lead.collaborator_id) if lead.collaborator_id else None
    return LeadCard(lead, enterprise, ward, await session.get(Unit, lead.unit_id), collaborator)


# --------------------------------------------------------------------------------------------
# Follow-up: stages, dates, notes, tax code, reassignment
# --------------------------------------------------------------------------------------------


class AlreadyActiveError(Exception):
    """Reopening would give the enterprise a second active lead."""

    def __init__(self, other: Lead) -> None:
        super().__init__(other.ref)
        self.other = other


async def change_stage(
    session: AsyncSession, person: Person, lead: Lead, stage: str, now: datetime
) -> bool:
    """Move a lead to `stage`, keeping the history; False when it already is there."""
    if stage not in LeadStage.ALL:
        raise ValueError(f"unknown stage {stage!r}")
    if stage == lead.stage:
        return False
    if stage in LeadStage.ACTIVE and lead.stage not in LeadStage.ACTIVE:
        other = await active_lead(session, lead.enterprise_id)
        if other is not None and other.id != lead.id:
            raise AlreadyActiveError(other)
    _record_event(session, lead, person, now, "stage", from_stage=lead.stage, to_stage=stage)
    lead.stage = stage
    lead.updated_at = _utc(now)
    audit.record(
        session,
        "lead.stage",
        actor_id=person.id,
        subject_type="lead",
        subject_id=lead.id,
        to_stage=stage,
    )
    return True


async def set_follow_up(
    session: AsyncSession, person: Person, lead: Lead, day: date, now: datetime
) -> None:
    lead.next_follow_up = day
    lead.updated_at = _utc(now)
    _record_event(session, lead, person, now, "follow_up", note=day.isoformat())


async def add_note(
    session: AsyncSession, person: Person, lead: Lead, text: str, now: datetime
) -> None:
    _record_event(session, lead, person, now, "note", note=text)
    lead.updated_at = _utc(now)


async def set_tax_code(
    session: AsyncSession, person: Person, lead: Lead, tax_code: str, now: datetime
) -> Enterprise | None:
    """Give the lead's enterprise its tax code; returns the register's other holder, if any."""
    enterprise = await session.get(Enterprise, lead.enterprise_id)
    assert enterprise is not None
    holder = await enterprise_by_tax_code(session, tax_code)
    if holder is not None and holder.id != enterprise.id:
        return holder
    enterprise.tax_code = tax_code
    _record_event(session, lead, person, now, "tax_code", note=tax_code)
    return None


async def reassign_candidates(session: AsyncSession, lead: Lead) -> list[Person]:
    """People holding an active collaborator grant whose scope covers the lead's unit."""
    lineage = (await UnitTree.load(session)).lineage(lead.unit_id)
    people = await session.scalars(
        select(Person)
        .join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(
            RoleGrant.role == Role.COLLABORATOR,
            RoleGrant.revoked_at.is_(None),
            RoleGrant.unit_id.in_(lineage),
            Person.id != (lead.collaborator_id or 0),
        )
        .distinct()
        .order_by(Person.display_name, Person.id)
    )
    return list(people)


class NotCollaboratorError(Exception):
    """The chosen person no longer holds a collaborator grant over the lead's unit."""


async def reassign(
    session: AsyncSession, person: Person, lead_id: int, target_id: int, now: datetime
) -> tuple[Lead, Person]:
    """Hand a lead to another collaborator; both sides are checked again here."""
    lead = await lead_for(session, person, lead_id, Action.REASSIGN_LEAD)
    target = await session.get(Person, target_id)
    if target is None or target not in await reassign_candidates(session, lead):
        raise NotCollaboratorError(target_id)
    previous = lead.collaborator_id
    lead.collaborator_id = target.id
    lead.updated_at = _utc(now)
    _record_event(
        session, lead, person, now, "reassign", from_person_id=previous, to_person_id=target.id
    )
    audit.record(
        session,
        "lead.reassigned",
        actor_id=person.id,
        subject_type="lead",
        subject_id=lead.id,
        from_person=previous,
        to_person=target.id,
    )
    return lead, target


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    event: LeadEvent
    actor: Person | None
    # For a reassignment: who had the lead, and who has it now.
    previous: Person | None = None
    current: Person | None = None


async def history(session: AsyncSession, lead: Lead, limit: int = 15) -> list[HistoryEntry]:
    """The latest events of a lead, oldest first."""
    events = list(
        await session.scalars(
            select(LeadEvent)
            .where(LeadEvent.lead_id == lead.id)
            .order_by(LeadEvent.at.desc(), LeadEvent.id.desc())
            .limit(limit)
        )
    )
    entries = []
    for event in reversed(events):
        actor = await session.get(Person, event.actor_id) if event.actor_id else None
        previous = current = None
        if event.kind == "reassign":
            previous = await session.get(Person, event.from_person_id or 0)
            current = await session.get(Person, event.to_person_id or 0)
        entries.append(HistoryEntry(event, actor, previous, current))
    return entries


NAME_MAX_LEN: Final = 128


def remember_name(person: Person, name: str | None) -> None:
    """Keep a role holder's chat name, so colleagues see who reported and who follows a lead."""
    if name and not person.display_name:
        person.display_name = name.strip()[:NAME_MAX_LEN] or None
