"""Look-ups in the enterprise register and the unit tree."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Enterprise, Unit, UnitKind
from services.validation import normalize_search_key

MAX_MATCHES = 5


async def enterprise_by_tax_code(session: AsyncSession, tax_code: str) -> Enterprise | None:
    return await session.scalar(select(Enterprise).where(Enterprise.tax_code == tax_code))


async def enterprise_by_id(session: AsyncSession, enterprise_id: int) -> Enterprise | None:
    return await session.get(Enterprise, enterprise_id)


async def search_wards(
    session: AsyncSession,
    query: str,
    limit: int = MAX_MATCHES,
    within: Collection[int] | None = None,
) -> Sequence[Unit]:
    """Find ward and commune unions by name, ignoring case and diacritics.

    With `within`, only those units (a person's scope) are searched.
    """
    return await search_units(session, query, {UnitKind.WARD_UNION}, limit, within)


async def search_units(
    session: AsyncSession,
    query: str,
    kinds: Collection[str],
    limit: int = MAX_MATCHES,
    within: Collection[int] | None = None,
) -> Sequence[Unit]:
    """Find units of the given kinds by name, ignoring case and diacritics."""
    words = normalize_search_key(query).split()
    if not words or (within is not None and not within):
        return []
    stmt = select(Unit).where(Unit.kind.in_(list(kinds)))
    if within is not None:
        stmt = stmt.where(Unit.id.in_(list(within)))
    for word in words:
        stmt = stmt.where(Unit.search_key.contains(word, autoescape=True))
    return (await session.scalars(stmt.order_by(Unit.name).limit(limit))).all()


async def unit_by_code(session: AsyncSession, code: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.code == code))


async def root_unit(session: AsyncSession) -> Unit | None:
    """The top of the tree: the federation that receives whatever cannot be routed lower."""
    return await session.scalar(
        select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1)
    )
