"""Workers joining on Zalo: the whole journey over HTTP through the fake Zalo Bot API.

Every message goes into `tests/zalo_server.py` on 127.0.0.1, comes back through `getUpdates`
(one update per answer, as Zalo does) into the real polling loop and Dispatcher, and every reply
goes out through the Zalo session over HTTP (numbered menus stored per chat). One calibration
worker records how many messages each step answers with; then `--workers` workers, `--concurrency`
at a time, run the same journey. Prints ONE JSON line: updates/s, p50/p99 from a message pushed
to its last reply received.

    python benchmarks/zalo_join.py [--workers 60 --concurrency 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/zalo_server.py

from bot.settings import Settings
from bot.zalo.channel import build_zalo, poll
from models.db import create_engine, create_session_factory
from models.migrate import upgrade_async
from services.demo import load_demo
from tests.zalo_server import ZaloServer

# What a worker types, step by step (menus answered by number, as on a phone).
JOURNEY = (
    "/start",
    "1",  # Join
    "1",  # I agree
    "Nguyễn Thị Lan",
    "25/03/1998",
    "2",  # female
    "0912 345 678",
    "001198012345",
    "may lai chau",
    "1",  # the first match
    "Công nhân may",
    "8",  # submit
)


async def _step(server: ZaloServer, chat: str, text: str, replies: int) -> float:
    before = len(server.texts(chat))
    started = time.perf_counter()
    server.text(chat, text)
    await server.wait_texts(chat, before + replies)
    return time.perf_counter() - started


async def _calibrate(server: ZaloServer) -> list[int]:
    counts = []
    for text in JOURNEY:
        before = len(server.texts("calibration"))
        server.text("calibration", text)
        await asyncio.sleep(0.5)
        counts.append(len(server.texts("calibration")) - before)
    if "DV-" not in server.texts("calibration")[-1]:
        raise SystemExit("the calibration worker did not finish the journey")
    return counts


async def run(workers: int, concurrency: int) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="zalo-bench-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    async with create_session_factory(engine).begin() as session:
        await load_demo(session, enterprises=60)
    server = ZaloServer()
    settings = Settings(  # type: ignore[call-arg]
        database_url=url, zalo_bot_token=server.token, zalo_api_url=await server.start()
    )
    channel = build_zalo(settings, create_session_factory(engine))
    stop = asyncio.Event()
    polling = asyncio.create_task(poll(channel, stop, wait=1))
    counts = await _calibrate(server)
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def worker(number: int) -> None:
        async with gate:
            for text, replies in zip(JOURNEY, counts, strict=True):
                latencies.append(await _step(server, f"w{number}", text, replies))

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(workers)))
    elapsed = time.perf_counter() - started
    stop.set()
    await polling
    await channel.bot.session.close()
    await server.stop()
    await engine.dispose()
    latencies.sort()
    return {
        "benchmark": "zalo_join",
        "workers": workers,
        "concurrency": concurrency,
        "updates": len(latencies),
        "updates_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    print(json.dumps(asyncio.run(run(args.workers, args.concurrency))))


if __name__ == "__main__":
    main()
