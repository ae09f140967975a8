"""The weekly digest's fan-out: 300 digests (a chart and a text each) through the outbox.

    python benchmarks/fanout.py [--digests 300] [--rate 30]

The rows are enqueued as the weekly job enqueues them (`services.outbox.enqueue`, keys
`digest:<week>:<person>:<part>`, the chart as a real PNG from `services/chart.py`), then the
outbox sender that `doanvien run` uses (`OutboxSender.run`, configured for `--rate` messages a
second) delivers them over HTTP to the loopback Bot API server of the tests, which here enforces
Telegram's limits: at most 30 accepted messages in any second, and one a second per chat,
answering 429 with `retry_after` otherwise. Prints one JSON line: messages_per_s (accepted
messages over the time from the first to the last), cap_per_s, http_429, duplicates, lost.
Goal: messages_per_s >= 90 % of the cap, no 429, no duplicate, nothing lost.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from sqlalchemy import func, select

from bot.outbox import OutboxSender
from models import OutboxMessage, OutboxStatus
from models.db import create_engine, create_session_factory
from models.migrate import upgrade_async
from services import outbox
from services.chart import Bar, chart_png

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' Bot API server
from tests.botapi_server import ApiError, BotAPIServer

TOKEN = "123456:FANOUT"
CAP = 30  # Telegram: about 30 messages a second per bot
PER_CHAT = 1.0  # and one a second per chat
FIRST_CHAT = 7_000_000
GOAL_SHARE = 0.9
Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class LimitedBotAPI(BotAPIServer):
    """The tests' Bot API server, refusing messages over Telegram's limits with 429."""

    def __init__(self, cap: int) -> None:
        super().__init__(TOKEN)
        self.cap = cap
        self.accepted: deque[float] = deque()  # arrival times in the last second
        self.last: dict[str, float] = {}
        self.http_429 = 0
        self.refusals: Counter[str] = Counter()
        self.delivered: list[tuple[str, str, float]] = []  # (chat, marker, time)
        for name in ("sendmessage", "sendphoto"):
            label, handler = self._methods[name]
            self._methods[name] = (label, self._limited(handler))

    def _limited(self, handler: Handler) -> Handler:
        async def limited(params: dict[str, Any]) -> Any:
            now = time.monotonic()
            chat = str(params.get("chat_id"))
            while self.accepted and self.accepted[0] <= now - 1.0:
                self.accepted.popleft()
            over_cap = len(self.accepted) >= self.cap
            if over_cap or now - self.last.get(chat, -9.0) < PER_CHAT:
                self.http_429 += 1
                self.refusals["cap" if over_cap else "chat"] += 1
                raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            self.accepted.append(now)
            self.last[chat] = now
            result = await handler(params)
            marker = str(params.get("caption") or params.get("text") or "").split("\n")[0]
            self.delivered.append((chat, marker, now))
            return result

        return limited


def digest_text(person: int) -> str:
    """A digest of the usual length (about 1,500 characters, three units)."""
    unit = (
        "⚠️ <b>LĐLĐ quận {n}</b> — chậm tiến độ\n"
        "Tuần này +12 · Từ đầu năm 3.410/5.000 (68.2 %) · Tiến độ cần 4.465,8\n"
        "Giảm 85, tăng thực 3.325 · CĐCS: tuần này 1, từ đầu năm 14/20\n"
        "📌 Đơn chờ quá 7 ngày: 4 · Đầu mối cần đôn đốc: 9"
    )
    head = (
        f"<b>📊 Bản tin tuần 2026-W47 #{person}</b> (16/11–22/11/2026)\n"
        "⚠️ 3 đơn vị: tuần này kết nạp 31; từ đầu năm 9.120/14.000 (65.1 %)"
    )
    return "\n\n".join([head, *(unit.format(n=n) for n in range(3))])


async def enqueue(url: str, digests: int) -> None:
    png = chart_png(
        [Bar(f"LĐLĐ quận {n}", 50.0 + 10 * n, n == 0) for n in range(3)],
        89.3,
        "% chỉ tiêu kết nạp đoàn viên — 2026-W47",
        "Tiến độ cần đạt",
    )
    photo = {"base64": base64.b64encode(png).decode(), "name": "week.png"}
    engine = create_engine(url)
    async with create_session_factory(engine).begin() as session:
        for n in range(digests):
            chat, key = FIRST_CHAT + n, f"digest:2026-W47:{n}"
            chart = {"photo": photo, "caption": f"chart #{n}"}
            text = {"text": digest_text(n), "parse_mode": "HTML"}
            await outbox.enqueue(session, "telegram", chat, "sendPhoto", chart, f"{key}:chart")
            await outbox.enqueue(session, "telegram", chat, "sendMessage", text, f"{key}:0")
    await engine.dispose()


async def pending(factory: Any) -> int:
    async with factory() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
        )
    return int(count or 0)


async def run(digests: int, rate: float, folder: Path) -> dict[str, Any]:
    url = f"sqlite+aiosqlite:///{folder / 'fanout.db'}"
    await upgrade_async(url)
    await enqueue(url, digests)
    server = LimitedBotAPI(CAP)
    await server.start()
    for n in range(digests):
        server.user(FIRST_CHAT + n, started=True)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    sender = OutboxSender(factory, rate=rate)
    bot = Bot(
        TOKEN,
        session=AiohttpSession(api=TelegramAPIServer.from_base(server.base_url)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(bot, stop))
    for _ in range(int((4 * digests / rate + 30) / 0.25)):  # give up after four times the plan
        if not await pending(factory):
            break
        await asyncio.sleep(0.25)
    stop.set()
    await task
    await bot.session.close()
    await server.stop()
    await engine.dispose()
    times = [moment for _, _, moment in server.delivered]
    seen = Counter((chat, marker) for chat, marker, _ in server.delivered)
    expected = 2 * digests
    span = max(times) - min(times) if len(times) > 1 else float("nan")
    per_s = (len(times) - 1) / span if span else 0.0
    return {
        "benchmark": "fanout",
        "digests": digests,
        "messages": len(times),
        "rate_configured": rate,
        "messages_per_s": round(per_s, 2),
        "cap_per_s": CAP,
        "share_of_cap": round(per_s / CAP, 3),
        "seconds": round(span, 2),
        "http_429": server.http_429,
        "http_429_by_limit": dict(server.refusals),
        "duplicates": sum(count - 1 for count in seen.values()),
        "lost": expected - len(seen),
        "met": per_s >= GOAL_SHARE * CAP
        and server.http_429 == 0
        and len(seen) == expected == len(times),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--digests", type=int, default=300)
    parser.add_argument("--rate", type=float, default=30.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(run(args.digests, args.rate, Path(folder)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
