"""The steering committee's weekly digest: its text for a known data set in vi and en, the
split at Telegram's limit, the scheduled run (once per week, caught up after downtime),
reminders, steering assignments from the command line and in chat."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.cli import main
from locales import fluent_core
from models import (
    Application,
    Enterprise,
    JobRun,
    Lead,
    Member,
    OutboxMessage,
    Person,
    Role,
    RoleGrant,
    SteeringAssignment,
    Unit,
)
from scheduler.jobs import Schedule, reminders, weekly_digest
from services import steering
from services.digest import Week, parse_week, split_message
from services.people import get_or_create_person
from services.register import unit_by_code
from services.weekly import Template, _template, plan_digests
from tests.conftest import NOW, TZ, World, sqlite_url, t
from tests.test_backends import pg_world  # noqa: F401 - a fixture
from tests.test_leads import give_role
from tests.test_progress import seed

W47 = Week(2026, 47)
SCHEDULE = Schedule(TZ)


async def known_data(world: World) -> tuple[int, int]:
    """The Lai Châu targets and members of tests/test_progress.py, plus one admission this
    week, an application waiting 10 days and a lead idle for 20 days in LC-TP, and a unit
    name that must be escaped. Steering: 961 (vi) follows LC-TP and LC-TD, 962 (en) LC-TP."""
    units = await seed(world)
    tp, td = units["LC-TP"], units["LC-TD"]
    async with world.session_factory.begin() as session:
        await session.execute(
            update(Unit).where(Unit.id == td.id).values(name="LĐLĐ huyện Tam Đường <B&C>")
        )
        session.add(
            Member(
                number="W-1", union_unit_id=tp.id, admitted_on=date(2026, 11, 18), status="active"
            )
        )
        session.add(
            Application(
                reference="DV-2026-T1",
                status="submitted",
                consent_version="1",
                consent_at=NOW - timedelta(days=10),
                routed_unit_id=tp.id,
                routing_reason="upper_union",
                created_at=NOW - timedelta(days=10),
            )
        )
        enterprise = await session.scalar(select(Enterprise).limit(1))
        assert enterprise is not None
        session.add(
            Lead(
                ref="T1",
                enterprise_id=enterprise.id,
                unit_id=tp.id,
                stage="new",
                updated_at=NOW - timedelta(days=20),
            )
        )
        vi, _ = await get_or_create_person(session, "telegram", 961, "vi")
        en, _ = await get_or_create_person(session, "telegram", 962, "en")
        await steering.assign(
            session, vi, [await _unit(session, "LC-TP"), await _unit(session, "LC-TD")]
        )
        await steering.assign(session, en, [await _unit(session, "LC-TP")])
        return vi.id, en.id


async def _unit(session: object, code: str) -> Unit:
    found = await unit_by_code(session, code)  # type: ignore[arg-type]
    assert found is not None
    return found


VI_TEXT = """\
<b>📊 Bản tin tuần 2026-W47</b> (16/11–22/11/2026)
⚠️ 2 đơn vị: tuần này kết nạp 1; từ đầu năm 46/140 (32.9 %), theo tiến độ cần 125.0 — chậm tiến độ.
Giảm 2, tăng thực 44. CĐCS: tuần này 0, từ đầu năm 1/12.
🏆 Tốt nhất: LĐLĐ thành phố Lai Châu (41.0 %). Thấp nhất: LĐLĐ huyện Tam Đường &lt;B&amp;C&gt; (12.5 %).
📌 Cần đôn đốc: 1 đơn chờ duyệt quá 7 ngày, 1 đầu mối chưa cập nhật 14 ngày.

⚠️ <b>LĐLĐ thành phố Lai Châu</b> — chậm tiến độ
Tuần này +1 · Từ đầu năm 41/100 (41.0 %) · Tiến độ cần 89.3
Giảm 2, tăng thực 39 · CĐCS: tuần này 0, từ đầu năm 1/10
📌 Đơn chờ quá 7 ngày: 1 · Đầu mối cần đôn đốc: 1

⚠️ <b>LĐLĐ huyện Tam Đường &lt;B&amp;C&gt;</b> — chậm tiến độ
Tuần này +0 · Từ đầu năm 5/40 (12.5 %) · Tiến độ cần 35.7
Giảm 0, tăng thực 5 · CĐCS: tuần này 0, từ đầu năm 0/2"""  # noqa: E501

EN_TEXT = """\
<b>📊 Weekly digest 2026-W47</b> (16/11–22/11/2026)
⚠️ 1 unit: 1 admitted this week; year to date 41/100 (41.0 %), due by now at an even pace 89.3 — behind pace.
Lost 2, net 39. CĐCS: 0 this week, year to date 1/10.
📌 Needs a push: 1 applications waiting over 7 days, 1 leads not updated for 14 days.

⚠️ <b>LĐLĐ thành phố Lai Châu</b> — behind pace
This week +1 · Year to date 41/100 (41.0 %) · Pace 89.3
Lost 2, net 39 · CĐCS: 0 this week, year to date 1/10
📌 Applications waiting over 7 days: 1 · Leads needing a push: 1"""  # noqa: E501


async def test_digest_text_for_a_known_data_set_in_vi_and_en(world: World) -> None:
    vi, en = await known_data(world)
    async with world.session_factory() as session:
        planned = await plan_digests(session, W47, NOW, "vi")
    by_key = {item.key: item for item in planned}
    # Year to date by hand: 30 in the bot in March + 10 on paper + 1 this week = 41 in LC-TP
    # (2 left); 5 in LC-TD. Pace: 326 of 365 days gone, 89.3 of 100 and 35.7 of 40.
    assert by_key[f"digest:2026-W47:{vi}:0"].text == VI_TEXT
    assert by_key[f"digest:2026-W47:{en}:0"].text == EN_TEXT
    chart = by_key[f"digest:2026-W47:{vi}:chart"]
    assert chart.method == "sendPhoto" and chart.payload["photo"]["name"] == "week.png"
    assert chart.text == t("digest-chart-caption", week="2026-W47")
    assert sorted(by_key) == sorted(
        f"digest:2026-W47:{person}:{part}" for person in (vi, en) for part in ("chart", "0")
    )


async def test_an_unreachable_member_gets_no_digest(world: World) -> None:
    vi, en = await known_data(world)
    async with world.session_factory.begin() as session:
        await session.execute(update(Person).where(Person.id == en).values(unreachable_at=NOW))
    async with world.session_factory() as session:
        planned = await plan_digests(session, W47, NOW, "vi", chart=False)
    assert {item.person.id for item in planned} == {vi}


def test_long_digests_split_between_lines_within_the_limit() -> None:
    blocks = [
        f"<b>Unit {n}</b>\n" + "\n".join(f"line {n}.{k} " + "x" * 90 for k in range(5))
        for n in range(40)
    ]
    parts = split_message(blocks)
    assert len(parts) > 1 and all(len(part) <= 4096 for part in parts)
    # Nothing lost or cut: the lines come back whole, in order.
    lines = [line for part in parts for line in part.split("\n") if line]
    assert lines == [line for block in blocks for line in block.split("\n")]
    assert all(part.count("<b>") == part.count("</b>") for part in parts)
    assert split_message(["short"]) == ["short"]


def test_a_digest_within_the_limit_is_one_message_as_the_line_walk_made_it() -> None:
    # Joined at once when it fits: blank lines kept between blocks, trimmed at both ends.
    assert split_message(["", "a\n", "", "b"]) == ["a\n\n\n\n\nb"]
    assert split_message(["\nHead\n", "", "Unit\n\n"]) == ["Head\n\n\n\n\nUnit"]
    assert split_message(["", ""]) == [] and split_message([]) == []
    exact = ["x" * 2047, "y" * 2047]  # 4096 with the blank line: still one message
    assert split_message(exact) == ["\n\n".join(exact)]
    assert split_message([*exact, "z"]) == ["x" * 2047 + "\n\n" + "y" * 2047, "z"]


def test_templates_fill_as_fluent_does() -> None:
    core = fluent_core("vi")
    names = ("week", "start", "end", "admitted", "lost", "net", "founded", "unions_target")
    arguments = {name: f"{name} <&>" for name in (*names, "waiting", "stale", "unit")}
    arguments |= {"week_admitted": "1", "week_founded": "0", "target": "—", "percent": "—"}
    arguments |= {"expected": "—"}
    filled = 0
    for language in ("vi", "en"):
        for key in ("digest-title", "digest-headline-net", "digest-unit", "digest-unit-push"):
            template = _template(core, key, language)
            if template is not None:
                filled += 1
                assert template.fill(arguments) == core.get(key, language, **arguments)
    assert filled
    # Literal braces stay literal; a number Fluent would group, or a missing value, is Fluent's.
    template = Template("{{x}} {} and {}", ("a", "b"))
    assert template.fill({"a": "1", "b": 999}) == "{x} 1 and 999"
    assert template.fill({"a": "1", "b": 1000}) is None and template.fill({"a": "1"}) is None


def test_weeks() -> None:
    assert parse_week("2026-W47") == W47 and parse_week("2026w47") == W47
    assert (W47.start, W47.end) == (date(2026, 11, 16), date(2026, 11, 23))
    assert parse_week("2026-W54") is None and parse_week("next week") is None
    assert Week.of(date(2027, 1, 1)) == Week(2026, 53)


# ---- the scheduled run -----------------------------------------------------------------------


async def outbox_keys(world: World) -> list[str]:
    async with world.session_factory() as session:
        return list(await session.scalars(select(OutboxMessage.key).order_by(OutboxMessage.id)))


async def test_the_digest_runs_once_a_week_and_catches_up_after_downtime(world: World) -> None:
    await known_data(world)
    woken: list[int] = []

    async def run(moment: datetime) -> int | None:
        return await weekly_digest(world.session_factory, SCHEDULE, lambda: woken.append(1), moment)

    monday = datetime(2026, 11, 23, tzinfo=TZ)
    # Sunday, and Monday before 07:30: not due.
    assert await run(NOW) is None
    assert await run(monday.replace(hour=7, minute=29)) is None
    assert await outbox_keys(world) == []
    # The bot was down at 07:30 and comes back at 10:15: last week's digest goes out now.
    assert await run(monday.replace(hour=10, minute=15)) == 4
    assert woken == [1]
    keys = await outbox_keys(world)
    assert len(keys) == 4 and all(key.startswith("digest:2026-W47:") for key in keys)
    # A restart the same day, and the next day: the ledger says it is done.
    assert await run(monday.replace(hour=11)) is None
    assert await run(monday.replace(hour=7, minute=31) + timedelta(days=1)) is None
    assert await outbox_keys(world) == keys and woken == [1]
    async with world.session_factory() as session:
        runs = (await session.execute(select(JobRun.job, JobRun.period, JobRun.messages))).all()
    assert runs == [("digest", "2026-W47", 4)]
    # The next Monday: the next week.
    assert await run(monday.replace(hour=7, minute=30) + timedelta(days=7)) == 4


async def test_a_week_without_steering_members_is_not_recorded(world: World) -> None:
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
    assert await weekly_digest(world.session_factory, SCHEDULE, lambda: None, monday) == 0
    await known_data(world)  # members assigned later that morning; the bot restarts
    assert await weekly_digest(world.session_factory, SCHEDULE, lambda: None, monday) == 4


async def test_a_missed_monday_is_not_sent_on_tuesday(world: World) -> None:
    await known_data(world)
    tuesday = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)
    assert await weekly_digest(world.session_factory, SCHEDULE, lambda: None, tuesday) is None
    assert await outbox_keys(world) == []


async def test_reminders_once_a_day(world: World) -> None:
    await known_data(world)
    collaborator = await give_role(world, 971, Role.COLLABORATOR, "LC-TP")
    officer = await give_role(world, 972, Role.OFFICER, "LC-TP")
    elsewhere = await give_role(world, 973, Role.OFFICER, "LC-TD")
    async with world.session_factory.begin() as session:
        # Still idle for 20 days (an update would stamp it now).
        await session.execute(
            update(Lead).values(collaborator_id=collaborator, updated_at=NOW - timedelta(days=20))
        )
    morning = datetime(2026, 11, 23, 8, 5, tzinfo=TZ)
    count = await reminders(world.session_factory, SCHEDULE, lambda: None, morning)
    assert count == 2
    async with world.session_factory() as session:
        rows = {
            key: payload["text"]
            for key, payload in await session.execute(
                select(OutboxMessage.key, OutboxMessage.payload)
            )
        }
    assert set(rows) == {
        f"remind:2026-11-23:leads:{collaborator}",
        f"remind:2026-11-23:officer:{officer}",
    }
    leads_text = rows[f"remind:2026-11-23:leads:{collaborator}"]
    assert leads_text.startswith(t("remind-leads", count=1)) and "T1 — " in leads_text
    assert rows[f"remind:2026-11-23:officer:{officer}"] == t(
        "remind-officer", applications=1, questions=0
    )
    assert f":{elsewhere}" not in "".join(rows)
    assert (
        await reminders(world.session_factory, SCHEDULE, lambda: None, morning + timedelta(hours=3))
        is None
    )
    assert (
        await reminders(world.session_factory, SCHEDULE, lambda: None, morning - timedelta(hours=1))
        is None
    )


# ---- steering assignments -----------------------------------------------------------------------


def test_steering_from_the_command_line(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(db_path.parent)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(db_path))
    for name in ("BOT_TOKEN", "BOT_USERNAME", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["steering", "assign", "555", "LC-TP", "LC-TD"]) == 0
    assert main(["steering", "assign", "555", "LC-TP"]) == 0
    out = capsys.readouterr().out
    assert "555 now follows LC-TP" in out and "555 already follows LC-TP" in out
    assert main(["steering", "assign", "555", "LC-NOPE"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "no unit with code LC-NOPE; doanvien units lists them"
    assert main(["steering", "unassign", "555", "LC-TD"]) == 0
    assert main(["steering", "list"]) == 0
    out = capsys.readouterr().out
    assert "555 no longer follows LC-TD" in out
    assert out.strip().endswith("555  LC-TP  LĐLĐ thành phố Lai Châu")
    assert main(["digest", "--week", "2026-W47", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "--- to 555 [vi] digest:2026-W47:1:0 (sendMessage)" in out
    assert "<b>LĐLĐ thành phố Lai Châu</b>" in out
    assert main(["digest", "--week", "2026-W47"]) == 0
    assert main(["digest", "--week", "2026-W47"]) == 0
    out = capsys.readouterr().out
    assert "2026-W47: 2 messages enqueued" in out and "already enqueued; nothing done" in out
    assert main(["digest", "--week", "someday"]) == 1
    assert "write it as 2026-W47" in capsys.readouterr().err


async def test_an_admin_assigns_a_unit_in_chat(world: World) -> None:
    await give_role(world, 981, Role.ADMIN, "LC")
    member = world.sim.user(982)
    await member.send("/start")
    admin = world.sim.user(981)
    await admin.send("/steering")
    assert t("steering-ask-person") in admin.last.text
    await admin.send("982")
    [(label, _)] = [b for b in admin.last.inline_buttons if "982" in b[0]]
    await admin.click(label)
    await admin.send("tam duong")
    await admin.click("LĐLĐ huyện Tam Đường")
    assert t("steering-assigned", person="982", unit="LĐLĐ huyện Tam Đường") in [
        m.text for m in admin.inbox
    ]
    assert member.last.text == t("steering-you-follow", unit="LĐLĐ huyện Tam Đường")
    async with world.session_factory() as session:
        assigned = (await session.execute(select(SteeringAssignment.unit_id))).scalars().all()
        grants = await session.scalar(
            select(func.count()).select_from(RoleGrant).where(RoleGrant.role == Role.STEERING)
        )
        td = await unit_by_code(session, "LC-TD")
    assert td is not None and assigned == [td.id] and grants == 1
    # The steering member now sees this week's digest on demand.
    await member.send("/progress")
    assert "<b>LĐLĐ huyện Tam Đường</b>" in member.last.text
    assert t("digest-chart-caption", week="2026-W47") in [m.text for m in member.inbox]


async def test_only_an_admin_may_assign(world: World) -> None:
    await give_role(world, 983, Role.OFFICER, "LC")
    officer = world.sim.user(983)
    await officer.send("/steering")
    assert officer.last.text == t("access-denied")


@pytest.mark.postgres
async def test_on_postgresql_the_same_digest_and_ledger(
    pg_world: World,  # noqa: F811 - the fixture imported above
) -> None:
    vi, _ = await known_data(pg_world)
    async with pg_world.session_factory() as session:
        planned = await plan_digests(session, W47, NOW, "vi", chart=False)
    assert {item.key: item.text for item in planned}[f"digest:2026-W47:{vi}:0"] == VI_TEXT
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
    run = weekly_digest(pg_world.session_factory, SCHEDULE, lambda: None, monday)
    assert await run == 4
    assert await weekly_digest(pg_world.session_factory, SCHEDULE, lambda: None, monday) is None
