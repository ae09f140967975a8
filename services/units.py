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


def kind_named(text: str) -> str | None:
    """The unit kind a short name stands for: `ward` is ward_union, `district` is
    district_federation; a full kind stands for itself."""
    if text in UnitKind.ALL:
        return text
    found = [kind for kind in sorted(UnitKind.ALL) if kind.startswith(text + "_")]
    return found[0] if len(found) == 1 else None


async def any_units(session: AsyncSession) -> bool:
    """Whether a unit tree has been loaded at all."""
    return await session.scalar(select(Unit.id).limit(1)) is not None


async def unit_tree(
    session: AsyncSession, under: Unit | None = None, kind: str | None = None
) -> list[tuple[int, Unit]]:
    """(depth, unit) in tree order, below `under` (itself included, at depth 0) or the whole
    tree; with `kind`, only the units of that kind (at their depth in the tree)."""
    units = (await session.scalars(select(Unit).order_by(Unit.code))).all()
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    listed: list[tuple[int, Unit]] = []
    stack = [(0, unit) for unit in reversed([under] if under else children.get(None, []))]
    while stack:
        depth, unit = stack.pop()
        if kind is None or unit.kind == kind:
            listed.append((depth, unit))
        stack.extend((depth + 1, child) for child in reversed(children.get(unit.id, [])))
    return listed
