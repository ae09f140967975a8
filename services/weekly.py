"""Scheduled messages: the weekly digest and the daily reminders, planned then enqueued.

A run is recorded in the ledger (`job_runs`) in the transaction that enqueues its messages, so
it happens once per period even across restarts; each message also has its own idempotency key
(`digest:<ISO week>:<person>:<n>`, `remind:<day>:<kind>:<person>`)."""

from __future__ import annotations

import asyncio
import base64
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from html import escape
from typing import Any

from aiogram_i18n.cores import FluentRuntimeCore
from fluent.runtime.resolver import Placeable, TextElement, VariableReference
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locales import fluent_core
from models import (
    Enterprise,
    JobRun,
    Lead,
    LeadStage,
    Person,
    Role,
    RoleGrant,
)
from services import outbox
from services.access import UnitTree
from services.after_joining import stale_questions
from services.chart import Bar, chart_png
from services.digest import (
    STALE_AFTER,
    Digest,
    Memo,
    Translate,
    Week,
    digests,
    render,
    waiting_by_unit,
)
from services.progress import Period
from services.steering import followers

OFFICER_WAITING_AFTER = timedelta(days=3)
LISTED_LEADS = 10  # leads named in a collaborator's reminder; the rest are counted


@dataclass(frozen=True, slots=True)
class Planned:
    """One message to one person: what `doanvien digest --dry-run` prints and the job enqueues."""

    person: Person
    key: str
    method: str
    payload: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.payload.get("text") or self.payload.get("caption") or "")


def translator(person: Person, default_locale: str) -> Translate:
    """Text in the person's language; one function per language (render's memo keys on it)."""
    return _translator(person.language or default_locale, default_locale)


@cache
def _translator(language: str, default_locale: str) -> Translate:
    core = fluent_core(default_locale)
    templates: dict[str, Template | None] = {}

    def translate(key: str, **arguments: Any) -> str:
        if key not in templates:
            templates[key] = _template(core, key, language)
        template = templates[key]
        if template is not None and (text := template.fill(arguments)) is not None:
            return text
        return str(core.get(key, language, **arguments))

    return translate


_PLAIN_LENGTH = 2500  # Fluent's own limit on a placeable's text (it reports longer ones)


@dataclass(frozen=True, slots=True)
class Template:
    """A message made only of text and `{ $variable }`s (most of the digest's), filled by
    joining strings: what Fluent would produce, for a fraction of its time over a digest run.
    Anything else (a number Fluent would group, a missing argument) goes to Fluent."""

    text: str  # the message's text, `{}` where each variable goes (other braces doubled)
    names: tuple[str, ...]  # the variables, in order

    def fill(self, arguments: dict[str, Any]) -> str | None:
        values: list[str] = []
        for name in self.names:
            value = arguments.get(name)
            if type(value) is not str:
                if type(value) is not int or not 0 <= value < 1000:
                    return None
                value = str(value)
            elif len(value) > _PLAIN_LENGTH:
                return None
            values.append(value)
        return self.text.format(*values)


def _template(core: FluentRuntimeCore, key: str, language: str) -> Template | None:
    bundle = core.get_translator(locale=core.get_locale(locale=language))
    try:
        message = bundle.get_message(key)
    except KeyError:  # another locale's, or the key itself: Fluent's business
        return None
    if message.value is None or bundle.use_isolating:
        return None
    value = message.value
    elements = [value] if isinstance(value, TextElement) else getattr(value, "elements", [None])
    texts: list[str] = []
    names: list[str] = []
    for element in elements:
        if isinstance(element, TextElement):
            texts.append(element.value.replace("{", "{{").replace("}", "}}"))
        elif isinstance(element, Placeable) and isinstance(element.expression, VariableReference):
            texts.append("{}")
            names.append(element.expression.id.name)
        else:
            return None
    return Template("".join(texts), tuple(names))


def _message(person: Person, key: str, text: str) -> Planned:
    return Planned(person, key, "sendMessage", {"text": text, "parse_mode": "HTML"})


def digest_chart(digest: Digest, t: Translate) -> bytes:
    bars = [Bar(u.row.unit.name, u.row.members_percent, u.row.behind) for u in digest.units]
    year = digest.as_of.year
    pace = 100 * Period(date(year, 1, 1), date(year + 1, 1, 1), str(year)).elapsed(digest.as_of)
    return chart_png(
        bars,
        round(pace, 1),
        t("digest-chart-title", week=digest.week.label),
        t("digest-chart-pace"),
    )


def digest_messages(
    digest: Digest, default_locale: str, memo: Memo | None = None, chart: bool = True
) -> list[Planned]:
    """The chart (when asked), then the text, split to Telegram's limit."""
    person = digest.person
    t = translator(person, default_locale)
    prefix = f"digest:{digest.week.label}:{person.id}"
    planned: list[Planned] = []
    if chart:
        photo = {"base64": base64.b64encode(digest_chart(digest, t)).decode(), "name": "week.png"}
        caption = t("digest-chart-caption", week=digest.week.label)
        planned.append(
            Planned(person, f"{prefix}:chart", "sendPhoto", {"photo": photo, "caption": caption})
        )
    parts = render(digest, t, memo)
    planned += [_message(person, f"{prefix}:{n}", text) for n, text in enumerate(parts)]
    return planned


async def plan_digests(
    session: AsyncSession, week: Week, now: datetime, default_locale: str, *, chart: bool = True
) -> list[Planned]:
    """Every reachable steering member's digest for `week`."""
    members = [f for f in await followers(session) if f.person.unreachable_at is None]
    planned: list[Planned] = []
    memo: Memo = {}
    for digest in await digests(session, week, members, now):
        # Charts are drawn in a thread: the bot keeps answering people meanwhile.
        planned += await asyncio.to_thread(digest_messages, digest, default_locale, memo, chart)
    return planned


async def enqueue_once(
    session: AsyncSession, job: str, period: str, planned: list[Planned]
) -> int | None:
    """Enqueue `planned` and record the run, in the caller's transaction; None (and nothing
    enqueued) when the run was already recorded. A run with nothing to send is not recorded:
    a member assigned later the same day still gets the week's digest at the next start."""
    if not planned:
        return 0
    if await session.scalar(select(JobRun.id).where(JobRun.job == job, JobRun.period == period)):
        return None
    try:
        async with session.begin_nested():
            session.add(JobRun(job=job, period=period, messages=len(planned)))
    except IntegrityError:  # another process recorded it a moment ago
        return None
    for item in planned:
        person = item.person
        await outbox.enqueue(
            session, person.channel, person.chat_id, item.method, item.payload, item.key
        )
    return len(planned)


# ---- reminders -----------------------------------------------------------------------------


async def plan_reminders(
    session: AsyncSession, now: datetime, default_locale: str
) -> list[Planned]:
    """Collaborators about their leads not updated for 14 days; officers about applications
    waiting more than 3 days and workers' questions without an answer."""
    day = now.date().isoformat()
    planned = await _lead_reminders(session, now, day, default_locale)
    planned += await _officer_reminders(session, now, day, default_locale)
    return planned


async def _lead_reminders(
    session: AsyncSession, now: datetime, day: str, default_locale: str
) -> list[Planned]:
    rows = await session.execute(
        select(Person, Lead.ref, Enterprise.name)
        .join(Lead, Lead.collaborator_id == Person.id)
        .join(Enterprise, Enterprise.id == Lead.enterprise_id)
        .where(
            Lead.stage.in_(list(LeadStage.ACTIVE)),
            Lead.updated_at <= now - STALE_AFTER,
            Person.unreachable_at.is_(None),
        )
        .order_by(Person.id, Lead.updated_at, Lead.id)
    )
    by_person: dict[int, tuple[Person, list[tuple[str, str]]]] = {}
    for person, ref, name in rows:
        by_person.setdefault(person.id, (person, []))[1].append((ref, name))
    planned = []
    for person, leads in by_person.values():
        t = translator(person, default_locale)
        lines = [t("remind-leads", count=len(leads))]
        lines += [
            t("remind-lead-line", ref=ref, name=escape(name)) for ref, name in leads[:LISTED_LEADS]
        ]
        if len(leads) > LISTED_LEADS:
            lines.append(t("remind-more", count=len(leads) - LISTED_LEADS))
        planned.append(_message(person, f"remind:{day}:leads:{person.id}", "\n".join(lines)))
    return planned


async def _officer_reminders(
    session: AsyncSession, now: datetime, day: str, default_locale: str
) -> list[Planned]:
    grants = await session.execute(
        select(Person, RoleGrant.unit_id)
        .join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(
            RoleGrant.role == Role.OFFICER,
            RoleGrant.revoked_at.is_(None),
            Person.unreachable_at.is_(None),
        )
    )
    officers: dict[int, tuple[Person, set[int]]] = {}
    for person, unit_id in grants:
        officers.setdefault(person.id, (person, set()))[1].add(unit_id)
    if not officers:
        return []
    tree = await UnitTree.load(session)
    waiting = await waiting_by_unit(session, now, OFFICER_WAITING_AFTER)
    scope = tree.subtree(unit for _, units in officers.values() for unit in units)
    questions: dict[int, int] = defaultdict(int)
    for question in await stale_questions(session, scope, now):
        questions[question.unit_id] += 1
    planned = []
    for person, roots in officers.values():
        units = tree.subtree(roots)
        applications = sum(count for unit, count in waiting.items() if unit in units)
        unanswered = sum(count for unit, count in questions.items() if unit in units)
        if not (applications or unanswered):
            continue
        t = translator(person, default_locale)
        text = t("remind-officer", applications=applications, questions=unanswered)
        planned.append(_message(person, f"remind:{day}:officer:{person.id}", text))
    return planned
