"""Finds (or creates) the person behind each update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from handlers.common import current_member, current_roles
from locales import SUPPORTED_LOCALES
from services.leads import remember_name
from services.people import Arrival, identify


class PersonMiddleware(BaseMiddleware):
    def __init__(self, channel: str, default_language: str) -> None:
        self.channel = channel
        self.default_language = default_language

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or "session" not in data:
            return await handler(event, data)
        # A new person (or one who deleted their data) starts in their app's language.
        client = (user.language_code or "")[:2]
        language = client if client in SUPPORTED_LOCALES else self.default_language
        arrival: Arrival | None = data.get("arrival")
        found = await identify(data["session"], self.channel, user.id, language, arrival)
        person, roles, member = found.person, found.roles, found.member
        if roles:
            # Colleagues see who reported, changed or decided something: role holders' chat
            # names are kept (workers' are not).
            remember_name(person, user.full_name)
        if person.unreachable_at is not None:
            # They wrote again: they have unblocked the bot, messages may reach them.
            person.unreachable_at = None
        data["person"], data["roles"] = person, roles
        # Whether the join journey has a pending application to look up (handlers/join.py).
        data["pending_application"] = found.pending
        token = current_roles.set(roles)
        member_token = current_member.set(member)
        try:
            return await handler(event, data)
        finally:
            current_member.reset(member_token)
            current_roles.reset(token)
