"""People: one row per chat identity, carrying the chosen language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Row, bindparam, exists, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Application,
    ApplicationStatus,
    ChatLink,
    FsmRecord,
    Member,
    MemberStatus,
    Person,
    ProcessedUpdate,
    RoleGrant,
)
from models.base import utcnow
from models.db import dialect_name
from services.linking import through_link

_MEMBER = (
    exists()
    .where(Member.person_id == Person.id, Member.status == MemberStatus.ACTIVE)
    .label("member")
)
# Whether they have an application still to be decided (the join journey shows it instead).
_PENDING = (
    exists()
    .where(
        Application.person_id == Person.id,
        # Not IN (...): an expanding parameter would render the statement again every update.
        or_(*(Application.status == status for status in sorted(ApplicationStatus.PENDING))),
    )
    .label("pending")
)
_ROLES = (RoleGrant.person_id == Person.id) & RoleGrant.revoked_at.is_(None)
_OF_CHAT = (Person.channel == bindparam("channel")) & (Person.chat_id == bindparam("chat_id"))

# Built once: these run on every update.
_PERSON_WITH_ROLES = (
    select(Person, RoleGrant.role, _MEMBER, _PENDING).outerjoin(RoleGrant, _ROLES).where(_OF_CHAT)
)

# Everything an update reads before its handler, in one statement: whether it was handled
# already, the conversation's stored state, whether the chat is linked to a record on another
# channel, and the person with their roles (one row per role). A one-row driving table keeps
# the first four when the chat has no person yet.
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
        exists()
        .where(ChatLink.channel == bindparam("channel"), ChatLink.chat_id == bindparam("chat_id"))
        .label("linked"),
        Person,
        RoleGrant.role,
        _MEMBER,
        _PENDING,
    )
    .select_from(_ONE)
    .outerjoin(Person, _OF_CHAT)
    .outerjoin(RoleGrant, _ROLES)
)


@dataclass(frozen=True, slots=True)
class Identity:
    """The person behind a chat, their active roles, whether they are a member, and whether
    they have an application still to be decided (as the update found them)."""

    person: Person
    roles: frozenset[str]
    member: bool
    pending: bool = False


@dataclass(frozen=True, slots=True)
class Arrival:
    """What an update reads first: its mark, the stored conversation (state, data) if any,
    the person (None before their first contact), and whether the chat is linked to a record
    on another channel (`services/linking.py`)."""

    seen: bool
    conversation: tuple[str | None, str] | None
    identity: Identity | None
    linked: bool = False


def _identity(
    rows: Sequence[Row[Any]] | Sequence[Row[Person, str, bool, bool]],
) -> Identity | None:
    """Rows with (Person, role, member, pending), one per role; None when the chat has no
    person."""
    if not rows or rows[0].Person is None:
        return None
    first = rows[0]
    roles = frozenset(row.role for row in rows if row.role is not None)
    return Identity(first.Person, roles, bool(first.member), bool(first.pending))


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
    return Arrival(bool(seen), conversation, _identity(rows), bool(rows[0].linked))


async def get_or_create_person(
    session: AsyncSession, channel: str, chat_id: int | str, default_language: str
) -> tuple[Person, frozenset[str]]:
    """Find the person behind a chat with their active roles, creating the row on first contact."""
    found = await identify(session, channel, chat_id, default_language)
    return found.person, found.roles


@cache
def _first_contact(dialect: str) -> Any:
    """A person's row, inserted unless another update for the same chat just did (built once
    per dialect); returns the new person, or nothing after such a race."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(Person)
        .on_conflict_do_nothing(index_elements=["channel", "chat_id"])
        .returning(Person)
    )


async def identify(
    session: AsyncSession,
    channel: str,
    chat_id: int | str,
    default_language: str,
    arrival: Arrival | None = None,
) -> Identity:
    """The person behind a chat, their active roles, and whether they are a member: none
    with `arrival` (what the update read first), else one statement; on first contact, one
    statement more creates the row."""
    key = str(chat_id)
    params = {"channel": channel, "chat_id": key}
    if arrival is None:
        known = _identity((await session.execute(_PERSON_WITH_ROLES, params)).all())
        linked = known is None  # not read: looked up below
    else:
        known, linked = arrival.identity, arrival.linked
    if known is None and linked and await through_link(session, channel, key, utcnow()) is not None:
        # A chat linked to a record on another channel (services/linking.py).
        known = _identity((await session.execute(_PERSON_WITH_ROLES, params)).all())
    if known is not None:
        return known
    row = {"channel": channel, "chat_id": key, "language": default_language}
    person = await session.scalar(_first_contact(dialect_name(session)), [row])
    if person is not None:
        return Identity(person, frozenset(), False)
    # Another update for the same chat created the person a moment ago.
    raced = _identity((await session.execute(_PERSON_WITH_ROLES, params)).all())
    assert raced is not None
    return raced


async def set_language(session: AsyncSession, person: Person, language: str) -> None:
    """Remember the language a person chose."""
    person.language = language
    await session.flush()
