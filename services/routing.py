"""Which unit receives an application, and why."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Enterprise, Unit, UnitKind
from services.register import root_unit


class RoutingReason:
    GRASSROOTS_UNION = "grassroots_union"
    UPPER_UNION = "upper_union"
    ROOT = "root"


class NoUnitsError(Exception):
    """The unit tree is empty: nothing can receive an application yet."""


@dataclass(frozen=True, slots=True)
class Route:
    unit: Unit
    reason: str


# An enterprise with its CĐCS (built once).
_ENTERPRISE_AND_UNION = (
    select(Enterprise, Unit)
    .outerjoin(Unit, Unit.id == Enterprise.grassroots_union_id)
    .where(Enterprise.id == bindparam("id"))
)


async def enterprise_and_union(
    session: AsyncSession, enterprise_id: int
) -> tuple[Enterprise | None, Unit | None]:
    """The enterprise and its grassroots union (None without one), in one statement."""
    row = (await session.execute(_ENTERPRISE_AND_UNION, {"id": enterprise_id})).first()
    return (None, None) if row is None else (row[0], row[1])


async def upper_union_of(session: AsyncSession, unit_id: int) -> Unit | None:
    """The unit itself or its nearest ancestor that can recognize members."""
    current = await session.get(Unit, unit_id)
    seen: set[int] = set()
    while current is not None and current.id not in seen:
        if current.kind in UnitKind.UPPER:
            return current
        seen.add(current.id)
        current = await session.get(Unit, current.parent_id) if current.parent_id else None
    return None


async def route_application(
    session: AsyncSession,
    enterprise: Enterprise | None,
    ward_unit_id: int | None,
    union: Unit | None = None,
) -> Route:
    """The enterprise's CĐCS (`union` when read with it), else the upper union over its ward,
    else the root unit."""
    if enterprise is not None and enterprise.grassroots_union_id is not None:
        unit = union if union is not None and union.id == enterprise.grassroots_union_id else None
        unit = unit or await session.get(Unit, enterprise.grassroots_union_id)
        if unit is not None:
            return Route(unit, RoutingReason.GRASSROOTS_UNION)
    ward_id = enterprise.ward_unit_id if enterprise is not None else ward_unit_id
    if ward_id is not None:
        upper = await upper_union_of(session, ward_id)
        if upper is not None:
            return Route(upper, RoutingReason.UPPER_UNION)
    root = await root_unit(session)
    if root is None:
        raise NoUnitsError
    return Route(root, RoutingReason.ROOT)
