"""The public progress page: `doanvien web`, or `doanvien run --web` beside polling or the webhook.

`GET /` is a read-only page of every unit's progress against its target (no personal data): a
table and a bar chart with a line at the expected pace, rendered on the server (no script, no
external asset), Vietnamese by default, `?lang=en` in English, `?period=2026-Q3` for another
period, `?unit=CODE` for a unit below the site's own (its name links there).
`GET /progress.json` serves the same figures for the federation's own site. Every value is
escaped; the figures are computed at most once a minute per period and unit.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from locales import SUPPORTED_LOCALES, fluent_core
from services.progress import Period, UnitProgress, parse_period
from services.public_progress import PublicProgress, as_json, public_progress

logger = logging.getLogger("doanvien.web")
SECURITY_HEADERS = {
    # No script at all; styles inline only; nothing fetched from elsewhere.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
CACHE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class PublicWeb:
    """Where `doanvien run --web` serves the page."""

    host: str = "0.0.0.0"
    port: int = 8081


class PublicPage:
    """The page's handlers over the database; figures cached per period for a minute."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        unit_code: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.unit_code = unit_code
        self.clock = clock or (lambda: datetime.now(settings.tz))
        self._cache: dict[tuple[str, str], tuple[float, PublicProgress | None]] = {}
        self._lock = asyncio.Lock()

    async def snapshot(self, period: Period, unit: str | None = None) -> PublicProgress | None:
        """The figures of the site's unit, or of `unit` below it (None: no such unit)."""
        key = (period.label, unit or "")
        async with self._lock:  # a burst of visitors computes the figures once
            cached = self._cache.get(key)
            if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
                return cached[1]
            async with self.session_factory() as session:
                now = self.clock()
                found = await public_progress(session, period, now, self.unit_code, unit)
            if len(self._cache) > 1000:  # asked for many units and periods: start again
                self._cache.clear()
            self._cache[key] = (time.monotonic(), found)
            return found

    async def _asked(
        self, request: web.Request
    ) -> tuple[Texts, PublicProgress | None, tuple[int, str, str] | None]:
        """The texts, the figures, or what was wrong with the request (status, reason, value)."""
        text = Texts(self._locale(request), self.settings.default_locale)
        period = self._period(request)
        if period is None:
            return text, None, (400, text("web-bad-period"), request.query.get("period", ""))
        unit = request.query.get("unit", "")[:40] or None
        found = await self.snapshot(period, unit)
        if found is None:
            return text, None, (404, text("web-unknown-unit"), unit or "")
        return text, found, None

    def _period(self, request: web.Request) -> Period | None:
        text = request.query.get("period") or str(self.clock().year)
        return parse_period(text[:20])

    def _locale(self, request: web.Request) -> str:
        asked = request.query.get("lang", "")
        return asked if asked in SUPPORTED_LOCALES else self.settings.default_locale

    async def page(self, request: web.Request) -> web.Response:
        text, found, wrong = await self._asked(request)
        if wrong is not None or found is None:
            status, reason, value = wrong or (404, "", "")
            return _html(error_page(text, reason, value), status=status)
        return _html(render_page(found, text))

    async def json(self, request: web.Request) -> web.Response:
        _text, found, wrong = await self._asked(request)
        if wrong is not None or found is None:
            status, reason, _value = wrong or (404, "", "")
            return _json({"error": reason}, status=status)
        return _json(as_json(found))


def _html(body: str, status: int = 200) -> web.Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=60"}
    return web.Response(
        text=body, status=status, content_type="text/html", charset="utf-8", headers=headers
    )


def _json(data: dict[str, Any], status: int = 200) -> web.Response:
    # Any site may read it: the figures are public.
    headers = {
        **SECURITY_HEADERS,
        "Cache-Control": "public, max-age=60",
        "Access-Control-Allow-Origin": "*",
    }
    return web.json_response(data, status=status, headers=headers)


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def build_web_app(page: PublicPage) -> web.Application:
    app = web.Application()
    app.router.add_get("/", page.page)
    app.router.add_get("/progress.json", page.json)
    app.router.add_get("/health", health)
    return app


async def start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Listen on host:port; a port in use stops the start with one line, not a traceback."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        await runner.cleanup()
        raise SystemExit(
            f"Web error: cannot listen on {host}:{port} ({error.strerror or error})"
        ) from None
    logger.info("public progress page on http://%s:%d/", host, port)
    return runner


# ---- rendering ------------------------------------------------------------------------------


class Texts:
    """Fluent texts of one locale, and numbers written the way that language writes them."""

    def __init__(self, locale: str, default_locale: str) -> None:
        self.locale = locale
        self.core = fluent_core(default_locale)

    def __call__(self, key: str, **args: Any) -> str:
        return self.core.get(key, self.locale, **args)

    def number(self, value: float | None, decimals: int = 0) -> str:
        if value is None:
            return "—"
        written = f"{value:,.{decimals}f}"
        if self.locale == "vi":  # 123.636 and 81,2
            written = written.replace(",", " ").replace(".", ",").replace(" ", ".")
        return written

    def day(self, value: date) -> str:
        return value.strftime("%d/%m/%Y")


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
color:#1c2430;background:#f5f6f8}
header,main,footer{max-width:960px;margin:0 auto;padding:12px 16px}
header{background:#b3261e;color:#fff;max-width:none}
header>div{max-width:928px;margin:0 auto}
h1{font-size:1.35rem;margin:.2rem 0 .4rem}
h2{font-size:1.1rem;margin:1rem 0 .5rem}
.meta{margin:0;font-size:.9rem;opacity:.95}
.lang{float:right;margin-left:12px}
.lang a{color:#fff;font-weight:600}
section{background:#fff;border-radius:8px;padding:12px 14px;margin:12px 0;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
.legend{font-size:.85rem;color:#555;margin:0 0 8px}
.bars{list-style:none;margin:0;padding:0}
.bar{margin:0 0 10px}
.bar .name{display:block;font-size:.9rem;overflow-wrap:anywhere}
.row{display:flex;align-items:center;gap:8px}
.track{position:relative;flex:1;height:18px;background:#e8eaee;border-radius:3px}
.fill{position:absolute;left:0;top:0;bottom:0;background:#2e7d32;border-radius:3px}
.behind .fill{background:#e0a100}
.pace{position:absolute;top:-4px;bottom:-4px;border-left:2px dashed #1c2430}
.full{position:absolute;top:0;bottom:0;border-left:1px solid #888}
.value{min-width:4.5em;text-align:right;font-variant-numeric:tabular-nums;font-size:.9rem}
.none{font-size:.85rem;color:#666}
table{width:100%;border-collapse:collapse;font-size:.92rem}
th,td{padding:6px 8px;border-bottom:1px solid #e3e5e9;text-align:right;
font-variant-numeric:tabular-nums}
th:first-child,td:first-child{text-align:left}
thead th{background:#f0f1f4;font-weight:600}
tfoot td{font-weight:700}
.badge{display:inline-block;font-size:.75rem;background:#fff3cd;color:#6b4e00;
border-radius:3px;padding:0 4px;margin-left:4px}
footer{font-size:.85rem;color:#555}
@media (max-width:640px){
table,thead,tbody,tfoot,tr,td{display:block;width:100%}
thead{display:none}
tr{border:1px solid #e3e5e9;border-radius:6px;margin:0 0 10px;padding:4px 8px}
td{display:flex;justify-content:space-between;gap:12px;border:0;padding:3px 0;text-align:right}
td:first-child{font-weight:700;text-align:left}
td[data-label]::before{content:attr(data-label);font-weight:400;color:#555;text-align:left}
}
"""


def render_page(snapshot: PublicProgress, t: Texts) -> str:
    """The whole page; every value that comes from data or a translation is escaped."""
    period = snapshot.period
    query = _query(snapshot)
    other = next(locale for locale in SUPPORTED_LOCALES if locale != t.locale)
    week, monday, sunday = snapshot.week
    root = snapshot.total.unit.name if snapshot.total else ""
    meta = " · ".join(
        [
            t("web-period", period=period.label),
            t("web-week", week=week.split("-W")[1], start=t.day(monday), end=t.day(sunday)),
            t("web-updated", time=snapshot.updated.strftime("%H:%M %d/%m/%Y")),
        ]
    )
    switch = "?" + urlencode({**query, "lang": other})
    json_link = "/progress.json" + ("?" + urlencode(query) if query else "")
    back = "" if snapshot.top else f'<p class="meta"><a href="/">{esc(t("web-back"))}</a></p>'
    if snapshot.total is None:
        content = f"<section><p>{esc(t('web-no-units'))}</p></section>"
    else:
        content = _chart(snapshot, t) + _table(snapshot, t)
    return f"""<!doctype html>
<html lang="{esc(t.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(t("web-title"))}</title>
<link rel="alternate" type="application/json" href="{esc(json_link)}">
<style>{CSS}</style>
</head>
<body>
<header><div>
<nav class="lang"><a href="{esc(switch)}" hreflang="{other}" lang="{other}">{
        esc(t("web-switch"))
    }</a></nav>
<h1>{esc(t("web-heading", root=root))}</h1>
<p class="meta">{esc(meta)}</p>
{back}
</div></header>
<main>
{content}
</main>
<footer><a href="{esc(json_link)}">{esc(t("web-json"))}</a></footer>
</body>
</html>
"""


def error_page(t: Texts, reason: str, value: str) -> str:
    return f"""<!doctype html>
<html lang="{esc(t.locale)}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(t("web-title"))}</title><style>{CSS}</style></head>
<body><main><section><p>{esc(reason)}</p><p><code>{esc(value[:40])}</code></p>
<p><a href="/">{esc(t("web-back"))}</a></p>
</section></main></body></html>
"""


def _chart(snapshot: PublicProgress, t: Texts) -> str:
    """Horizontal bars: each unit's percent of its members' target; a dashed line where an
    even pace would be today, a thin one at 100 % when someone is past it."""
    rows = snapshot.units or ([snapshot.total] if snapshot.total else [])
    top = max([100.0, *(row.members_percent or 0.0 for row in rows)])
    scale = 25 * -(-top // 25)  # up to the next 25 %

    def at(value: float) -> str:
        return f"{min(value, scale) * 100 / scale:.2f}%"

    pace = snapshot.pace_percent
    items = []
    for row in rows:
        name = esc(row.unit.name)
        if row.members_percent is None:
            items.append(
                f'<li class="bar"><span class="name">{name}</span>'
                f'<span class="none">{esc(t("web-no-target"))}</span></li>'
            )
            continue
        value = t.number(row.members_percent, 1) + " %"
        behind = " behind" if row.behind else ""
        full = f'<span class="full" style="left:{at(100)}"></span>' if scale > 100 else ""
        items.append(
            f'<li class="bar{behind}"><span class="name">{name}</span><span class="row">'
            f'<span class="track" role="img" aria-label="{name}: {esc(value)}">'
            f'<span class="fill" style="width:{at(row.members_percent)}"></span>{full}'
            f'<span class="pace" style="left:{at(pace)}"></span></span>'
            f'<span class="value">{esc(value)}</span></span></li>'
        )
    return (
        f'<section class="chart"><h2>{esc(t("web-chart-title"))}</h2>'
        f'<p class="legend">{esc(t("web-chart-pace", percent=t.number(pace, 1)))}</p>'
        f'<ol class="bars">{"".join(items)}</ol></section>'
    )


TABLE_COLUMNS = (
    "web-col-unit",
    "web-col-admitted",
    "web-col-lost",
    "web-col-net",
    "web-col-target",
    "web-col-percent",
    "web-col-expected",
    "web-col-unions",
)


def _query(snapshot: PublicProgress, unit: str | None = None) -> dict[str, str]:
    """The page's own parameters: the period unless it is this year, the unit below the top."""
    period = snapshot.period.label
    query = {"period": period} if period != str(snapshot.updated.year) else {}
    if unit is None and not snapshot.top and snapshot.total is not None:
        unit = snapshot.total.unit.code
    return {**query, "unit": unit} if unit else query


def _cells(snapshot: PublicProgress, row: UnitProgress, t: Texts) -> list[str]:
    figures, goal = row.figures, row.goal
    name = esc(row.unit.name)
    if row.unit.code in snapshot.drill:  # its own units are one click away
        link = "?" + urlencode({**_query(snapshot, row.unit.code), "lang": t.locale})
        name = f'<a href="{esc(link)}">{name}</a>'
    if row.behind:
        name += f'<span class="badge">{esc(t("web-behind"))}</span>'
    unions = f"{t.number(figures.founded)} / {t.number(goal.unions)}"
    percent = t.number(row.members_percent, 1)
    return [
        name,
        esc(t.number(figures.admitted)),
        esc(t.number(figures.lost)),
        esc(t.number(figures.net_members)),
        esc(t.number(goal.members)),
        esc(percent + (" %" if row.members_percent is not None else "")),
        esc(t.number(row.expected_members)),
        esc(unions),
    ]


def _table(snapshot: PublicProgress, t: Texts) -> str:
    labels = [esc(t(key)) for key in TABLE_COLUMNS]

    def line(row: UnitProgress, cls: str = "") -> str:
        cells = _cells(snapshot, row, t)
        tds = [f"<td>{cells[0]}</td>"]
        pairs = zip(labels[1:], cells[1:], strict=True)
        tds += [f'<td data-label="{label}">{cell}</td>' for label, cell in pairs]
        behind = ' class="behind"' if row.behind and not cls else cls
        return f"<tr{behind}>{''.join(tds)}</tr>"

    head = "".join(f'<th scope="col">{label}</th>' for label in labels)
    body = "".join(line(row) for row in snapshot.units)
    total = ' class="total"'
    foot = f"<tfoot>{line(snapshot.total, total)}</tfoot>" if snapshot.total else ""
    return (
        f'<section class="figures"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody>{foot}</table></section>"
    )


# ---- `doanvien web` -------------------------------------------------------------------------


async def run_web(settings: Settings, host: str, port: int, unit_code: str | None) -> int:
    """Serve the page alone until SIGTERM or SIGINT."""
    import signal

    from bot.access_cli import _fail, _NoUnitError, _unit
    from models.db import create_engine, create_session_factory
    from models.migrate import upgrade_async

    if settings.database_url.startswith("sqlite"):
        await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    if unit_code is not None:
        try:
            async with create_session_factory(engine)() as session:
                await _unit(session, unit_code)
        except _NoUnitError as error:
            await engine.dispose()
            return _fail(str(error))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    page = PublicPage(create_session_factory(engine), settings, unit_code)
    runner = await start_site(build_web_app(page), host, port)
    print(f"serving the public progress page on http://{host}:{port}/ (Ctrl+C stops)")
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await engine.dispose()
    return 0
