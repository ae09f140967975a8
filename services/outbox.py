"""The outbox: messages to people, stored in the transaction that decided them, sent after it.

Channel-neutral: a row names its channel, chat, the messenger's method and its parameters; the
channel's sender (for Telegram, `bot/outbox.py`) claims a chat's pending rows in id order and
marks what happened. Replies to an update and messages from jobs share the table and the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import OutboxMessage, OutboxStatus, Person
from models.db import defer_upsert, dialect_name, upsert_statement

_TABLE: Table = OutboxMessage.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One pending row, as the sender needs it."""

    key: str
    chat_id: str
    method: str
    payload: dict[str, Any]
    attempts: int
    next_attempt_at: datetime


def _row(
    channel: str, chat_id: int | str, method: str, payload: dict[str, Any], key: str
) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "key": key,
        "channel": channel,
        "chat_id": str(chat_id),
        "method": method,
        "payload": payload,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
    }


def enqueue_at_commit(
    session: AsyncSession,
    channel: str,
    chat_id: int | str,
    method: str,
    payload: dict[str, Any],
    key: str,
) -> None:
    """Queue a message to be written by the session's next commit (nothing if rolled back)."""
    row = _row(channel, chat_id, method, payload, key)
    defer_upsert(session, ("outbox", key), _TABLE, row, ["key"])


async def enqueue(
    session: AsyncSession,
    channel: str,
    chat_id: int | str,
    method: str,
    payload: dict[str, Any],
    key: str,
) -> None:
    """Add a message in the caller's transaction; the same key a second time adds nothing."""
    statement = upsert_statement(dialect_name(session), _TABLE, ("key",))
    await session.execute(statement, _row(channel, chat_id, method, payload, key))


# Built once: these run for every update.
_PENDING_OF_CHAT = (
    select(
        OutboxMessage.key,
        OutboxMessage.chat_id,
        OutboxMessage.method,
        OutboxMessage.payload,
        OutboxMessage.attempts,
        OutboxMessage.next_attempt_at,
    )
    .where(
        OutboxMessage.channel == bindparam("channel"),
        OutboxMessage.chat_id == bindparam("chat_id"),
        OutboxMessage.status == OutboxStatus.PENDING,
    )
    .order_by(OutboxMessage.id)
)
_MARK_SENT = (
    update(OutboxMessage)
    .where(OutboxMessage.key.in_(bindparam("keys", expanding=True)))
    .values(
        status=OutboxStatus.SENT,
        sent_at=bindparam("now"),
        attempts=OutboxMessage.attempts + 1,
        error=None,
    )
)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored moment is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def pending_of_chat(
    session: AsyncSession, channel: str, chat_id: int | str
) -> list[Outgoing]:
    """A chat's pending rows, oldest first: the order they must reach the person in."""
    result = await session.execute(_PENDING_OF_CHAT, {"channel": channel, "chat_id": str(chat_id)})
    return [
        Outgoing(key, chat, method, payload, attempts, _aware(next_at))
        for key, chat, method, payload, attempts, next_at in result
    ]


async def due_chats(session: AsyncSession, channel: str, now: datetime, limit: int) -> list[str]:
    """Chats with a pending row due by `now`, the longest waiting first."""
    first = func.min(OutboxMessage.id)
    rows = await session.execute(
        select(OutboxMessage.chat_id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.channel == channel,
        )
        .group_by(OutboxMessage.chat_id)
        .order_by(first)
        .limit(limit)
    )
    return list(rows.scalars())


async def pending_chats(session: AsyncSession, channel: str) -> set[str]:
    """Every chat with a pending row."""
    rows = await session.execute(
        select(OutboxMessage.chat_id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.channel == channel)
        .distinct()
    )
    return set(rows.scalars())


async def mark_sent(session: AsyncSession, keys: Sequence[str], now: datetime) -> None:
    """One statement for a batch of delivered rows."""
    if keys:
        await session.execute(_MARK_SENT, {"keys": list(keys), "now": now})


async def mark_retry(session: AsyncSession, row: Outgoing, at: datetime, error: str) -> None:
    """Leave the row pending until `at`; it keeps its place in the chat's order."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.key == row.key)
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=at, error=error)
    )


async def mark_failed(session: AsyncSession, row: Outgoing, error: str) -> None:
    """The messenger refused the row for good: it is not sent again."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.key == row.key)
        .values(status=OutboxStatus.FAILED, attempts=OutboxMessage.attempts + 1, error=error)
    )


async def mark_unreachable(
    session: AsyncSession, channel: str, chat_id: int | str, now: datetime, error: str
) -> None:
    """The person blocked the bot: their pending rows are dropped and the person is marked."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.chat_id == str(chat_id),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.UNREACHABLE, error=error)
    )
    await session.execute(
        update(Person)
        .where(Person.channel == channel, Person.chat_id == str(chat_id))
        .values(unreachable_at=now)
    )


async def prune(session: AsyncSession, before: datetime) -> int:
    """Delete rows that were settled (sent, failed, unreachable) before `before`."""
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status != OutboxStatus.PENDING,
            OutboxMessage.created_at < before,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
