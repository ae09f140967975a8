"""Every Fluent key exists in both locales, and every key the code uses exists."""

from __future__ import annotations

import re
from pathlib import Path

from fluent.syntax import FluentParser, ast

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
CODE_DIRS = ["bot", "handlers", "services", "scheduler"]
LITERAL = re.compile(r"""(?:i18n\.get|\bt|core\.get)\(\s*["']([a-z][\w-]*)["']""")
# Keys built at run time from a prefix and a known set of suffixes.
DYNAMIC = {
    "gender-": ["male", "female", "other"],
    "status-": ["submitted", "more-info", "approved", "rejected"],
    "why-topic-": ["benefits", "activities", "dues", "faq"],
    "why-": ["intro", "benefits", "activities", "dues", "faq"],
    "join-edit-": ["full-name", "birth-date", "gender", "phone", "citizen-id", "workplace", "job"],
    "join-ask-": [
        "consent",
        "full-name",
        "birth-date",
        "gender",
        "phone",
        "citizen-id",
        "workplace",
        "employer-name",
        "employer-ward",
        "job",
    ],
    "language-": ["vi", "en"],
    "role-": ["collaborator", "officer", "steering", "admin"],
    "invite-refused-": ["unknown", "used", "expired", "revoked"],
    "lead-stage-": ["new", "contacted", "mobilizing", "founded", "declined", "closed"],
    "lead-reason-": ["pays-fee", "workers", "party-cell", "industrial-zone", "years"],
    "lead-ask-": [
        "tax-code",
        "name",
        "address",
        "ward",
        "workers",
        "pays-fee",
        "party-cell",
        "industrial-zone",
        "years",
        "contact",
        "note",
    ],
    "cmd-": ["start", "join", "status", "mydata", "why", "language", "help"],
}


def keys(locale: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    parser = FluentParser()
    for path in sorted((LOCALES / locale).rglob("*.ftl")):
        resource = parser.parse(path.read_text(encoding="utf-8"))
        junk = [entry for entry in resource.body if isinstance(entry, ast.Junk)]
        assert not junk, f"{path}: syntax error near {junk[0].content[:60]!r}"
        for entry in resource.body:
            if isinstance(entry, ast.Message):
                assert entry.id.name not in found, f"{entry.id.name} defined twice"
                found[entry.id.name] = path
    return found


def test_both_locales_have_the_same_keys() -> None:
    vi, en = keys("vi"), keys("en")
    assert sorted(set(vi) - set(en)) == []
    assert sorted(set(en) - set(vi)) == []


def test_keys_sit_in_files_of_the_same_name() -> None:
    vi, en = keys("vi"), keys("en")
    assert {k: p.name for k, p in vi.items()} == {k: p.name for k, p in en.items()}


def test_every_key_used_in_code_exists() -> None:
    defined = set(keys("vi"))
    used: set[str] = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    for prefix, suffixes in DYNAMIC.items():
        used |= {prefix + suffix for suffix in suffixes}
    assert used, "the scan found no keys at all"
    assert sorted(used - defined) == []


def test_vietnamese_has_diacritics() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in (LOCALES / "vi").rglob("*.ftl"))
    assert re.search(r"[ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợứừửữự]", text)
