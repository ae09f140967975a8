"""Replies through the outbox: captured during an update, committed with it, sent after it.

Handlers call aiogram as usual (`message.answer`, `bot.send_photo`, `query.answer`, edits). While
an update's unit of work is open, a request middleware on the bot's session records those calls
instead of sending them and hands the handler a placeholder result; the calls become outbox rows
written by the update's commit (`services/outbox.py`). Right after the commit the sender delivers
the chat's pending rows in order. Outside a unit of work (the error handler's apology, the CLI,
jobs) requests go straight to the Bot API.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    SendChatAction,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType
from aiogram.types import BufferedInputFile, Chat, InputFile, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import describe
from models.db import commit_together
from services import outbox
from services.outbox import Outgoing

logger = logging.getLogger("doanvien.outbox")

# The requests that change what a person sees; they wait for the commit.
EFFECTS: dict[str, type[TelegramMethod[Any]]] = {
    method.__api_method__: method
    for method in (
        SendMessage,
        SendPhoto,
        SendDocument,
        EditMessageText,
        EditMessageReplyMarkup,
        EditMessageCaption,
        DeleteMessage,
        AnswerCallbackQuery,
    )
}
_MESSAGE_RESULTS = (SendMessage, SendPhoto, SendDocument)
RETRY_BASE = 2.0  # seconds before the first retry after a 5xx or a timeout; doubles each time
RETRY_CAP = 300.0
MAX_ATTEMPTS = 20  # about an hour of retries, then the row is given up as failed
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # "due": a reply is due as soon as it is committed
MARKS_TASK = "outbox-sent-marks"  # the task writing sent marks; a test lets it end


# ---- capturing an update's requests -----------------------------------------------------------

_PRIVATE_CHAT = Chat(id=0, type="private")
_PLACEHOLDER = Message(message_id=0, date=_EPOCH, chat=_PRIVATE_CHAT)


@dataclass(slots=True)
class Replies:
    """The requests one update made, in order; written to the outbox by its commit."""

    session: AsyncSession
    channel: str
    key_prefix: str
    chat_id: int | None
    methods: dict[str, TelegramMethod[Any]] = field(default_factory=dict)
    chats: list[str] = field(default_factory=list)
    rows: list[Outgoing] = field(default_factory=list)
    answers: list[AnswerCallbackQuery] = field(default_factory=list)
    # Chats on other channels (services.outbox.address) and the channels to wake after commit.
    addressed: dict[str, str] = field(default_factory=dict)
    elsewhere: set[str] = field(default_factory=set)

    def record(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, AnswerCallbackQuery):
            # Telegram takes an answer only seconds after the click: after a restart it would
            # be refused, so it is kept in memory, not stored, and sent right after the commit.
            self.answers.append(method)
            return True
        chat_id = getattr(method, "chat_id", None) or self.chat_id
        if chat_id is None:
            raise RuntimeError(f"{method.__api_method__} has no chat to queue it for")
        key = f"{self.key_prefix}:{len(self.methods)}"
        channel = self.addressed.get(str(chat_id), self.channel)
        if channel != self.channel:
            # That channel's sender delivers it (woken after the commit).
            self.methods[key] = method
            payload = to_payload(method)
            outbox.enqueue_at_commit(
                self.session, channel, chat_id, method.__api_method__, payload, key
            )
            self.elsewhere.add(channel)
            return True
        self.methods[key] = method
        if str(chat_id) not in self.chats:
            self.chats.append(str(chat_id))
        payload = to_payload(method)
        outbox.enqueue_at_commit(
            self.session, self.channel, chat_id, method.__api_method__, payload, key
        )
        self.rows.append(Outgoing(key, str(chat_id), method.__api_method__, payload, 0, _EPOCH))
        if isinstance(method, _MESSAGE_RESULTS):
            # A placeholder: the message exists only once the commit has happened. Copied from
            # a template (validating a new Message each time cost three times as much).
            return _PLACEHOLDER.model_copy(
                update={
                    "message_id": -len(self.methods),
                    "date": datetime.now(UTC),
                    "chat": _PRIVATE_CHAT.model_copy(update={"id": int(chat_id)}),
                    "text": getattr(method, "text", None),
                    "caption": getattr(method, "caption", None),
                }
            ).as_(bot)
        return True


_replies: ContextVar[Replies | None] = ContextVar("outbox_replies", default=None)


class CaptureRequests(BaseRequestMiddleware):
    """Inside a unit of work: effects are recorded, reads pass, anything else is refused."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Any:
        replies = _replies.get()
        if replies is None or method.__api_method__.startswith("get"):
            return await make_request(bot, method)
        if method.__api_method__ in EFFECTS:
            return replies.record(bot, method)
        if isinstance(method, SendChatAction):
            return True  # "typing…" for a reply that is sent after the commit anyway
        raise RuntimeError(
            f"{method.__api_method__} inside an update: add it to bot.outbox.EFFECTS"
        )


_CAPTURE = CaptureRequests()


def to_payload(method: TelegramMethod[Any]) -> dict[str, Any]:
    """The method's parameters as JSON; the bot's defaults (parse mode) are applied at sending."""
    special = {name: value for name, value in method if isinstance(value, Default | InputFile)}
    payload = method.model_dump(mode="json", exclude_none=True, exclude=set(special))
    for name, value in special.items():
        if isinstance(value, BufferedInputFile):
            payload[name] = {
                "base64": base64.b64encode(value.data).decode(),
                "name": value.filename,
            }
        elif isinstance(value, InputFile):
            raise TypeError("only in-memory files (BufferedInputFile) can wait in the outbox")
    return payload


def from_row(row: Outgoing) -> TelegramMethod[Any]:
    """The method again, as `to_payload` stored it; a job's payload may leave out the chat."""
    method = EFFECTS[row.method]
    params = dict(row.payload)
    for name, value in params.items():
        if isinstance(value, dict) and set(value) == {"base64", "name"}:
            params[name] = BufferedInputFile(base64.b64decode(value["base64"]), value["name"])
    if "chat_id" in method.model_fields and "inline_message_id" not in params:
        chat = row.chat_id
        params.setdefault("chat_id", int(chat) if chat.lstrip("-").isdigit() else chat)
    return method.model_validate(params)


# ---- sending -----------------------------------------------------------------------------------

# Set while the sender makes a request whose result it never reads (a reply, a callback answer).
_RESULT_UNUSED: ContextVar[bool] = ContextVar("outbox_result_unused", default=False)
_OK: Response[Any] = Response[Any](ok=True, result=True)


class SkipsUnusedResults(BaseSession):
    """A Bot API session that does not build the result of a successful request nobody reads.

    aiogram parses every answer into its result type: for a sent message, a `Message` with its
    keyboard, validated field by field — about a twentieth of an update's CPU, for an object
    the outbox drops. While the sender delivers, a successful answer is only checked for
    `ok`; an error answer is parsed by aiogram as always (its exceptions drive retries).
    """

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        if _RESULT_UNUSED.get() and HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            try:
                answer = self.json_loads(content)
            except Exception:  # aiogram's own parsing reports it
                answer = None
            if isinstance(answer, dict) and answer.get("ok") is True:
                return _OK
        return super().check_response(bot, method, status_code, content)


async def _unread(bot: Bot, method: TelegramMethod[Any]) -> None:
    """Make a request whose result is not read (see SkipsUnusedResults)."""
    token = _RESULT_UNUSED.set(True)
    try:
        await bot(method)
    finally:
        _RESULT_UNUSED.reset(token)


@dataclass(slots=True)
class _Outcome:
    """What one chat's delivery did, written in one short transaction after the sends."""

    sent: list[Outgoing] = field(default_factory=list)
    retry: list[tuple[Outgoing, datetime, str]] = field(default_factory=list)
    failed: list[tuple[Outgoing, str]] = field(default_factory=list)
    unreachable: str | None = None


# (error, code for the row and the log, whether sending again may succeed), first match wins.
_ERRORS: tuple[tuple[type[Exception], str, bool], ...] = (
    (TelegramEntityTooLarge, "too_large", False),
    (TelegramBadRequest, "bad_request", False),
    (TelegramNotFound, "not_found", False),
    (TelegramMigrateToChat, "migrated", False),
    (TelegramServerError, "server_error", True),
    (TelegramNetworkError, "network", True),
    (TelegramUnauthorizedError, "unauthorized", True),
    (TelegramAPIError, "api_error", False),
)


def _error_code(exc: Exception) -> tuple[str, bool]:
    """A short code for the log and the row, and whether sending again may succeed."""
    for kind, code, transient in _ERRORS:
        if isinstance(exc, kind):
            return code, transient
    return type(exc).__name__[:32], True


class _ChatLocks:
    """One sender at a time per chat, so no row is sent twice and none overtakes another."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, chat_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id) or (asyncio.Lock(), 0)
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


class _SentMarks:
    """Marks delivered rows sent (a group commit across chats): the keys ride on the next
    commit of any update in flight, or, when no update is in flight or none commits within
    DELAY, on a short transaction of their own. Until then they are remembered, so that
    nothing reads those rows as pending."""

    DELAY = 0.02

    def __init__(self, sender: OutboxSender) -> None:
        self._sender = sender
        self.unwritten: dict[str, str] = {}  # key -> chat
        self._batch: list[Outgoing] = []
        self._flusher: asyncio.Task[None] | None = None
        self._written = asyncio.Event()
        self._hurry = asyncio.Event()  # someone waits: write now

    def mark(self, sent: list[Outgoing]) -> None:
        self.unwritten.update((row.key, row.chat_id) for row in sent)
        self._batch.extend(sent)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name=MARKS_TASK)

    def carry(self, session: AsyncSession) -> list[Outgoing]:
        """Put the waiting marks into this transaction; `settle` them after its commit."""
        sent, self._batch = self._batch, []
        if sent:
            outbox.mark_sent_at_commit(session, self._sender.channel, sent, self._sender.clock())
        return sent

    def settle(self, sent: list[Outgoing], committed: bool) -> None:
        if committed:
            self._forget(sent)
        elif sent:
            self._batch[:0] = sent
            self.mark([])

    async def settled(self, chat_id: str | None = None) -> None:
        """Wait until the marks made so far (for one chat) are committed, or given up."""
        waiting = {k for k, chat in self.unwritten.items() if chat_id in (None, chat)}
        while not waiting.isdisjoint(self.unwritten):
            if not self._sender.handling:  # no update's commit is coming to carry them
                self._hurry.set()
            await self._written.wait()

    def hurry(self) -> None:
        """The last update in flight has ended: no commit is coming to carry the marks."""
        if self._batch:
            self._hurry.set()

    def _forget(self, sent: list[Outgoing]) -> None:
        for row in sent:
            self.unwritten.pop(row.key, None)
        # Wake every waiter once; later waiters wait for a later write.
        self._written.set()
        self._written = asyncio.Event()

    async def _flush(self) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._hurry.wait(), self.DELAY)
        self._hurry.clear()
        while self._batch:
            sent: list[Outgoing] = []
            try:
                async with self._sender.session_factory() as session:
                    await session.connection()  # before SQLite's write lock (models/db.py)
                    sent = self.carry(session)
                    await commit_together(session)
            except Exception as exc:  # given up: the rows stay pending and are sent again
                sent, self._batch = sent + self._batch, []
                logger.error("could not mark %d outbox rows sent: %s", len(sent), describe(exc))
            finally:
                self._forget(sent)


# The running sender of each channel, woken when another channel's update queues for it.
SENDERS: dict[str, OutboxSender] = {}


class _Pacer:
    """Spaces the background drain's sends: `rate` a second in all, and a chat's next message
    at least `per_chat` seconds after its previous one was answered (Telegram: about 30 a
    second per bot, one a second per chat). A send's slot is reserved without a pause between
    reading and writing it, so concurrent chats never share a slot."""

    # Slots a little wider than 1/rate: a request reaches Telegram some milliseconds after its
    # slot, more or less, and a second that saw rate + 1 of them would be answered with 429.
    HEADROOM = 1.05

    def __init__(self, per_chat: float = 1.0) -> None:
        self.per_chat = per_chat
        self._next = 0.0  # the next free global slot, on the loop's clock
        self._answered: dict[str, float] = {}  # chat -> when its last send was answered
        self._in_flight: set[str] = set()

    async def wait(self, chat_id: str, rate: float, pause: float) -> None:
        loop = asyncio.get_running_loop()
        self.finished(chat_id)  # the chat's previous send (if any) has just been answered
        ready = self._answered.get(chat_id, -math.inf) + self.per_chat
        if ready > loop.time():
            await asyncio.sleep(ready - loop.time())
        now = loop.time()
        slot = max(now + max(pause, 0.0), self._next)
        self._next = slot + self.HEADROOM / rate
        self._in_flight.add(chat_id)
        if slot > now:
            await asyncio.sleep(slot - now)

    def finished(self, chat_id: str) -> None:
        """The chat's send in flight was answered (or none was made)."""
        if chat_id in self._in_flight:
            self._in_flight.discard(chat_id)
            now = asyncio.get_running_loop().time()
            self._answered[chat_id] = now
            if len(self._answered) > 10_000:  # forget chats that no longer need spacing
                self._answered = {
                    c: t for c, t in self._answered.items() if t > now - self.per_chat
                }


class OutboxSender:
    """Captures replies during updates and sends the outbox of one channel through a Bot."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        channel: str = "telegram",
        *,
        rate: float = 25.0,
        clock: Callable[[], datetime] | None = None,
        interval: float = 1.0,
    ) -> None:
        self.session_factory = session_factory
        self.channel = channel
        self.rate = rate  # messages per second for the background drain (job messages, retries)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.interval = interval
        self._chats = _ChatLocks()
        self._paused_until: datetime | None = None  # Telegram asked the bot to slow down (429)
        self._wake = asyncio.Event()
        self._sent = _SentMarks(self)
        self._pacer = _Pacer()
        self.handling = 0  # updates between `capture` and `release`: each will commit or roll back
        # The key prefixes of updates from `capture` to the end of their delivery: their rows,
        # once committed, are theirs to send (another reader of the outbox would send them
        # a second time).
        self._in_flight: set[str] = set()
        # Chats that may have pending rows older than an update's replies; None: not read yet.
        self._backlog: set[str] | None = None

    # -- the unit of work's side

    def capture(
        self, bot: Bot, session: AsyncSession, update_id: int, chat_id: int | None
    ) -> Token[Replies | None]:
        """Start recording the requests of one update; `release` with the returned token."""
        if _CAPTURE not in bot.session.middleware:
            bot.session.middleware(_CAPTURE)
        replies = Replies(session, self.channel, f"u:{bot.id}:{update_id}", chat_id)
        outbox.ADDRESSED.set(replies.addressed)
        self.handling += 1
        self._in_flight.add(replies.key_prefix)
        return _replies.set(replies)

    def release(self, token: Token[Replies | None]) -> Replies | None:
        replies = _replies.get()
        _replies.reset(token)
        self.handling -= 1
        if not self.handling:
            self._sent.hurry()
        return replies

    async def deliver(self, bot: Bot, session: AsyncSession, replies: Replies | None) -> None:
        """Right after the update's commit: send what it said, after any older pending rows of
        the same chats. A chat known to have none is sent to without reading the outbox."""
        if replies is None:
            return
        try:
            await self._deliver(bot, session, replies)
        finally:
            self._in_flight.discard(replies.key_prefix)

    async def _deliver(self, bot: Bot, session: AsyncSession, replies: Replies) -> None:
        for channel in replies.elsewhere:
            other = SENDERS.get(channel)
            if other is not None:
                other.wake()
        for answer in replies.answers:
            try:
                await _unread(bot, answer)
            except Exception as exc:  # the spinner stops by itself; nothing to retry
                logger.warning("callback answer failed: %s", _error_code(exc)[0])
        if not replies.chats:
            return
        if self._backlog is None:  # the first update of this process: what did the last leave?
            self._backlog = await outbox.pending_chats(session, self.channel)
            await session.commit()
        for chat_id in replies.chats:
            async with self._chats.hold(chat_id):
                if chat_id in self._backlog:
                    await self._deliver_pending(
                        bot, session, chat_id, replies.methods, replies.key_prefix
                    )
                else:
                    rows = [row for row in replies.rows if row.chat_id == chat_id]
                    await self._deliver_rows(bot, session, chat_id, rows, replies.methods)

    def abandon(self, replies: Replies | None) -> None:
        """The update failed: rows an early commit wrote may wait in its chats."""
        if replies is not None:
            self._in_flight.discard(replies.key_prefix)
            if self._backlog is not None:
                self._backlog.update(replies.chats)

    # -- sending one chat's rows

    async def _deliver_pending(
        self,
        bot: Bot,
        session: AsyncSession,
        chat_id: str,
        known: Mapping[str, TelegramMethod[Any]] | None,
        own: str,
    ) -> int:
        rows = await self._pending(session, chat_id, own)
        return await self._deliver_rows(bot, session, chat_id, rows, known)

    async def _pending(
        self, session: AsyncSession, chat_id: str, own: str | None = None
    ) -> list[Outgoing]:
        """A chat's pending rows that are this reader's to send (call it holding the chat).

        Rows sent whose marks are not yet written are skipped; the set is taken before the
        read, as a mark committed (and forgotten) between the read and the filter would
        otherwise let a row the read still saw as pending go out twice. Rows of another update
        in flight are skipped too: it sends them itself once it has the chat (a background
        pass right after its commit would otherwise send them first, and it again)."""
        sent_unmarked = set(self._sent.unwritten)
        rows = await outbox.pending_of_chat(session, self.channel, chat_id)
        await session.commit()  # no connection held while the messenger answers
        in_flight = self._in_flight - {own}
        return [
            row
            for row in rows
            if row.key not in sent_unmarked and row.key.rpartition(":")[0] not in in_flight
        ]

    async def _deliver_rows(
        self,
        bot: Bot,
        session: AsyncSession,
        chat_id: str,
        rows: list[Outgoing],
        known: Mapping[str, TelegramMethod[Any]] | None,
        throttle: Callable[[], Awaitable[None]] | None = None,
    ) -> int:
        """Send rows in order; the chat stays in the backlog unless all of them went."""
        # What this chat was sent before is marked first (usually the update's own commit
        # carried it): a kill can then repeat only the messages it interrupted.
        await self._sent.settled(chat_id)
        outcome = _Outcome()
        done = False
        try:
            for row in rows:
                if row.next_attempt_at > self.clock():
                    break  # an earlier row waits for its retry: later ones wait behind it
                if throttle is not None:
                    await throttle()
                if not await self._send(bot, row, known, outcome):
                    break
            else:
                done = True
        finally:
            if self._backlog is not None:
                if done:
                    self._backlog.discard(chat_id)
                else:
                    self._backlog.add(chat_id)
            await self._record(session, chat_id, outcome)
        # The chat's next update waits for these marks: a kill during it then repeats only its
        # own replies, never these. They ride on the next commit of an update in flight, or,
        # when none is, on a short transaction of their own at once.
        await self._sent.settled(chat_id)
        return len(outcome.sent)

    async def _send(
        self,
        bot: Bot,
        row: Outgoing,
        known: Mapping[str, TelegramMethod[Any]] | None,
        outcome: _Outcome,
    ) -> bool:
        """Send one row; False when the chat's later rows must not go now."""
        method = known.get(row.key) if known else None
        try:
            await _unread(bot, method or from_row(row))
        except TelegramRetryAfter as exc:
            at = self.clock() + timedelta(seconds=exc.retry_after)
            self._paused_until = at
            outcome.retry.append((row, at, "retry_after"))
            logger.warning("outbox row %s: retry after %ss", row.key, exc.retry_after)
            return False
        except TelegramForbiddenError:
            outcome.unreachable = "forbidden"
            logger.warning("outbox row %s: the person blocked the bot", row.key)
            return False
        except Exception as exc:
            code, transient = _error_code(exc)
            if transient and row.attempts + 1 < MAX_ATTEMPTS:
                delay = min(RETRY_BASE * 2**row.attempts, RETRY_CAP)
                outcome.retry.append((row, self.clock() + timedelta(seconds=delay), code))
                logger.warning("outbox row %s: %s, retry in %.0fs", row.key, code, delay)
                return False
            outcome.failed.append((row, code))
            logger.error("outbox row %s (%s) failed: %s", row.key, row.method, code)
            return True
        outcome.sent.append(row)
        return True

    async def _record(self, session: AsyncSession, chat_id: str, outcome: _Outcome) -> None:
        if outcome.sent:
            self._sent.mark(outcome.sent)
        if not (outcome.retry or outcome.failed or outcome.unreachable):
            return
        now = self.clock()
        # A connection before SQLite's write lock (models/db.py), never the other way round.
        await session.connection()
        for row, at, code in outcome.retry:
            await outbox.mark_retry(session, row, at, code)
        for row, code in outcome.failed:
            await outbox.mark_failed(session, row, code)
        if outcome.unreachable is not None:
            await outbox.mark_unreachable(session, self.channel, chat_id, now, outcome.unreachable)
        await session.commit()

    # -- the background drain: rows left by a killed process, retries, messages from jobs

    async def settled(self) -> None:
        """Wait until the rows sent so far are marked sent in the database: polling confirms
        an update only after this, so a confirmed update's replies are never sent again."""
        await self._sent.settled()

    async def commit(self, session: AsyncSession) -> None:
        """Commit an update's transaction, carrying the sent marks waiting to be written."""
        sent = self._sent.carry(session)
        committed = False
        try:
            await commit_together(session)
            committed = True
        finally:
            self._sent.settle(sent, committed)

    def wake(self) -> None:
        """Ask the background loop for a pass now (a job has just enqueued messages)."""
        self._wake.set()

    async def drain(self, bot: Bot, limit: int = 1000) -> int:
        """One pass over the chats with due rows: several chats at once, each chat's rows in
        order, at most `rate` messages a second in all and one a second per chat."""
        async with self.session_factory() as session:
            # Rows left by a killed process or enqueued by jobs: updates go the careful way.
            pending = await outbox.pending_chats(session, self.channel)
            self._backlog = pending if self._backlog is None else self._backlog | pending
            chats = await outbox.due_chats(session, self.channel, self.clock(), limit)
            await session.commit()
        if not chats:
            return 0
        queue: asyncio.Queue[str] = asyncio.Queue()
        for chat_id in chats:
            queue.put_nowait(chat_id)
        workers = max(1, min(len(chats), math.ceil(self.rate * self._pacer.per_chat) + 1))
        tasks = [asyncio.ensure_future(self._drain_queue(bot, queue)) for _ in range(workers)]
        try:
            return sum(await asyncio.gather(*tasks))
        finally:
            for task in tasks:  # one worker failed: the pass ends, the next one starts over
                task.cancel()

    async def _drain_queue(self, bot: Bot, queue: asyncio.Queue[str]) -> int:
        sent = 0
        while not queue.empty():
            chat_id = queue.get_nowait()
            try:
                sent += await self._drain_chat(bot, chat_id)
            finally:
                self._pacer.finished(chat_id)
        return sent

    async def _drain_chat(self, bot: Bot, chat_id: str) -> int:
        """A chat's due rows in order, one at a time: each is marked sent before the next goes
        (the chat waits a second between them anyway), so a kill repeats at most the message
        it interrupted."""
        throttle = functools.partial(self._throttle, chat_id)
        sent = 0
        async with self.session_factory() as session, self._chats.hold(chat_id):
            for row in await self._pending(session, chat_id):
                sent += await self._deliver_rows(bot, session, chat_id, [row], None, throttle)
                if self._backlog is not None and chat_id in self._backlog:
                    break  # the row must wait (a retry, a pause) or the person is unreachable
        return sent

    async def _throttle(self, chat_id: str) -> None:
        if self.rate <= 0:  # pacing off (tests that drive the sender by hand)
            return
        paused = self._paused_until
        pause = (paused - self.clock()).total_seconds() if paused is not None else 0.0
        await self._pacer.wait(chat_id, self.rate, pause)
        # Telegram may have asked for a pause while this send waited for its slot.
        if (paused := self._paused_until) is not None and paused > self.clock():
            await asyncio.sleep((paused - self.clock()).total_seconds())

    async def run(self, bot: Bot, stop: asyncio.Event) -> None:
        """Drain at start, then whenever woken or every `interval` seconds, until `stop`."""
        SENDERS[self.channel] = self
        while not stop.is_set():
            try:
                await self.drain(bot)
            except Exception as exc:  # the database is away: try again at the next pass
                logger.warning("outbox pass failed: %s", type(exc).__name__)
            self._wake.clear()
            waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
            _, pending = await asyncio.wait(
                waiters, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()
        await self.settled()
