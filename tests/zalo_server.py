"""A Zalo Bot API server on 127.0.0.1 speaking the platform's wire format, for the tests.

What it copies from the platform (its documentation and the public clients): methods at
`/bot<TOKEN>/<method>`, GET or POST, parameters as a query string, JSON or a form; answers
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": ..., "description": ...}`, an error
sometimes with HTTP 200; `getUpdates` hands out ONE update per answer, has no offset, ends an
idle long poll with error 408 "Request timeout", and may hand a consumed update out again
(`replay`); `setWebhook` (secret of 8–256 characters) and `getUpdates` exclude each other;
`sendMessage` takes 1–2,000 characters; `sendPhoto` a photo URL and a caption; 429
"Quota exceeded" can be injected (`fail`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, web

TEXT_MAX = 2000
POLL_CAP = 2.0  # seconds a test's long poll may wait at most, whatever timeout it asks for


@dataclass
class Sent:
    """What a person's Zalo app would show for one message the bot sent."""

    chat_id: str
    text: str
    photo: str | None = None
    photo_bytes: bytes | None = None  # fetched from `photo`, as Zalo does


@dataclass
class _Failure:
    code: int
    description: str
    http_status: int


@dataclass
class ZaloServer:
    token: str = "1234567890:zalo-test-secret-token"
    bot_id: str = "1234567890"
    poll_cap: float = POLL_CAP
    pending: deque[dict[str, Any]] = field(default_factory=deque)
    consumed: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    failures: dict[str, deque[_Failure]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._arrived = asyncio.Event()
        self._sent_signal = asyncio.Event()
        self._by_chat: dict[str, list[str]] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ---- the test's side: people writing, errors to inject -------------------------------

    def _push(
        self, event: str, chat: str, name: str, chat_type: str = "PRIVATE", **content: Any
    ) -> str:
        message_id = secrets.token_hex(10)
        self.pending.append(
            {
                "event_name": event,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time() * 1000),
                    "chat": {"id": chat, "chat_type": chat_type},
                    "from": {"id": chat, "display_name": name, "is_bot": False},
                    **content,
                },
            }
        )
        self._arrived.set()
        return message_id

    def text(self, chat: str, text: str, name: str = "Lan", chat_type: str = "PRIVATE") -> str:
        return self._push("message.text.received", chat, name, chat_type, text=text)

    def image(self, chat: str, name: str = "Lan") -> str:
        url = "https://zalo.example/photo.jpg"
        return self._push("message.image.received", chat, name, photo_url=url, caption="")

    def sticker(self, chat: str, name: str = "Lan") -> str:
        return self._push("message.sticker.received", chat, name, sticker="abc", url="")

    def unsupported(self, chat: str, name: str = "Lan") -> str:
        return self._push("message.unsupported.received", chat, name)

    def replay(self, count: int = 1) -> None:
        """Hand the last `count` consumed updates out again, as the platform sometimes does."""
        for update in self.consumed[-count:]:
            self.pending.append(update)
        self._arrived.set()

    def fail(self, method: str, code: int, description: str, http_status: int = 200) -> None:
        """The next call of `method` fails with this error (HTTP 200 by default: seen live)."""
        self.failures.setdefault(method, deque()).append(_Failure(code, description, http_status))

    def texts(self, chat: str) -> list[str]:
        return list(self._by_chat.get(chat, ()))

    async def wait_texts(self, chat: str, count: int) -> None:
        """Until the bot has sent `count` messages to `chat`."""
        while len(self._by_chat.get(chat, ())) < count:
            await self._sent_signal.wait()

    # ---- the server ------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(await request.post())
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized", 401)
        params = await self._params(request)
        self.calls.append((method, params))
        queued = self.failures.get(method)
        if queued:
            failure = queued.popleft()
            return _error(failure.code, failure.description, failure.http_status)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found", 404)
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, _params: dict[str, Any]) -> Any:
        return {
            "id": self.bot_id,
            "account_name": "bot.doanvien",
            "account_type": "BASIC",
            "can_join_groups": False,
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            return _error(400, "Webhook is active, use deleteWebhook first", 200)
        wait = min(float(params.get("timeout") or 30), self.poll_cap)
        deadline = asyncio.get_running_loop().time() + wait
        while not self.pending:
            self._arrived.clear()
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return _error(408, "Request timeout", 408)
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                return _error(408, "Request timeout", 408)
        update = self.pending.popleft()
        self.consumed.append(update)
        return update

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        url, secret = str(params.get("url") or ""), str(params.get("secret_token") or "")
        if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            return _error(400, "url must be HTTPS", 200)
        if not 8 <= len(secret) <= 256:
            return _error(400, "secret_token must be 8-256 characters", 200)
        self.webhook = {"url": url, "secret_token": secret}
        return {"url": url, "updated_at": int(time.time() * 1000)}

    async def _m_deleteWebhook(self, _params: dict[str, Any]) -> Any:
        self.webhook = None
        return {"url": "", "updated_at": int(time.time() * 1000)}

    async def _m_getWebhookInfo(self, _params: dict[str, Any]) -> Any:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "updated_at": int(time.time() * 1000)}

    def _message(
        self, chat: Any, text: str, photo: str | None = None, data: bytes | None = None
    ) -> Any:
        self.sent.append(Sent(str(chat), text, photo, data))
        self._by_chat.setdefault(str(chat), []).append(text)
        # Wake every waiter once; later waiters wait for a later message.
        self._sent_signal.set()
        self._sent_signal = asyncio.Event()
        return {"message_id": secrets.token_hex(10), "date": int(time.time() * 1000)}

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        text = str(params.get("text") or "")
        if not params.get("chat_id"):
            return _error(400, "chat_id is required", 200)
        if not 1 <= len(text) <= TEXT_MAX:
            return _error(400, f"text must be 1-{TEXT_MAX} characters", 200)
        return self._message(params["chat_id"], text)

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        photo, caption = str(params.get("photo") or ""), str(params.get("caption") or "")
        if not photo.startswith(("http://", "https://")):
            return _error(400, "photo must be a URL", 200)
        if len(caption) > TEXT_MAX:
            return _error(400, f"caption must be at most {TEXT_MAX} characters", 200)
        # Zalo fetches the photo from its URL: one that does not answer is refused.
        async with ClientSession() as http, http.get(photo) as response:
            if response.status != 200:
                return _error(400, "photo could not be fetched", 200)
            data = await response.read()
        return self._message(params.get("chat_id"), caption, photo, data)

    async def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        if params.get("action") not in ("typing", "upload_photo"):
            return _error(400, "unknown action", 200)
        return web.json_response({"ok": True})

    async def post_webhook(self, secret: str | None = None) -> list[int]:
        """Deliver the pending updates to the registered webhook, as the platform would;
        returns the HTTP statuses it answered."""
        assert self.webhook is not None, "no webhook registered"
        statuses = []
        header = self.webhook["secret_token"] if secret is None else secret
        async with ClientSession() as http:
            while self.pending:
                update = self.pending.popleft()
                self.consumed.append(update)
                async with http.post(
                    self.webhook["url"],
                    data=json.dumps({"ok": True, "result": update}),
                    headers={"X-Bot-Api-Secret-Token": header, "Content-Type": "application/json"},
                ) as response:
                    statuses.append(response.status)
        return statuses


def _error(code: int, description: str, http_status: int) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description}
    return web.json_response(body, status=http_status)
