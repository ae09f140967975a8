"""Fluent translations (vi default, en); a package so the files install with the code.

The list of supported locales and the compiled Fluent core live here, below `bot/`,
`handlers/` and `scheduler/`, so that every layer can render text without importing `bot`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from aiogram_i18n.cores import FluentRuntimeCore

SUPPORTED_LOCALES = ("vi", "en")
LOCALES_DIR = Path(__file__).resolve().parent


class LocalesCore(FluentRuntimeCore):
    """Loads exactly the supported locales (`locales/` is a package: it has `__pycache__`).

    A message without arguments reads the same every time: it is formatted once per locale
    (the bundles never change; keys are constants of the code, so the cache is bounded). Texts
    with arguments — which may be people's names — are formatted each time and never kept.
    """

    _plain: dict[tuple[str, str], str]

    @staticmethod
    def _extract_locales(path: Path) -> list[str]:
        return list(SUPPORTED_LOCALES)

    def get(self, message_id: str, locale: str | None = None, /, **kwargs: Any) -> str:
        if kwargs or locale is None:  # no locale: the current context's, not to be kept
            return super().get(message_id, locale, **kwargs)
        plain: dict[tuple[str, str], str] = self.__dict__.setdefault("_plain", {})
        key = (message_id, locale)
        text = plain.get(key)
        if text is None:
            text = plain[key] = super().get(message_id, locale)
        return text


@cache
def fluent_core(default_locale: str) -> FluentRuntimeCore:
    """The compiled Fluent bundles; built once per process, they are read-only."""
    core = LocalesCore(path=LOCALES_DIR / "{locale}", default_locale=default_locale)
    core.locales.update(core.find_locales())
    return core
