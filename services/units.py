"""Maintaining the unit tree from rows of (code, name, kind, parent code)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Unit, UnitKind
from services.validation import normalize_search_key


@dataclass(frozen=True, slots=True)
class UnitRow:
    code: str
    name: str
    kind: str
    parent_code: str | None = None


class UnitTreeError(ValueError):
    """A row names an unknown kind or parent, or would make a cycle."""


async def upsert_units(session: AsyncSession, rows: Iterable[UnitRow]) -> tuple[int, int]:
    """Create or update units, parents before children; returns (created, updated)."""
    pending = list(rows)
    for row in pending:
        if row.kind not in UnitKind.ALL:
            raise UnitTreeError(f"{row.code}: unknown kind {row.kind!r}")
    existing = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    created = updated = 0
    while pending:
        progressed = False
        for row in list(pending):
            parent = existing.get(row.parent_code) if row.parent_code else None
            if row.parent_code and parent is None:
                continue
            if parent is not None and _is_descendant(parent, row.code, existing):
                raise UnitTreeError(f"{row.code}: parent {row.parent_code} would make a cycle")
            unit = existing.get(row.code)
            if unit is None:
                unit = Unit(code=row.code)
                session.add(unit)
                existing[row.code] = unit
                created += 1
            elif (unit.name, unit.kind, unit.parent_id) != (
                row.name,
                row.kind,
                parent.id if parent else None,
            ):
                updated += 1
            unit.name, unit.kind = row.name, row.kind
            unit.search_key = normalize_search_key(row.name)
            unit.parent_id = parent.id if parent else None
            await session.flush()
            pending.remove(row)
            progressed = True
        if not progressed:
            codes = ", ".join(f"{r.code} (parent {r.parent_code})" for r in pending[:5])
            raise UnitTreeError(f"unknown parent for: {codes}")
    return created, updated


def _is_descendant(parent: Unit, code: str, by_code: dict[str, Unit]) -> bool:
    by_id = {u.id: u for u in by_code.values() if u.id is not None}
    current: Unit | None = parent
    while current is not None:
        if current.code == code:
            return True
        current = by_id.get(current.parent_id) if current.parent_id else None
    return False


# Words that name the kind of a ward rather than the ward: "Công đoàn xã, phường Tân Phong",
# "Phường Tân Phong", "P. Tân Phong" and "tân phong" are one ward.
_WARD_WORDS = ("cong doan", "cd", "thi tran", "phuong", "xa", "tt", "p", "x")


def ward_name_key(name: str) -> str:
    """A ward's name without case, diacritics, punctuation and the words Phường/Xã/Thị trấn."""
    key = normalize_search_key(name)
    stripped = True
    while stripped:
        stripped = False
        for word in _WARD_WORDS:
            if key.startswith(word + " "):
                key, stripped = key[len(word) + 1 :], True
    return key
