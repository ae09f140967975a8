"""Figures recruited on paper: what an officer enters for a unit and a week or a month.

They count only the members admitted (and the CĐCS founded or dissolved) on paper, outside
the bot: a member recognized in the bot is a `Member` row and is never counted here again.
The digest adds the two; they are kept apart so that neither is mistaken for the other.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class PeriodKind:
    WEEK = "week"
    MONTH = "month"

    ALL = (WEEK, MONTH)


class FiguresSource:
    CHAT = "chat"
    IMPORT = "import"


class PaperFigures(Base):
    """One unit's figures for one period; entered again, they are replaced, never added."""

    __tablename__ = "paper_figures"
    __table_args__ = (
        UniqueConstraint("unit_id", "period_kind", "period_start"),
        CheckConstraint("founded_large <= founded", name="large_within_founded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique constraint's index begins with it.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period_kind: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date]
    period_end: Mapped[date]  # the period's last day
    admitted: Mapped[int]
    lost: Mapped[int]
    founded: Mapped[int]  # CĐCS founded
    dissolved: Mapped[int]  # CĐCS dissolved
    founded_large: Mapped[int]  # of the CĐCS founded, those in enterprises with >= 25 workers
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(String(500))
