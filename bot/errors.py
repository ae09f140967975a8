"""The one error handler: log without personal data, apologise to the user."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from aiogram import Bot
from aiogram.types import ErrorEvent
from aiogram_i18n import I18nContext

from services.access import Forbidden

logger = logging.getLogger("doanvien.errors")
FALLBACK = "Xin lỗi, đã có lỗi. / Sorry, something went wrong."


def describe(exc: BaseException) -> str:
    """The exception's type and stack, without its message: messages can carry user data."""
    frames = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
    return f"{type(exc).__module__}.{type(exc).__qualname__}\n{frames}"


async def on_error(event: ErrorEvent, bot: Bot, **data: Any) -> bool:
    update = event.update
    i18n: I18nContext | None = data.get("i18n")
    if isinstance(event.exception, Forbidden):
        logger.warning("update %s refused: %s", update.update_id, event.exception)
        key = "access-denied"
    else:
        logger.error(
            "update %s (%s) failed: %s",
            update.update_id,
            update.event_type,
            describe(event.exception),
        )
        key = "error-apology"
    text = i18n.get(key) if i18n is not None else FALLBACK
    chat_id: int | None = None
    if update.message is not None:
        chat_id = update.message.chat.id
    elif update.callback_query is not None:
        chat_id = update.callback_query.from_user.id
        try:
            await update.callback_query.answer()
        except Exception:
            logger.warning("could not answer the callback of update %s", update.update_id)
    if chat_id is not None:
        try:
            await bot.send_message(chat_id, text)
        except Exception:
            logger.warning("could not send the apology for update %s", update.update_id)
    return True
