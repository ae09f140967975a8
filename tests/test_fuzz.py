"""Fuzzed conversations: Hypothesis writes scripts for a cast of users, the real Dispatcher
answers them on a fresh SQLite database, and `tests/fuzzing.py` checks what must always hold.

`pytest -q` runs the bounded `ci` profile; `pytest -m fuzz --hypothesis-profile long` runs
thousands of scripts. A script that fails is kept in `tests/test_fuzz_regressions.py`.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.demo import tax_code
from tests.conftest import t
from tests.fuzzing import CAST, COLLABORATOR, NEWCOMER, OFFICER, WORKER, Act, Template, run_script

pytestmark = pytest.mark.fuzz


def share(fraction: float) -> settings:
    """A share of the profile's examples (`ci` or `long`, tests/conftest.py): the scripts that
    follow a journey are longer, so fewer of them run."""
    return settings(max_examples=max(1, int(settings.default.max_examples * fraction)))


# ---- texts -----------------------------------------------------------------------------

# Right-to-left marks and scripts, zero-width and joiners, combining marks, digits that are
# digits only to Unicode, markup, and the separators a parser may trip over.
ODD = (
    "\u202e\u202d\u2066\u2069\u200f\u200e\u200b\u200c\u200d\u2060\ufeff\u00ad"
    "\u0301\u0300\u0323\u0309\u0303\u20dd\u0489"
    "²³¹⁰½١٢٣۴०੧𝟙０９Ⅻ"
    "אבגعربي ạăâđêôơư ÀÁẠ 😀🇻🇳👩‍👩‍👧‍👦"
    "<>&\"'/;:_-@#*\\\n\t\r "
)
REALISTIC = (
    "Nguyễn Thị Lan",
    "Lan",
    "25/03/1998",
    "1/1/05",
    "0912 345 678",
    "+84912345678",
    "84912345678",
    "001198012345",
    "may lai chau",
    "công ty",
    tax_code(1),
    tax_code(3),
    "Công nhân may",
    "Tân Phong",
    "không biết",
    "có",
    "không",
    "nữ",
    "nam",
    "1",
    "2",
    "3",
    "9",
    "#2",
    "30",
    "01/12/2026",
    "Hủy",
    "Quay lại",
    "Cancel",
    "Back",
)
COMMANDS = (
    "start",
    "join",
    "lead",
    "leads",
    "invite",
    "cancel",
    "mydata",
    "status",
    "help",
    "why",
    "language",
    "admin",
    "xyz",
)

odd_text = st.text(alphabet=st.sampled_from(ODD), min_size=1, max_size=30)
any_text = st.text(min_size=1, max_size=40)
long_text = st.builds(
    lambda unit, size: (unit * (5000 // len(unit) + 1))[:size],
    st.one_of(odd_text, any_text),
    st.integers(min_value=100, max_value=5000),
)
# Anything Unicode calls a number: "²", "١٢", "Ⅻ", "½" — a choice may be answered by its number.
numbers = st.one_of(
    st.text(alphabet=st.sampled_from("0123456789²³¹①⑴⒈٣۴०੧０９"), min_size=1, max_size=2),
    st.text(alphabet=st.characters(categories=("Nd", "No", "Nl")), min_size=1, max_size=3),
)
texts = st.one_of(
    st.sampled_from(REALISTIC),
    numbers,
    numbers,
    st.sampled_from(REALISTIC),
    odd_text,
    any_text,
    long_text,
    st.builds(lambda a, b: a + b, st.sampled_from(REALISTIC), odd_text),
)

# ---- commands and deep links -----------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=0, max_size=16)
payloads = st.one_of(
    st.builds(lambda d: f"e_{d}", digits),
    st.builds(lambda n: f"e_{tax_code(n)}", st.integers(1, 70)),
    st.builds(
        lambda n, ref: f"e_{tax_code(n)}_c{ref}",
        st.integers(1, 70),
        st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZ23456789", max_size=24),
    ),
    st.builds(lambda s: f"inv_{s}", st.text(max_size=40)),
    st.just("{invitation}"),
    st.just("{lead_link}"),
    st.text(max_size=64),
)
commands = st.one_of(
    st.builds(lambda c: f"/{c}", st.sampled_from(COMMANDS)),
    st.builds(lambda c, a: f"/{c} {a}", st.sampled_from(COMMANDS), texts),
    st.builds(lambda c: f"/{c}@doanvien_bot", st.sampled_from(COMMANDS)),
    st.builds(lambda p: f"/start {p}", payloads),
)

# ---- callback data: the project's prefixes with odd fields, and anything at all --------

WORDS = (
    "join", "lead", "invite", "follow_up", "note", "tax", "consent", "full_name", "summary",
    "c", "back", "cancel", "keep", "quit", "stay", "open", "stage", "follow", "history", "qr",
    "reassign", "reassign_to", "follow_date", "menu", "why", "why_dues", "lang_vi", "lang_xx",
    "status", "data", "erase", "erase_yes", "lead_new", "leads_mine", "leads_unit", "continue",
    "restart", "mine", "unit", "contacted", "founded", "closed", "7", "{lead}",
)  # fmt: skip
fields = st.one_of(
    st.sampled_from(WORDS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.integers(min_value=-2, max_value=12).map(str),
    st.text(alphabet=st.sampled_from(ODD + "0123456789"), max_size=4),
)
# Each prefix with as many fields as its CallbackData has (handlers/forms.py, common.py,
# leads.py, join.py), so that forged data gets past aiogram's unpacking to the handlers.
ARITY = {"f": 5, "m": 1, "ld": 3, "ll": 2, "jr": 1}
structured = st.one_of(
    st.sampled_from(sorted(ARITY)).flatmap(
        lambda prefix: st.lists(fields, min_size=ARITY[prefix], max_size=ARITY[prefix]).map(
            lambda parts: ":".join([prefix, *parts])
        )
    ),
    st.builds(
        lambda prefix, parts: ":".join([prefix, *parts]),
        st.sampled_from((*ARITY, "x")),
        st.lists(fields, max_size=6),
    ),
)
callback_data = st.one_of(structured, structured, st.text(min_size=1, max_size=64)).filter(
    lambda data: 1 <= len(data.encode()) <= 64
)

# ---- acts ------------------------------------------------------------------------------

users = st.sampled_from(CAST)
phones = st.one_of(
    st.sampled_from(("+84912345678", "84912345678", "0912345678", "+1 650 253 0000", "")),
    st.text(alphabet="+0123456789 ", max_size=20),
)


def acts_for(user: st.SearchStrategy[int]) -> st.SearchStrategy[Act]:
    index = st.integers(min_value=0, max_value=99)
    return st.one_of(
        st.builds(Act, user, st.just("text"), texts),
        st.builds(Act, user, st.just("text"), commands),
        st.builds(Act, user, st.just("press"), index=index),
        st.builds(Act, user, st.just("press"), index=index),
        st.builds(Act, user, st.just("press"), index=index),
        st.builds(Act, user, st.just("replay"), index=index, other=index),
        st.builds(Act, user, st.just("forge"), callback_data),
        st.builds(Act, user, st.just("tamper"), fields, index=index, other=index),
        st.builds(Act, user, st.just("contact"), phones, other=st.integers(0, 2)),
        st.builds(Act, user, st.sampled_from(("sticker", "photo"))),
        st.builds(Act, user, st.just("edited"), texts, index=index),
        st.builds(Act, user, st.sampled_from(("group", "channel")), texts, other=index),
        st.builds(Act, user, st.just("group_button"), callback_data, other=index),
    )


# Mostly one person at a time, as chats go; sometimes the whole cast interleaved.
scripts = st.one_of(
    users.flatmap(lambda user: st.lists(acts_for(st.just(user)), min_size=1, max_size=30)),
    st.lists(acts_for(users), min_size=1, max_size=30),
)


@given(script=scripts)
def test_any_conversation_keeps_the_promises(fuzz_template: Template, script: list[Act]) -> None:
    run_script(fuzz_template, script)


# The journeys a user means to make, with Hypothesis's acts woven between their steps: the
# scripts reach deep into the forms (a summary, a lead's card) before things go astray.
JOIN = (
    Act(WORKER, "text", "/join"),
    Act(WORKER, "click", t("join-consent-agree")),
    Act(WORKER, "text", "Nguyễn Thị Lan"),
    Act(WORKER, "text", "25/03/1998"),
    Act(WORKER, "click", t("gender-female")),
    Act(WORKER, "text", "0912 345 678"),
    Act(WORKER, "text", "001198012345"),
    Act(WORKER, "text", "may lai chau"),
    Act(WORKER, "click", "Công ty TNHH May Lai Châu"),
    Act(WORKER, "text", "Công nhân may"),
    Act(WORKER, "click", t("join-submit")),
    Act(WORKER, "text", "/status"),
)
# The same journey from the factory-gate link of the collaborator's lead: the employer is
# filled in, and the application is credited to the collaborator.
JOIN_BY_LINK = (
    Act(WORKER, "text", "/start {lead_link}"),
    *JOIN[1:7],
    Act(WORKER, "text", "Thợ hàn"),
    *JOIN[-2:],
)
REPORT = (
    Act(COLLABORATOR, "text", "/lead"),
    Act(COLLABORATOR, "click", t("lead-tax-code-unknown")),
    Act(COLLABORATOR, "text", "Công ty TNHH Hoa Sen"),
    Act(COLLABORATOR, "text", "Số 5 đường Trần Phú"),
    Act(COLLABORATOR, "text", "30"),
    Act(COLLABORATOR, "click", t("lead-yes")),
    Act(COLLABORATOR, "click", t("lead-no")),
    Act(COLLABORATOR, "click", t("lead-yes")),
    Act(COLLABORATOR, "text", "5"),
    Act(COLLABORATOR, "text", "Chị Hoa 0912 345 678"),
    Act(COLLABORATOR, "text", "Gặp giám đốc tuần sau"),
    Act(COLLABORATOR, "text", "/leads"),
)
SUPERVISE = (
    Act(OFFICER, "text", "/invite"),
    Act(OFFICER, "text", "phong"),
    Act(OFFICER, "press", index=0),
    Act(NEWCOMER, "text", "/start {invitation}"),
    Act(OFFICER, "forge", "ll:unit:0"),
    Act(OFFICER, "forge", "ld:open:{lead}:"),
    Act(OFFICER, "click", t("lead-reassign")),
    Act(OFFICER, "press", index=0),
    Act(COLLABORATOR, "text", "/leads"),
    Act(COLLABORATOR, "press", index=0),
)


def woven(journey: tuple[Act, ...], cast: st.SearchStrategy[int]) -> st.SearchStrategy[list[Act]]:
    size = len(journey) + 1
    between = st.lists(st.lists(acts_for(cast), max_size=3), min_size=size, max_size=size)
    return between.map(
        lambda gaps: [
            act
            for step, gap in zip((*journey, None), gaps, strict=True)
            for act in (*gap, step)
            if act is not None
        ]
    )


@share(0.35)
@given(script=st.sampled_from((JOIN, JOIN_BY_LINK)).flatmap(lambda j: woven(j, st.just(WORKER))))
def test_a_worker_joining_keeps_the_promises(fuzz_template: Template, script: list[Act]) -> None:
    run_script(fuzz_template, script)


@share(0.2)
@given(script=woven(REPORT + SUPERVISE, st.sampled_from((COLLABORATOR, OFFICER, NEWCOMER))))
def test_collaborators_and_officers_keep_the_promises(
    fuzz_template: Template, script: list[Act]
) -> None:
    run_script(fuzz_template, script)
