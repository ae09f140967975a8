"""aiogram FSM storage on the project's own database (SQLite or PostgreSQL).

Inside an update the storage writes through the update's own session, so the conversation
state commits in the same transaction as the rows the handler wrote: a crash loses both or
neither, and a redelivered update finds the state it left.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StorageKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import FsmRecord
from models.base import utcnow
from models.db import current_session, dialect_name, upsert

StateType = str | State | None


class DatabaseStorage(BaseStorage):
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        session = current_session.get()
        if session is not None:
            yield session
            return
        async with self.session_factory.begin() as own:
            yield own

    async def _write(self, key: StorageKey, **values: Any) -> None:
        row = {"key": self.key_builder.build(key), "updated_at": utcnow(), **values}
        async with self._session() as session:
            stmt = upsert(
                dialect_name(session),
                FsmRecord.__table__,  # type: ignore[arg-type]
                [{"state": None, "data": "{}", **row}],
                ["key"],
                list(row.keys() - {"key"}),
            )
            await session.execute(stmt)

    async def _read(self, key: StorageKey) -> tuple[str | None, str] | None:
        async with self._session() as session:
            result = await session.execute(
                select(FsmRecord.state, FsmRecord.data).where(
                    FsmRecord.key == self.key_builder.build(key)
                )
            )
            row = result.first()
        return None if row is None else (row[0], row[1])

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
