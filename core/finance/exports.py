"""Reports as tables (columns, rows) for export. They are written by Tradelane's one writer,
core/exports.py (CSV with a BOM, XLSX with numbers as numbers), for the API and the portal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from core import exports as writer
from core.money import round_money

Table = tuple[list[str], list[list[Any]]]


def trial_balance(report: dict[str, Any]) -> Table:
    cols = ["code", "name", "opening_debit", "opening_credit", "debit", "credit", "closing_debit", "closing_credit"]
    return cols, [[r[c] for c in cols] for r in report["rows"]]


def general_ledger(report: dict[str, Any]) -> Table:
    cols = ["date", "number", "memo", "debit", "credit", "currency", "amount", "rate", "balance"]
    rows = [["", "", "opening", "", "", "", "", "", report["opening"]]]
    rows += [[x[c] for c in cols] for x in report["lines"]]
    rows.append(["", "", "closing", report["debit"], report["credit"], "", "", "", report["closing"]])
    return cols, rows


def balance_sheet(report: dict[str, Any]) -> Table:
    rows: list[list[Any]] = []
    for section in ("assets", "liabilities", "equity"):
        rows += [[section, x["code"], x["name"], x["amount"]] for x in report[section]]
    rows.append(["equity", "", "current earnings", report["current_earnings"]])
    rows.append(["total", "", "assets", report["total_assets"]])
    rows.append(["total", "", "liabilities and equity", report["total_liabilities_and_equity"]])
    return ["section", "code", "name", "amount"], rows


def profit_and_loss(report: dict[str, Any]) -> Table:
    rows = [["income", x["code"], x["name"], x["amount"]] for x in report["income"]]
    rows += [["expense", x["code"], x["name"], x["amount"]] for x in report["expenses"]]
    rows.append(["profit", "", "", report["profit"]])
    return ["section", "code", "name", "amount"], rows


def profit(rows: Sequence[dict[str, Any]]) -> Table:
    cols = [
        "key",
        "label",
        "revenue",
        "refunds",
        "cogs",
        "fees",
        "fees_estimated",
        "fees_source",
        "freight",
        "profit",
        "margin_percent",
    ]
    return cols, [[r[c] for c in cols] for r in rows]


def ageing(rows: Sequence[dict[str, Any]]) -> Table:
    bands = ["current", "1-30", "31-60", "61-90", "90+"]
    return ["supplier", "currency", *bands, "total"], [
        [r["supplier"], r["currency"], *(r["bands"][b] for b in bands), r["total"]] for r in rows
    ]


def accounts(rows: Sequence[Any], used: set[Any]) -> Table:
    cols = ["code", "name", "type", "currency", "monetary", "active", "used"]
    return cols, [[a.code, a.name, a.type, a.currency or "", a.monetary, a.active, a.id in used] for a in rows]


def bills(rows: Sequence[Any]) -> Table:
    cols = ["number", "kind", "supplier", "supplier_reference", "bill_date", "due_date", "currency", "rate"]
    cols += ["amount", "tax", "total", "paid", "open", "status"]
    return cols, [
        [
            b.number,
            b.kind,
            b.supplier_name,
            b.supplier_reference,
            b.bill_date.isoformat(),
            b.due_date.isoformat(),
            b.currency,
            b.rate,
            *(round_money(x, b.currency) for x in (b.amount, b.tax, b.total, b.paid, b.open_amount)),
            b.status,
        ]
        for b in rows
    ]


def payments(rows: Sequence[Any]) -> Table:
    cols = ["number", "kind", "supplier", "payment_date", "currency", "rate", "amount", "applied", "unapplied"]
    cols += ["bank_charges", "reference"]
    return cols, [
        [
            p.number,
            p.kind,
            p.supplier_name,
            p.payment_date.isoformat(),
            p.currency,
            p.rate,
            *(round_money(x, p.currency) for x in (p.amount, p.applied, p.unapplied, p.bank_charges)),
            p.reference,
        ]
        for p in rows
    ]


def cells(fmt: str) -> Callable[[list[Any]], list[Any]]:
    """How a table's row is written in `fmt` by core.exports: in XLSX, the amounts the reports
    hold as text ("340.00") become numbers; CSV keeps them as they are."""
    return _numbers if fmt == "xlsx" else _same


def download(table: Table, name: str, fmt: str) -> Any:
    """The table as the `fmt` download, through Tradelane's one writer."""
    cols, rows = table
    return writer.response(name, cols, iter(rows), cells(fmt), fmt)


def _same(row: list[Any]) -> list[Any]:
    return row


def _numbers(row: list[Any]) -> list[Any]:
    return [_number(v) for v in row]


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return Decimal(value) if value and value.lstrip("-").replace(".", "", 1).isdigit() else value
        except ArithmeticError:
            return value
    return value
