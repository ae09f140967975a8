"""Logging for the whole process: no personal data in the log, at any level.

Two lines of defence. Third-party loggers whose records carry values — SQL parameters and rows
(SQLAlchemy, aiosqlite, asyncpg), conversation data (aiogram's scenes) — are capped at a level
where they log none, whatever LOG_LEVEL says. And the handler's `RedactingFilter` blanks what
still looks like a phone number, a citizen ID or a bot token. Our own loggers log ids and
reason keys only.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import IO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# The lowest level each of these may log at. SQLAlchemy logs every statement's parameters at
# INFO and rows at DEBUG; aiosqlite logs each call with its arguments at DEBUG; aiogram's scenes
# log the conversation data at DEBUG. aiogram.event and aiogram.dispatcher log update ids and
# durations at INFO, but an exception's message at ERROR (it may quote what was sent): the filter
# below still applies to those.
FLOORS: dict[str, int] = {
    "sqlalchemy": logging.WARNING,
    "aiosqlite": logging.WARNING,
    "asyncpg": logging.WARNING,
    "alembic": logging.WARNING,
    "aiogram.event": logging.INFO,
    "aiogram.dispatcher": logging.INFO,
    "aiogram.middlewares": logging.INFO,
    "aiogram.scene": logging.INFO,
    "aiogram.webhook": logging.INFO,
    "apscheduler": logging.INFO,
}

# Telegram's (a bot id of up to 12 digits) and Zalo's (up to 20) tokens.
_TOKEN = re.compile(r"(?<!\d)\d{5,20}:[A-Za-z0-9_.-]{20,}")
# Vietnamese numbers: +84, 84 or 0, then 9 or 10 digits, spaces, dots or dashes between them.
_PHONE = re.compile(r"(?<![\w+])(?:\+84|84|0)(?:[ .-]?\d){9,10}(?![\d])")
_CITIZEN_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


def redact(text: str) -> str:
    """`text` with bot tokens, phone numbers and 12-digit citizen IDs blanked."""
    text = _TOKEN.sub("<token>", text)
    text = _CITIZEN_ID.sub("<id>", text)
    return _PHONE.sub("<phone>", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and its exception text) through `redact`."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep its template, drop its arguments
            message, record.args = str(record.msg), None
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _level(level: str | int) -> int:
    if isinstance(level, int):
        return level
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}")
    return number


def configure_logging(level: str | int, stream: IO[str] | None = None) -> logging.Handler:
    """Log at `level` to `stream` (stderr), third-party loggers capped, every record redacted.

    Calling it again replaces the handler it installed before; other handlers stay.
    """
    number = _level(level)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "doanvien", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())
    handler.doanvien = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(number)
    for name, floor in FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, number))
    return handler
