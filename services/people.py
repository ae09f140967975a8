"""People: one row per chat identity, carrying the chosen language."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Person


async def get_or_create_person(
    session: AsyncSession, channel: str, chat_id: int | str, default_language: str
) -> Person:
    """Find the person behind a chat, creating the row on first contact."""
    key = str(chat_id)
    person = await session.scalar(
        select(Person).where(Person.channel == channel, Person.chat_id == key)
    )
    if person is not None:
        return person
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
        return found
    return person


async def set_language(session: AsyncSession, person: Person, language: str) -> None:
    """Remember the language a person chose."""
    person.language = language
    await session.flush()
