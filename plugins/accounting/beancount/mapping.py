"""Vouchers as beancount text (shared/reference/finance.md §5): each voucher one transaction
with its metadata and a link, foreign lines with their total price (`@@`, so each posting's
weight is exactly the functional value the voucher holds), accounts opened before first use,
and a `price` directive per currency and day from the voucher's rates.

Written by hand: beancount is GPL, so shipped code only writes its text format; the tests run
beancount's own loader and checks on the files."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from core.ports import Voucher, VoucherLine

ROOTS = ("Assets", "Liabilities", "Equity", "Income", "Expenses")
# An account name beancount accepts: a root type, then components starting with a capital or
# a digit (ASCII here; beancount's Unicode rules differ between versions).
ACCOUNT = re.compile(r"^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+$")
CURRENCY = re.compile(r"^[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]$")


def account_problem(name: str) -> str | None:
    if not ACCOUNT.match(name):
        return (
            f"{name!r} is not a beancount account: it starts with one of {', '.join(ROOTS)} and has"
            " components like :Bank:USD (capital or digit first, letters, digits and dashes)"
        )
    return None


def link(reference: str) -> str:
    """A beancount link for a voucher reference: links take [A-Za-z0-9-_/.] only, so the
    reference's other characters (记) are dropped and a short hash keeps links unique."""
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", reference).strip("-")
    digest = hashlib.sha256(reference.encode()).hexdigest()[:8]
    return f"tl-{slug}-{digest}" if slug else f"tl-{digest}"


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def number(value: Decimal) -> str:
    """At least two decimals, no trailing zeros beyond them, never an exponent."""
    q = value.normalize()
    if q.as_tuple().exponent > -2:
        q = q.quantize(Decimal("0.01"))
    return format(q, "f")


def net(line: VoucherLine) -> Decimal:
    return line.debit - line.credit


def posting(line: VoucherLine) -> str:
    value = net(line)
    foreign = line.amount_foreign
    if line.foreign_currency and foreign and (foreign > 0) == (value > 0) and value != 0:
        # The total price carries the exact functional value (the weight beancount balances).
        return f"  {line.account}  {number(foreign)} {line.foreign_currency} @@ {number(abs(value))} {line.currency}"
    return f"  {line.account}  {number(value)} {line.currency}"


def transaction(voucher: Voucher) -> str:
    links = [link(voucher.reference)]
    if voucher.reverses:
        links.append(link(voucher.reverses))
    head = f"{voucher.date.isoformat()[:10]} * {quote(voucher.description or voucher.number)} " + " ".join(
        "^" + x for x in links
    )
    meta = [f"  ref: {quote(voucher.reference)}", f"  voucher: {quote(voucher.number)}"]
    if voucher.source_event:
        meta.append(f"  event: {quote(voucher.source_event)}")
    if voucher.reverses:
        meta.append(f"  reverses: {quote(voucher.reverses)}")
    body = []
    for line in voucher.lines:
        body.append(posting(line))
        if line.description and line.description != voucher.description:
            body.append(f"    memo: {quote(line.description[:200])}")
        for kind, code in sorted(line.dimensions.items()):
            body.append(f"    {kind}: {quote(code)}")
    return "\n".join([head, *meta, *body]) + "\n"


def opens(accounts: Iterable[str], on: date) -> str:
    return "".join(f"{on.isoformat()} open {a}\n" for a in accounts)


def prices(voucher: Voucher) -> list[tuple[str, str, Decimal]]:
    """(day, currency, rate) of the voucher's foreign lines, for `price` directives."""
    out = []
    for line in voucher.lines:
        if line.foreign_currency and line.rate:
            out.append((voucher.date.isoformat()[:10], line.foreign_currency, line.rate))
    return out


def price(day: str, currency: str, rate: Decimal, functional: str) -> str:
    return f"{day} price {currency} {number(rate)} {functional}\n"


def header(functional: str, title: str) -> str:
    return (
        f"; Tradelane books exported for beancount: {title}\n"
        f'option "title" {quote(title)}\n'
        f'option "operating_currency" "{functional}"\n\n'
    )
