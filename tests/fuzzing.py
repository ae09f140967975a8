"""A cast of users with different roles, the things they can send, and what must always hold.

`tests/test_fuzz.py` lets Hypothesis write the scripts; `tests/test_fuzz_regressions.py` replays
the scripts it found failing. Each script runs on its own copy of the demo database, through the
real Dispatcher and the in-process Bot API.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram.client.default import Default
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, SendPhoto
from aiogram.types import (
    CallbackQuery,
    Chat,
    Contact,
    InaccessibleMessage,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    Update,
    User,
)
from sqlalchemy import func, select

from bot.local_session import BOT_ID, SentMessage
from bot.simulator import SimUser
from models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Enterprise,
    Invitation,
    Lead,
    LeadEvent,
    Person,
    Role,
    RoleGrant,
    Unit,
)
from services import leads
from services.access import grant_role
from services.invitations import create_invitation
from services.people import get_or_create_person
from services.register import unit_by_code
from tests.botapi_server import (
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    ApiError,
    format_text,
)
from tests.conftest import NOW, Recorder, World, dispose, open_world

MAX_BUTTONS = 100

# The cast: chat ids and the roles the setup grants them (by unit code; None = the ward of
# the collaborator's enterprise, found in the demo register).
WORKER, SECOND_WORKER, COLLABORATOR, OFFICER, NEWCOMER = 1101, 1102, 1201, 1301, 1401
CAST = (WORKER, SECOND_WORKER, COLLABORATOR, OFFICER, NEWCOMER)


# ---- what a script is made of ----------------------------------------------------------


@dataclass(frozen=True)
class Act:
    """One thing a user does. `kind` picks the update; `text`, `data`, `index`, `other` are its
    arguments (unused ones keep their defaults), so a failing script prints as plain data."""

    user: int
    # text, click, press, replay, tamper, forge, contact, sticker, photo, edited, group, channel,
    # group_button
    kind: str
    text: str = ""
    index: int = 0
    other: int = 0


@contextmanager
def capture_errors() -> Iterator[list[logging.LogRecord]]:
    """Every record logged at ERROR or above (the error handler logs `update … failed`)."""
    handler = Recorder(logging.ERROR)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)


# ---- the world of one script -----------------------------------------------------------


@dataclass
class Setup:
    grants: set[tuple[int, str, int]]
    invitation_token: str
    lead_id: int
    lead_link: str  # the lead's factory-gate start parameter, e_<MST>_c<ref>


async def _set_up(world: World) -> Setup:
    """Roles for the cast, one open invitation and one lead of the collaborator's."""
    async with world.session_factory() as session:
        enterprise = await session.scalar(
            select(Enterprise)
            .join(Unit, Unit.id == Enterprise.ward_unit_id)
            .where(
                Unit.code.startswith("LC-TP-"),
                Enterprise.grassroots_union_id.is_(None),
                func.length(Enterprise.tax_code) == 10,
            )
            .order_by(Enterprise.id)
            .limit(1)
        )
        district = await unit_by_code(session, "LC-TP")
        assert enterprise is not None and enterprise.ward_unit_id is not None
        assert district is not None
        ward = await session.get(Unit, enterprise.ward_unit_id)
        assert ward is not None
        grants: set[tuple[int, str, int]] = set()
        people: dict[int, Person] = {}
        for chat_id, role, unit in (
            (COLLABORATOR, Role.COLLABORATOR, ward),
            (OFFICER, Role.OFFICER, district),
        ):
            person, _ = await get_or_create_person(session, "telegram", chat_id, "vi")
            await grant_role(session, person, role, unit)
            grants.add((person.id, role, unit.id))
            people[chat_id] = person
        invitation = await create_invitation(
            session, Role.COLLABORATOR, ward, created_by=people[OFFICER].id
        )
        reported = await leads.report_lead(
            session,
            people[COLLABORATOR],
            leads.LeadDraft(enterprise_id=enterprise.id, ward_id=ward.id),
            NOW,
        )
        assert isinstance(reported, leads.Reported)
        await session.commit()
        link = f"e_{enterprise.tax_code}_c{reported.lead.ref}"
        return Setup(grants, invitation.start_parameter, reported.lead.id, link)


@dataclass(frozen=True)
class Template:
    """The demo database with the cast's roles, invitation and lead: copied for each script."""

    path: Path
    setup: Setup


def prepare(template_db: Path, folder: Path) -> Template:
    path = folder / "fuzz.db"
    shutil.copy(template_db, path)

    async def set_up() -> Setup:
        world = open_world(path)
        try:
            return await _set_up(world)
        finally:
            await dispose(world.engine)

    return Template(path, asyncio.run(set_up()))


@contextmanager
def fresh_database(template: Path) -> Iterator[Path]:
    """A copy of a template database, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / "bot.db"
        shutil.copy(template, path)
        yield path


def run_script(template: Template, acts: Sequence[Act]) -> dict[int, list[str]]:
    """Play `acts` on a fresh copy of `template` and check every property (raises
    AssertionError); returns the texts each user of the cast received."""
    with fresh_database(template.path) as path:
        return asyncio.run(_run(path, template.setup, acts))


async def _run(path: Path, setup: Setup, acts: Sequence[Act]) -> dict[int, list[str]]:
    world = open_world(path)
    try:
        # Telegram names are anyone's choice: shown unescaped, "<3" would be invalid HTML.
        names = {chat_id: f"U{chat_id} <3 & co" for chat_id in CAST}
        users = {chat_id: world.sim.user(chat_id, first_name=names[chat_id]) for chat_id in CAST}
        with capture_errors() as errors:
            for act in acts:
                await perform(world, users[act.user], act, setup)
        # The end of the message: the stack's last frames say where it failed.
        assert not errors, "unhandled: " + "; ".join(r.getMessage()[-3000:] for r in errors)
        check_requests(world)
        await check_database(world, setup)
        return {chat_id: [m.text for m in user.inbox] for chat_id, user in users.items()}
    finally:
        await dispose(world.engine)


# ---- performing one act ----------------------------------------------------------------


def _expand(text: str, setup: Setup) -> str:
    """Scripts name the setup's invitation and lead as placeholders (they differ per run)."""
    for name, value in (
        ("{invitation}", setup.invitation_token),
        ("{lead}", str(setup.lead_id)),
        ("{lead_link}", setup.lead_link),
    ):
        text = text.replace(name, value)
    return text


async def deliver(user: SimUser, update: Update) -> list[SentMessage]:
    sent = user.sim.session.sent
    before = len(sent)
    await user.sim.feed(update)
    replies = [m for m in sent[before:] if m.chat_id == user.user.id]
    user.inbox.extend(replies)
    return replies


def _with_buttons(user: SimUser) -> list[SentMessage]:
    return [m for m in user.inbox if m.inline_buttons]


async def perform(world: World, user: SimUser, act: Act, setup: Setup) -> None:
    kind, text = act.kind, _expand(act.text, setup)
    if kind == "text":
        await deliver(user, user.message_update(text=text))
    elif kind in ("press", "replay"):
        shown = _with_buttons(user)
        if not shown:
            return
        # press: a button of the newest message with buttons; replay: of any earlier one.
        message = shown[-1] if kind == "press" else shown[act.other % len(shown)]
        buttons = message.inline_buttons
        _, data = buttons[act.index % len(buttons)]
        update = user.callback_update(message, data)
        if kind == "replay" and act.other % 3 == 0:
            # After 48 hours Telegram no longer sends the button's message, only its id.
            assert update.callback_query is not None
            gone = InaccessibleMessage(chat=user.chat, message_id=message.message_id, date=0)
            query = update.callback_query.model_copy(update={"message": gone})
            update = update.model_copy(update={"callback_query": query})
        await deliver(user, update)
    elif kind == "click":
        # The button labelled `text` on the newest message having one; nothing if none.
        for message in reversed(_with_buttons(user)):
            data = next((d for label, d in message.inline_buttons if text in label), None)
            if data is not None:
                await deliver(user, user.callback_update(message, data))
                return
    elif kind == "tamper":
        # A real button of the newest message, with one of its fields replaced by `text`.
        shown = _with_buttons(user)
        if not shown:
            return
        message = shown[-1]
        _, data = message.inline_buttons[act.index % len(message.inline_buttons)]
        parts = data.split(":")
        if len(parts) > 1:
            parts[1 + act.other % (len(parts) - 1)] = text
        else:
            parts.append(text)
        forged = ":".join(parts)
        if 1 <= len(forged.encode()) <= 64:
            await deliver(user, user.callback_update(message, forged))
    elif kind == "forge":
        origin = user.inbox[-1] if user.inbox else SentMessage(user.user.id, 1, "")
        await deliver(user, user.callback_update(origin, text))
    elif kind == "contact":
        owner = {0: user.user.id, 1: user.user.id + 1}.get(act.other)
        contact = Contact(phone_number=text, first_name="Hoa", user_id=owner)
        await deliver(user, user.message_update(contact=contact))
    elif kind == "sticker":
        await user.send_sticker()
    elif kind == "photo":
        await user.send_photo()
    elif kind == "edited":
        edited = Message(
            message_id=act.index,
            date=datetime.now(UTC),
            edit_date=int(datetime.now(UTC).timestamp()),
            chat=user.chat,
            from_user=user.user,
            text=text,
        )
        await world.sim.feed(Update(update_id=world.sim.next_update_id(), edited_message=edited))
    elif kind == "group":
        await world.sim.feed(_group_update(world, user.user, text, act.other))
    elif kind == "channel":
        post = Message(
            message_id=act.index,
            date=datetime.now(UTC),
            chat=Chat(id=-1009000000000 - act.other, type="channel", title="Kênh"),
            text=text,
        )
        await world.sim.feed(Update(update_id=world.sim.next_update_id(), channel_post=post))
    elif kind == "group_button":
        group = Chat(id=-5000 - act.other, type="supergroup", title="Nhóm")
        origin = Message(
            message_id=1,
            date=datetime.now(UTC),
            chat=group,
            from_user=User(id=BOT_ID, is_bot=True, first_name="bot"),
            text="…",
        )
        query = CallbackQuery(
            id="g", from_user=user.user, chat_instance="g", data=text, message=origin
        )
        await world.sim.feed(Update(update_id=world.sim.next_update_id(), callback_query=query))
    else:
        raise ValueError(f"unknown act {kind!r}")


def _group_update(world: World, user: User, text: str, which: int) -> Update:
    chat = Chat(id=-4000 - which, type="supergroup" if which % 2 else "group", title="Nhóm")
    message = Message(
        message_id=1, date=datetime.now(UTC), chat=chat, from_user=user, text=text or "/start"
    )
    return Update(update_id=world.sim.next_update_id(), message=message)


# ---- the properties --------------------------------------------------------------------


def _parse_mode(world: World, value: Any) -> str | None:
    mode = world.bot.default[value.name] if isinstance(value, Default) else value
    # ParseMode is a str enum: its value, not its str(), is the wire format.
    return getattr(mode, "value", mode)


def _check_markup(markup: Any, where: str) -> None:
    if isinstance(markup, InlineKeyboardMarkup):
        buttons = [b for row in markup.inline_keyboard for b in row]
        assert len(buttons) <= MAX_BUTTONS, f"{where}: {len(buttons)} buttons"
        for b in buttons:
            assert b.text.strip(), f"{where}: a button without a label"
            if b.callback_data is not None:
                size = len(b.callback_data.encode())
                assert 1 <= size <= MAX_CALLBACK_DATA_BYTES, f"{where}: callback data {size} bytes"
    elif isinstance(markup, ReplyKeyboardMarkup):
        buttons = [b for row in markup.keyboard for b in row]
        assert len(buttons) <= MAX_BUTTONS, f"{where}: {len(buttons)} buttons"


def check_requests(world: World) -> None:
    """Every request the bot made would be accepted by Telegram: valid HTML, within limits."""
    for number, method in enumerate(world.api.requests):
        where = f"request {number} ({type(method).__name__})"
        # Private chats only: groups and channels (negative ids) are never answered.
        chat_id = getattr(method, "chat_id", None)
        assert chat_id is None or int(chat_id) > 0, f"{where}: sent to chat {chat_id}"
        if isinstance(method, SendMessage | EditMessageText):
            try:
                plain, _ = format_text(
                    method.text, _parse_mode(world, method.parse_mode), method.entities
                )
            except ApiError as error:
                raise AssertionError(f"{where}: {error.description}: {method.text!r}") from None
            assert plain, f"{where}: the text is empty"
            assert len(plain) <= MAX_TEXT_LENGTH, f"{where}: {len(plain)} characters"
            _check_markup(method.reply_markup, where)
        elif isinstance(method, SendPhoto):
            caption = method.caption or ""
            try:
                plain, _ = format_text(caption, _parse_mode(world, method.parse_mode), None)
            except ApiError as error:
                raise AssertionError(f"{where}: {error.description}: {caption!r}") from None
            assert len(plain) <= MAX_CAPTION_LENGTH, f"{where}: caption {len(plain)} characters"
            _check_markup(method.reply_markup, where)
        elif isinstance(method, AnswerCallbackQuery):
            length = len(method.text or "")
            assert length <= MAX_CALLBACK_ANSWER_LENGTH, f"{where}: {length} characters"


async def check_database(world: World, setup: Setup) -> None:
    async with world.session_factory() as session:
        applications = list(await session.scalars(select(Application)))
        audits = list(await session.scalars(select(AuditEvent)))
        grants = list(await session.scalars(select(RoleGrant)))
        invitations = {i.id: i for i in await session.scalars(select(Invitation))}
        unit_ids = set(await session.scalars(select(Unit.id)))
        lead_enterprise = dict((await session.execute(select(Lead.id, Lead.enterprise_id))).all())
        lead_ids = set(lead_enterprise)
        history = Counter(
            (kind, lead_id)
            for kind, lead_id in await session.execute(select(LeadEvent.kind, LeadEvent.lead_id))
        )

    by_action: dict[str, list[AuditEvent]] = {}
    for event in audits:
        by_action.setdefault(event.action, []).append(event)
    erased = {e.subject_id for e in by_action.get("person.erased", [])}

    # At most one pending application per person, each routed to an existing unit.
    pending = Counter(a.person_id for a in applications if a.status in ApplicationStatus.PENDING)
    assert all(count <= 1 for count in pending.values()), f"pending per person: {pending}"
    for application in applications:
        assert application.routed_unit_id in unit_ids, f"application {application.id} unrouted"
        # Credited to a lead only when the worker joined at that lead's enterprise.
        if application.credited_lead_id is not None:
            enterprise = lead_enterprise.get(application.credited_lead_id)
            assert enterprise == application.enterprise_id, f"credit of {application.id}"

    # One `application.submitted` per application; the others belong to people since erased.
    submitted = Counter(e.subject_id for e in by_action.get("application.submitted", []))
    for application in applications:
        assert submitted[application.id] == 1, f"application {application.id}: {submitted}"
    existing = {a.id for a in applications}
    for event in by_action.get("application.submitted", []):
        assert event.subject_id in existing or event.actor_person_id in erased, (
            f"audit of a vanished application {event.subject_id}"
        )

    # No role but the setup's or an invitation's, each granted once and audited once.
    for grant in grants:
        key = (grant.person_id, grant.role, grant.unit_id)
        if key in setup.grants:
            continue
        invitation = invitations.get(grant.invitation_id or 0)
        assert invitation is not None, f"role {key} granted without an invitation"
        assert (invitation.used_by, invitation.role, invitation.unit_id) == key, (
            f"role {key} does not match invitation {invitation.id}"
        )
    granted = Counter(
        (e.subject_id, e.detail.get("role"), e.detail.get("unit_id"))
        for e in by_action.get("role.granted", [])
    )
    held = Counter((g.person_id, g.role, g.unit_id) for g in grants)
    for key, count in granted.items():
        assert held[key] == count or key[0] in erased, f"role.granted {key}: {count} vs {held}"
    used = [i for i in invitations.values() if i.used_at is not None]
    assert len(by_action.get("invitation.used", [])) == len(used), "invitation.used vs used"

    # One `lead.reported` per lead.
    reported = Counter(e.subject_id for e in by_action.get("lead.reported", []))
    assert set(reported) == lead_ids and all(c == 1 for c in reported.values()), (
        f"lead.reported {reported} vs leads {lead_ids}"
    )
    # Every stage change and reassignment in a lead's history is in the audit trail, once.
    for action, kind in (("lead.stage", "stage"), ("lead.reassigned", "reassign")):
        audited = Counter(e.subject_id for e in by_action.get(action, []))
        for lead_id in lead_ids:
            assert audited[lead_id] == history[(kind, lead_id)], f"{action} of lead {lead_id}"
