from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Column, DateTime, Dialect, MetaData, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """An aware moment in UTC; a naive one is taken to be UTC already (SQLite hands columns
    back without their offset, and every stored moment is UTC)."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC and read back as an aware UTC datetime on every database.

    SQLite keeps no offset: an aware local time (a handler's clock) would be stored as local
    wall time beside UTC defaults. Times are converted to UTC on the way in; a naive value is
    taken to be UTC already. Shown to people, they go through the federation's time zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
    }

    @classmethod
    def __table_cls__(cls, name: str, metadata: MetaData, *args: Any, **kwargs: Any) -> Table:
        # An id is shown to people (DV-2026-000123), printed in links or named by the audit
        # trail: it must never be issued twice. Without AUTOINCREMENT, SQLite gives the next
        # row the highest id + 1 and so reuses the ids of erased rows (migration 0004).
        if any(isinstance(arg, Column) and arg.primary_key and arg.name == "id" for arg in args):
            kwargs.setdefault("sqlite_autoincrement", True)
        return Table(name, metadata, *args, **kwargs)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
