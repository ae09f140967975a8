"""Conversation steps shared by the tests: a worker's answers, typed as a person would."""

from __future__ import annotations

from bot.simulator import SimUser
from tests.conftest import t

ANSWERS = {
    "full_name": "Nguyễn Thị Lan",
    "birth_date": "25/03/1998",
    "phone": "0912 345 678",
    "citizen_id": "001198012345",
    "workplace": "may lai chau",
    "job": "Công nhân may",
}


async def reach(user: SimUser, step: str, **answers: str) -> None:
    """Walk a fresh worker from /start to the question of `step`."""
    values = {**ANSWERS, **answers}
    order = [
        "consent",
        "full_name",
        "birth_date",
        "gender",
        "phone",
        "citizen_id",
        "workplace",
        "job",
        "summary",
    ]
    await user.send("/start")
    await user.click(t("menu-join"))
    for current in order:
        if current == step:
            return
        if current == "consent":
            await user.click(t("join-consent-agree"))
        elif current == "gender":
            await user.click(t("gender-female"))
        elif current == "workplace":
            await user.send(values["workplace"])
            await user.click("Công ty TNHH May Lai Châu")
        else:
            await user.send(values[current])
    raise AssertionError(f"unknown step {step}")


async def complete_join(user: SimUser, **answers: str) -> None:
    await reach(user, "summary", **answers)
    await user.click(t("join-submit"))
