"""End to end: `doanvien run` as a separate process, long polling tests/botapi_server.py.

The Bot API server runs in the tests' event loop; the bot is a real child process talking
HTTP to it, on its own SQLite file. A simulated worker joins the union the way a person
would in the Telegram app, and the tests check what the worker sees and what the database
holds — also across a SIGKILL, with every update delivered twice, and on SIGTERM.

Starting the bot costs several seconds (imports, migrations), so one server, one database
and one bot process serve the whole module; each test talks as its own worker and checks
only that worker's rows, messages and updates. A test that kills or stops the process
leaves it to the `bot` fixture to start a new one for the next test.
"""

from __future__ import annotations

import asyncio
import html
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from services.demo import tax_code
from tests.botapi_server import BotAPIServer, BotMessage, SimulatedUser
from tests.conftest import sqlite_url, t
from tests.journeys import ANSWERS

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

TOKEN = "246810:E2E-TOKEN"
START_TIMEOUT = 30.0  # imports + migrations take several seconds on a busy 2-core machine
STEP_TIMEOUT = 15.0
COMMANDS = ["start", "join", "status", "ask", "mydata", "why", "language", "help"]
PRIVATE_CHATS = {"type": "all_private_chats"}
# Settings the child process must not inherit from the machine running the tests.
SCRUBBED_ENV = {
    "BOT_TOKEN",
    "TELEGRAM_API_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "DEFAULT_LOCALE",
    "TIMEZONE",
    "LOG_LEVEL",
    "OUTBOX_RATE",
}
WORKPLACE = "Công ty TNHH May Lai Châu"


def plain(key: str, **args: Any) -> str:
    """A Fluent message as the Bot API shows it: HTML tags parsed out, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", t(key, **args))).strip()


def first_line(key: str, **args: Any) -> str:
    return plain(key, **args).splitlines()[0]


def reference_year() -> int:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year


async def until(condition: Callable[[], object], seconds: float, what: str) -> None:
    """Poll a condition no server event announces (the bot's database, a closed socket)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} after {seconds}s")
        await asyncio.sleep(0.05)


# ---- the bot process ----------------------------------------------------------------------


class BotProcess:
    """`python -m bot.cli run` against the tests' Bot API server, restartable on one DB."""

    def __init__(self, server: BotAPIServer, db_path: Path, workdir: Path) -> None:
        self.server = server
        self.db_path = db_path
        self.workdir = workdir  # no .env here, unlike a developer's checkout
        self.stderr_path = workdir / "bot-stderr.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        self._log: IO[bytes] | None = None
        self.env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        self.env.update(
            BOT_TOKEN=server.token,
            TELEGRAM_API_URL=server.base_url,
            DATABASE_URL=sqlite_url(db_path),
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        """Start the process and return once it sits in a getUpdates long poll."""
        assert not self.running, "the bot is already running"
        # A killed predecessor's long poll must be gone, or wait_polling() would see it.
        await until(lambda: not self.server.is_polling, 10, "the old long poll is still open")
        self._log = self.stderr_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=self.env,
            cwd=self.workdir,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=self._log,
        )
        self.starts += 1
        polling = asyncio.ensure_future(self.server.wait_polling(timeout=START_TIMEOUT))
        exited = asyncio.ensure_future(self.proc.wait())
        await asyncio.wait({polling, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            polling.cancel()
            raise AssertionError(
                f"`doanvien run` exited with {self.proc.returncode} before polling:\n"
                + self.stderr()
            )
        exited.cancel()
        try:
            polling.result()
        except AssertionError as error:
            raise AssertionError(f"{error}\nbot stderr:\n{self.stderr()}") from None

    async def signal(self, signum: int, timeout: float = 10) -> int:  # noqa: ASYNC109
        """Send a signal and wait for the exit; returns the exit code."""
        assert self.proc is not None and self.running
        self.proc.send_signal(signum)
        returncode = await asyncio.wait_for(self.proc.wait(), timeout)
        self._close_log()
        return returncode

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit; safe to call at any time."""
        proc = self.proc
        if proc is not None and proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        self._close_log()

    def stderr(self, since: int = 0) -> str:
        if not self.stderr_path.exists():
            return ""
        return self.stderr_path.read_bytes()[since:].decode("utf-8", errors="replace")

    def stderr_size(self) -> int:
        return self.stderr_path.stat().st_size if self.stderr_path.exists() else 0

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server() -> AsyncIterator[BotAPIServer]:
    api = BotAPIServer(token=TOKEN, bot_first_name="Đoàn viên", bot_username="doanvien_bot")
    await api.start()
    try:
        yield api
    finally:
        await api.stop()
    assert api.internal_errors == []


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot_process(
    server: BotAPIServer, template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[BotProcess]:
    """Migrated, with the demo data (60 enterprises): a copy of the session's template."""
    workdir = tmp_path_factory.mktemp("e2e")
    db_path = workdir / "e2e.db"
    shutil.copy(template_db, db_path)
    process = BotProcess(server, db_path, workdir)
    try:
        yield process
    finally:
        await process.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def bot(server: BotAPIServer, bot_process: BotProcess) -> AsyncIterator[BotProcess]:
    """The bot, polling; started (again) if a previous test stopped or killed it."""
    if not bot_process.running:
        await bot_process.start()
    await server.wait_polling(timeout=START_TIMEOUT)
    server.delivery_multiplier = 1
    try:
        yield bot_process
    finally:
        server.delivery_multiplier = 1
        assert server.internal_errors == []


# ---- the database, read from outside the bot --------------------------------------------


def query(db_path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def applications_of(db_path: Path, user_id: int) -> list[tuple[str, str, str]]:
    """(reference, full name, name of the union it went to) of a worker's applications."""
    return [
        (str(reference), str(full_name), str(unit))
        for reference, full_name, unit in query(
            db_path,
            "SELECT a.reference, a.full_name, u.name FROM applications a "
            "JOIN people p ON p.id = a.person_id JOIN units u ON u.id = a.routed_unit_id "
            "WHERE p.chat_id = ? ORDER BY a.id",
            str(user_id),
        )
    ]


def fsm_state(db_path: Path, user_id: int) -> str | None:
    rows = query(db_path, "SELECT state FROM fsm_records WHERE key LIKE ?", f"%:{user_id}:%")
    return rows[0][0] if rows else None


# ---- the worker -----------------------------------------------------------------------------


class Worker:
    """A simulated worker who waits for each answer before acting again, as people do."""

    def __init__(self, server: BotAPIServer, bot: BotProcess, user_id: int) -> None:
        self.server = server
        self.bot = bot
        self.phone = f"+8491{user_id:07d}"
        self.user: SimulatedUser = server.user(
            user_id, "Lan", last_name="Nguyễn", language_code="vi", phone_number=self.phone
        )
        self.update_ids: list[int] = []
        self.clicks: list[dict[str, Any]] = []
        # What earlier tests left in the shared server and log is not this worker's.
        self.api_errors_mark = len(server.api_errors)
        self.stderr_mark = bot.stderr_size()

    async def expect(self, *fragments: str) -> BotMessage:
        """The bot's next message in this chat must contain every fragment."""
        message = await self.user.wait_message(timeout=STEP_TIMEOUT)
        text = message.content or ""
        for fragment in fragments:
            if fragment not in text:
                history = "\n".join(m.describe()[:160] for m in self.user.messages)
                raise AssertionError(
                    f"expected {fragment!r} in {message.describe()}\nthe chat so far:\n{history}"
                )
        return message

    async def say(self, text: str, *expected: str) -> BotMessage:
        self.update_ids.append((await self.user.send_text(text))["update_id"])
        return await self.expect(*expected)

    async def click(self, message: BotMessage, label: str, *expected: str) -> BotMessage:
        update = await self.user.click(message, label)
        self.update_ids.append(update["update_id"])
        self.clicks.append(update)
        # The spinner on the button stops only when the bot answers the callback query.
        await self.user.wait_callback_answered(update, timeout=STEP_TIMEOUT)
        return await self.expect(*expected)

    async def press(self, message: BotMessage, label: str, *expected: str) -> BotMessage:
        """A reply-keyboard button (the share-contact button sends the contact)."""
        update = await self.user.press_reply_button(message, label)
        self.update_ids.append(update["update_id"])
        return await self.expect(*expected)

    def sent_texts(self) -> list[str]:
        """Source text of every sendMessage to this worker's chat."""
        return [
            str(params.get("text", ""))
            for params in self.server.calls("sendMessage")
            if str(params.get("chat_id")) == str(self.user.id)
        ]

    def unanswered_clicks(self) -> list[str]:
        answered = {
            str(params.get("callback_query_id"))
            for params in self.server.calls("answerCallbackQuery")
        }
        return [
            str(update["callback_query"]["data"])
            for update in self.clicks
            if update["callback_query"]["id"] not in answered
        ]

    def assert_no_errors(self) -> None:
        assert self.server.api_errors[self.api_errors_mark :] == []
        stderr = self.bot.stderr(since=self.stderr_mark)
        assert "Traceback" not in stderr and " ERROR " not in stderr, stderr

    def expected_summary(self) -> str:
        return plain(
            "join-summary",
            full_name=ANSWERS["full_name"],
            birth_date=ANSWERS["birth_date"],
            gender=t("gender-female"),
            phone=self.phone,
            citizen_id=ANSWERS["citizen_id"],
            workplace=f"{WORKPLACE} (MST {tax_code(1)})",
            job=ANSWERS["job"],
        )


async def open_join(worker: Worker) -> BotMessage:
    """/start, then the menu's join button; returns the consent question."""
    greeting = await worker.say("/start", plain("start-greeting"))
    assert greeting.text == plain("start-greeting")
    consent = await worker.click(greeting, t("menu-join"), plain("join-ask-consent"))
    assert consent.text == plain("join-ask-consent")
    return consent


async def answer_until_phone(worker: Worker) -> BotMessage:
    """From /start to the phone question: consent, name, birth date, gender."""
    consent = await open_join(worker)
    await worker.click(consent, t("join-consent-agree"), plain("join-ask-full-name"))
    await worker.say(ANSWERS["full_name"], plain("join-ask-birth-date"))
    gender = await worker.say(ANSWERS["birth_date"], plain("join-ask-gender"))
    return await worker.click(gender, t("gender-female"), plain("join-ask-phone"))


async def finish_from_phone(worker: Worker, phone_question: BotMessage) -> BotMessage:
    """Share the phone with the reply button, then the rest; returns the confirmation."""
    share = phone_question.reply_keyboard[0][0]
    assert (share["text"], share.get("request_contact")) == (t("join-share-phone"), True)
    saved = await worker.press(
        phone_question, t("join-share-phone"), plain("join-phone-saved", phone=worker.phone)
    )
    assert saved.removes_reply_keyboard and worker.user.reply_keyboard_buttons == []
    await worker.expect(plain("join-ask-citizen-id"))
    await worker.say(ANSWERS["citizen_id"], plain("join-ask-workplace"))
    results = await worker.say(
        ANSWERS["workplace"], plain("join-workplace-results", query=ANSWERS["workplace"])
    )
    await worker.click(results, WORKPLACE, plain("join-ask-job"))
    # The summary is expected by its text: a worker restarted by a kill may first get the job
    # question again (the send the kill interrupted), which the harness then passes over.
    summary = await worker.say(ANSWERS["job"], worker.expected_summary())
    assert summary.text == worker.expected_summary()
    return await worker.click(
        summary, t("join-submit"), first_line("join-submitted", reference="", unit="")
    )


async def full_join(worker: Worker) -> BotMessage:
    return await finish_from_phone(worker, await answer_until_phone(worker))


async def assert_one_application(worker: Worker, confirmation: BotMessage) -> str:
    """Exactly one application, and the worker was told its reference and union."""
    db_path, user_id = worker.bot.db_path, worker.user.id
    # The bot commits right after its last send: give the transaction a moment to land.
    await until(lambda: applications_of(db_path, user_id), 10, "no application row")
    await worker.server.wait_idle(timeout=STEP_TIMEOUT)
    rows = applications_of(db_path, user_id)
    assert len(rows) == 1, rows
    [(reference, full_name, unit)] = rows
    assert re.fullmatch(rf"DV-{reference_year()}-\d{{6}}", reference), reference
    assert full_name == ANSWERS["full_name"]
    assert confirmation.text == plain("join-submitted", reference=reference, unit=unit)
    return reference


# ---- the tests ------------------------------------------------------------------------------


async def test_full_join_over_the_wire(server: BotAPIServer, bot: BotProcess) -> None:
    worker = Worker(server, bot, 7001)
    confirmation = await full_join(worker)

    reference = await assert_one_application(worker, confirmation)
    assert f"DV-{reference_year()}-" in reference and reference in (confirmation.text or "")
    assert t("menu-join") in [text for text, _ in confirmation.inline_buttons]
    for locale in ("vi", "en"):
        registered = server.commands(PRIVATE_CHATS, locale)
        assert [c["command"] for c in registered] == COMMANDS, locale
        assert [c["description"] for c in registered] == [
            t(f"cmd-{name}", locale) for name in COMMANDS
        ]
    languages = {params.get("language_code") for params in server.calls("setMyCommands")}
    assert {"vi", "en"} <= languages
    assert len(worker.clicks) == 5
    assert worker.unanswered_clicks() == []
    worker.assert_no_errors()


async def test_sigkill_mid_journey_and_restart(server: BotAPIServer, bot: BotProcess) -> None:
    worker = Worker(server, bot, 7002)
    await answer_until_phone(worker)
    # The phone question is on screen; wait until its transaction is committed and every
    # update is confirmed, then kill the process without any chance to clean up.
    await server.wait_idle(timeout=STEP_TIMEOUT)
    await until(
        lambda: fsm_state(bot.db_path, worker.user.id) == "join:phone",
        10,
        "the phone step was not stored",
    )
    assert await bot.signal(signal.SIGKILL) == -signal.SIGKILL

    await bot.start()  # a new `doanvien run` on the same database
    resume = await worker.say("/join", plain("join-resume"))
    assert resume.text == plain("join-resume")
    phone_question = await worker.click(resume, t("join-resume-continue"), plain("join-ask-phone"))
    # finish_from_phone compares the summary: the name and birth date typed before the kill.
    confirmation = await finish_from_phone(worker, phone_question)

    await assert_one_application(worker, confirmation)
    sent = worker.sent_texts()
    for key in ("join-ask-full-name", "join-ask-birth-date", "join-ask-gender"):
        assert sum(t(key) in text for text in sent) == 1, key  # never asked again
    assert worker.unanswered_clicks() == []
    worker.assert_no_errors()


async def test_every_update_delivered_twice(server: BotAPIServer, bot: BotProcess) -> None:
    server.delivery_multiplier = 2
    worker = Worker(server, bot, 7003)
    confirmation = await full_join(worker)
    await assert_one_application(worker, confirmation)
    await worker.user.assert_no_message(within=1.0)

    # The duplicates really reached the bot: every update of the worker, at least twice (an
    # update still being handled is not confirmed, so a poll meanwhile hands it out again).
    deliveries = Counter(i for i in server.delivery_log if i in set(worker.update_ids))
    assert set(deliveries) == set(worker.update_ids) and min(deliveries.values()) >= 2
    sent = worker.sent_texts()
    for key in (
        "start-greeting",
        "join-ask-consent",
        "join-ask-full-name",
        "join-ask-birth-date",
        "join-ask-gender",
        "join-ask-phone",
        "join-ask-citizen-id",
        "join-ask-workplace",
        "join-ask-job",
    ):
        assert sum(t(key) in text for text in sent) == 1, key
    submitted = t("join-submitted", reference="", unit="").splitlines()[0]
    assert sum(submitted in text for text in sent) == 1
    answers = [
        params
        for params in server.calls("answerCallbackQuery")
        if params.get("callback_query_id") in {u["callback_query"]["id"] for u in worker.clicks}
    ]
    assert len(answers) == len(worker.clicks) == 5
    worker.assert_no_errors()


async def invite_link(bot: BotProcess, role: str, unit: str) -> str:
    """`doanvien invite` against the bot's own database; returns the start parameter."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "invite",
        "--role",
        role,
        "--unit",
        unit,
        "--qr",
        str(bot.workdir / "invite.png"),
        env={**bot.env, "BOT_USERNAME": "e2e_bot"},
        cwd=bot.workdir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    match = re.search(r"https://t\.me/e2e_bot\?start=(inv_[\w-]+)", out.decode())
    assert match is not None, out.decode()
    return match[1]


async def test_lead_over_the_wire(server: BotAPIServer, bot: BotProcess) -> None:
    """A ward chair is invited, reports an enterprise and gets its factory-gate QR code."""
    chair = Worker(server, bot, 7005)
    parameter = await invite_link(bot, "collaborator", "LC-TP-W03")
    [(ward_name,)] = query(bot.db_path, "SELECT name FROM units WHERE code = 'LC-TP-W03'")
    welcome = await chair.say(
        f"/start {parameter}",
        plain("invite-welcome", role=t("role-collaborator"), unit=ward_name),
    )
    assert t("menu-lead-new") in [text for text, _ in welcome.inline_buttons]
    [(code, name)] = query(
        bot.db_path,
        "SELECT e.tax_code, e.name FROM enterprises e JOIN units u ON u.id = e.ward_unit_id "
        "WHERE u.code = 'LC-TP-W03' AND e.grassroots_union_id IS NULL "
        "AND length(e.tax_code) = 10 ORDER BY e.id LIMIT 1",
    )
    await chair.say("/lead", first_line("lead-ask-tax-code"))
    confirm = await chair.say(code, name)
    contact = await chair.click(confirm, t("lead-confirm-yes"))
    note = await chair.click(contact, t("lead-skip"))
    reported = await chair.click(
        note,
        t("lead-skip"),
        first_line("lead-reported", name=name, ref="", score="", reasons="", follow_up=""),
    )
    leads_sql = "SELECT l.ref, p.chat_id FROM leads l JOIN people p ON p.id = l.collaborator_id"
    # The bot commits right after its last send: give the transaction a moment to land.
    await until(lambda: query(bot.db_path, leads_sql), 10, "no lead row")
    [(ref, collaborator)] = query(bot.db_path, leads_sql)
    assert collaborator == str(chair.user.id) and ref in (reported.text or "")
    card = await chair.click(reported, t("lead-open"), plain("lead-card-title", ref=ref))
    photos = len(server.calls("sendPhoto"))
    await chair.click(card, t("lead-qr"), f"?start=e_{code}_c{ref}")
    await until(lambda: len(server.calls("sendPhoto")) > photos, 10, "no QR code photo")
    chair.assert_no_errors()


async def test_officer_decides_over_the_wire(server: BotAPIServer, bot: BotProcess) -> None:
    """An invited officer recognizes one worker, rejects another and asks a third for more;
    each worker hears it in the chat, and the card's photo reaches the recognized one."""
    workers = [Worker(server, bot, 7400 + index) for index in range(3)]
    references = [await assert_one_application(w, await full_join(w)) for w in workers]
    officer = Worker(server, bot, 7410)
    parameter = await invite_link(bot, "officer", "LC-TP")
    await officer.say(
        f"/start {parameter}",
        plain("invite-welcome", role=t("role-officer"), unit="LĐLĐ thành phố Lai Châu"),
    )
    approved, rejected, asked = workers

    card = await officer.say(f"/application {references[0]}", references[0])
    photos = len(server.calls("sendPhoto"))
    await officer.click(card, t("review-approve"), "✅")
    [(number,)] = query(bot.db_path, "SELECT number FROM members ORDER BY id DESC LIMIT 1")
    told = await approved.expect(number)
    assert "Chúc mừng" in (told.text or "")
    await until(lambda: len(server.calls("sendPhoto")) > photos, 10, "no member card")
    card_photo = server.calls("sendPhoto")[-1]
    assert str(card_photo["chat_id"]) == str(approved.user.id)

    card = await officer.say(f"/application {references[1]}", references[1])
    reasons = await officer.click(card, t("review-reject"), plain("review-ask-reject-reason"))
    explain = await officer.click(reasons, t("reject-reason-other"))
    await officer.say("Không làm việc tại doanh nghiệp", references[1])
    await rejected.expect("Không làm việc tại doanh nghiệp", references[1])

    card = await officer.say(f"/application {references[2]}", references[2])
    await officer.click(card, t("review-more"), plain("review-ask-question"))
    await officer.say("Bạn làm ở phân xưởng nào?", references[2])
    question = await asked.expect("Bạn làm ở phân xưởng nào?")
    answer = await asked.click(question, t("worker-reply"), plain("review-ask-answer"))
    await asked.say("Phân xưởng may số 2", plain("worker-answer-sent"))
    await officer.say(f"/application {references[2]}", "Phân xưởng may số 2")
    statuses = dict(
        query(
            bot.db_path,
            "SELECT reference, status FROM applications WHERE reference IN (?, ?, ?)",
            *references,
        )
    )
    assert statuses == {
        references[0]: "approved",
        references[1]: "rejected",
        references[2]: "submitted",
    }
    del explain, answer
    for worker in (*workers, officer):
        worker.assert_no_errors()


# ---- kills at any moment: the outbox and the confirmation of updates -------------------------


def outbox_statuses(db_path: Path, user_id: int) -> list[str]:
    rows = query(db_path, "SELECT status FROM outbox WHERE chat_id = ? ORDER BY id", str(user_id))
    return [str(status) for (status,) in rows]


def deliveries_of(server: BotAPIServer, update: dict[str, Any]) -> int:
    return server.delivery_log.count(update["update_id"])


async def test_a_reply_stalled_when_the_bot_dies_arrives_once_after_restart(
    server: BotAPIServer, bot: BotProcess
) -> None:
    """Two workers: one reply committed but stuck in sendMessage, one update stuck before its
    commit (the test holds SQLite's write lock). A SIGKILL, one restart: each worker gets its
    next question exactly once, and each update, delivered again, is handled once."""
    stalled, blocked = Worker(server, bot, 7010), Worker(server, bot, 7011)
    for worker in (stalled, blocked):
        consent = await open_join(worker)
        await worker.click(consent, t("join-consent-agree"), plain("join-ask-full-name"))
    await server.wait_idle(timeout=STEP_TIMEOUT)

    held = server.hold("sendMessage", stalled.user.id)
    stalled_update = await stalled.user.send_text(ANSWERS["full_name"])
    await asyncio.wait_for(held.arrived.wait(), STEP_TIMEOUT)
    # Committed, not sent: the answer is stored and its reply waits in the outbox.
    assert fsm_state(bot.db_path, stalled.user.id) == "join:birth_date"
    assert outbox_statuses(bot.db_path, stalled.user.id)[-1] == "pending"

    lock = sqlite3.connect(bot.db_path, timeout=10)
    lock.execute("BEGIN IMMEDIATE")
    blocked_update = await blocked.user.send_text(ANSWERS["full_name"])
    await until(lambda: deliveries_of(server, blocked_update) > 0, 10, "update not delivered")
    await asyncio.sleep(0.5)  # the bot is inside the update, waiting to commit
    assert fsm_state(bot.db_path, blocked.user.id) == "join:full_name"

    assert await bot.signal(signal.SIGKILL) == -signal.SIGKILL
    held.release()
    lock.rollback()
    lock.close()
    restarted_at = len(server.delivery_log)
    await bot.start()

    for worker in (stalled, blocked):
        await worker.expect(plain("join-ask-birth-date"))
    await server.wait_idle(timeout=STEP_TIMEOUT)
    for worker in (stalled, blocked):
        await worker.user.assert_no_message(within=0.5)
        assert sum(t("join-ask-birth-date") in text for text in worker.sent_texts()) == 1
        assert fsm_state(bot.db_path, worker.user.id) == "join:birth_date"
        assert set(outbox_statuses(bot.db_path, worker.user.id)) == {"sent"}
    # Neither update was confirmed before the kill: both came again, neither twice in effect.
    again = server.delivery_log[restarted_at:]
    assert stalled_update["update_id"] in again and blocked_update["update_id"] in again
    await blocked.say(ANSWERS["birth_date"], plain("join-ask-gender"))


class UnsureWorker(Worker):
    """A worker whose bot may die at any moment. A message the bot sends again because the kill
    interrupted its send is noted and passed over; a button's spinner may be left running."""

    def __init__(self, server: BotAPIServer, bot: BotProcess, user_id: int) -> None:
        super().__init__(server, bot, user_id)
        self.received: list[str] = []
        self.repeats: list[str] = []

    async def expect(self, *fragments: str) -> BotMessage:
        while True:
            message = await self.user.wait_message(timeout=KILLED_STEP_TIMEOUT)
            text = message.content or ""
            wanted = all(fragment in text for fragment in fragments)
            if not wanted and text in self.received[-3:]:
                self.repeats.append(text)
                continue
            assert wanted, f"expected {fragments!r} in {message.describe()}"
            self.received.append(text)
            return message

    async def click(self, message: BotMessage, label: str, *expected: str) -> BotMessage:
        update = await self.user.click(message, label)
        self.update_ids.append(update["update_id"])
        return await self.expect(*expected)


KILLED_STEP_TIMEOUT = START_TIMEOUT + STEP_TIMEOUT  # a restart may come between two steps
KILLS = 2
MAX_REPLIES_PER_UPDATE = 2  # "phone saved" and the next question


async def test_sigkill_at_random_moments_of_twenty_joins(
    server: BotAPIServer, bot: BotProcess
) -> None:
    rng = random.Random(20261203)
    workers = [UnsureWorker(server, bot, 7100 + n) for n in range(20)]
    journeys = asyncio.gather(*(full_join(worker) for worker in workers))
    kills = 0
    for _ in range(KILLS):
        # A random moment in the journeys' course, however fast the bot is: some updates after
        # the last (re)start, then a few milliseconds more, so the kill lands anywhere in one.
        target = len(server.delivery_log) + rng.randint(15, 60)
        await server.wait_until(
            lambda: len(server.delivery_log) >= target or journeys.done(),  # noqa: B023
            KILLED_STEP_TIMEOUT,
            f"{target} updates delivered",
        )
        await asyncio.sleep(rng.uniform(0, 0.03))
        if journeys.done():
            break
        assert await bot.signal(signal.SIGKILL) == -signal.SIGKILL
        kills += 1
        await bot.start()
    confirmations = await journeys
    assert kills >= 1, "the journeys ended before the first kill"

    for worker, confirmation in zip(workers, confirmations, strict=True):
        # finish_from_phone compared the summary: every answer typed survived the kills.
        await assert_one_application(worker, confirmation)
        sent = Counter(worker.sent_texts())
        repeated = sum(count - 1 for count in sent.values())
        # A kill repeats at most the replies of the one update whose sending it interrupted.
        assert repeated == len(worker.repeats) <= kills * MAX_REPLIES_PER_UPDATE, worker.repeats
    assert "Traceback" not in bot.stderr()


async def test_sigterm_stops_cleanly(server: BotAPIServer, bot: BotProcess) -> None:
    worker = Worker(server, bot, 7004)
    await worker.say("/start", plain("start-greeting"))
    await server.wait_idle(timeout=STEP_TIMEOUT)

    returncode = await bot.signal(signal.SIGTERM, timeout=10)

    stderr = bot.stderr(since=worker.stderr_mark)
    assert returncode == 0, stderr
    assert "Traceback" not in stderr and "Unclosed" not in stderr, stderr
    await until(lambda: not server.is_polling, 5, "the long poll stayed open after exit")
    assert server.pending_updates == []


# ---- the webhook ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_run_with_a_webhook(
    server: BotAPIServer, bot_process: BotProcess, template_db: Path, tmp_path: Path
) -> None:
    """`doanvien run --webhook URL`: registers the URL with a secret, refuses posts without
    it, answers a post once the update is handled, and stops cleanly."""
    import aiohttp

    # The module's polling bot would take the same update from getUpdates: not this test's.
    await bot_process.stop()

    db_path = tmp_path / "webhook.db"
    shutil.copy(template_db, db_path)
    process = BotProcess(server, db_path, tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg"
    log = (tmp_path / "webhook-stderr.log").open("ab")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--webhook", url, "--host", "127.0.0.1",
        "--port", str(port),
        env=process.env, cwd=tmp_path, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    try:
        await until(lambda: server.webhook_url == url, START_TIMEOUT, "no setWebhook")
        secret = server.webhook_secret
        assert len(secret) >= 32
        user = server.user(7300, "Hoa", language_code="vi")
        update = await user.send_text("/start")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/health") as health:
                assert health.status == 200
            async with http.post(url, json=update) as refused:
                assert refused.status == 401
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            async with http.post(url, json=update, headers=headers) as answered:
                assert answered.status == 200
            # Answered only once handled: the greeting has been sent already.
            greeting = await user.wait_message(timeout=1)
            assert greeting.text == plain("start-greeting")
            async with http.post(url, json=update, headers=headers) as again:
                assert again.status == 200  # a retry: no second greeting
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
        stderr = (tmp_path / "webhook-stderr.log").read_text()
        assert "Traceback" not in stderr and "Unclosed" not in stderr, stderr
        assert len([m for m in server.calls("sendMessage") if m["chat_id"] in (7300, "7300")]) == 1
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        log.close()
