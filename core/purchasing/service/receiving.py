"""Receiving against a purchase order, and the quality check (QC) of what arrived.

A receipt records the units that arrived per order line. They enter stock in `qc_pending`
(inventory.receive_purchase, valued at the order's unit price, converted at the order's rate),
and `inbound_ordered` drops by what was still expected. A line may be over-received up to the
tenant's tolerance (a percentage of what was ordered and not terminated); beyond that the
receipt is refused, naming the line and how many more it may take.

Each receipt line is inspected once: sample size, passed and failed units (which add up to
what arrived) and the defect reasons. Passed units are put away to a bin and become on hand
(inventory.qc_pass); failed units become unsellable (inventory.qc_reject) and can go back to
the supplier (returns.py).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core import validation as f
from core.db import locked, session, utcnow
from core.errors import InvalidTransition, NotFound, ValidationError
from core.events import emit
from core.inventory import service as inventory
from core.inventory.service import Doc, Line
from core.messages import Msg
from core.money import Money, round_money
from core.numbering import next_number
from core.purchasing import events
from core.purchasing.models import PurchaseOrder, Receipt, ReceiptLine
from core.purchasing.service import orders
from core.purchasing.service.common import (
    actor_label,
    as_uuid,
    functional_currency,
    get,
    scale,
    sku_names,
    supplier_labels,
    warehouse_codes,
)
from core.purchasing.service.settings import get_settings


def receipt_query(
    *, status: Iterable[str] | str | None = None, purchase_order_id: uuid.UUID | None = None, q: str | None = None
) -> Any:
    """Receipts, newest first. `q` matches the receipt number, its order's number or the
    tracking number it came under."""
    stmt = select(Receipt)
    if status:
        stmt = stmt.where(Receipt.status.in_([status] if isinstance(status, str) else list(status)))
    if purchase_order_id:
        stmt = stmt.where(Receipt.purchase_order_id == purchase_order_id)
    if q and q.strip():
        like = f"%{q.strip()}%"
        stmt = stmt.where(
            Receipt.number.ilike(like)
            | Receipt.tracking_number.ilike(like)
            | Receipt.purchase_order_id.in_(select(PurchaseOrder.id).where(PurchaseOrder.number.ilike(like)))
        )
    return stmt.order_by(Receipt.received_at.desc(), Receipt.id.desc())


def get_receipt(receipt_id: Any) -> Receipt:
    return get(Receipt, receipt_id, "receipt")


def count_receipts(status: str) -> int:
    return session.execute(select(func.count()).select_from(Receipt).where(Receipt.status == status)).scalar_one()


def receipt_doc(receipt: Receipt) -> Doc:
    return Doc("purchase_receipt", receipt.id, receipt.number)


def receivable(line: Any, tolerance_percent: Decimal) -> int:
    """How many more units a line may take: what was ordered and not terminated, plus the
    tolerance (rounded down to whole units), less what already arrived."""
    due = line.quantity - line.terminated_quantity
    allowed = math.floor(due * (1 + tolerance_percent / 100))
    return max(allowed - line.received_quantity, 0)


# ---------------------------------------------------------------------------------------------
# Receiving


def receive(order_id: Any, *, lines: Any, tracking_number: Any = "", note: Any = "") -> Receipt:
    """Record the units that arrived for an approved order: `lines` as [{line_id, quantity}]."""
    order = locked(PurchaseOrder, order_id, "purchase order")
    if order.status not in orders.RECEIVABLE:
        raise InvalidTransition(
            "purchase order",
            order.status,
            "receive goods for",
            Msg("purchasing.only_approved_receive"),
        )
    tolerance = get_settings().receipt_tolerance_percent
    errors = f.Errors()
    tracking = f.text(errors, "tracking_number", tracking_number, max_len=100)
    text = f.text(errors, "note", note, max_len=2000)
    wanted: list[tuple[Any, int]] = []
    if not isinstance(lines, list) or not lines:
        errors.add("lines", Msg("purchasing.give_arrived"))
    else:
        codes = sku_names(line.sku_id for line in order.lines)
        seen: set[uuid.UUID] = set()
        for i, item in enumerate(lines):
            path = f"lines.{i}."
            if not isinstance(item, dict):
                errors.add(f"lines.{i}", Msg("use_line_quantity"))
                continue
            try:
                line = orders.get_line(order, item.get("line_id"), path + "line_id")
            except ValidationError as exc:
                errors.add(path + "line_id", exc.errors[path + "line_id"][0])
                continue
            if line.id in seen:
                errors.add(path + "line_id", Msg("purchasing.line_appears_twice", position=line.position))
                continue
            seen.add(line.id)
            qty = f.integer(
                errors, path + "quantity", item.get("quantity"), minimum=0, maximum=100_000_000, required=True
            )
            if not qty:
                continue  # a line of the order that nothing arrived for this time
            most = receivable(line, tolerance)
            if qty > most:
                label = Msg("purchasing.line_label", position=line.position, sku=codes.get(line.sku_id, ("",))[0])
                errors.add(
                    path + "quantity",
                    Msg(
                        "purchasing.too_many_for_ordered",
                        qty=qty,
                        label=label,
                        quantity=line.quantity - line.terminated_quantity,
                        received_quantity=line.received_quantity,
                        tolerance=tolerance,
                        most=most,
                    ),
                )
                continue
            wanted.append((line, qty))
        if not wanted and not errors:
            errors.add("lines", Msg("purchasing.give_arrived"))
    errors.raise_if_any()

    receipt = Receipt(
        number=next_number("purchase_receipt", "GR"),
        status="qc_pending",
        purchase_order_id=order.id,
        warehouse_id=order.warehouse_id,
        tracking_number=tracking,
        note=text,
        received_at=utcnow(),
        received_by=actor_label(),
        lines=[
            ReceiptLine(
                position=n,
                purchase_order_line_id=line.id,
                sku_id=line.sku_id,
                quantity=qty,
                unit_price=line.unit_price,
                value=Decimal(0),
                qc_status="pending",
                defect_reasons=[],
            )
            for n, (line, qty) in enumerate(wanted, start=1)
        ],
    )
    session.add(receipt)
    session.flush()
    posting = inventory.receive_purchase(
        orders.doc(order),
        [
            Line(str(line.id), line.sku_id, order.warehouse_id, qty, Money(line.unit_price, order.currency))
            for line, qty in wanted
        ],
        key=f"po-receipt:{receipt.id}",
        qc=True,
        fx_rate=order.fx_rate,
    )
    for rl, (line, qty) in zip(receipt.lines, wanted):
        rl.value = scale(posting.line(str(line.id)).value, 4)
        line.received_quantity += qty
    orders.refresh_status(order)
    session.flush()
    emit(
        "purchase.received",
        received_payload(order, receipt, posting.operation_id),
        entity_type="purchase_receipt",
        entity_id=receipt.id,
    )
    return receipt


def received_payload(order: PurchaseOrder, receipt: Receipt, operation_id: uuid.UUID) -> events.PurchaseReceived:
    """For the books (goods received, not yet invoiced: 暂估) and the stock ledger: quantities,
    unit price and amounts in the order's currency, the rate used, and the book value that
    entered stock in the functional currency."""
    names = sku_names(rl.sku_id for rl in receipt.lines)
    by_line = {line.id: line for line in order.lines}
    out_lines: list[events.ReceivedLine] = []
    for rl in receipt.lines:
        po_line = by_line[rl.purchase_order_line_id]
        amount = round_money(rl.unit_price * rl.quantity, order.currency)
        out_lines.append(
            events.ReceivedLine(
                receipt_line_id=rl.id,
                purchase_order_line_id=po_line.id,
                sku_id=rl.sku_id,
                sku_code=names.get(rl.sku_id, ("",))[0],
                quantity=rl.quantity,
                unit_price=rl.unit_price,
                amount=amount,
                tax_rate=po_line.tax_rate,
                tax_amount=round_money(amount * po_line.tax_rate, order.currency),
                value=round_money(rl.value, functional_currency()),
            )
        )
    return events.PurchaseReceived(
        receipt_id=receipt.id,
        receipt_number=receipt.number,
        received_at=receipt.received_at,
        purchase_order_id=order.id,
        purchase_order_number=order.number,
        order_status=order.status,
        supplier_id=order.supplier_id,
        supplier=supplier_labels([order.supplier_id]).get(order.supplier_id),
        warehouse_id=order.warehouse_id,
        warehouse_code=warehouse_codes([order.warehouse_id]).get(order.warehouse_id),
        currency=order.currency,
        fx_rate=order.fx_rate,
        fx_source=order.fx_source,
        fx_date=order.fx_date,
        functional_currency=functional_currency(),
        tracking_number=receipt.tracking_number,
        quantity=sum(rl.quantity for rl in receipt.lines),
        amount=sum((x.amount for x in out_lines), Decimal(0)),
        tax_amount=sum((x.tax_amount for x in out_lines), Decimal(0)),
        value=sum((x.value for x in out_lines), Decimal(0)),
        stock_operation_id=operation_id,
        lines=tuple(out_lines),
    )


# ---------------------------------------------------------------------------------------------
# Quality check and put-away


def _home_bins(sku_ids: Iterable[uuid.UUID], warehouse_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID]:
    from core.inventory import service as inventory

    return inventory.home_bins(sku_ids, warehouse_id)


def _bin(errors: f.Errors, field: str, value: Any, warehouse_id: uuid.UUID) -> uuid.UUID | None:
    from core.inventory import service as inventory

    if value in (None, ""):
        return None
    try:
        ident = as_uuid(value, "bin")
    except NotFound:
        errors.add(field, Msg("purchasing.not_bin_id"))
        return None
    loc = inventory.bins([ident]).get(ident)
    if loc is None or loc.warehouse_id != warehouse_id:
        errors.add(field, Msg("purchasing.bin_not_receiving"))
        return None
    if not loc.active:
        errors.add(field, Msg("purchasing.bin_inactive", code=loc.code))
        return None
    return loc.id


def _reasons(errors: f.Errors, field: str, value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [part for part in value.replace("\r", "").split("\n")]
    if not isinstance(value, list):
        errors.add(field, Msg("purchasing.reasons_list"))
        return []
    out = []
    for item in value:
        text = f.text(errors, field, item, max_len=200)
        if text:
            out.append(text)
    return out


def inspect(receipt_id: Any, *, lines: Any) -> Receipt:
    """Record the QC of receipt lines: `lines` as [{receipt_line_id, sample_size,
    passed_quantity, failed_quantity, defect_reasons, location_id}]. Passed units go on hand
    (into `location_id`, or the SKU's home bin), failed units become unsellable."""
    receipt = locked(Receipt, receipt_id, "receipt")
    if receipt.status != "qc_pending":
        raise InvalidTransition("receipt", receipt.status, "inspect", Msg("purchasing.all_inspected"))
    errors = f.Errors()
    by_id = {rl.id: rl for rl in receipt.lines}
    home = _home_bins((rl.sku_id for rl in receipt.lines), receipt.warehouse_id)
    done: list[tuple[ReceiptLine, int, int, int, list[str], uuid.UUID | None]] = []
    if not isinstance(lines, list) or not lines:
        errors.add("lines", Msg("purchasing.give_outcome"))
    else:
        for i, item in enumerate(lines):
            path = f"lines.{i}."
            if not isinstance(item, dict):
                errors.add(f"lines.{i}", Msg("purchasing.qc_line_shape"))
                continue
            try:
                rl = by_id.get(as_uuid(item.get("receipt_line_id"), "receipt line"))
            except NotFound:
                rl = None
            if rl is None:
                errors.add(path + "receipt_line_id", Msg("purchasing.not_line_2", number=receipt.number))
                continue
            if rl.qc_status == "inspected" or any(d[0] is rl for d in done):
                raise InvalidTransition(
                    Msg("purchasing.receipt_line", position=rl.position, number=receipt.number),
                    "inspected",
                    "inspect",
                    Msg("purchasing.inspected_once"),
                )
            passed = f.integer(errors, path + "passed_quantity", item.get("passed_quantity"), minimum=0, required=True)
            failed = f.integer(errors, path + "failed_quantity", item.get("failed_quantity", 0), minimum=0)
            failed = failed or 0
            sample = f.integer(
                errors, path + "sample_size", item.get("sample_size", rl.quantity), minimum=1, maximum=rl.quantity
            )
            reasons = _reasons(errors, path + "defect_reasons", item.get("defect_reasons"))
            location = _bin(errors, path + "location_id", item.get("location_id"), receipt.warehouse_id)
            if passed is None:
                continue
            if passed + failed != rl.quantity:
                errors.add(
                    path + "passed_quantity",
                    Msg(
                        "purchasing.passed_and_failed_must",
                        passed=passed,
                        failed=failed,
                        quantity=rl.quantity,
                        position=rl.position,
                    ),
                )
            if failed and not reasons:
                errors.add(path + "defect_reasons", Msg("purchasing.say_defect"))
            done.append((rl, passed, failed, sample or rl.quantity, reasons, location or home.get(rl.sku_id)))
    errors.raise_if_any()

    order = session.execute(select(PurchaseOrder).where(PurchaseOrder.id == receipt.purchase_order_id)).scalar_one()
    po_lines = {line.id: line for line in order.lines}
    rdoc, now, who = receipt_doc(receipt), utcnow(), actor_label()
    out = []
    for rl, passed, failed, sample, reasons, location in done:
        ref = str(rl.id)
        passed_value = failed_value = Decimal(0)
        if passed:
            posting = inventory.qc_pass(
                rdoc,
                [Line(ref, rl.sku_id, receipt.warehouse_id, passed)],
                key=f"po-qc-pass:{rl.id}",
                location_id=location,
            )
            passed_value = posting.value
        if failed:
            posting = inventory.qc_reject(
                rdoc,
                [Line(ref, rl.sku_id, receipt.warehouse_id, failed)],
                key=f"po-qc-reject:{rl.id}",
                reason="; ".join(reasons)[:500],
            )
            failed_value = posting.value
        rl.qc_status, rl.sample_size, rl.passed_quantity, rl.failed_quantity = "inspected", sample, passed, failed
        rl.defect_reasons, rl.location_id, rl.inspected_at, rl.inspected_by = reasons, location, now, who
        po_line = po_lines[rl.purchase_order_line_id]
        po_line.passed_quantity += passed
        po_line.failed_quantity += failed
        out.append(
            {
                "receipt_line_id": rl.id,
                "purchase_order_line_id": po_line.id,
                "sku_id": rl.sku_id,
                "sample_size": sample,
                "passed_quantity": passed,
                "failed_quantity": failed,
                "defect_reasons": reasons,
                "location_id": location,
                "passed_value": passed_value,
                "failed_value": failed_value,
            }
        )
    if all(rl.qc_status == "inspected" for rl in receipt.lines):
        receipt.status, receipt.inspected_at = "inspected", now
    session.flush()
    names = sku_names(x["sku_id"] for x in out)
    inspected = tuple(events.InspectedLine(**x, sku_code=names.get(x["sku_id"], ("",))[0]) for x in out)
    emit(
        "purchase_receipt.inspected",
        events.ReceiptInspected(
            receipt_id=receipt.id,
            receipt_number=receipt.number,
            purchase_order_id=order.id,
            purchase_order_number=order.number,
            supplier_id=order.supplier_id,
            warehouse_id=receipt.warehouse_id,
            functional_currency=functional_currency(),
            receipt_status=receipt.status,
            lines=inspected,
        ),
        entity_type="purchase_receipt",
        entity_id=receipt.id,
    )
    return receipt
