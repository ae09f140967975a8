"""The bot on Zalo: the same journeys through the fake Zalo Bot API, on the wire."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import BufferedInputFile
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.logs import FLOORS, configure_logging, redact
from bot.runner import Webhook, run_polling
from bot.settings import Settings, SettingsError, load_settings
from bot.zalo.api import ZaloApi, ZaloError
from bot.zalo.channel import add_file_route, build_app, poll
from bot.zalo.runner import serve_zalo
from bot.zalo.session import TEXT_MAX, plain, split
from models import Application, ChatLink, Enterprise, Lead, Member, Person, ProcessedUpdate, Role
from models.db import create_engine, create_session_factory
from services.access import grant_role
from services.register import unit_by_code
from tests.botapi_server import BotAPIServer
from tests.conftest import World, dispose, sqlite_url, t
from tests.journeys import complete_join
from tests.test_review import officer
from tests.zalo_server import ZaloServer
from tests.zalo_user import ZaloWorld, close_zalo_world, open_zalo_world


@pytest.fixture
async def zalo(db_path: Path) -> AsyncIterator[ZaloWorld]:
    world, engine = await open_zalo_world(db_path)
    yield world
    await close_zalo_world(world, engine)


async def give_zalo_role(zalo: ZaloWorld, zalo_id: str, role: str, unit_code: str) -> None:
    person_id = await zalo.person_id(zalo_id)
    async with zalo.channel.chats.session_factory() as session:
        person = await session.get(Person, person_id)
        unit = await unit_by_code(session, unit_code)
        assert person is not None and unit is not None
        await grant_role(session, person, role, unit)
        await session.commit()


async def count(zalo: ZaloWorld, model: type) -> int:
    async with zalo.channel.chats.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_worker_joins_entirely_on_zalo(zalo: ZaloWorld) -> None:
    worker = zalo.user("f00dcafe01", "Lan")
    await complete_join(worker)
    async with zalo.channel.chats.session_factory() as session:
        [application] = list(await session.scalars(select(Application)))
        person = await session.get(Person, application.person_id)
    assert person is not None and person.channel == "zalo"
    assert application.reference is not None and application.reference in worker.last.text
    # The phone step asked for the number typed, and took it.
    asked = next(m.shown for m in worker.inbox if t("join-ask-phone") in m.shown)
    assert t("zalo-type-phone") in asked and t("join-share-phone") not in asked
    assert application.phone == "+84912345678"
    # Menus are numbered lines; nothing carries HTML.
    assert f"1. {t('menu-join')}" in worker.last.shown
    assert not any("<b>" in m.shown or "&amp;" in m.shown for m in worker.inbox)


async def test_an_officer_approves_on_zalo_and_the_worker_hears_it_there(zalo: ZaloWorld) -> None:
    worker = zalo.user("a1", "Lan")
    await complete_join(worker)
    await give_zalo_role(zalo, "b2", Role.OFFICER, "LC-TP")
    officer = zalo.user("b2", "Bình")
    await officer.send("/review")
    await officer.click(t("review-approve"))
    async with zalo.channel.chats.session_factory() as session:
        [member] = list(await session.scalars(select(Member)))
    assert t("review-approved", name="Nguyễn Thị Lan", number=member.number) in officer.last.text
    told = "\n".join(m.text for m in worker.inbox[-3:])
    assert member.number in told
    # No public URL is configured: the card is described, not sent as an image.
    assert t("worker-card-caption", number=member.number) in told
    assert t("zalo-no-image") in told
    assert not any(m.photo for m in zalo.server.sent)


async def test_a_collaborator_reports_a_lead_on_zalo_typing_counts(zalo: ZaloWorld) -> None:
    await give_zalo_role(zalo, "c3", Role.COLLABORATOR, "LC-TP-W03")
    user = zalo.user("c3", "Hoa")
    await user.send("/lead")
    await user.click(t("lead-tax-code-unknown"))
    await user.send("Công ty TNHH Gạch Men Phong Thổ")
    await user.send("Số 5 đường 19/5")
    assert t("lead-ask-workers") in user.last.text
    # "2" is two workers here, not the second line of the menu (Cancel).
    await user.send("2")
    assert t("form-cancel-confirm") not in user.last.text
    await user.click(t("lead-yes"))  # pays the union fee
    await user.click(t("lead-no"))
    await user.click(t("lead-no"))
    await user.send("6")
    await user.click(t("lead-skip"))
    await user.click(t("lead-skip"))
    async with zalo.channel.chats.session_factory() as session:
        [lead] = list(await session.scalars(select(Lead)))
        enterprise = await session.get(Enterprise, lead.enterprise_id)
    assert enterprise is not None and (enterprise.employees, enterprise.pays_union_fee) == (2, True)
    assert lead.ref in user.last.text


async def test_a_number_that_fits_no_choice_gets_a_hint_and_the_menu_again(
    zalo: ZaloWorld,
) -> None:
    user = zalo.user("d4")
    await user.send("/start")
    menu = user.last.shown.partition("\n\n")[2]
    [again] = await user.send("9")
    assert again.shown == t("zalo-no-such-choice", number=9, last=6) + "\n\n" + menu
    await user.send(t("menu-why").upper())  # a label, in capitals, answers too
    assert t("why-topic-benefits") in user.last.shown


async def test_images_and_stickers_are_refused_politely(zalo: ZaloWorld) -> None:
    user = zalo.user("e5")
    await user.send("/join")
    await user.click(t("join-consent-agree"))
    await user.send_image()
    assert t("join-text-only") in user.last.text
    await user.send_sticker()
    assert t("join-text-only") in user.last.text
    zalo.server.unsupported("e5")
    await zalo.step()
    assert t("join-text-only") in zalo.server.texts("e5")[-1]
    # Groups, and events without a message, get nothing.
    sent = len(zalo.server.sent)
    zalo.server.text("grp1", "/start", chat_type="GROUP")
    await zalo.step()
    await zalo.channel.handle({"event_name": "message.unsupported.received"})
    assert len(zalo.server.sent) == sent


async def test_polling_handles_replays_once_and_idles_on_408(zalo: ZaloWorld) -> None:
    zalo.server.poll_cap = 0.05
    zalo.server.text("f6", "/start")
    zalo.server.text("f6", "/why")
    stop = asyncio.Event()
    task = asyncio.create_task(poll(zalo.channel, stop, wait=1))
    await _until(lambda: len(zalo.server.sent) >= 2)
    zalo.server.replay(2)  # Zalo hands both out again
    await _until(lambda: not zalo.server.pending)
    await asyncio.sleep(0.3)  # several idle polls (408) meanwhile
    stop.set()
    await task
    assert len(zalo.server.texts("f6")) == 2
    assert await count(zalo, ProcessedUpdate) == 2
    idle = [c for c in zalo.server.calls if c[0] == "getUpdates"]
    assert len(idle) > 5


async def test_after_a_restart_replays_do_nothing_and_the_menu_still_answers(
    db_path: Path,
) -> None:
    world, engine = await open_zalo_world(db_path)
    world.user("g7")
    await world.users["g7"].send("/start")
    await close_zalo_world(world, engine)
    restarted, engine2 = await open_zalo_world(db_path)
    restarted.server.pending.extend(world.server.consumed)
    user = restarted.user("g7")
    await restarted.step()
    assert restarted.server.sent == []
    # The menu shown before the restart is in the database: "2" still means its second line.
    await user.send("2")
    assert t("why-topic-benefits") in user.last.shown
    await close_zalo_world(restarted, engine2)


async def test_webhook_refuses_a_wrong_secret_and_handles_the_right_one(zalo: ZaloWorld) -> None:
    app = build_app(zalo.channel, "s3cret-token-xyz", "/zalo")
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        zalo.server.webhook = {"url": str(client.make_url("/zalo")), "secret_token": "wrong-one!"}
        zalo.server.text("h8", "/start")
        assert await zalo.server.post_webhook() == [401]
        assert zalo.server.sent == []
        zalo.server.webhook["secret_token"] = "s3cret-token-xyz"
        zalo.server.text("h8", "/start")
        assert await zalo.server.post_webhook() == [200]
        assert t("menu-join") in zalo.server.texts("h8")[-1]
    finally:
        await client.close()


def test_long_texts_are_split_on_line_boundaries() -> None:
    lines = [f"dòng {i:04d} " + "x" * 40 for i in range(120)]
    parts = split("\n".join(lines))
    assert len(parts) > 1 and all(len(p) <= TEXT_MAX for p in parts)
    assert "\n".join(parts).splitlines() == lines  # nothing lost, no line cut
    assert all(len(p) <= TEXT_MAX for p in split("y" * 4500))


async def test_a_long_message_reaches_zalo_in_parts(zalo: ZaloWorld) -> None:
    await zalo.person_id("i9")
    chat = await zalo.channel.chats.arrived("i9")
    text = "\n".join(f"<b>{i}</b> " + "chữ " * 30 for i in range(40))
    await zalo.channel.bot.send_message(chat, text)
    sent = zalo.server.texts("i9")
    assert len(sent) > 1 and all(len(s) <= TEXT_MAX for s in sent)
    assert "<b>" not in "".join(sent)


async def test_errors_with_http_200_and_quota_become_aiogram_errors(zalo: ZaloWorld) -> None:
    chat = await zalo.channel.chats.arrived("j10")
    zalo.server.fail("sendMessage", 400, "text is invalid")  # HTTP 200, ok: false
    with pytest.raises(TelegramBadRequest):
        await zalo.channel.bot.send_message(chat, "xin chào")
    zalo.server.fail("sendMessage", 429, "Quota exceeded", http_status=429)
    with pytest.raises(TelegramRetryAfter):
        await zalo.channel.bot.send_message(chat, "xin chào")
    await zalo.channel.bot.send_message(chat, "xin chào")
    assert zalo.server.texts("j10") == ["xin chào"]


async def _until(condition: object, seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_an_officer_on_telegram_reaches_a_worker_on_zalo(
    zalo: ZaloWorld, world: World
) -> None:
    worker = zalo.user("k11", "Lan")
    await complete_join(worker)
    reviewer = await officer(world, 712)
    await reviewer.send("/review")
    await reviewer.click(t("review-approve"))
    worker_chat = await zalo.channel.chats.arrived("k11")
    # Nothing went to Telegram for the worker: the row waits for the Zalo sender.
    assert all(m.chat_id != worker_chat for m in world.api.sent)
    assert await zalo.channel.outbox.drain(zalo.channel.bot) >= 2
    async with zalo.channel.chats.session_factory() as session:
        [member] = list(await session.scalars(select(Member)))
    told = "\n".join(zalo.server.texts("k11"))
    assert member.number in told and t("zalo-no-image") in told


async def test_a_code_from_my_data_links_a_zalo_chat_to_a_telegram_record(
    zalo: ZaloWorld, world: World
) -> None:
    telegram = world.sim.user(801)
    await complete_join(telegram)
    await telegram.send("/mydata")
    found = re.search(r"/link ([A-Z0-9]{4}-[A-Z0-9]{4})", telegram.last.text)
    assert found is not None
    user = zalo.user("zz1")
    await user.send("/start")
    await user.send(f"/link {found[1].lower()}")
    assert t("link-done") in user.inbox[-1].text
    async with zalo.channel.chats.session_factory() as session:
        [application] = list(await session.scalars(select(Application)))
    await user.send("/status")
    assert application.reference is not None and application.reference in user.last.text
    # The code worked once.
    other = zalo.user("zz2")
    await other.send(f"/link {found[1]}")
    assert t("link-code-unknown") in other.last.text
    # The worker last wrote on Zalo: the officer's decision, taken on Telegram, goes there.
    reviewer = await officer(world, 802)
    await reviewer.send("/review")
    await reviewer.click(t("review-approve"))
    assert await zalo.channel.outbox.drain(zalo.channel.bot) >= 1
    async with zalo.channel.chats.session_factory() as session:
        [member] = list(await session.scalars(select(Member)))
        people = await session.scalar(select(func.count()).select_from(Person))
        zalo_people = list(await session.scalars(select(Person).where(Person.channel == "zalo")))
    assert member.number in "\n".join(zalo.server.texts("zz1"))
    # One record for the worker (the Zalo chat's own empty one went), reached on Zalo.
    assert [p.id for p in zalo_people if p.id == member.person_id] == [member.person_id]
    assert people == 3  # the worker, zz2 and the officer
    await user.send("/mydata")
    assert t("link-linked-chat", channel="Telegram", chat_id="801") in user.last.text


async def test_a_chat_with_records_of_its_own_is_not_linked(zalo: ZaloWorld, world: World) -> None:
    telegram = world.sim.user(811)
    await telegram.send("/mydata")
    found = re.search(r"/link ([A-Z0-9]{4}-[A-Z0-9]{4})", telegram.last.text)
    assert found is not None
    user = zalo.user("zz3")
    await complete_join(user)
    await user.send(f"/link {found[1]}")
    assert t("link-chat-has-records") in user.last.text
    assert await count(zalo, ChatLink) == 0


async def test_with_a_public_url_the_member_card_is_sent_as_an_image(db_path: Path) -> None:
    zalo, engine = await open_zalo_world(db_path, zalo_public_url="http://127.0.0.1:9/x")
    public = zalo.channel.public
    assert public is not None
    app = web.Application()
    add_file_route(app, public)
    files = TestServer(app)
    await files.start_server()
    public.base_url = str(files.make_url("/"))
    try:
        await complete_join(zalo.user("m13"))
        await give_zalo_role(zalo, "n14", Role.OFFICER, "LC-TP")
        officer_on_zalo = zalo.user("n14", "Bình")
        await officer_on_zalo.send("/review")
        await officer_on_zalo.click(t("review-approve"))
        [card] = [m for m in zalo.server.sent if m.photo]
        assert card.chat_id == "m13" and card.photo is not None
        assert card.photo.startswith(public.base_url.rstrip("/") + "/zalo/files/")
        assert card.photo_bytes is not None and card.photo_bytes.startswith(b"\x89PNG")
        assert t("zalo-no-image") not in "\n".join(zalo.server.texts("m13"))
    finally:
        await files.close()
        await close_zalo_world(zalo, engine)


async def test_the_token_stays_out_of_errors_and_logs() -> None:
    token = "1459232241454765289:Xy7-AbCdEfGhIjKlMnOpQrStUv"
    assert token not in redact(f"POST https://bot-api.zaloplatforms.com/bot{token}/getMe")
    api = ZaloApi(token, "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(ZaloError) as refused:
        await api.call("getMe")
    await api.close()
    assert refused.value.code == 0 and token not in str(refused.value)
    assert token not in repr(api)


async def test_doanvien_run_serves_telegram_and_zalo_and_stops_on_sigterm(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.runner.freeze_startup_objects", lambda: None)  # not in pytest
    server, telegram = ZaloServer(poll_cap=0.2), BotAPIServer(token="4242:TELEGRAM-TEST")
    await server.start()
    await telegram.start()
    settings = Settings(  # type: ignore[call-arg]
        database_url=sqlite_url(db_path),
        bot_token=telegram.token,
        telegram_api_url=telegram.base_url,
        zalo_bot_token=server.token,
        zalo_api_url=server.url,
        _env_file=None,
    )
    log = io.StringIO()
    levels = {name: logging.getLogger(name).level for name in (None, *FLOORS)}
    handler = configure_logging("DEBUG", log)
    try:
        running = asyncio.create_task(run_polling(settings))
        server.text("p15", "/start")
        worker = telegram.user(915, "Lan")
        await worker.send_text("/start")
        assert plain(t("start-greeting")) == plain((await worker.wait_message(30)).text or "")
        await _until(lambda: server.texts("p15"), 30)
        os.kill(os.getpid(), signal.SIGTERM)  # run_polling's own handler sets its stop event
        await asyncio.wait_for(running, 30)
    finally:
        logging.getLogger().removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        await server.stop()
        await telegram.stop()
    assert t("menu-join") in server.texts("p15")[0]
    methods = [method for method, _ in server.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    # Not a trace of either token, at DEBUG.
    text = log.getvalue()
    assert "serving Zalo bot" in text and "serving @" in text
    for token in (server.token, telegram.token):
        assert token not in text and token.split(":")[1] not in text


async def test_the_zalo_webhook_mode_registers_a_secret_and_serves_updates(
    zalo: ZaloWorld, db_path: Path, unused_tcp_port: int
) -> None:
    config = Settings(  # type: ignore[call-arg]
        database_url=sqlite_url(db_path),
        zalo_bot_token=zalo.server.token,
        zalo_api_url=zalo.server.url,
        _env_file=None,
    )
    engine = create_engine(config.database_url)
    stop = asyncio.Event()
    url = f"http://127.0.0.1:{unused_tcp_port}/zalo"
    serving = asyncio.create_task(
        serve_zalo(
            config, create_session_factory(engine), stop, Webhook(url, "127.0.0.1", unused_tcp_port)
        )
    )
    try:
        await _until(lambda: zalo.server.webhook is not None)
        assert zalo.server.webhook is not None
        assert 8 <= len(zalo.server.webhook["secret_token"]) <= 256
        zalo.server.text("q16", "/start")
        assert await zalo.server.post_webhook() == [200]
        assert t("menu-join") in zalo.server.texts("q16")[0]
        zalo.server.text("q16", "/start")
        assert await zalo.server.post_webhook(secret="x" * 43) == [401]
        assert len(zalo.server.texts("q16")) == 1
    finally:
        stop.set()
        await serving
        await dispose(engine)


async def test_edits_become_new_messages_and_what_zalo_lacks_does_nothing(
    zalo: ZaloWorld,
) -> None:
    bot = zalo.channel.bot
    chat = await zalo.channel.chats.arrived("r17")
    await bot.send_message(chat, "Đơn <b>DV-2026-000001</b> &amp; thẻ")
    await bot.edit_message_text("Đã <i>duyệt</i>", chat_id=chat, message_id=5)
    assert await bot.edit_message_reply_markup(chat_id=chat, message_id=5) is True
    assert await bot.delete_message(chat, 5) is True
    assert await bot.answer_callback_query("42", text="ok") is True
    assert zalo.server.texts("r17") == ["Đơn DV-2026-000001 & thẻ", "Đã duyệt"]
    assert [m for m, _ in zalo.server.calls] == ["sendMessage", "sendMessage"]


def test_a_malformed_zalo_setting_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZALO_BOT_TOKEN", "no-colon here")
    with pytest.raises(SettingsError) as bad:
        load_settings()
    assert str(bad.value).startswith("Configuration error: ZALO_BOT_TOKEN: must look like")
    monkeypatch.setenv("ZALO_BOT_TOKEN", "1234567890:abc")
    monkeypatch.setenv("ZALO_API_URL", "bot-api.zaloplatforms.com")
    with pytest.raises(SettingsError) as bad:
        load_settings()
    assert (
        str(bad.value) == "Configuration error: ZALO_API_URL: must start with http:// or https://"
    )


async def test_the_fake_zalo_server_speaks_the_wire_format(zalo: ZaloWorld) -> None:
    server = zalo.server
    base = f"{server.url}/bot{server.token}"
    async with ClientSession() as http:
        async with http.get(f"{server.url}/bot1:wrong/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.get(f"{base}/getMe") as response:  # GET works too
            assert (await response.json())["result"]["id"] == server.bot_id
        form = {"chat_id": "s18", "text": "xin chào"}
        async with http.post(f"{base}/sendMessage", data=form) as response:  # a form
            assert (await response.json())["ok"] is True
        async with http.post(
            f"{base}/sendMessage", json={"chat_id": "s18", "text": ""}
        ) as response:
            assert response.status == 200 and (await response.json())["error_code"] == 400
        hook = {"url": "https://bot.example.vn/zalo", "secret_token": "short"}
        async with http.post(f"{base}/setWebhook", json=hook) as response:
            assert (await response.json())["ok"] is False  # a secret of 8-256 characters
        hook["secret_token"] = "long-enough-secret"
        async with http.post(f"{base}/setWebhook", json=hook) as response:
            assert (await response.json())["ok"] is True
        async with http.post(f"{base}/getUpdates", json={"timeout": 1}) as response:
            assert (await response.json())["ok"] is False  # polling excludes the webhook
        async with http.post(f"{base}/deleteWebhook") as response:
            assert (await response.json())["result"]["url"] == ""
    assert server.texts("s18") == ["xin chào"]


async def test_a_file_without_a_public_url_becomes_its_caption_and_a_note(
    zalo: ZaloWorld,
) -> None:
    chat = await zalo.channel.chats.arrived("t19")
    xlsx = BufferedInputFile(b"PK\x03\x04", filename="ho-so.xlsx")
    await zalo.channel.bot.send_document(chat, xlsx, caption="Hồ sơ <b>công nhận</b>")
    assert zalo.server.texts("t19") == [f"Hồ sơ công nhận\n\n{t('zalo-no-file')}"]
