"""Cost adjustments: value added to (or taken from) stock already on the books, without units
moving. A first leg's freight and duty arriving as landed cost, and a supplier bill priced
differently from its receipt, change the moving average of the units still held; the share
of units already sold is not stock any more, and is returned for the books to expense
(reference finance.md §1.3, §1.4: late landed costs change the average only for units still
on hand, the sold portion goes to COGS).

Each line names the units the cost is for (`quantity`: a receipt line's or a first leg's units
of a SKU at a warehouse) and the value (functional currency, signed). Of those units, as many
as the warehouse still holds of the SKU take their share of the value; the ledger records it
as a `cost_adjustment` pair per bucket holding them (out at the average, back in at the average
plus the share), so quantities never change and the reconciler rebuilds the value from the
ledger as for any other movement.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.db import utcnow, uuid7
from core.errors import ValidationError
from core.inventory.models import VALUED_BUCKETS
from core.inventory.service.engine import Entry, start
from core.inventory.service.stock import stock_event
from core.inventory.service.types import Doc, Posting
from core.messages import Msg
from core.money import allocate, round_money

KIND = "cost_adjustment"
# Where held units are taken from, in this order: a first leg's cost first finds its units
# still on the way.
BUCKET_ORDER = ("in_transit", "on_hand", "qc_pending", "unsellable")


@dataclass(frozen=True)
class CostLine:
    ref: str
    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: int
    value: Decimal


def held_refs(posting: Posting, ref: str) -> dict[str, Decimal]:
    """The value a line added per bucket (`ref:bucket` posted lines); the rest was sold."""
    prefix = f"{ref}:"
    return {pl.ref[len(prefix) :]: pl.value for pl in posting.lines if pl.ref.startswith(prefix)}


@stock_event
def add_cost(doc: Doc, lines: Sequence[CostLine], *, key: str, reason: str = "") -> Posting:
    """Add each line's value to the units of it still held. Returns a Posting whose lines are
    `<ref>:<bucket>` with the units and value each bucket took; what a line's value has more
    than its posted lines is the share of units already sold."""
    errors: dict[str, list[str]] = {}
    for i, ln in enumerate(lines):
        if not isinstance(ln, CostLine) or ln.quantity <= 0 or not isinstance(ln.value, Decimal):
            errors[f"lines.{i}"] = ["give CostLine(ref, sku_id, warehouse_id, quantity > 0, value)"]
    if not lines:
        errors["lines"] = [Msg("lines_required")]
    if errors:
        raise ValidationError(errors)
    request = {"lines": [[ln.ref, ln.sku_id, ln.warehouse_id, ln.quantity, str(ln.value)] for ln in lines]}
    entry = start(KIND, doc, key, request, reason)
    if isinstance(entry, Posting):
        return entry
    entry.lock({(ln.sku_id, ln.warehouse_id) for ln in lines})
    for ln in lines:
        _apply(entry, ln)
    return entry.finish()


def _apply(entry: Entry, ln: CostLine) -> None:
    b = entry.balance(ln.sku_id, ln.warehouse_id)
    valued = b.valued_quantity
    held = min(ln.quantity, valued)
    if held == 0 or ln.value == 0:
        return
    share = round_money(ln.value * held / ln.quantity, entry.currency)
    # A credit never takes more than the held units are worth; the rest is the books' to expense.
    share = max(share, -round_money(b.stock_value * held / valued, entry.currency))
    takes: list[tuple[str, int]] = []
    left = held
    for bucket in BUCKET_ORDER:
        n = min(left, getattr(b, bucket))
        if n > 0:
            takes.append((bucket, n))
            left -= n
    parts = (
        allocate(share, [n for _, n in takes], entry.currency)
        if share >= 0
        else [-p for p in allocate(-share, [n for _, n in takes], entry.currency)]
    )
    for (bucket, n), part in zip(takes, parts):
        assert bucket in VALUED_BUCKETS
        out = (
            b.stock_value
            if n == b.valued_quantity
            else round_money(b.stock_value * n / b.valued_quantity, entry.currency)
        )
        out = min(out, b.stock_value)
        part = max(part, -out)
        b.stock_value -= out
        _row(entry, ln, bucket, None, n, out)
        b.stock_value += out + part
        _row(entry, ln, None, bucket, n, out + part)
        entry.post(f"{ln.ref}:{bucket}", ln.sku_id, ln.warehouse_id, n, part)


def _row(entry: Entry, ln: CostLine, from_bucket: str | None, to_bucket: str | None, qty: int, value: Decimal) -> None:
    now = utcnow()
    entry.rows.append(
        {
            "id": uuid7(),
            "tenant_id": entry.balance(ln.sku_id, ln.warehouse_id).tenant_id,
            "operation_id": entry.op_id,
            "line": len(entry.rows) + 1,
            "kind": KIND,
            "sku_id": ln.sku_id,
            "warehouse_id": ln.warehouse_id,
            "location_id": None,
            "quantity": qty,
            "from_bucket": from_bucket,
            "to_bucket": to_bucket,
            "unit_cost": (value / qty).quantize(Decimal("0.000001")),
            "value": value,
            "currency": entry.currency,
            "doc_type": entry.doc.type,
            "doc_id": entry.doc.id,
            "doc_number": entry.doc.number,
            "doc_line": ln.ref[:64],
            "reason": entry.reason[:500],
            "actor": entry.actor,
            "created_at": now,
            "updated_at": now,
        }
    )
