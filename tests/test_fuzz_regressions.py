"""Failing scripts, kept as regular tests: found by the fuzzer (tests/test_fuzz.py), or
written with its harness where the generators were too unlikely to reach them.

Each runs like a fuzzed script — fresh database, the real Dispatcher, every property checked —
and then asserts what the person should have seen instead of an apology.
"""

from __future__ import annotations

from handlers.common import MAX_ROW_ID
from handlers.leads import LeadCb
from tests.conftest import t
from tests.fuzzing import COLLABORATOR, OFFICER, WORKER, Act, Template, run_script
from tests.test_fuzz import JOIN


def replies(fuzz_template: Template, acts: list[Act], user: int) -> list[str]:
    """Play `acts` checking every property; the texts `user` received."""
    return run_script(fuzz_template, acts)[user]


def test_a_circled_or_superscript_digit_is_no_choice_number(fuzz_template: Template) -> None:
    """Found by the long profile: "①" typed at the gender question. Unicode calls it a digit
    (str.isdigit), int() refuses it; the engine took it for a choice's number and crashed."""
    until_gender = list(JOIN[:4])
    for typed in ("①", "²", "1²", "⑴"):
        seen = replies(fuzz_template, [*until_gender, Act(WORKER, "text", typed)], WORKER)
        assert seen[-1].startswith("⚠️ " + t("join-use-buttons"))
    # A decimal digit of another script still names a choice: "١" is 1, the first option.
    seen = replies(fuzz_template, [*until_gender, Act(WORKER, "text", "١")], WORKER)
    assert t("join-ask-phone").split("?")[0] in seen[-1]


def test_a_forged_lead_id_beyond_64_bits_is_a_stale_button(fuzz_template: Template) -> None:
    """Written with the harness (the first generators put huge numbers in too few fields): a
    lead id no database can hold crashed the driver (OverflowError) instead of being refused.
    Such data no longer unpacks, and the person is told the button is old."""
    huge = str(MAX_ROW_ID + 1)
    for user in (COLLABORATOR, OFFICER):
        seen = replies(fuzz_template, [Act(user, "forge", f"ld:open:{huge}:")], user)
        assert seen[-1] == t("menu-title")
    run_script(fuzz_template, [Act(OFFICER, "forge", f"ld:history:-{huge}:")])


def test_a_forged_reassignment_target_is_refused(fuzz_template: Template) -> None:
    """Written with the harness: the target of a reassignment is text in the button; "²"
    crashed int(), and a number beyond 64 bits crashed the driver. Both are no collaborator,
    and the officer is told so."""
    lead = "{lead}"
    for target in ("²", str(MAX_ROW_ID + 1), "-1", ""):
        data = f"ld:reassign_to:{lead}:{target}"
        seen = replies(fuzz_template, [Act(OFFICER, "forge", data)], OFFICER)
        assert t("lead-reassign-refused") in seen


def test_a_long_history_fits_in_one_message(fuzz_template: Template) -> None:
    """Found with the fuzzing harness (the generators alone rarely write nine long notes): a
    lead's history of fifteen events with notes of 500 characters came to 4,996 characters,
    which Telegram refuses. The newest events that fit are shown, the oldest left out."""
    acts = []
    for number in range(9):
        note = f"ghi chú số {number} " + "x" * 500
        acts += [
            Act(COLLABORATOR, "forge", "ld:note:{lead}:"),
            Act(COLLABORATOR, "text", note[:500]),
        ]
    acts.append(Act(COLLABORATOR, "forge", "ld:history:{lead}:"))
    shown = replies(fuzz_template, acts, COLLABORATOR)[-1]
    assert len(shown) <= 4096
    assert "ghi chú số 8 " in shown and "ghi chú số 0 " not in shown


def test_a_row_id_at_the_limit_still_unpacks() -> None:
    packed = LeadCb(action="open", lead_id=MAX_ROW_ID).pack()
    assert LeadCb.unpack(packed).lead_id == MAX_ROW_ID
