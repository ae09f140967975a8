"""Logs without personal data, at every level: a whole join and a lead report at DEBUG."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import FLOORS, RedactingFilter, configure_logging, redact
from models import Role
from tests.conftest import Recorder, World, t
from tests.journeys import ANSWERS, complete_join
from tests.test_leads import give_role

LEAD = {
    "name": "Công ty TNHH Thêu Ren Bình Minh",
    "address": "Số 17 ngõ Hoa Ban",
    "contact": "Chị Lò Thị Xuân 0987 654 321",
}
# Recorder typed, in the forms it could be logged in.
TYPED = [
    ANSWERS["full_name"],
    ANSWERS["birth_date"],
    "1998-03-25",
    ANSWERS["phone"],
    "0912345678",
    "+84912345678",
    "84912345678",
    ANSWERS["citizen_id"],
    ANSWERS["job"],
    LEAD["name"],
    LEAD["address"],
    "Lò Thị Xuân",
    "0987 654 321",
    "+84987654321",
    "0987654321",
]


@pytest.fixture
def debug_log() -> Iterator[tuple[Recorder, io.StringIO]]:
    """configure_logging("DEBUG") writing to a buffer, plus a handler keeping every record."""
    root = logging.getLogger()
    saved = (root.level, {name: logging.getLogger(name).level for name in FLOORS})
    out = io.StringIO()
    installed = configure_logging("DEBUG", stream=out)
    everything = Recorder()
    root.addHandler(everything)
    yield everything, out
    root.removeHandler(everything)
    root.removeHandler(installed)
    root.setLevel(saved[0])
    for name, level in saved[1].items():
        logging.getLogger(name).setLevel(level)


def leaks(text: str) -> list[str]:
    """The typed values found in `text`, as typed or as JSON would escape them."""
    found = []
    for value in TYPED:
        escaped = json.dumps(value)[1:-1]
        if value in text or escaped in text or value.lower() in text.lower():
            found.append(value)
    return found


async def test_a_join_and_a_lead_at_debug_log_no_personal_data(
    world: World, debug_log: tuple[Recorder, io.StringIO]
) -> None:
    everything, out = debug_log
    worker = world.sim.user(501)
    await complete_join(worker)
    assert "DV-2026-" in worker.last.text

    await give_role(world, 502, Role.COLLABORATOR, "LC-TP-W01")
    collaborator = world.sim.user(502, first_name="Lò Thị Xuân")
    await collaborator.send("/lead")
    await collaborator.click(t("lead-tax-code-unknown"))
    await collaborator.send(LEAD["name"])
    await collaborator.send(LEAD["address"])
    await collaborator.send("30")
    await collaborator.click(t("lead-yes"))
    await collaborator.click(t("lead-no"))
    await collaborator.click(t("lead-no"))
    await collaborator.send("5")
    await collaborator.send(LEAD["contact"])
    await collaborator.click(t("lead-skip"))
    assert LEAD["name"] in collaborator.last.text

    # The run did log (at DEBUG, through the installed handler) — and none of what was typed.
    assert len(everything.records) > 20
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in everything.records:
        seen = " ".join(
            (formatter.format(record), str(record.msg), repr(record.args), record.exc_text or "")
        )
        assert not leaks(seen), f"{record.name}: {leaks(seen)} in {seen[:300]!r}"
    assert not leaks(out.getvalue())


async def test_the_scan_finds_what_an_uncapped_driver_logs(
    world: World, debug_log: tuple[Recorder, io.StringIO]
) -> None:
    """The scan can fail: SQLAlchemy's engine, uncapped, logs every row it reads at DEBUG (the
    conversation state carries what was typed)."""
    everything, _ = debug_log
    logging.getLogger("sqlalchemy").setLevel(logging.DEBUG)  # restored by the fixture
    await complete_join(world.sim.user(503))
    engine = [r for r in everything.records if r.name.startswith("sqlalchemy.engine")]
    assert any(leaks(f"{r.msg} {r.args!r}") for r in engine)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("phone 0912 345 678 given", "phone <phone> given"),
        ("phone 0912345678.", "phone <phone>."),
        ("+84912345678", "<phone>"),
        ("84912345678", "<phone>"),
        ("0912.345.678", "<phone>"),
        ("landline 024 3825 1234", "landline <phone>"),
        ("id 001198012345 ok", "id <id> ok"),
        ("GET /bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ/getMe", "GET /bot<token>/getMe"),
        ("update 1796288635726392 (message) failed", "update 1796288635726392 (message) failed"),
        ("person 12 lead 4 unit 7", "person 12 lead 4 unit 7"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_the_filter_redacts_arguments_and_exceptions() -> None:
    try:
        raise ValueError("bad phone 0912345678")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "typed %s", ("001198012345",), sys.exc_info()
        )
    assert RedactingFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "typed <id>" in text and "<phone>" in text
    assert "001198012345" not in text and "0912345678" not in text


def test_configuring_again_replaces_the_handler(debug_log: tuple[Recorder, io.StringIO]) -> None:
    root = logging.getLogger()
    out = io.StringIO()
    configure_logging("info", stream=out)
    ours = [h for h in root.handlers if getattr(h, "doanvien", False)]
    assert len(ours) == 1 and root.level == logging.INFO
    assert logging.getLogger("sqlalchemy.engine").getEffectiveLevel() == logging.WARNING
    logging.getLogger("doanvien.test").info("person %s: %s", 7, "0912 345 678")
    assert out.getvalue().endswith("doanvien.test: person 7: <phone>\n")
    root.removeHandler(ours[0])
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("LOUD")


def test_the_console_log_file_is_redacted_too(tmp_path: Path) -> None:
    from bot.console import log_to_file

    root = logging.getLogger()
    saved = list(root.handlers)
    path = tmp_path / "console.log"
    try:
        log_to_file(path)
        root.setLevel(logging.INFO)
        logging.getLogger("doanvien.test").info("typed %s and %s", "0912 345 678", "001198012345")
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in saved:
            root.addHandler(handler)
    text = path.read_text(encoding="utf-8")
    assert "typed <phone> and <id>" in text
    assert "0912" not in text and "001198012345" not in text
