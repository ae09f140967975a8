"""Configuration from the environment (and an optional `.env` file)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron.expressions import WEEKDAYS
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from locales import SUPPORTED_LOCALES

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(default=None)
    # Signs the verification links on member cards. Without it, a key derived from BOT_TOKEN
    # is used (cards then stop verifying if the token is ever changed: set CARD_SECRET).
    card_secret: SecretStr | None = None
    bot_username: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///doanvien.db"
    redis_url: str | None = None
    default_locale: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    log_level: str = "INFO"
    outbox_rate: float = Field(default=25.0, gt=0)
    # The steering committee's weekly digest and the daily reminders, in TIMEZONE.
    digest_day: str = "mon"
    digest_time: str = "07:30"
    reminder_time: str = "08:00"
    # Zalo (bot/zalo): served beside Telegram when its token is set.
    zalo_bot_token: SecretStr | None = None
    zalo_api_url: str = "https://bot-api.zaloplatforms.com"
    # Where Zalo can fetch images the bot makes (member cards): sendPhoto takes a URL only.
    zalo_public_url: str | None = None

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token(cls, value: object) -> object:
        if value in (None, ""):
            return None
        text = str(value).strip()
        head, _, tail = text.partition(":")
        if not head.isdigit() or len(tail) < 5:
            raise ValueError("must look like 123456789:ABC... (the token @BotFather gives)")
        return text

    @field_validator("zalo_bot_token", mode="before")
    @classmethod
    def _zalo_token(cls, value: object) -> object:
        if value in (None, ""):
            return None
        text = str(value).strip()
        head, _, tail = text.partition(":")
        if not head or not tail or any(c.isspace() for c in text):
            raise ValueError("must look like 1234567890:abc... (the token Zalo Bot Creator gives)")
        return text

    @field_validator("zalo_public_url", mode="before")
    @classmethod
    def _public_url(cls, value: object) -> object:
        if value in (None, ""):
            return None
        text = str(value)
        if not text.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return text.rstrip("/")

    @field_validator("telegram_api_url", "zalo_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if url.drivername not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
            raise ValueError("use sqlite+aiosqlite:///file.db or postgresql+asyncpg://...")
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _redis_url(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not str(value).startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://")
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("digest_day")
    @classmethod
    def _digest_day(cls, value: str) -> str:
        day = value.strip().lower()[:3]
        if day not in WEEKDAYS:
            raise ValueError(f"must be one of {', '.join(WEEKDAYS)}")
        return day

    @field_validator("digest_time", "reminder_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            return f"{time.fromisoformat(value.strip()):%H:%M}"
        except ValueError:
            raise ValueError("must be a time of day such as 07:30") from None

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def card_key(self) -> bytes:
        """The key that signs member cards' verification links."""
        if self.card_secret is not None:
            return self.card_secret.get_secret_value().encode()
        # Derived, never the token itself; a bot without a token (the console) signs with a
        # fixed key, which is fine for trying the bot and nothing else.
        seed = self.bot_token.get_secret_value() if self.bot_token else "doanvien-console"
        return hmac.new(seed.encode(), b"doanvien member card", hashlib.sha256).digest()


class SettingsError(Exception):
    """Raised with one human-readable line when the configuration is unusable."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"Configuration error: {name}: {message}") from None
