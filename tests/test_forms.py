"""The form engine as a person meets it: typed choices, Back with "keep it", /cancel, and the
rough edges a new user tripped over (issue "What a new user tripped over")."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy import select

from handlers.common import HasRole
from models import Application, Person, Role
from tests.conftest import NOW, World, t
from tests.journeys import ANSWERS, complete_join, reach
from tests.test_leads import give_role


async def application(world: World) -> Application:
    async with world.session_factory() as session:
        found = await session.scalar(select(Application))
        assert found is not None
        return found


async def test_a_choice_can_be_typed_by_its_label_or_number(world: World) -> None:
    user = world.sim.user(601)
    await user.send("/join")
    await user.send("1")  # the consent step takes no typed answer: "1" is its first button
    assert t("join-ask-full-name") in user.last.text
    await user.send("Lò Văn Pọm")
    await user.send("02/09/1990")
    await user.send("NAM")  # the label of "Male", in capitals
    assert t("join-ask-phone") in user.last.text


async def test_a_number_is_an_answer_where_text_is_expected(world: World) -> None:
    user = world.sim.user(602)
    await reach(user, "citizen_id")
    await user.send("1")  # not the "Skip" button: a (too short) citizen ID
    assert t("invalid-citizen-id-length", count=1) in user.last.text


async def test_back_shows_the_earlier_answer_to_keep(world: World) -> None:
    user = world.sim.user(603)
    await reach(user, "gender")
    await user.click(t("join-back"))
    assert t("join-current-value", value="25/03/1998") in user.last.text
    await user.click(t("join-keep"))
    assert t("join-ask-gender") in user.last.text


async def test_slash_cancel_asks_first_and_keeps_the_draft_on_no(world: World) -> None:
    user = world.sim.user(604)
    await user.send("/cancel")
    assert user.last.text == t("form-nothing-to-cancel")
    await reach(user, "birth_date")
    await user.send("/cancel")
    assert user.last.text == t("form-cancel-confirm")
    await user.click(t("form-cancel-no"))
    assert t("join-ask-birth-date") in user.last.text
    await user.send("/cancel")
    await user.click(t("form-cancel-yes"))
    assert t("join-cancelled") in user.last.text
    await user.send("/join")
    assert t("join-ask-consent").splitlines()[0] in user.last.text  # a fresh start


async def test_cancel_before_any_answer_needs_no_confirmation(world: World) -> None:
    user = world.sim.user(605)
    await user.send("/join")
    await user.click(t("join-cancel"))
    assert t("join-cancelled") in user.last.text


async def test_names_are_title_cased_and_one_word_is_asked_once(world: World) -> None:
    user = world.sim.user(606)
    await reach(user, "full_name")
    await user.send("hoa")
    assert t("join-name-single-word", name="Hoa") in user.last.text
    await user.send("nguyễn thị hoa")
    assert t("join-ask-birth-date") in user.last.text
    await user.click(t("join-back"))
    assert t("join-current-value", value="Nguyễn Thị Hoa") in user.last.text
    await user.send("Hờ")
    await user.send("Hờ")  # sent again: a single name is a name
    assert t("join-ask-birth-date") in user.last.text


async def test_not_in_the_list_keeps_what_was_searched(world: World) -> None:
    user = world.sim.user(607)
    await reach(user, "workplace")
    await user.send("Quán phở Bình Minh")
    await user.click(t("join-workplace-not-listed"))
    assert t("join-current-value", value="Quán phở Bình Minh") in user.last.text
    await user.click(t("join-keep"))
    assert t("join-ask-employer-ward") in user.last.text


async def test_an_employer_name_needs_letters(world: World) -> None:
    user = world.sim.user(608)
    await reach(user, "workplace")
    await user.send("zzz không có")
    await user.click(t("join-workplace-not-listed"))
    await user.send("😀😀😀")
    assert t("invalid-name-needs-letters") in user.last.text


async def test_a_long_search_is_told_it_is_too_long(world: World) -> None:
    user = world.sim.user(609)
    await reach(user, "workplace")
    await user.send("a" * 5000)
    assert t("form-query-too-long", max=200) in user.last.text


async def test_a_citizen_id_that_contradicts_the_answers_is_shown_back(world: World) -> None:
    user = world.sim.user(610)
    await reach(user, "citizen_id")  # a woman born in 1998
    await user.send("001085012345")  # 4th digit 0: a man; 5th-6th: born in '85
    assert t("join-citizen-id-check", citizen_id="001085012345") in user.last.text
    await user.send("001085012345")  # she insists: it is what her card says
    assert t("join-ask-workplace") in user.last.text


async def test_my_data_shows_local_times_and_names_the_channel(world: World) -> None:
    user = world.sim.user(611)
    await complete_join(user)
    await user.send("/mydata")
    # Consent was given at 09:30 in Hà Nội (02:30 UTC).
    assert NOW.strftime("%d/%m/%Y %H:%M") in user.last.text
    assert "02:30" not in user.last.text
    assert t("channel-telegram") in user.last.text and t("language-vi") in user.last.text
    assert t("join-summary-skipped") not in user.last.text


async def test_a_draft_shows_only_what_was_answered(world: World) -> None:
    user = world.sim.user(612)
    await reach(user, "phone")
    await user.send("/mydata")
    assert t("join-summary-skipped") not in user.last.text
    assert ANSWERS["full_name"] in user.last.text


async def test_english_summary_says_tax_code(world: World) -> None:
    user = world.sim.user(613, language_code="en")
    await user.send("/join")
    await user.click(t("join-consent-agree", "en"))
    for step in ("full_name", "birth_date"):
        await user.send(ANSWERS[step])
    await user.click(t("gender-female", "en"))
    await user.send(ANSWERS["phone"])
    await user.send(ANSWERS["citizen_id"])
    await user.send(ANSWERS["workplace"])
    await user.click("Công ty TNHH May Lai Châu")
    await user.send(ANSWERS["job"])
    assert "(tax code " in user.last.text and "MST" not in user.last.text


async def test_the_app_language_survives_deleting_ones_data(world: World) -> None:
    user = world.sim.user(614, language_code="en")
    await user.send("/start")
    assert user.last.text == t("start-greeting", "en")
    await user.send("/mydata")
    await user.click(t("privacy-delete", "en"))
    await user.click(t("privacy-delete-yes", "en"))
    await user.send("/start")
    assert user.last.text == t("start-greeting", "en")
    async with world.session_factory() as session:
        person = await session.scalar(select(Person).where(Person.chat_id == "614"))
        assert person is not None and person.language == "en"


async def test_a_router_level_role_filter_refuses(world: World) -> None:
    # Routers are included as built, so a role filter set on a router guards all its handlers.
    guarded = Router(name="officers-only")
    guarded.message.filter(HasRole(Role.OFFICER))
    seen: list[int] = []

    @guarded.message(Command("secret"))
    async def secret(message: Message) -> None:
        seen.append(message.chat.id)

    guarded.parent_router = world.dp
    world.dp.sub_routers.insert(0, world.dp.sub_routers.pop())  # ahead of the fallback
    worker = world.sim.user(615)
    await worker.send("/secret")
    assert seen == [] and worker.last.text == t("fallback-unknown")
    await give_role(world, 616, Role.OFFICER, "LC-TP")
    await world.sim.user(616).send("/secret")
    assert seen == [616]


async def test_times_are_stored_in_utc_and_shown_in_the_local_zone(world: World) -> None:
    from sqlalchemy import text

    user = world.sim.user(617)
    await complete_join(user)  # at 09:30 in Hà Nội
    async with world.session_factory() as session:
        stored = (await session.execute(text("SELECT created_at FROM applications"))).scalar()
    assert str(stored).startswith("2026-11-22 02:30")
    await user.send("/status")
    assert "22/11/2026" in user.last.text
