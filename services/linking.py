"""One person on two channels: a one-time code shown on one chat, typed on the other.

Nothing is merged by guessing from names or phone numbers. My data shows a code; `/link CODE`
sent from a chat on another channel makes that chat another way in to the same record — the
chat's own (empty) record goes. A chat that already has records of its own (an application,
a membership, a role, a question, a lead) is not linked: it would merge two people's data.
The person is then reached on the chat they last wrote from (`services.people.identify`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Application, ChatLink, Lead, LinkCode, Member, Person, Question, RoleGrant
from services import audit

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L to misread
LENGTH = 8  # 31**8, about 8.5e11 codes: not guessable within the code's life
LIFETIME = timedelta(minutes=30)


def _hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def normalize(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def shown(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


async def new_code(session: AsyncSession, person: Person, now: datetime) -> str:
    """A fresh code for the person (an earlier one stops working); only its hash is kept."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    await session.execute(delete(LinkCode).where(LinkCode.person_id == person.id))
    session.add(LinkCode(code_hash=_hash(code), person_id=person.id, expires_at=now + LIFETIME))
    await session.flush()
    return shown(code)


@dataclass(frozen=True, slots=True)
class Linked:
    person: Person | None  # the record the chat now belongs to; None: refused
    reason: str | None = None  # the Fluent key saying why not


async def link(session: AsyncSession, typed: str, here: Person, now: datetime) -> Linked:
    """Make the chat of `here` another way in to the record whose code was typed."""
    found = await session.scalar(
        select(LinkCode).where(LinkCode.code_hash == _hash(typed), LinkCode.expires_at > now)
    )
    if found is None:
        return Linked(None, "link-code-unknown")
    owner = await session.get(Person, found.person_id)
    if owner is None or owner.id == here.id:
        return Linked(None, "link-same-chat")
    if owner.channel == here.channel:
        return Linked(None, "link-same-channel")
    if await _has_records(session, here.id):
        return Linked(None, "link-chat-has-records")
    await session.delete(found)
    session.add(ChatLink(channel=here.channel, chat_id=here.chat_id, person_id=owner.id))
    audit.record(
        session,
        "chat.linked",
        actor_id=owner.id,
        subject_type="person",
        subject_id=owner.id,
        channel=here.channel,
    )
    await session.delete(here)
    await session.flush()
    return Linked(owner)


async def _has_records(session: AsyncSession, person_id: int) -> bool:
    owned = or_(
        exists().where(Application.person_id == person_id),
        exists().where(Member.person_id == person_id),
        exists().where(RoleGrant.person_id == person_id),
        exists().where(Question.person_id == person_id),
        exists().where(Lead.collaborator_id == person_id),
    )
    return bool(await session.scalar(select(owned)))


async def linked_chats(session: AsyncSession, person_id: int) -> list[ChatLink]:
    return list(await session.scalars(select(ChatLink).where(ChatLink.person_id == person_id)))


async def through_link(
    session: AsyncSession, channel: str, chat_id: str, now: datetime
) -> int | None:
    """The person a linked chat belongs to. That chat becomes the person's own (messages go
    where they last wrote from), and the chat it replaces becomes the link."""
    found = await session.get(ChatLink, (channel, chat_id))
    if found is None:
        return None
    person = await session.get(Person, found.person_id)
    if person is None:
        return None
    # Swap: the person's chat and the linked one trade places.
    old_channel, old_chat = person.channel, person.chat_id
    await session.delete(found)
    await session.flush()
    person.channel, person.chat_id = channel, chat_id
    session.add(
        ChatLink(channel=old_channel, chat_id=old_chat, person_id=person.id, last_seen_at=now)
    )
    await session.flush()
    return person.id
