"""aiogram-i18n with Fluent files, the locale taken from the person's stored choice."""

from __future__ import annotations

from typing import Any

from aiogram_i18n import I18nMiddleware
from aiogram_i18n.managers import BaseManager

from locales import SUPPORTED_LOCALES, fluent_core
from models import Person


class PersonLocaleManager(BaseManager):
    async def get_locale(self, person: Person | None = None, **_: Any) -> str:
        if person is not None and person.language in SUPPORTED_LOCALES:
            return person.language
        return self.default_locale or SUPPORTED_LOCALES[0]

    async def set_locale(self, locale: str, person: Person | None = None, **_: Any) -> None:
        if person is not None:
            person.language = locale


def build_i18n(default_locale: str) -> I18nMiddleware:
    core = fluent_core(default_locale)
    middleware = I18nMiddleware(
        core=core,
        manager=PersonLocaleManager(default_locale=default_locale),
        default_locale=default_locale,
    )
    return middleware
