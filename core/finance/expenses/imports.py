"""Expense documents imported from CSV or XLSX: one row per line.

Rows with the same kind, vendor (or supplier) and reference are the lines of one document;
its currency, date and note are read from its first row, and a later row that gives another
currency or date is a problem. `links` names what a line is for the way people do (SKU codes,
order numbers, a first leg's number, tracking numbers, a shop's name), several separated by
`;` or `,`, all of the type `link_type`. The reader is the catalogue import's (CSV in UTF-8 or
GB18030, or the first sheet of an XLSX; the header is line 1).

The whole file is checked first: every problem is reported with its line and column, and a
file with any problem imports nothing. Documents come in as drafts, to be approved as any
other. A document already recorded (the same kind, vendor and reference) is skipped, so the
same file imported again creates nothing new.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from core.catalog.transfer import ImportRejected, RowError, read_rows
from core.db import session
from core.errors import ValidationError
from core.finance.expenses import service
from core.finance.expenses.models import Expense
from core.messages import Msg

COLUMNS = (
    "kind",
    "vendor",
    "supplier",
    "reference",
    "currency",
    "date",
    "description",
    "amount",
    "role",
    "link_type",
    "links",
    "note",
)
REQUIRED = ("kind", "reference", "currency", "amount")
HEAD = ("currency", "date", "note")  # a document's, read from its first row
# A service field -> the file's column it came from.
FIELD_COLUMNS = {"expense_date": "date", "supplier_id": "supplier"}


@dataclass
class Group:
    lines: list[int] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ImportResult:
    created: list[Expense]
    skipped: list[str]  # "<vendor> <reference>" of documents already recorded


def import_expenses(data: bytes, filename: str) -> ImportResult:
    """Check the whole file, then create its documents (as drafts) that are not recorded yet.
    Raises ImportRejected listing every problem; the caller's transaction then writes nothing."""
    header, rows = read_rows(data, filename)
    problems: list[RowError] = []
    unknown = [c for c in header if c and c not in COLUMNS]
    for c in unknown:
        problems.append(RowError(1, c, Msg("finance.unknown_column", columns=", ".join(COLUMNS))))
    for c in REQUIRED:
        if c not in header:
            problems.append(RowError(1, c, Msg("finance.missing_column")))
    if "vendor" not in header and "supplier" not in header:
        problems.append(RowError(1, "vendor", Msg("finance.missing_vendor_column")))
    if problems:
        raise ImportRejected(problems)
    groups = _group(header, rows, problems)
    payloads: list[tuple[Group, dict[str, Any]]] = []
    for group in groups:
        payload = _payload(group, problems)
        if payload is None:
            continue
        try:
            checked = service.check(payload)
        except ValidationError as exc:
            for path, messages in exc.errors.items():
                line, column = _locate(path, group)
                problems.extend(RowError(line, column, m) for m in messages)
            continue
        payloads.append((group, {**payload, "_vendor": checked["vendor"]}))
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: (p.line, p.field)))
    created: list[Expense] = []
    skipped: list[str] = []
    for _group_rows, payload in payloads:
        vendor = payload.pop("_vendor")
        if _recorded(payload["kind"], vendor, payload["reference"]):
            skipped.append(f"{vendor} {payload['reference']}")
            continue
        created.append(service.create(payload))
    return ImportResult(created, skipped)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet's whole number
    return str(value).strip()


def _group(header: list[str], rows: list[tuple[int, list[Any]]], problems: list[RowError]) -> list[Group]:
    groups: dict[tuple[str, str, str, str], Group] = {}
    for line, cells in rows:
        row = {name: cells[i] if i < len(cells) else None for i, name in enumerate(header) if name}
        key = tuple(_text(row.get(c)) for c in ("kind", "vendor", "supplier", "reference"))
        group = groups.setdefault(key, Group())  # type: ignore[arg-type]
        if group.rows:
            first = group.rows[0]
            for c in HEAD:
                if _text(row.get(c)) and _text(row.get(c)) != _text(first.get(c)):
                    problems.append(RowError(line, c, Msg("finance.differs_from_line", line=group.lines[0])))
        group.lines.append(line)
        group.rows.append(row)
    return list(groups.values())


def _payload(group: Group, problems: list[RowError]) -> dict[str, Any] | None:
    first = group.rows[0]
    supplier_id = None
    code = _text(first.get("supplier"))
    if code:
        supplier_id = _supplier_id(code)
        if supplier_id is None:
            problems.append(RowError(group.lines[0], "supplier", Msg("finance.no_supplier_with_code", code=code)))
            return None
    lines = []
    for row in group.rows:
        line: dict[str, Any] = {"description": _text(row.get("description")), "amount": row.get("amount")}
        if _text(row.get("role")):
            line["role"] = _text(row.get("role"))
        names = [n.strip() for n in re.split(r"[;,]", _text(row.get("links"))) if n.strip()]
        if names:
            line["links"] = [{"type": _text(row.get("link_type")), "number": n} for n in names]
        lines.append(line)
    return {
        "kind": _text(first.get("kind")),
        "supplier_id": supplier_id,
        "vendor": _text(first.get("vendor")),
        "reference": _text(first.get("reference")),
        "currency": _text(first.get("currency")),
        "expense_date": _date(first.get("date")),
        "note": _text(first.get("note")),
        "lines": lines,
    }


def _date(value: Any) -> Any:
    """A spreadsheet's date cell as a date, a text one as it is (the service reads ISO dates)."""
    from datetime import date, datetime

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _text(value) or None


def _supplier_id(code: str) -> Any:
    from core.suppliers.service import supplier_query

    rows = session.execute(supplier_query(q=code).limit(20)).scalars()
    return next((s.id for s in rows if s.code == code), None)


def _recorded(kind: str, vendor: str, reference: str) -> bool:
    found = session.execute(
        select(Expense.id).where(Expense.kind == kind, Expense.vendor == vendor, Expense.reference == reference)
    ).first()
    return found is not None


def _locate(path: str, group: Group) -> tuple[int, str]:
    """A service error's path -> the file's line and column: lines.<i>.links.<j>.number is
    line i's `links`, lines.<i>.amount its `amount`; a document's field is its first line's."""
    match = re.match(r"^lines\.(\d+)(?:\.(\w+))?", path)
    if match:
        i = int(match.group(1))
        line = group.lines[i] if i < len(group.lines) else group.lines[0]
        column = match.group(2) or "amount"
        return line, "links" if column == "links" else column
    return group.lines[0], FIELD_COLUMNS.get(path, path)
