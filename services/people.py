"""People: one row per chat identity, carrying the chosen language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, exists, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import FsmRecord, Member, MemberStatus, Person, ProcessedUpdate, RoleGrant
from models.base import utcnow
from services.linking import through_link

_MEMBER = (
    exists()
    .where(Member.person_id == Person.id, Member.status == MemberStatus.ACTIVE)
    .label("member")
)
_ROLES = (RoleGrant.person_id == Person.id) & RoleGrant.revoked_at.is_(None)
_OF_CHAT = (Person.channel == bindparam("channel")) & (Person.chat_id == bindparam("chat_id"))

# Built once: these run on every update.
_PERSON_WITH_ROLES = (
    select(Person, RoleGrant.role, _MEMBER).outerjoin(RoleGrant, _ROLES).where(_OF_CHAT)
)

# Everything an update reads before its handler, in one statement: whether it was handled
# already, the conversation's stored state, and the person with their roles (one row per role).
# A one-row driving table keeps the first three when the chat has no person yet.
_ONE = select(literal(1).label("one")).subquery("one")
_ARRIVAL = (
    select(
        exists()
        .where(
            ProcessedUpdate.bot_id == bindparam("bot_id"),
            ProcessedUpdate.update_id == bindparam("update_id"),
        )
        .label("seen"),
        select(FsmRecord.state)
        .where(FsmRecord.key == bindparam("fsm_key"))
        .scalar_subquery()
        .label("fsm_state"),
        select(FsmRecord.data)
        .where(FsmRecord.key == bindparam("fsm_key"))
        .scalar_subquery()
        .label("fsm_data"),
        Person,
        RoleGrant.role,
        _MEMBER,
    )
    .select_from(_ONE)
    .outerjoin(Person, _OF_CHAT)
    .outerjoin(RoleGrant, _ROLES)
)


@dataclass(frozen=True, slots=True)
class Identity:
    """The person behind a chat, their active roles, and whether they are a member."""

    person: Person
    roles: frozenset[str]
    member: bool


@dataclass(frozen=True, slots=True)
class Arrival:
    """What an update reads first: its mark, the stored conversation (state, data) if any, and
    the person (None before their first contact)."""

    seen: bool
    conversation: tuple[str | None, str] | None
    identity: Identity | None


def _identity(rows: Sequence[Row[Any]] | Sequence[Row[Person, str, bool]]) -> Identity | None:
    """Rows ending in (person, role, member), one per role; None when the chat has no person."""
    tails: list[tuple[Any, ...]] = [tuple(row)[-3:] for row in rows]
    if not tails or tails[0][0] is None:
        return None
    roles = frozenset(role for _, role, _ in tails if role is not None)
    return Identity(tails[0][0], roles, bool(tails[0][2]))


async def arrive(
    session: AsyncSession,
    channel: str,
    chat_id: int | str,
    *,
    bot_id: int,
    update_id: int,
    fsm_key: str,
) -> Arrival:
    """Read an update's mark, conversation state and person in one round trip (inside the
    update's transaction, so every role check still sees the truth)."""
    params = {
        "channel": channel,
        "chat_id": str(chat_id),
        "bot_id": bot_id,
        "update_id": update_id,
        "fsm_key": fsm_key,
    }
    rows = (await session.execute(_ARRIVAL, params)).all()
    seen, state, data = rows[0][0], rows[0][1], rows[0][2]
    conversation = None if data is None else (state, data)
    return Arrival(bool(seen), conversation, _identity(rows))


async def get_or_create_person(
    session: AsyncSession, channel: str, chat_id: int | str, default_language: str
) -> tuple[Person, frozenset[str]]:
    """Find the person behind a chat with their active roles, creating the row on first contact."""
    person, roles, _member = await identify(session, channel, chat_id, default_language)
    return person, roles


async def identify(
    session: AsyncSession,
    channel: str,
    chat_id: int | str,
    default_language: str,
    known: Identity | None = None,
) -> tuple[Person, frozenset[str], bool]:
    """The person behind a chat, their active roles, and whether they are a member: one
    statement per update, none when `known` (from `arrive`); a row is created on first contact."""
    key = str(chat_id)
    params = {"channel": channel, "chat_id": key}
    if known is None:
        known = _identity((await session.execute(_PERSON_WITH_ROLES, params)).all())
    if known is None and await through_link(session, channel, key, utcnow()) is not None:
        # A chat linked to a record on another channel (services/linking.py).
        known = _identity((await session.execute(_PERSON_WITH_ROLES, params)).all())
    if known is not None:
        return known.person, known.roles, known.member
    person = Person(channel=channel, chat_id=key, language=default_language)
    try:
        async with session.begin_nested():
            session.add(person)
    except IntegrityError:
        # Another worker created the same person a moment ago.
        found = await session.scalar(
            select(Person).where(Person.channel == channel, Person.chat_id == key)
        )
        assert found is not None
        return found, frozenset(), False
    return person, frozenset(), False


async def set_language(session: AsyncSession, person: Person, language: str) -> None:
    """Remember the language a person chose."""
    person.language = language
    await session.flush()
