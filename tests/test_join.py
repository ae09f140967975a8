"""The worker's join journey through the real Dispatcher (in-process Bot API)."""

from __future__ import annotations

from datetime import date

from aiogram.types import ReplyKeyboardMarkup
from sqlalchemy import delete, func, select

from bot.storage import DatabaseStorage
from bot.zalo.session import plain
from handlers.forms import FormCb
from models import Application, AuditEvent, Enterprise, FsmRecord, Person, Unit
from services.demo import tax_code
from services.routing import RoutingReason
from tests.conftest import NOW, ChatUser, World, t
from tests.journeys import ANSWERS, complete_join, reach


async def applications(world: World) -> list[Application]:
    async with world.session_factory() as session:
        return list((await session.scalars(select(Application).order_by(Application.id))).all())


async def fsm_state(world: World, user_id: int) -> str | None:
    async with world.session_factory() as session:
        rows = (
            await session.scalars(select(FsmRecord).where(FsmRecord.key.contains(f":{user_id}:")))
        ).all()
        return rows[0].state if rows else None


async def test_start_shows_main_menu(world: World) -> None:
    user = world.sim.user(1)
    await user.send("/start")
    labels = [text for text, _ in user.last.inline_buttons]
    assert user.last.text == t("start-greeting")
    assert labels == [
        t("menu-join"),
        t("menu-why"),
        t("menu-my-application"),
        t("menu-my-data"),
        t("menu-ask"),
        t("menu-language"),
    ]


async def test_full_join_is_stored_and_routed_to_the_enterprise_union(world: World) -> None:
    user = world.sim.user(10)
    await complete_join(user)
    [application] = await applications(world)
    assert application.reference == f"DV-2026-{application.id:06d}"
    assert application.reference in user.last.text
    assert (application.full_name, application.birth_date, application.gender) == (
        "Nguyễn Thị Lan",
        date(1998, 3, 25),
        "female",
    )
    assert application.phone == "+84912345678"
    assert application.citizen_id == ANSWERS["citizen_id"]
    assert application.status == "submitted"
    assert application.consent_version and application.consent_at is not None
    async with world.session_factory() as session:
        enterprise = await session.scalar(
            select(Enterprise).where(Enterprise.tax_code == tax_code(1))
        )
        assert enterprise is not None and application.enterprise_id == enterprise.id
        assert application.routed_unit_id == enterprise.grassroots_union_id
        unit = await session.get(Unit, application.routed_unit_id)
        assert unit is not None and unit.name in user.last.text
        audit = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "application.submitted")
        )
        assert audit is not None and "+8491" not in str(audit.detail)
    assert application.routing_reason == RoutingReason.GRASSROOTS_UNION
    assert await fsm_state(world, 10) is None


async def test_unlisted_employer_routes_to_the_ward_upper_union(
    world: World, chat_user: ChatUser
) -> None:
    user = chat_user(11)
    await reach(user, "workplace")
    await user.send("xyz không tồn tại")
    assert user.last.text == t("join-workplace-none", query="xyz không tồn tại")
    await user.click(t("join-workplace-not-listed"))
    await user.send("Quán phở Bình Minh")
    await user.send("tan phong")  # without diacritics
    await user.click("Tân Phong")
    await user.send("Phụ bếp")
    assert "Quán phở Bình Minh" in user.last.text and "Tân Phong" in user.last.text
    await user.click(t("join-submit"))
    [application] = await applications(world)
    assert application.enterprise_id is None
    assert application.employer_name == "Quán phở Bình Minh"
    assert application.routing_reason == RoutingReason.UPPER_UNION
    async with world.session_factory() as session:
        unit = await session.get(Unit, application.routed_unit_id)
        assert unit is not None and unit.code == "LC-TP-W01"


async def test_unknown_ward_routes_to_the_root(world: World, chat_user: ChatUser) -> None:
    user = chat_user(12)
    await reach(user, "workplace")
    await user.send("không có")
    await user.click(t("join-workplace-not-listed"))
    await user.send("Hộ kinh doanh Ánh Dương")
    await user.click(t("join-ward-unknown"))
    await user.send("Bán hàng")
    await user.click(t("join-submit"))
    [application] = await applications(world)
    assert application.routing_reason == RoutingReason.ROOT


async def test_search_ignores_case_diacritics_and_finds_tax_codes(world: World) -> None:
    user = world.sim.user(13)
    await reach(user, "workplace")
    await user.send("CONG TY TNHH MAY LAI CHAU")
    assert any("Công ty TNHH May Lai Châu" in text for text, _ in user.last.inline_buttons)
    await user.send(tax_code(1))
    buttons = [text for text, _ in user.last.inline_buttons]
    assert any(tax_code(1) in text for text in buttons)
    await user.send("công ty")
    results = [label for label, _ in user.last.inline_buttons if " · " in label]
    assert 1 <= len(results) <= 5


async def test_back_returns_to_the_previous_question_with_answers_kept(
    world: World, chat_user: ChatUser
) -> None:
    user = chat_user(14)
    await reach(user, "gender")
    await user.click(t("join-back"))
    assert t("join-ask-birth-date") in user.last.text
    await user.click(t("join-back"))
    assert t("join-ask-full-name") in user.last.text
    await user.send("Trần Văn Nam")
    await user.send("01/01/1990")
    await user.click(t("gender-male"))
    await user.send(t("join-back"))  # the phone step's reply keyboard
    assert t("join-ask-gender") in user.last.text


async def test_edit_from_summary_returns_to_summary(world: World) -> None:
    user = world.sim.user(15)
    await reach(user, "summary")
    await user.click(t("join-edit-full-name"))
    assert t("join-current-value", value=ANSWERS["full_name"]) in user.last.text
    await user.send("Lò Thị Hoa")
    assert "Lò Thị Hoa" in user.last.text and t("join-submit") in [
        text for text, _ in user.last.inline_buttons
    ]
    await user.click(t("join-edit-phone"))
    await user.send("+84 987 654 321")
    await user.click(t("join-edit-citizen-id"))
    await user.click(t("join-keep"))
    await user.click(t("join-submit"))
    [application] = await applications(world)
    assert (application.full_name, application.phone) == ("Lò Thị Hoa", "+84987654321")
    assert application.citizen_id == ANSWERS["citizen_id"]


async def test_declining_consent_keeps_nothing(world: World) -> None:
    user = world.sim.user(16)
    await user.send("/join")
    await user.click(t("join-consent-decline"))
    assert user.last.text == t("join-consent-declined")
    assert await fsm_state(world, 16) is None
    assert await applications(world) == []


async def test_cancel_deletes_the_draft(world: World) -> None:
    user = world.sim.user(17)
    await reach(user, "phone")
    await user.send(t("join-cancel"))
    # Answers would be lost: the worker is asked first, and the draft is kept until then.
    assert user.last.text == t("form-cancel-confirm")
    assert await fsm_state(world, 17) == "join:phone"
    await user.click(t("form-cancel-yes"))
    assert t("join-cancelled") in [m.text for m in user.inbox[-2:]]
    async with world.session_factory() as session:
        record = await session.scalar(select(FsmRecord).where(FsmRecord.key.contains(":17:")))
        assert record is not None and record.state is None and record.data == "{}"


async def test_shared_contact_must_be_the_users_own(world: World) -> None:
    user = world.sim.user(18)
    await reach(user, "phone")
    assert isinstance(user.last.reply_markup, ReplyKeyboardMarkup)
    await user.send_contact("+84912000111", own=False)
    assert t("join-phone-not-own") in user.last.text
    await user.send_contact("84912000111")
    assert t("join-phone-saved", phone="+84912000111") in [m.text for m in user.inbox[-2:]]


async def test_unfinished_journey_survives_a_restart(world: World) -> None:
    user = world.sim.user(19)
    await reach(user, "phone")
    restarted = world.restart()
    same = restarted.sim.user(19)
    await same.send("/start")
    await same.click(t("menu-join"))
    assert same.last.text == t("join-resume")
    await same.click(t("join-resume-continue"))
    assert t("join-ask-phone") in same.last.text
    await same.send("0912345678")
    await same.send("001198012345")
    await same.send("may lai chau")
    await same.click("Công ty TNHH May Lai Châu")
    await same.send("Thợ cắt")
    assert ANSWERS["full_name"] in same.last.text  # typed before the restart
    await same.click(t("join-submit"))
    assert len(await applications(world)) == 1


async def test_start_offers_the_unfinished_application(world: World) -> None:
    user = world.sim.user(34)
    await reach(user, "citizen_id")
    restarted = world.restart()
    same = restarted.sim.user(34)
    await same.send("/start")
    assert [m.text for m in same.inbox] == [t("start-greeting"), t("join-resume")]
    await same.click(t("join-resume-continue"))
    assert t("join-ask-citizen-id") in same.last.text


async def test_start_over_discards_the_draft(world: World) -> None:
    user = world.sim.user(20)
    await reach(user, "birth_date")
    await user.send("/join")
    await user.click(t("join-resume-restart"))
    assert t("join-ask-consent").splitlines()[0] in user.last.text


async def test_pending_application_is_shown_instead_of_a_second(world: World) -> None:
    user = world.sim.user(21)
    await complete_join(user)
    await user.send("/join")
    assert t("join-already-pending") in user.last.text
    [application] = await applications(world)
    assert application.reference is not None and application.reference in user.last.text


async def test_same_phone_in_another_pending_application_is_flagged(world: World) -> None:
    first, second = world.sim.user(22), world.sim.user(23)
    await complete_join(first)
    await complete_join(second, citizen_id="002198012345", full_name="Lê Thị Mai")
    one, two = await applications(world)
    assert one.duplicate_of is None
    assert two.duplicate_of == [one.reference]


async def test_deep_link_preselects_the_employer(world: World, chat_user: ChatUser) -> None:
    # On Zalo, which has no deep links, the same parameter is typed after /start.
    user = chat_user(24)
    await user.send(f"/start e_{tax_code(1)}")
    assert plain(t("join-for-enterprise", name="Công ty TNHH May Lai Châu")) in [
        plain(m.text) for m in user.inbox
    ]
    await user.click(t("join-consent-agree"))
    for answer in ("Nguyễn Văn Hùng", "02/09/1995"):
        await user.send(answer)
    await user.click(t("gender-male"))
    await user.send("0987654321")
    await user.click(t("join-skip"))
    assert t("join-ask-job") in user.last.text  # the workplace step is skipped
    await user.send("Bảo vệ")
    assert "Công ty TNHH May Lai Châu" in user.last.text
    await user.click(t("join-submit"))
    [application] = await applications(world)
    assert application.source == "link" and application.citizen_id is None


async def test_deep_link_with_unknown_tax_code_still_lets_the_worker_join(world: World) -> None:
    user = world.sim.user(25)
    await user.send("/start e_0100109106")
    assert user.inbox[0].text == t("start-link-unknown-enterprise")
    assert t("join-ask-consent").splitlines()[0] in user.last.text


async def test_stale_button_repeats_the_current_question(world: World) -> None:
    user = world.sim.user(26)
    await reach(user, "gender")
    gender_question = user.last
    await user.click(t("gender-male"), message=gender_question)
    await user.click(t("gender-female"), message=gender_question)
    assert t("join-stale-button") in user.last.text
    assert t("join-ask-phone") in user.last.text


async def test_forged_callback_data_is_refused(world: World) -> None:
    user = world.sim.user(27)
    await reach(user, "workplace")
    await user.send("may lai chau")
    offered = user.last
    menu = int(offered.inline_buttons[0][1].split(":")[3])
    # A choice that was never offered, a button for another step, and garbage.
    await user.click_data(
        FormCb(form="join", step="workplace", menu=menu, action="c", index=99).pack()
    )
    assert t("join-stale-button") in user.last.text
    await user.click_data(FormCb(form="join", step="gender", menu=menu, action="c").pack())
    assert t("join-stale-button") in user.last.text
    await user.click_data("garbage")
    # The enterprise offered is deleted before the worker picks it.
    await user.send("may lai chau")
    async with world.session_factory.begin() as session:
        await session.execute(delete(Enterprise).where(Enterprise.tax_code == tax_code(1)))
    await user.click("Công ty TNHH May Lai Châu")
    assert t("join-workplace-gone") in user.last.text
    assert await applications(world) == []


async def test_my_application_shows_the_status(world: World) -> None:
    user = world.sim.user(28)
    await user.send("/status")
    assert user.last.text == t("application-none")
    await complete_join(user)
    await user.click(t("menu-my-application"))
    assert t("status-submitted") in user.last.text


async def test_my_data_shows_what_is_stored_and_delete_erases_it(world: World) -> None:
    user = world.sim.user(29)
    await complete_join(user)
    await user.click(t("menu-my-data"))
    for value in ("Nguyễn Thị Lan", "+84912345678", ANSWERS["citizen_id"], "Công nhân may", "29"):
        assert value in user.last.text
    await user.click(t("privacy-delete"))
    await user.click(t("privacy-delete-yes"))
    assert user.last.text == t("privacy-deleted")
    assert await applications(world) == []
    async with world.session_factory() as session:
        people = await session.scalar(
            select(func.count()).select_from(Person).where(Person.chat_id == "29")
        )
        assert people == 0
        assert (
            await session.scalar(select(AuditEvent).where(AuditEvent.action == "person.erased"))
            is not None
        )


async def test_my_data_shows_an_unfinished_draft_and_delete_clears_it(world: World) -> None:
    user = world.sim.user(35)
    await reach(user, "gender")
    await user.send("/mydata")
    assert (
        t(
            "privacy-draft",
            full_name="",
            birth_date="",
            gender="",
            phone="",
            citizen_id="",
            workplace="",
            job="",
        ).splitlines()[0]
        in user.last.text
    )
    assert ANSWERS["full_name"] in user.last.text and "25/03/1998" in user.last.text
    await user.click(t("privacy-delete"))
    await user.click(t("privacy-delete-yes"))
    await user.send("/mydata")
    assert ANSWERS["full_name"] not in user.last.text
    assert t("privacy-nothing-else") in user.last.text


async def test_language_switch_to_english(world: World, chat_user: ChatUser) -> None:
    user = chat_user(30)
    await user.send("/language")
    await user.click("English")
    assert user.last.text == t("language-set", "en")
    await user.send("/join")
    # Without its tags: on Zalo the text is plain.
    assert plain(t("join-ask-consent", "en").splitlines()[0]) in user.last.text


async def test_why_join_topics(world: World, chat_user: ChatUser) -> None:
    user = chat_user(31)
    await user.send("/start")
    await user.click(t("menu-why"))
    for topic in ("benefits", "activities", "dues", "faq"):
        await user.click(t(f"why-topic-{topic}"))
        assert plain(user.last.text) == plain(t(f"why-{topic}"))


async def test_a_redelivered_update_has_no_second_effect(world: World) -> None:
    user = world.sim.user(32)
    await reach(user, "summary")
    summary = user.last
    submit = next(data for text, data in summary.inline_buttons if text == t("join-submit"))
    update = user.callback_update(summary, submit)
    await world.sim.feed(update)
    sent = len(world.api.sent)
    await world.sim.feed(update)
    assert len(world.api.sent) == sent
    assert len(await applications(world)) == 1


async def test_state_lives_in_the_database(world: World) -> None:
    user = world.sim.user(33)
    await reach(user, "birth_date")
    assert isinstance(world.dp.storage, DatabaseStorage)
    assert await fsm_state(world, 33) == "join:birth_date"


async def test_group_chats_are_ignored(world: World) -> None:
    from aiogram.types import Chat, Message, Update, User

    group = Chat(id=-100123, type="supergroup", title="Tổ may 3")
    message = Message(
        message_id=1,
        date=NOW,
        chat=group,
        text="/start",
        from_user=User(id=36, is_bot=False, first_name="Lan"),
    )
    await world.sim.feed(Update(update_id=world.sim.next_update_id(), message=message))
    assert world.api.sent == []


async def test_my_application_shows_each_outcome_with_its_reason(world: World) -> None:
    user = world.sim.user(37)
    await complete_join(user)
    for status, reason in [
        ("more_info", "Xin bổ sung ảnh CCCD"),
        ("rejected", "Trùng hồ sơ"),
        ("approved", None),
    ]:
        async with world.session_factory.begin() as session:
            application = await session.scalar(select(Application))
            assert application is not None
            application.status, application.status_reason = status, reason
        await user.send("/status")
        assert t(f"status-{status.replace('_', '-')}") in user.last.text
        if reason:
            assert t("application-reason", reason=reason) in user.last.text
