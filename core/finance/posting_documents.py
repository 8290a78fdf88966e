"""Business documents posted to accounting targets beside the vouchers (docs/accounting.md).

A target that takes documents (`AccountingTarget.document_kinds`, Kingdee's SAL_OUTSTOCK,
SAL_RETURNSTOCK and STK_TransferDirect) and a connection that turned some on
(`documents_on`) get, in each posting run, one document per business event of those kinds
from the run's start date: a shipped order is a sales outbound, a received return a sales
return, a shipped transfer or first leg a transfer. The events are read from the outbox, the
business's own record, so a connection made later still gets the documents from its start
date. Each is enrolled once (`finance_postings`, unique per connection and event): a
re-delivered event, a second run or a retry finds the row and sends nothing new.

The document is built from the event's payload with the connection's mapping (shops as
customers, SKUs as materials, warehouses as the target's warehouses). Quantities are in
stock units of the SKU; a sale's unit price is per stock unit, in the order's currency.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.db import session
from core.events import OutboxEvent
from core.finance.posting_models import Posting, PostingMapping
from core.ports import BusinessDocument, DocumentLine

# The business events each document kind is made from.
EVENTS = {
    "sales_outbound": ("order.shipped",),
    "sales_return": ("return.received",),
    "transfer": ("transfer.shipped", "first_leg.shipped"),
}
KIND_OF = {name: kind for kind, names in EVENTS.items() for name in names}
# The mapping kinds each document names: they must be mapped while the document is on.
NEEDS = {
    "sales_outbound": ("customer", "material", "warehouse"),
    "sales_return": ("customer", "material", "warehouse"),
    "transfer": ("material", "warehouse"),
}
PRICE = Decimal("0.000001")  # a unit price per stock unit, when an item is several units


def reference(number: str, seq: int | None) -> str:
    """A document's identity towards the target, and its idempotency key: our document's
    number and the event's place in the tenant's commit order (unique per tenant; an order
    number alone is not, were an order to ship twice)."""
    return f"{number}/{seq or 0}"[:100]


def needs(kinds: tuple[str, ...]) -> set[str]:
    return {k for kind in kinds for k in NEEDS.get(kind, ())}


def _number(ev: OutboxEvent) -> str:
    data = ev.payload or {}
    return str(data.get("return_number") if ev.name == "return.received" else data.get("number") or "")


def business_date(ev: OutboxEvent) -> Any:
    """The day the goods moved: the shipment's for sales and transfers, the event's for a
    return (it is emitted when the return is received)."""
    shipped = getattr(ev.data, "shipped_at", None) if ev.name != "return.received" else None
    return (shipped or ev.created_at).date()


def enrol(run: Any, kinds: tuple[str, ...]) -> int:
    """Give the run a posting row for each event of the turned-on `kinds` from its start
    date that has none on the connection yet. Returns how many were added."""
    names = [n for k in kinds for n in EVENTS.get(k, ())]
    if not names:
        return 0
    have = select(Posting.event_id).where(Posting.connection_id == run.connection_id, Posting.event_id.is_not(None))
    since = datetime.combine(run.start_date, time.min, UTC)
    stmt = (
        select(OutboxEvent)
        .where(
            OutboxEvent.name.in_(names),
            OutboxEvent.created_at >= since,
            OutboxEvent.seq.is_not(None),
            OutboxEvent.id.not_in(have),
        )
        .order_by(OutboxEvent.seq)
    )
    added = 0
    for ev in session.execute(stmt).scalars():
        session.add(
            Posting(
                connection_id=run.connection_id,
                kind=KIND_OF[ev.name],
                event_id=ev.id,
                voucher_id=None,
                voucher_date=business_date(ev),
                voucher_seq=ev.seq or 0,
                run_id=run.id,
                reference=reference(_number(ev), ev.seq),
            )
        )
        added += 1
    return added


def events_of(rows: list[Posting]) -> dict[uuid.UUID, OutboxEvent]:
    ids = [r.event_id for r in rows if r.event_id is not None]
    if not ids:
        return {}
    return {e.id: e for e in session.execute(select(OutboxEvent).where(OutboxEvent.id.in_(ids))).scalars()}


def _shipped_prices(order_id: Any) -> dict[str, Decimal]:
    """A returned order's unit prices per line, from its order.shipped event (returns carry
    quantities only)."""
    rows = session.execute(
        select(OutboxEvent.payload).where(
            OutboxEvent.name == "order.shipped",
            OutboxEvent.entity_type == "order",
            OutboxEvent.entity_id == str(order_id),
        )
    ).scalars()
    out: dict[str, Decimal] = {}
    for payload in rows:
        for line in (payload or {}).get("lines") or []:
            out[str(line.get("line_id"))] = Decimal(str(line.get("unit_price")))
    return out


def _per_unit(price: Decimal, quantity: int, stock_quantity: int) -> Decimal:
    if stock_quantity in (0, quantity):
        return price
    return (price * quantity / stock_quantity).quantize(PRICE)


class DocumentBuilder:
    """Turns an event into the port's document, with the connection's mapping applied."""

    def __init__(self, mapped: dict[tuple[str, str], PostingMapping], labels: Any) -> None:
        self.mapped = mapped
        self.labels = labels  # (kind, key) -> what the person sees for an unmapped item

    def _code(self, kind: str, value: Any, problems: list[str], label: str = "") -> str:
        if value is None:  # e.g. an order shipped by the platform with no platform warehouse set up
            problems.append(f"{kind} (the business event names none)")
            return ""
        m = self.mapped.get((kind, str(value)))
        if m is None:
            problems.append(f"{kind} {label or self.labels(kind, str(value))}")
            return ""
        return m.external_code

    def build(self, row: Posting, ev: OutboxEvent) -> tuple[BusinessDocument, list[str]]:
        """The document and the items it needs that are not mapped."""
        data = ev.data
        problems: list[str] = []
        kind = row.kind
        customer, currency = "", ""
        out = []
        if kind == "transfer":
            source = self._code("warehouse", data.source_warehouse_id, problems)
            destination = self._code("warehouse", data.destination_warehouse_id, problems)
            for ln in data.lines:
                if ln.quantity > 0:
                    out.append(
                        DocumentLine(
                            material=self._code("material", ln.sku_id, problems),
                            quantity=ln.quantity,
                            warehouse=source,
                            to_warehouse=destination,
                        )
                    )
            description = f"{ev.name} {data.number}"
        else:
            customer = self._code("customer", data.connection_id, problems)
            currency = data.currency
            warehouse = self._code("warehouse", data.warehouse_id, problems)
            prices = _shipped_prices(data.order_id) if kind == "sales_return" else {}
            for ln in data.lines:
                if isinstance(ln, dict):  # a return's lines are dicts (ReturnState)
                    sku, qty, stock_qty = ln.get("sku_id"), int(ln["quantity"]), int(ln.get("stock_quantity") or 0)
                    code, price = ln.get("sku_code") or "", prices.get(str(ln.get("line_id")))
                else:
                    sku, qty, stock_qty, code, price = (
                        ln.sku_id,
                        ln.quantity,
                        ln.stock_quantity,
                        ln.sku_code,
                        ln.unit_price,
                    )
                units = stock_qty or qty
                if sku is None or units <= 0:
                    continue  # a line without stock (a service, a gift card) moves no goods
                out.append(
                    DocumentLine(
                        material=self._code("material", sku, problems, code or ""),
                        quantity=units,
                        warehouse=warehouse,
                        unit_price=_per_unit(Decimal(price), qty, units) if price is not None else None,
                    )
                )
            description = f"{data.number}" + (f" {data.return_number}" if kind == "sales_return" else "")
        document = BusinessDocument(
            kind=kind,
            reference=row.reference,
            number=_number(ev),
            date=row.voucher_date,
            lines=tuple(out),
            customer=customer,
            currency=currency,
            source_event=str(ev.id),
            description=description[:500],
        )
        return document, sorted(set(problems))
