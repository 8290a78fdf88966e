"""Forms with rows (order lines, review rules, cost and limit tables).

Each row of a table posts a marker input named `<table>.<n>` and its inputs as
`<table>.<n>.<field>`, so the service's dotted error paths (`lines.0.quantity`,
`review_rules.2.countries.1`) can land beside the input that caused them. Rows the user left
blank or removed are not sent to the service, so its index `k` is the `k`-th row sent, not
the `k`-th row of the page: `renumber` maps the paths back, and `attach` moves each error to
the nearest input on the page (`review_rules.2.countries.1` -> `review_rules.2.countries`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from web.forms import Form

COMMAS = re.compile(r"[,，;；]")
SEPARATORS = re.compile(r"[,，;；\s]+")


def row_numbers(form: Form, table: str) -> list[int]:
    """The rows of `table` the form holds (submitted markers, or the defaults' markers)."""
    source = form.data if form.submitted else form.defaults
    pattern = re.compile(rf"^{re.escape(table)}\.(\d+)$")
    return sorted({int(m.group(1)) for key in source for m in [pattern.match(key)] if m})


def with_added_row(rows: list[int]) -> list[int]:
    return [*rows, (max(rows) + 1) if rows else 0]


def split_list(text: str, *, spaces: bool = False) -> list[str]:
    """A list typed into one input: "phone order, vip" -> ["phone order", "vip"]; with
    `spaces`, spaces separate too (codes: "US, CA DE" -> ["US", "CA", "DE"])."""
    pattern = SEPARATORS if spaces else COMMAS
    return [item.strip() for item in pattern.split(text or "") if item.strip()]


def renumber(errors: dict[str, Any], table: str, rows: list[int]) -> dict[str, Any]:
    """`<table>.<k>...` (the k-th row sent) -> `<table>.<rows[k]>...` (the row on the page)."""
    pattern = re.compile(rf"^{re.escape(table)}\.(\d+)(\..+)?$")

    def rename(name: str) -> str:
        match = pattern.match(name)
        if match and int(match.group(1)) < len(rows):
            return f"{table}.{rows[int(match.group(1))]}{match.group(2) or ''}"
        return name

    return _merge((rename(k), v) for k, v in errors.items())


def attach(errors: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """Each error under the longest prefix of its path that is an input of the page; paths
    that match no input stay as they are (the form's summary lists them)."""
    known = set(names)

    def nearest(name: str) -> str:
        candidate = name
        while candidate not in known and "." in candidate:
            candidate = candidate.rsplit(".", 1)[0]
        return candidate if candidate in known else name

    return _merge((nearest(k), v) for k, v in errors.items())


def remap(exc: Any, *steps: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """Apply renaming steps to a DomainError's field errors (in place) and return it."""
    if exc.errors:
        errors = dict(exc.errors)
        for step in steps:
            errors = step(errors)
        exc.errors = errors
    return exc


def _flat(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flat(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _flat(v)]
    return [value]


def _merge(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, list[Any]] = {}
    for name, messages in items:
        kept = out.setdefault(name, [])
        for message in _flat(messages):
            if message not in kept:
                kept.append(message)
    return out
