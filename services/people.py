"""People: one row per chat identity, carrying the chosen language."""

from __future__ import annotations

from sqlalchemy import bindparam, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Member, MemberStatus, Person, RoleGrant
from models.base import utcnow
from services.linking import through_link

# Built once: this runs on every update.
_PERSON_WITH_ROLES = (
    select(
        Person,
        RoleGrant.role,
        exists()
        .where(Member.person_id == Person.id, Member.status == MemberStatus.ACTIVE)
        .label("member"),
    )
    .outerjoin(RoleGrant, (RoleGrant.person_id == Person.id) & RoleGrant.revoked_at.is_(None))
    .where(Person.channel == bindparam("channel"), Person.chat_id == bindparam("chat_id"))
)


async def get_or_create_person(
    session: AsyncSession, channel: str, chat_id: int | str, default_language: str
) -> tuple[Person, frozenset[str]]:
    """Find the person behind a chat with their active roles, creating the row on first contact."""
    person, roles, _member = await identify(session, channel, chat_id, default_language)
    return person, roles


async def identify(
    session: AsyncSession, channel: str, chat_id: int | str, default_language: str
) -> tuple[Person, frozenset[str], bool]:
    """The person behind a chat, their active roles, and whether they are a member: one
    statement per update (a row is created on first contact)."""
    key = str(chat_id)
    rows = (await session.execute(_PERSON_WITH_ROLES, {"channel": channel, "chat_id": key})).all()
    if not rows and await through_link(session, channel, key, utcnow()) is not None:
        # A chat linked to a record on another channel (services/linking.py).
        rows = (
            await session.execute(_PERSON_WITH_ROLES, {"channel": channel, "chat_id": key})
        ).all()
    if rows:
        roles = frozenset(role for _, role, _ in rows if role is not None)
        return rows[0][0], roles, bool(rows[0][2])
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
