"""Founding a grassroots union: the alert at five applications, the recognition decision,
the recognition file, and dissolution."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Application,
    ApplicationStatus,
    Enterprise,
    Founding,
    FoundingAlert,
    Lead,
    LeadStage,
    Member,
    MemberStatus,
    Person,
    Unit,
    UnitKind,
)
from models.base import as_utc
from models.db import dialect_name
from services import audit
from services.access import Action, UnitTree, authorize, officers_over, scope_roots
from services.leads import active_lead, change_stage
from services.register import root_unit
from services.routing import RoutingReason, upper_union_of
from services.search import search_enterprises
from services.validation import normalize_search_key

# A CĐCS can be founded once at least five workers have applied (DOMAIN.md, "Joining and
# founding, as practised").
THRESHOLD = 5
LARGE_ENTERPRISE = 25
COUNTED = (ApplicationStatus.SUBMITTED, ApplicationStatus.MORE_INFO, ApplicationStatus.APPROVED)


@dataclass(frozen=True, slots=True)
class FoundingAlertDue:
    enterprise: Enterprise
    applications: int
    recipients: list[Person]


async def alert_if_due(session: AsyncSession, applied: Enterprise) -> FoundingAlertDue | None:
    """After an application to `applied` (as read for it): the alert for this enterprise, the
    first time it reaches the threshold. Exactly once, even when two applications arrive
    together: the enterprise row is locked (PostgreSQL; SQLite has one writer) and the alert's
    key is inserted only once. An enterprise with a CĐCS has nothing to found."""
    if applied.grassroots_union_id is not None:
        return None
    enterprise = await session.scalar(
        select(Enterprise).where(Enterprise.id == applied.id).with_for_update()
    )
    if enterprise is None or enterprise.grassroots_union_id is not None:
        return None
    count = int(
        await session.scalar(
            select(func.count(Application.id)).where(
                Application.enterprise_id == enterprise.id, Application.status.in_(COUNTED)
            )
        )
        or 0
    )
    if count < THRESHOLD:
        return None
    insert = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    inserted = await session.scalar(
        insert(FoundingAlert)
        .values(enterprise_id=enterprise.id, applications=count)
        .on_conflict_do_nothing(index_elements=["enterprise_id"])
        .returning(FoundingAlert.enterprise_id)
    )
    if inserted is None:
        return None
    audit.record(
        session,
        "founding.alerted",
        subject_type="enterprise",
        subject_id=enterprise.id,
        applications=count,
    )
    return FoundingAlertDue(enterprise, count, await _people_over(session, enterprise))


async def _people_over(session: AsyncSession, enterprise: Enterprise) -> list[Person]:
    """The officers whose scope holds the enterprise, and the collaborator following it."""
    place = enterprise.ward_unit_id or (await _root_id(session))
    found = await officers_over(session, place) if place is not None else []
    officers = list(dict.fromkeys(person for _unit, person in found))
    lead = await active_lead(session, enterprise.id)
    if lead is not None and lead.collaborator_id is not None:
        collaborator = await session.get(Person, lead.collaborator_id)
        if collaborator is not None and collaborator not in officers:
            officers.append(collaborator)
    return officers


async def _root_id(session: AsyncSession) -> int | None:
    root = await root_unit(session)
    return None if root is None else root.id


# ---- recording the founding ---------------------------------------------------------------


class HasUnionError(Exception):
    """The enterprise already has a grassroots union."""


@dataclass(frozen=True, slots=True)
class Founded:
    founding: Founding
    unit: Unit
    enterprise: Enterprise
    lead: Lead | None
    members_moved: int
    applications_rerouted: int


async def enterprise_place(session: AsyncSession, enterprise: Enterprise) -> int | None:
    """The unit whose officers answer for an enterprise: its ward, else the root."""
    return enterprise.ward_unit_id or await _root_id(session)


async def record_founding(
    session: AsyncSession,
    officer: Person,
    enterprise_id: int,
    decision_number: str,
    decision_date: date,
    name: str,
    now: datetime,
) -> Founded:
    """The recognition decision: the new CĐCS under the enterprise's ward, the enterprise linked
    to it, its members moved in, its waiting applications sent to it, its lead founded."""
    enterprise = await session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise HasUnionError(enterprise_id)
    place = await enterprise_place(session, enterprise)
    await authorize(session, officer, Action.RECORD_FOUNDING, place)
    if enterprise.grassroots_union_id is not None:
        raise HasUnionError(enterprise_id)
    upper = await upper_union_of(session, place) if place is not None else None
    unit = Unit(
        code=await _free_code(session, enterprise),
        name=name,
        kind=UnitKind.GRASSROOTS_UNION,
        parent_id=place,
        search_key=normalize_search_key(name),
    )
    session.add(unit)
    await session.flush()
    enterprise.grassroots_union_id = unit.id
    of_enterprise = select(Application.id).where(Application.enterprise_id == enterprise.id)
    moved = await session.execute(
        update(Member)
        .where(Member.status == MemberStatus.ACTIVE, Member.application_id.in_(of_enterprise))
        .values(union_unit_id=unit.id)
        .execution_options(synchronize_session=False)
    )
    rerouted = await session.execute(
        update(Application)
        .where(
            Application.enterprise_id == enterprise.id,
            Application.status.in_(ApplicationStatus.PENDING),
        )
        .values(routed_unit_id=unit.id, routing_reason=RoutingReason.GRASSROOTS_UNION)
        .execution_options(synchronize_session=False)
    )
    lead = await active_lead(session, enterprise.id)
    if lead is not None:
        await change_stage(session, officer, lead, LeadStage.FOUNDED, now)
    founding = Founding(
        unit_id=unit.id,
        enterprise_id=enterprise.id,
        decision_number=decision_number,
        decision_date=decision_date,
        recorded_by=officer.id,
        recorded_at=as_utc(now),
        large_enterprise=(enterprise.employees or 0) >= LARGE_ENTERPRISE,
        lead_id=lead.id if lead is not None else None,
        credited_person_id=lead.collaborator_id if lead is not None else None,
        members_moved=int(moved.rowcount or 0),  # type: ignore[attr-defined]
        applications_rerouted=int(rerouted.rowcount or 0),  # type: ignore[attr-defined]
    )
    session.add(founding)
    await session.flush()
    audit.record(
        session,
        "founding.recorded",
        actor_id=officer.id,
        subject_type="unit",
        subject_id=unit.id,
        enterprise_id=enterprise.id,
        upper_unit_id=upper.id if upper is not None else None,
        lead_id=founding.lead_id,
        credited_person_id=founding.credited_person_id,
    )
    return Founded(
        founding, unit, enterprise, lead, founding.members_moved, founding.applications_rerouted
    )


async def _free_code(session: AsyncSession, enterprise: Enterprise) -> str:
    base = f"CS-{enterprise.tax_code}" if enterprise.tax_code else f"CS-E{enterprise.id}"
    code, suffix = base, 1
    while await session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        suffix += 1
        code = f"{base}-{suffix}"
    return code


async def enterprises_to_found(
    session: AsyncSession, officer: Person, query: str
) -> list[Enterprise]:
    """Enterprises without a CĐCS, by name or tax code, among those the officer answers for."""
    roots = await scope_roots(session, officer, Action.RECORD_FOUNDING)
    tree = await UnitTree.load(session)
    found = []
    near = tree.subtree(roots)
    for enterprise in await search_enterprises(session, query, limit=20, near=near):
        place = await enterprise_place(session, enterprise)
        free = enterprise.grassroots_union_id is None and place is not None
        if free and any(tree.within(place, root) for root in roots):  # type: ignore[arg-type]
            found.append(enterprise)
    return found[:5]


# ---- the recognition file -------------------------------------------------------------------

Text = Callable[..., str]


async def recognition_xlsx(session: AsyncSession, founded: Founded, t: Text) -> bytes:
    """The file the upper union keeps: the decision, the member list and the applications,
    with Vietnamese column names (as the confederation's membership software takes them)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("xlsx-members-sheet")
    sheet.append([t("xlsx-title", union=founded.unit.name)])
    sheet.append(
        [
            t(
                "xlsx-decision",
                number=founded.founding.decision_number,
                date=founded.founding.decision_date.strftime("%d/%m/%Y"),
            )
        ]
    )
    sheet.append([])
    sheet.append(
        [
            t("xlsx-col-number"),
            t("xlsx-col-member-number"),
            t("xlsx-col-name"),
            t("xlsx-col-admitted"),
        ]
    )
    members = await session.scalars(
        select(Member).where(Member.union_unit_id == founded.unit.id).order_by(Member.id)
    )
    for index, member in enumerate(members, start=1):
        admitted = member.admitted_on.strftime("%d/%m/%Y")
        sheet.append([index, member.number, member.full_name or "", admitted])
    applications = book.create_sheet(t("xlsx-applications-sheet"))
    applications.append(
        [
            t("xlsx-col-number"),
            t("xlsx-col-reference"),
            t("xlsx-col-name"),
            t("xlsx-col-birth-date"),
            t("xlsx-col-job"),
            t("xlsx-col-submitted"),
            t("xlsx-col-status"),
        ]
    )
    rows = await session.scalars(
        select(Application)
        .where(Application.enterprise_id == founded.enterprise.id)
        .order_by(Application.id)
    )
    for index, app in enumerate(rows, start=1):
        applications.append(
            [
                index,
                app.reference or "",
                app.full_name or "",
                app.birth_date.strftime("%d/%m/%Y") if app.birth_date else "",
                app.job or "",
                app.created_at.strftime("%d/%m/%Y"),
                app.status,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- dissolution --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dissolved:
    unit: Unit
    members: int
    kept: bool


async def dissolve(
    session: AsyncSession,
    officer: Person,
    unit_id: int,
    day: date,
    reason: str,
    keep_members: bool,
    now: datetime,
) -> Dissolved:
    """A CĐCS recorded as dissolved; its members stay members of the upper union, or are
    counted as lost, as the officer chooses."""
    unit = await session.get(Unit, unit_id)
    if unit is None or unit.kind != UnitKind.GRASSROOTS_UNION:
        raise ValueError(unit_id)
    await authorize(session, officer, Action.RECORD_FOUNDING, unit.id)
    upper = await upper_union_of(session, unit.parent_id) if unit.parent_id else None
    active = (Member.union_unit_id == unit.id) & (Member.status == MemberStatus.ACTIVE)
    if keep_members and upper is not None:
        values: dict[str, object] = {"union_unit_id": upper.id}
    else:
        values = {"status": MemberStatus.LEFT, "ended_on": day, "ended_reason": reason}
    changed = await session.execute(
        update(Member).where(active).values(**values).execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Enterprise)
        .where(Enterprise.grassroots_union_id == unit.id)
        .values(grassroots_union_id=None)
        .execution_options(synchronize_session=False)
    )
    founding = await session.scalar(select(Founding).where(Founding.unit_id == unit.id))
    if founding is None:
        founding = Founding(
            unit_id=unit.id, decision_number="", decision_date=day, recorded_by=officer.id
        )
        session.add(founding)
    founding.dissolved_on, founding.dissolved_reason = day, reason
    founding.dissolved_by = officer.id
    audit.record(
        session,
        "founding.dissolved",
        actor_id=officer.id,
        subject_type="unit",
        subject_id=unit.id,
        kept=keep_members and upper is not None,
    )
    kept = keep_members and upper is not None
    return Dissolved(unit, int(changed.rowcount or 0), kept)  # type: ignore[attr-defined]
