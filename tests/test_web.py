"""The public progress page and its JSON, served by aiohttp on 127.0.0.1; the page is also
loaded in headless Chromium on a phone-sized screen, as a person would see it."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.web import PublicPage, build_web_app
from models import Unit
from services.progress import parse_period
from services.register import unit_by_code
from tests.conftest import IN_CI, NOW, World, t
from tests.test_progress import seed

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture
async def site(world: World) -> AsyncIterator[str]:
    """The page over the test's database on a free port of 127.0.0.1; its base URL."""
    await seed(world)  # LC-TP: 40 admitted, 2 lost, target 100; LC-TD: 5 of 40
    page = PublicPage(world.session_factory, world.settings, clock=lambda: NOW)
    runner = web.AppRunner(build_web_app(page), access_log=None)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


async def fetch(url: str) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status, dict(response.headers), await response.text()


def pace() -> float:
    year = parse_period("2026")
    assert year is not None
    return year.elapsed(NOW.date())


async def test_the_json_for_the_federations_site(site: str, world: World) -> None:
    status, headers, body = await fetch(f"{site}/progress.json")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    import json

    data = json.loads(body)
    assert data["period"] == {"label": "2026", "start": "2026-01-01", "end": "2026-12-31"}
    assert data["week"] == {"iso": "2026-W47", "start": "2026-11-16", "end": "2026-11-22"}
    assert data["pace_percent"] == round(pace() * 100, 1)
    units = {unit["code"]: unit for unit in data["units"]}
    tp = units["LC-TP"]
    assert tp["members"] == {
        "admitted": 40,
        "lost": 2,
        "net": 38,
        "target": 100,
        "percent": 40.0,
        "expected": round(100 * pace(), 1),
        "behind": True,
        "change_percent": 100.0,
    }
    assert (tp["unions"]["founded"], tp["unions"]["target"], tp["target_source"]) == (1, 10, "set")
    assert data["total"]["code"] == "LC" and data["total"]["members"]["admitted"] == 45
    # Counts only: not one member's number or name.
    assert "T-0" not in body and "number" not in body
    status, _, body = await fetch(f"{site}/progress.json?period=2025-Q4")
    assert status == 200 and json.loads(body)["units"][0]["members"]["admitted"] == 0
    status, _, body = await fetch(f"{site}/progress.json?period=soon")
    assert status == 400 and json.loads(body) == {"error": t("web-bad-period")}


async def test_the_page_escapes_and_speaks_both_languages(site: str, world: World) -> None:
    async with world.session_factory.begin() as session:
        unit = await unit_by_code(session, "LC-TD")
        assert unit is not None
        unit.name = '<script>alert("x")</script> & Co'
    status, headers, page = await fetch(f"{site}/")
    assert status == 200 and "script-src" not in headers["Content-Security-Policy"]
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert t("web-heading", root="LĐLĐ tỉnh Lai Châu") in page and '<html lang="vi">' in page
    assert 'href="?lang=en"' in page
    _, _, english = await fetch(f"{site}/?lang=en&period=2026-H2")
    assert t("web-heading", "en", root="LĐLĐ tỉnh Lai Châu") in english
    assert '<html lang="en">' in english and 'href="?period=2026-H2&amp;lang=vi"' in english
    status, _, bad = await fetch(f"{site}/?period=<b>")
    assert status == 400 and t("web-bad-period") in bad and "<b>" not in bad


# ---- in a browser ---------------------------------------------------------------------------


def chrome() -> Any:
    """Headless Debian Chromium as a 390×844 phone; nothing is downloaded."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()) or shutil.which("chromium") is None:
        reason = "headless Chromium is not installed (apt-get install chromium chromium-driver)"
        if IN_CI:
            pytest.fail(f"{reason}; .ci/run installs it")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=vi"):
        options.add_argument(argument)
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2.0}}
    )
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def what_a_person_sees(url: str) -> dict[str, Any]:
    """Load the page, read it as shown, follow the language link and read it again."""
    from selenium.webdriver.common.by import By

    driver = chrome()
    try:
        driver.get(url)
        seen: dict[str, Any] = {"vi": read(driver)}
        driver.find_element(By.CSS_SELECTOR, "nav.lang a").click()
        seen["en"] = read(driver)
        return seen
    finally:
        driver.quit()


def read(driver: Any) -> dict[str, Any]:
    from selenium.webdriver.common.by import By

    rows = {}
    for row in driver.find_elements(By.CSS_SELECTOR, "tbody tr"):
        cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        rows[cells[0].splitlines()[0]] = cells
    bars = {}
    for bar in driver.find_elements(By.CSS_SELECTOR, ".bar"):
        name = bar.find_element(By.CLASS_NAME, "name").text
        tracks = bar.find_elements(By.CLASS_NAME, "track")
        if not tracks:
            bars[name] = None
            continue
        track = tracks[0].rect
        fill = bar.find_element(By.CLASS_NAME, "fill").rect
        line = bar.find_element(By.CLASS_NAME, "pace").rect
        bars[name] = (fill["width"] / track["width"], (line["x"] - track["x"]) / track["width"])
    return {
        "lang": driver.find_element(By.TAG_NAME, "html").get_attribute("lang"),
        "heading": driver.find_element(By.TAG_NAME, "h1").text,
        "rows": rows,
        "bars": bars,
        "text": driver.find_element(By.TAG_NAME, "body").text,
        "labels": driver.execute_script(
            "return [...document.querySelectorAll('tbody tr:first-child td[data-label]')]"
            ".map(td => getComputedStyle(td, '::before').content)"
        ),
        "width": driver.execute_script("return window.innerWidth"),
        "scroll_width": driver.execute_script("return document.documentElement.scrollWidth"),
    }


async def test_a_phone_shows_the_table_the_chart_and_both_languages(
    site: str, world: World
) -> None:
    async with world.session_factory() as session:
        lc = await unit_by_code(session, "LC")
        assert lc is not None
        below = select(Unit.name).where(Unit.parent_id == lc.id).order_by(Unit.id)
        names = list(await session.scalars(below))
    seen = await asyncio.to_thread(what_a_person_sees, f"{site}/")
    vi, en = seen["vi"], seen["en"]
    assert vi["lang"] == "vi" and vi["heading"] == t("web-heading", root="LĐLĐ tỉnh Lai Châu")
    assert vi["width"] == 390 and vi["scroll_width"] <= vi["width"]  # no sideways scrolling
    assert list(vi["rows"]) == names  # every unit of the province, in order
    tp = vi["rows"]["LĐLĐ thành phố Lai Châu"]
    assert tp[1:6] == ["40", "2", "38", "100", "40,0 %"]
    # On a phone each figure is a line of its own, with its column's name before it.
    assert vi["labels"][:2] == ['"Kết nạp"', '"Giảm"']
    assert t("web-behind") in tp[0]
    assert t("web-chart-title") in vi["text"] and "Tuần 47" in vi["text"]
    fill, line = vi["bars"]["LĐLĐ thành phố Lai Châu"]
    assert fill == pytest.approx(0.40, abs=0.01) and line == pytest.approx(pace(), abs=0.01)
    assert vi["bars"]["LĐLĐ huyện Tam Đường"][0] == pytest.approx(5 / 40, abs=0.01)
    assert en["lang"] == "en" and en["heading"] == t("web-heading", "en", root="LĐLĐ tỉnh Lai Châu")
    assert en["rows"]["LĐLĐ thành phố Lai Châu"][5] == "40.0 %"
    assert en["labels"][:2] == ['"Admitted"', '"Lost"']
    assert en["scroll_width"] <= en["width"]


def test_the_web_command_stops_with_one_line(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from bot.cli import main
    from tests.conftest import sqlite_url

    monkeypatch.setenv("DATABASE_URL", sqlite_url(db_path))
    assert main(["web", "--unit", "NOPE"]) == 1
    assert capsys.readouterr().err == "no unit with code NOPE; doanvien units lists them\n"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            main(["web", "--host", "127.0.0.1", "--port", str(port)])
    assert str(stopped.value.code).startswith(f"Web error: cannot listen on 127.0.0.1:{port} (")
    assert "\n" not in str(stopped.value.code)


async def test_run_serves_the_page_beside_polling(db_path: Path) -> None:
    """`doanvien run --web`: the bot polls a Bot API server and the page answers meanwhile."""
    from bot.runner import run_polling
    from bot.settings import Settings
    from bot.web import PublicWeb
    from tests.botapi_server import BotAPIServer
    from tests.conftest import sqlite_url

    api = BotAPIServer(token="246810:WEB-TOKEN", bot_username="doanvien_bot")
    await api.start()
    with socket.socket() as probe:  # a free port for the page
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        bot_token="246810:WEB-TOKEN",  # type: ignore[arg-type]
        telegram_api_url=api.base_url,
        database_url=sqlite_url(db_path),
        _env_file=None,  # type: ignore[call-arg]
    )
    running = asyncio.create_task(run_polling(settings, page=PublicWeb("127.0.0.1", port)))
    try:
        await api.wait_polling(timeout=60)
        status, _, body = await fetch(f"http://127.0.0.1:{port}/")
        assert status == 200 and t("web-heading", root="LĐLĐ tỉnh Lai Châu") in body
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await api.stop()
    with pytest.raises(aiohttp.ClientConnectionError):  # stopped with the bot
        await fetch(f"http://127.0.0.1:{port}/health")


async def test_a_unit_s_own_page_within_the_site_s_unit(site: str, world: World) -> None:
    _, _, page = await fetch(f"{site}/")
    assert '<a href="?unit=LC-TP&amp;lang=vi">LĐLĐ thành phố Lai Châu</a>' in page
    status, _, district = await fetch(f"{site}/?unit=LC-TP")
    assert status == 200 and t("web-heading", root="LĐLĐ thành phố Lai Châu") in district
    assert t("web-back") in district and 'href="?unit=LC-TP&amp;lang=en"' in district
    status, _, body = await fetch(f"{site}/progress.json?unit=LC-TP&period=2026-H1")
    assert status == 200 and '"code": "LC-TP"' in body
    status, _, missing = await fetch(f"{site}/?unit=NOPE")
    assert status == 404 and t("web-unknown-unit") in missing
    # A site about LC-TP shows nothing outside it.
    page_tp = PublicPage(world.session_factory, world.settings, "LC-TP", clock=lambda: NOW)
    year = parse_period("2026")
    assert year is not None
    assert await page_tp.snapshot(year, "LC-TD") is None
    inside = await page_tp.snapshot(year)
    assert inside is not None and inside.total is not None and inside.total.unit.code == "LC-TP"
