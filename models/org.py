"""The union's unit tree and the enterprise register."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped


class UnitKind:
    CONFEDERATION = "confederation"
    PROVINCIAL_FEDERATION = "provincial_federation"
    DISTRICT_FEDERATION = "district_federation"
    SECTOR_UNION = "sector_union"
    INDUSTRIAL_ZONE_UNION = "industrial_zone_union"
    WARD_UNION = "ward_union"
    GRASSROOTS_UNION = "grassroots_union"
    TRADE_GUILD = "trade_guild"
    UNION_GROUP = "union_group"

    # Kinds that may recognize members where an enterprise has no CĐCS of its own.
    UPPER = frozenset({DISTRICT_FEDERATION, SECTOR_UNION, INDUSTRIAL_ZONE_UNION, WARD_UNION})
    ALL = frozenset(
        {
            CONFEDERATION,
            PROVINCIAL_FEDERATION,
            DISTRICT_FEDERATION,
            SECTOR_UNION,
            INDUSTRIAL_ZONE_UNION,
            WARD_UNION,
            GRASSROOTS_UNION,
            TRADE_GUILD,
            UNION_GROUP,
        }
    )


class Unit(Timestamped, Base):
    """A node of the union's organisation tree, of any depth."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
    search_key: Mapped[str] = mapped_column(String(255), default="")

    parent: Mapped[Unit | None] = relationship(remote_side=[id], lazy="raise")


class Enterprise(Timestamped, Base):
    """An employer from the register, keyed by its tax code (MST)."""

    __tablename__ = "enterprises"
    __table_args__ = (Index("ix_enterprises_search_key", "search_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for an enterprise a collaborator reported without knowing its tax code.
    tax_code: Mapped[str | None] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    search_key: Mapped[str] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(500))
    ward_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    employees: Mapped[int | None]
    pays_union_fee: Mapped[bool] = mapped_column(default=False)
    has_party_cell: Mapped[bool] = mapped_column(default=False)
    in_industrial_zone: Mapped[bool] = mapped_column(default=False)
    founded_year: Mapped[int | None]
    grassroots_union_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )


class EnterpriseTerm(Base):
    """A word of the register's names and about how many enterprises have it, kept by triggers
    (migration 0013): typo corrections, and which words are too common to look up first.

    Counts are exact after a bulk load and only ever raised by later writes; a word left by a
    renamed enterprise suggests nothing that the search index would then find."""

    __tablename__ = "enterprise_terms"

    term: Mapped[str] = mapped_column(String(255), primary_key=True)
    docs: Mapped[int] = mapped_column(default=0)
