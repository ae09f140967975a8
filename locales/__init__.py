"""Fluent translations (vi default, en); a package so the files install with the code.

The list of supported locales and the compiled Fluent core live here, below `bot/`,
`handlers/` and `scheduler/`, so that every layer can render text without importing `bot`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from aiogram_i18n.cores import FluentRuntimeCore

SUPPORTED_LOCALES = ("vi", "en")
LOCALES_DIR = Path(__file__).resolve().parent


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
