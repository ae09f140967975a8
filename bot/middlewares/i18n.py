"""aiogram-i18n with Fluent files, the locale taken from the person's stored choice."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from aiogram_i18n import I18nMiddleware
from aiogram_i18n.cores import FluentRuntimeCore
from aiogram_i18n.managers import BaseManager

import locales
from bot.settings import SUPPORTED_LOCALES
from models import Person

LOCALES_DIR = Path(locales.__file__).resolve().parent


class PersonLocaleManager(BaseManager):
    async def get_locale(self, person: Person | None = None, **_: Any) -> str:
        if person is not None and person.language in SUPPORTED_LOCALES:
            return person.language
        return self.default_locale or SUPPORTED_LOCALES[0]

    async def set_locale(self, locale: str, person: Person | None = None, **_: Any) -> None:
        if person is not None:
            person.language = locale


class LocalesCore(FluentRuntimeCore):
    """Loads exactly the supported locales (`locales/` is a package: it has `__pycache__`)."""

    @staticmethod
    def _extract_locales(path: Path) -> list[str]:
        return list(SUPPORTED_LOCALES)


@cache
def fluent_core(default_locale: str) -> FluentRuntimeCore:
    """The compiled Fluent bundles; built once per process, they are read-only."""
    core = LocalesCore(path=LOCALES_DIR / "{locale}", default_locale=default_locale)
    core.locales.update(core.find_locales())
    return core


def build_i18n(default_locale: str) -> I18nMiddleware:
    core = fluent_core(default_locale)
    middleware = I18nMiddleware(
        core=core,
        manager=PersonLocaleManager(default_locale=default_locale),
        default_locale=default_locale,
    )
    return middleware
