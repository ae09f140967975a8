"""The outbox: messages to people, stored in the transaction that decided them, sent after it.

Channel-neutral: a row names its channel, chat, the messenger's method and its parameters; the
channel's sender (for Telegram, `bot/outbox.py`) claims a chat's pending rows in id order and
marks what happened. Replies to an update and messages from jobs share the table and the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import OutboxMessage, OutboxStatus, Person
from models.base import as_utc
from models.db import defer_outbox_rows, dialect_name, upsert_statement

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
    channel: str,
    chat_id: int | str,
    method: str,
    payload: dict[str, Any],
    key: str,
    sent_at: datetime | None = None,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "key": key,
        "channel": channel,
        "chat_id": str(chat_id),
        "method": method,
        "payload": payload,
        "status": OutboxStatus.PENDING if sent_at is None else OutboxStatus.SENT,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "sent_at": sent_at,
    }


# The channel of each chat an update's handler addresses (chat id -> channel), when the person
# is on another channel than the update (a worker on Zalo told of a decision taken on Telegram).
ADDRESSED: ContextVar[dict[str, str] | None] = ContextVar("outbox_addressed", default=None)


def address(channel: str, chat_id: int | str) -> int:
    """The chat to send a person's message to; notes its channel for the reply being queued."""
    addressed = ADDRESSED.get()
    if addressed is not None:
        addressed[str(chat_id)] = channel
    return int(chat_id)


def enqueue_at_commit(
    session: AsyncSession,
    channel: str,
    chat_id: int | str,
    method: str,
    payload: dict[str, Any],
    key: str,
) -> None:
    """Queue a message to be written by the session's next commit (nothing if rolled back)."""
    defer_outbox_rows(session, [_row(channel, chat_id, method, payload, key)])


def mark_sent_at_commit(
    session: AsyncSession, channel: str, sent: Sequence[Outgoing], now: datetime
) -> None:
    """Queue marks for rows delivered, to be written by the session's next commit."""
    defer_outbox_rows(
        session, [_row(channel, r.chat_id, r.method, r.payload, r.key, now) for r in sent]
    )


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


async def pending_of_chat(
    session: AsyncSession, channel: str, chat_id: int | str
) -> list[Outgoing]:
    """A chat's pending rows, oldest first: the order they must reach the person in."""
    result = await session.execute(_PENDING_OF_CHAT, {"channel": channel, "chat_id": str(chat_id)})
    return [
        Outgoing(key, chat, method, payload, attempts, as_utc(next_at))
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
