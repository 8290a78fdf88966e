"""The documentation keeps up with the code (in the manner of datasette's test_docs.py): every
plugin hook has its section in docs/plugins.md, and every declared business event its row in
its capability's table in docs/events.md. Both are read from the code, never from a list kept
here, so a new hook or event without documentation fails this test."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from core import event_types, hookspecs

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _hookspecs() -> set[str]:
    return {name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "tradelane_spec")}


def _hook_sections() -> set[str]:
    """Hook names of the `### \\`name(...)\\`` headings under "## Hooks" in docs/plugins.md."""
    text = (DOCS / "plugins.md").read_text()
    hooks = text.split("\n## Hooks\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^### `(\w+)\(", hooks, flags=re.M))


def _event_tables() -> dict[str, set[str]]:
    """Event names in the first column of each `## <capability>` table of docs/events.md."""
    tables: dict[str, set[str]] = {}
    current = None
    for line in (DOCS / "events.md").read_text().splitlines():
        heading = re.match(r"^## (\w+)\s*$", line)
        if heading:
            current = heading.group(1)
            continue
        row = re.match(r"^\| `([\w.]+)` \|", line)
        if row and current is not None:
            tables.setdefault(current, set()).add(row.group(1))
    return tables


def _declared() -> dict[str, event_types.Declaration]:
    return {n: d for n, d in event_types.load_all().items() if not d.capability.startswith("tests")}


@pytest.mark.parametrize("hook", sorted(_hookspecs()))
def test_every_hook_has_a_section_and_a_docstring(hook):
    assert hook in _hook_sections(), f"docs/plugins.md has no '### `{hook}(...)`' section under '## Hooks'"
    assert (getattr(hookspecs, hook).__doc__ or "").strip(), f"hookspec {hook} has no docstring"


def test_every_documented_hook_exists():
    assert _hook_sections() <= _hookspecs(), "docs/plugins.md documents a hook core.hookspecs does not define"


@pytest.mark.parametrize("name", sorted(_declared()))
def test_every_declared_event_is_in_its_capabilitys_table(name):
    decl = _declared()[name]
    tables = _event_tables()
    assert decl.capability in tables, f"docs/events.md has no '## {decl.capability}' table"
    assert name in tables[decl.capability], f"{name} is missing from the '## {decl.capability}' table of docs/events.md"


def test_every_documented_event_is_declared():
    declared = _declared()
    for capability, names in _event_tables().items():
        for name in names:
            assert name in declared, f"docs/events.md lists {name}, which no capability declares"
            assert declared[name].capability == capability, f"{name} is declared by {declared[name].capability}"


def test_the_docs_test_notices_what_is_missing(monkeypatch, tmp_path):
    """The checks above fail when a hook section or an event row is removed."""
    (tmp_path / "plugins.md").write_text((DOCS / "plugins.md").read_text().replace("### `on_event(", "### `gone("))
    (tmp_path / "events.md").write_text(
        "\n".join(line for line in (DOCS / "events.md").read_text().splitlines() if "`order.shipped`" not in line)
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["DOCS"]), "DOCS", tmp_path)
    assert "on_event" not in _hook_sections()
    with pytest.raises(AssertionError, match="order.shipped is missing"):
        test_every_declared_event_is_in_its_capabilitys_table("order.shipped")
