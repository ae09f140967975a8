"""Finds (or creates) the person behind each update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from services.people import get_or_create_person


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
        if user is not None and "session" in data:
            data["person"] = await get_or_create_person(
                data["session"], self.channel, user.id, self.default_language
            )
        return await handler(event, data)
