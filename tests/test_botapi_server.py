"""Proves tests/botapi_server.py speaks the Bot API well enough for the real aiogram client."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    TelegramObject,
    Update,
)

from tests.botapi_server import TINY_PNG, BotAPIServer

pytestmark = pytest.mark.asyncio

TOKEN = "123456:TEST"


@pytest_asyncio.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    api = BotAPIServer(token=TOKEN)
    await api.start()
    yield api
    await api.stop()
    assert api.internal_errors == []


def make_bot(server: BotAPIServer, token: str = TOKEN, **kwargs: Any) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    return Bot(token, session=session, **kwargs)


@pytest_asyncio.fixture
async def bot(server: BotAPIServer) -> AsyncIterator[Bot]:
    client = make_bot(server)
    yield client
    await client.session.close()


async def raw_call(
    server: BotAPIServer, method: str, token: str = TOKEN, **params: Any
) -> tuple[int, dict[str, Any]]:
    """Call the API with a JSON body, the way curl-style clients do."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.base_url}/bot{token}/{method}", json=params) as response,
    ):
        return response.status, json.loads(await response.text())


@contextlib.asynccontextmanager
async def polling(dispatcher: Dispatcher, bot: Bot, server: BotAPIServer) -> AsyncIterator[None]:
    task = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    try:
        await server.wait_polling(timeout=3)
        yield
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(task, 3)


async def test_aiogram_client_methods(server: BotAPIServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "test_bot")

    user = server.user(user_id=1001, first_name="Lan", language_code="vi")
    # Telegram refuses to start a conversation with a user who never wrote to the bot.
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(user.id, "hello")
    await user.send_text("/start")

    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Đăng ký", callback_data="join")],
            [InlineKeyboardButton(text="Website", url="https://example.org")],
        ]
    )
    sent = await bot.send_message(user.id, "Xin chào", reply_markup=keyboard)
    assert sent.text == "Xin chào"
    assert sent.chat.id == user.id and sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.id == me.id
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump() == keyboard.model_dump()
    assert sent.message_id == 2  # the user's /start was message 1 in this chat

    seen = await user.wait_message(timeout=1)
    assert seen.text == "Xin chào" and not seen.edited
    assert seen.inline_buttons == [("Đăng ký", "join"), ("Website", None)]

    edited = await bot.edit_message_text(
        "Xin chào lần nữa", chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard
    )
    assert isinstance(edited, Message) and edited.edit_date is not None
    seen_edit = await user.wait_message(timeout=1)
    assert seen_edit.edited and seen_edit.message_id == sent.message_id
    assert seen_edit.text == "Xin chào lần nữa"

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Xin chào lần nữa", chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=999)

    click = await user.click(seen, "Đăng")
    query_id = click["callback_query"]["id"]
    assert click["callback_query"]["data"] == "join"
    assert await bot.answer_callback_query(query_id, text="Đã nhận")
    answer = await user.wait_callback_answered(click, timeout=1)
    assert answer["text"] == "Đã nhận"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(AssertionError, match="available buttons"):
        await user.click(seen, "Không có")

    # Editing text without reply_markup drops the inline keyboard, like Telegram does.
    await bot.edit_message_text("Đã đăng ký", chat_id=user.id, message_id=sent.message_id)
    assert (await user.wait_message(timeout=1)).inline_buttons == []
    await bot.edit_message_reply_markup(
        chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard
    )
    assert (await user.wait_message(timeout=1)).inline_buttons[0] == ("Đăng ký", "join")

    photo = await bot.send_photo(user.id, BufferedInputFile(TINY_PNG, "qr.png"), caption="QR")
    assert photo.photo is not None and photo.photo[-1].file_size == len(TINY_PNG)
    document = await bot.send_document(
        user.id, BufferedInputFile(b"a,b\n1,2\n", "members.csv"), caption="Danh sách"
    )
    assert document.document is not None and document.document.file_name == "members.csv"
    seen_photo = await user.wait_message(timeout=1)
    seen_document = await user.wait_message(timeout=1)
    assert seen_photo.kind == "photo" and seen_photo.file is not None
    assert seen_photo.file.size == len(TINY_PNG) and seen_photo.caption == "QR"
    assert seen_document.file is not None and seen_document.file.data == b"a,b\n1,2\n"
    resent = await bot.send_photo(user.id, photo.photo[-1].file_id)
    assert resent.photo is not None
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(user.id, BufferedInputFile(b"not an image", "x.png"))

    downloaded = await bot.download(document.document.file_id)
    assert downloaded is not None and downloaded.read() == b"a,b\n1,2\n"

    assert await bot.delete_message(user.id, sent.message_id)
    assert sent.message_id in user.deleted_message_ids
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)

    commands = [BotCommand(command="start", description="Bắt đầu")]
    assert await bot.set_my_commands(commands)
    assert [item.model_dump() for item in await bot.get_my_commands()] == [
        item.model_dump() for item in commands
    ]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])

    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            user.id,
            "x",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="đ" * 33)]]
            ),
        )
    methods = [request.method for request in server.requests]
    assert methods[:2] == ["getMe", "sendMessage"]
    assert server.calls("sendMessage")[1]["reply_markup"] == keyboard.model_dump(exclude_none=True)


async def test_parse_mode_and_reply_keyboard(server: BotAPIServer) -> None:
    client = make_bot(server, default=DefaultBotProperties(parse_mode="HTML"))
    try:
        user = server.user(user_id=1002, first_name="Minh", phone_number="+84912345678")
        await user.send_text("/start")
        message = await client.send_message(user.id, "  <b>Chào</b> Minh &amp; bạn  ")
        assert message.text == "Chào Minh & bạn"
        assert message.entities is not None and message.entities[0].type == "bold"
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await client.send_message(user.id, "Tên: <Minh>")

        markup = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="📱 Chia sẻ số", request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        sent = await client.send_message(user.id, "Gửi số điện thoại", reply_markup=markup)
        # Telegram only echoes inline keyboards in the Message object.
        assert sent.reply_markup is None
        await user.wait_message(timeout=1)
        prompt = await user.wait_message(timeout=1)
        assert prompt.reply_buttons == ["📱 Chia sẻ số"]
        update = await user.press_reply_button(prompt, "Chia sẻ")
        contact = update["message"]["contact"]
        assert contact == {
            "phone_number": "+84912345678",
            "first_name": "Minh",
            "user_id": 1002,
        }
        parsed = Update.model_validate(update)
        assert parsed.message is not None and parsed.message.contact is not None
    finally:
        await client.session.close()


async def test_polling_echo_and_callback(server: BotAPIServer, bot: Bot) -> None:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Tiếp", callback_data="next")]]
        )
        await message.answer(f"echo: {message.text}", reply_markup=keyboard)

    @router.callback_query(F.data == "next")
    async def on_next(callback: CallbackQuery) -> None:
        await callback.answer("ok")
        assert isinstance(callback.message, Message)
        await callback.message.edit_text("done")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    user = server.user(user_id=1003, first_name="Hoa")
    async with polling(dispatcher, bot, server):
        await user.send_text("xin chào")
        reply = await user.wait_message(timeout=3)
        assert reply.text == "echo: xin chào"
        await user.send_text("lần hai")
        second = await user.wait_message(timeout=3)
        assert second.text == "echo: lần hai"

        # A button on an older message can still be pressed.
        await user.click(reply, "Tiếp")
        assert (await user.wait_callback_answered(timeout=3))["text"] == "ok"
        edited = await user.wait_message(timeout=3)
        assert edited.edited and edited.message_id == reply.message_id
        assert edited.text == "done"
        await server.wait_idle(timeout=3)
    get_updates = server.calls("getUpdates")
    assert set(get_updates[-1]["allowed_updates"]) == {
        "message",
        "callback_query",
    }


async def test_redelivery_hands_out_same_update_twice(server: BotAPIServer, bot: Bot) -> None:
    seen: list[int] = []
    dispatcher = Dispatcher()

    async def record(
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        seen.append(event.update_id)
        return await handler(event, data)

    dispatcher.update.outer_middleware(record)

    @dispatcher.message()
    async def reply(message: Message) -> None:
        await message.answer("got it")

    server.delivery_multiplier = 2
    user = server.user(user_id=1004, first_name="Tuấn")
    async with polling(dispatcher, bot, server):
        update = await user.send_text("hi")
        await server.wait_idle(timeout=3)
        # A non-idempotent handler answers twice: exactly what the e2e tests should catch.
        assert (await user.wait_message(timeout=2)).text == "got it"
        assert (await user.wait_message(timeout=2)).text == "got it"
    assert seen == [update["update_id"], update["update_id"]]
    assert server.delivery_log == seen


async def test_long_poll_returns_early(server: BotAPIServer) -> None:
    user = server.user(user_id=1005)
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(raw_call(server, "getUpdates", timeout=5))
    await server.wait_polling(timeout=1)
    update = await user.send_text("ping")
    status, body = await asyncio.wait_for(poll, 2)
    assert status == 200 and body["ok"] is True
    assert [item["update_id"] for item in body["result"]] == [update["update_id"]]
    assert loop.time() - started < 1.5

    # With nothing queued the poll waits out its timeout and returns an empty list.
    started = loop.time()
    status, body = await raw_call(server, "getUpdates", offset=update["update_id"] + 1, timeout=0.2)
    assert body == {"ok": True, "result": []}
    assert loop.time() - started >= 0.15


async def test_offset_confirmation(server: BotAPIServer) -> None:
    user = server.user(user_id=1006)
    ids = [(await user.send_text(f"m{index}"))["update_id"] for index in range(3)]

    async def fetch(**params: Any) -> list[int]:
        status, body = await raw_call(server, "getUpdates", **params)
        assert status == 200, body
        return [update["update_id"] for update in body["result"]]

    assert await fetch() == ids
    assert await fetch() == ids  # not confirmed yet, so handed out again
    assert await fetch(limit=1) == ids[:1]
    assert await fetch(offset=ids[1]) == ids[1:]  # confirms ids[0]
    assert await fetch() == ids[1:]
    assert await fetch(offset=ids[2] + 1) == []
    assert server.pending_updates == []

    newer = [(await user.send_text(f"n{index}"))["update_id"] for index in range(3)]
    assert await fetch(offset=-1) == newer[-1:]  # negative offset forgets older updates


async def test_wire_errors_and_encodings(server: BotAPIServer) -> None:
    status, body = await raw_call(server, "getMe", token="123456:WRONG")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = await raw_call(server, "noSuchMethod")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = await raw_call(server, "GETME")  # method names are case-insensitive
    assert status == 200 and body["result"]["id"] == 123456

    user = server.user(user_id=1007)
    await user.send_text("/start")
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with aiohttp.ClientSession() as session:
        url = f"{server.base_url}/bot{TOKEN}/sendMessage"
        form = {"chat_id": "1007", "text": "form", "reply_markup": json.dumps(markup)}
        async with session.post(url, data=form) as response:
            body = await response.json()
    assert body["ok"] is True and body["result"]["reply_markup"] == markup
    status, body = await raw_call(server, "sendMessage", chat_id=1007, text="")
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = await raw_call(server, "sendMessage", chat_id=42, text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")

    wrong = make_bot(server, token="123456:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await wrong.get_me()
    finally:
        await wrong.session.close()


async def test_conflict_blocked_user_and_injected_errors(server: BotAPIServer, bot: Bot) -> None:
    first = asyncio.create_task(raw_call(server, "getUpdates", timeout=5))
    await server.wait_polling(timeout=1)
    second = asyncio.create_task(raw_call(server, "getUpdates", timeout=0.1))
    status, body = await asyncio.wait_for(first, 2)
    assert status == 409 and body["description"].startswith("Conflict: terminated by other")
    await second

    user = server.user(user_id=1008)
    await user.send_text("/start")
    await user.block()
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(user.id, "x")
    await user.unblock()
    server.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(user.id, "x")
    assert caught.value.retry_after == 3
    assert (await bot.send_message(user.id, "x")).text == "x"


async def test_stop_releases_long_poll() -> None:
    api = BotAPIServer(token=TOKEN)
    await api.start()
    poll = asyncio.create_task(raw_call(api, "getUpdates", timeout=30))
    await api.wait_polling(timeout=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(api.stop(), 2)
    status, body = await asyncio.wait_for(poll, 1)
    assert (status, body) == (200, {"ok": True, "result": []})
    assert loop.time() - started < 1
