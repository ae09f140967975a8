"""A small client for the Zalo Bot API: `/bot<TOKEN>/<method>`, JSON in, `{ok, result}` out.

Errors come as `{"ok": false, "error_code", "description"}`, sometimes with HTTP 200, so the body
decides, never the status alone. The token is part of every URL: nothing here logs a URL or
puts one in an exception.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

DEFAULT_URL = "https://bot-api.zaloplatforms.com"
TIMEOUT = 30.0  # seconds a call may take, beyond a long poll's own wait


class ZaloError(Exception):
    """The platform refused a call (`code` is its error_code: 400, 401, 403, 404, 408, 429…),
    or could not be reached (`code` 0)."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description


class ZaloApi:
    def __init__(self, token: str, base_url: str = DEFAULT_URL) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self._http: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # never the token
        return f"ZaloApi({self.base_url!r})"

    async def call(self, method: str, wait: float = 0.0, **params: Any) -> Any:
        """Call `method` with JSON parameters; the result, or ZaloError."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        url = f"{self.base_url}/bot{self._token}/{method}"
        timeout = aiohttp.ClientTimeout(total=TIMEOUT + wait)
        try:
            async with self._http.post(url, json=params, timeout=timeout) as response:
                status, text = response.status, await response.text()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            # The exception's text may quote the URL, and with it the token: its type only.
            raise ZaloError(0, type(exc).__name__) from None
        try:
            body = json.loads(text)
        except ValueError:
            raise ZaloError(status if status >= 400 else 502, "not a JSON answer") from None
        if not isinstance(body, dict) or not body.get("ok"):
            body = body if isinstance(body, dict) else {}
            code = body.get("error_code") or (status if status >= 400 else 500)
            raise ZaloError(int(code), str(body.get("description") or "error"))
        return body.get("result")

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
