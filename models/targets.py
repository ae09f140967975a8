"""Targets a unit is given for a period (a year, or several such as 2021-2023)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Target(Base):
    """New members and new CĐCS to reach, and where the unit started (its baseline).

    A blank in the plan is NULL ("no target"), never zero."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("unit_id", "first_year", "last_year", name="uq_targets"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    first_year: Mapped[int]
    last_year: Mapped[int]
    new_members: Mapped[int | None]
    new_unions: Mapped[int | None]
    new_unions_large: Mapped[int | None]  # in enterprises with 25 workers or more
    base_members: Mapped[int | None]
    base_non_members: Mapped[int | None]
    base_enterprises_without_union: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
