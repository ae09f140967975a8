"""Every Fluent key exists in both locales, and every key the code uses exists."""

from __future__ import annotations

import ast as ast_py
import re
from pathlib import Path

from fluent.syntax import FluentParser, ast

from locales import fluent_core

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
CODE_DIRS = ["bot", "handlers", "services", "scheduler"]
KEY_SHAPE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")


def _code() -> list[tuple[Path, ast_py.Module]]:
    return [
        (path, ast_py.parse(path.read_text(encoding="utf-8")))
        for folder in CODE_DIRS
        for path in sorted((ROOT / folder).rglob("*.py"))
    ]


# Its reason codes go into the CSV error report, not into a message.
NOT_RENDERED = {"services/register_import.py"}


def literals(shaped: bool = True) -> set[str]:
    """String literals in the code (those shaped like a Fluent key, or all of them)."""
    found: set[str] = set()
    for path, tree in _code():
        if shaped and str(path.relative_to(ROOT)) in NOT_RENDERED:
            continue
        for node in ast_py.walk(tree):
            is_text = isinstance(node, ast_py.Constant) and isinstance(node.value, str)
            if is_text and (not shaped or KEY_SHAPE.match(node.value)):
                found.add(node.value)
    return found


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
    families = {key.split("-")[0] for key in defined}
    used = {k for k in literals() if k.split("-")[0] in families}
    assert used, "the scan found no keys at all"
    assert sorted(used - defined) == []


def test_every_key_is_used_literally_in_code() -> None:
    # Keys are written out where they are used, so grep leads from a reply to its code.
    assert sorted(set(keys("vi")) - literals(shaped=False)) == []


def test_no_key_is_built_at_run_time() -> None:
    built = []
    for path, tree in _code():
        for node in ast_py.walk(tree):
            if not isinstance(node, ast_py.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("get", "t") and isinstance(node.args[0], ast_py.JoinedStr):
                built.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert built == []


def test_vietnamese_has_diacritics() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in (LOCALES / "vi").rglob("*.ftl"))
    assert re.search(r"[ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợứừửữự]", text)


def test_texts_without_arguments_are_formatted_once_and_texts_with_them_never_kept() -> None:
    core = fluent_core("vi")
    first = core.get("menu-join", "vi")
    assert core.get("menu-join", "vi") is first  # kept: the same object again
    assert core.get("menu-join", "en") != first  # per locale
    named = core.get("join-submitted", "vi", reference="DV-2026-000001", unit="Nguyễn Văn A")
    assert "Nguyễn Văn A" in named
    assert not any("Nguyễn Văn A" in text for text in core._plain.values())
