from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Column, DateTime, MetaData, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
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
