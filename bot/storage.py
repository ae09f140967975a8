"""aiogram FSM storage on the project's own database (SQLite or PostgreSQL).

Inside an update the storage writes through the update's own session, so the conversation
state commits in the same transaction as the rows the handler wrote: a crash loses both or
neither, and a redelivered update finds the state it left.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StorageKey
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import FsmRecord
from models.base import utcnow
from models.db import current_session, defer_upsert, dialect_name, upsert

StateType = str | State | None
# Per-session cache of the rows read or written during one update (cleared on rollback).
FSM_CACHE = "doanvien_fsm_cache"


# Built once: this runs on every update.
_SELECT = select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == bindparam("key"))


class DatabaseStorage(BaseStorage):
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def _write(self, key: StorageKey, **values: Any) -> None:
        built = self.key_builder.build(key)
        session = current_session.get()
        if session is None:
            async with self.session_factory.begin() as own:
                row = {"key": built, "updated_at": utcnow(), "state": None, "data": "{}", **values}
                await own.execute(
                    upsert(
                        dialect_name(own),
                        FsmRecord.__table__,  # type: ignore[arg-type]
                        [row],
                        ["key"],
                        [*values, "updated_at"],
                    )
                )
            return
        # Inside an update: remember the new value and write it once, at commit.
        cache = self._cache(session)
        current = cache[built] if built in cache else await self._select(session, built)
        state, data = current or (None, "{}")
        record = {"state": state, "data": data, **values}
        cache[built] = (record["state"], record["data"])
        row = {"key": built, "updated_at": utcnow(), **record}
        defer_upsert(
            session,
            ("fsm", built),
            FsmRecord.__table__,  # type: ignore[arg-type]
            row,
            ["key"],
            ["state", "data", "updated_at"],
        )

    def remember(
        self, session: AsyncSession, key: StorageKey, conversation: tuple[str | None, str] | None
    ) -> None:
        """Take the stored (state, data) as read by the update's first statement, so reading
        the state inside this transaction costs no round trip."""
        self._cache(session)[self.key_builder.build(key)] = conversation

    @staticmethod
    def _cache(session: AsyncSession) -> dict[str, tuple[str | None, str] | None]:
        cache: dict[str, tuple[str | None, str] | None]
        cache = session.sync_session.info.setdefault(FSM_CACHE, {})
        return cache

    @staticmethod
    async def _select(session: AsyncSession, built: str) -> tuple[str | None, str] | None:
        connection = await session.connection()
        row = (await connection.execute(_SELECT, {"key": built})).first()
        return None if row is None else (row[0], row[1])

    async def _read(self, key: StorageKey) -> tuple[str | None, str] | None:
        built = self.key_builder.build(key)
        session = current_session.get()
        if session is None:
            async with self.session_factory() as own:
                return await self._select(own, built)
        cache = self._cache(session)
        if built not in cache:
            cache[built] = await self._select(session, built)
        return cache[built]

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._read(key)
        return None if row is None else row[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=json.dumps(dict(data), ensure_ascii=False, default=str))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._read(key)
        if row is None:
            return {}
        loaded = json.loads(row[1])
        return loaded if isinstance(loaded, dict) else {}

    async def close(self) -> None:
        return None
