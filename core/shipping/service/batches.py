"""Labels for many orders at once: a batch runs on the `labels` queue, buys each order's label
in a transaction of its own (one order's failure never stops the rest: it is recorded with
its reason and can be retried), and reports progress on its job. Each order is a row of its
own (`LabelBatchItem`) holding its outcome, so recording an outcome costs the same in a batch
of ten as in one of a thousand. The result prints as one file: the labels' PDFs merged, or
their ZPL concatenated for thermal printers (§4.2)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from typing import Any

from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select, update

from core import jobs
from core import validation as f
from core.db import session, utcnow
from core.errors import DomainError, NotFound, ValidationError
from core.jsonutil import jsonable
from core.messages import Msg
from core.numbering import next_number
from core.shipping.models import LabelBatch, LabelBatchItem, Shipment, ShippingLabel
from core.shipping.service import shipments

MAX_ORDERS = 1000


def start(order_ids: Sequence[Any], *, label_format: str | None = None, connection_id: Any = None) -> LabelBatch:
    """Queue a batch for the orders (at most 1,000); returns it with its job."""
    errors = f.Errors()
    if not isinstance(order_ids, (list, tuple)) or not order_ids:
        errors.add("order_ids", Msg("orders.choose_at_least_one"))
    elif len(order_ids) > MAX_ORDERS:
        errors.add("order_ids", Msg("shipping.at_most_orders_batch", max_orders=MAX_ORDERS))
    fmt = f.choice(errors, "label_format", label_format, ("PDF", "ZPL")) if label_format else None
    errors.raise_if_any()
    ids = []
    for i, oid in enumerate(order_ids):
        try:
            ids.append(uuid.UUID(str(oid)))
        except ValueError:
            errors.add(f"order_ids.{i}", Msg("not_order_id"))
    errors.raise_if_any()
    ids = list(dict.fromkeys(ids))
    numbers = shipments.ready_for_labels(ids)
    batch = LabelBatch(
        number=next_number("label_batch", "LB"),
        options={"connection_id": str(connection_id) if connection_id else None},
        status="queued",
        label_format=fmt or shipments.get_settings().label_format,
    )
    session.add(batch)
    session.flush()
    session.add_all(
        LabelBatchItem(batch_id=batch.id, position=i, order_id=oid, order_number=numbers[oid], status="waiting")
        for i, oid in enumerate(ids, start=1)
    )
    job = jobs.enqueue("shipping.buy_labels", batch_id=str(batch.id))
    batch.job_id = job.id
    session.flush()
    return batch


def get_batch(batch_id: uuid.UUID | str) -> LabelBatch:
    try:
        row = session.get(LabelBatch, uuid.UUID(str(batch_id)))
    except ValueError:
        row = None
    if row is None:
        raise NotFound("label batch", batch_id)
    return row


def batch_query(*, status: str | None = None) -> Any:
    """The tenant's label batches, newest first; `status` (queued, running, done) narrows them."""
    stmt = select(LabelBatch).order_by(LabelBatch.created_at.desc(), LabelBatch.id.desc())
    return stmt.where(LabelBatch.status == status) if status else stmt


def items_of(batch: LabelBatch) -> list[LabelBatchItem]:
    """The batch's orders in the order they were chosen, each with its outcome."""
    return list(
        session.execute(
            select(LabelBatchItem).where(LabelBatchItem.batch_id == batch.id).order_by(LabelBatchItem.position)
        ).scalars()
    )


def _record(item_id: uuid.UUID, **outcome: Any) -> None:
    # One row written per order, whatever the size of the batch.
    session.execute(update(LabelBatchItem).where(LabelBatchItem.id == item_id).values(updated_at=utcnow(), **outcome))


def run(ctx: jobs.JobContext, batch_id: str) -> dict[str, int]:
    """The job: each order not bought yet in turn, each committed on its own with its outcome.
    An order done meanwhile (a re-run job, or one bought by hand) is not bought again: its
    shipment already has its label and buy_label answers with it."""
    batch = get_batch(batch_id)
    batch.status = "running"
    options, label_format, bid = dict(batch.options or {}), batch.label_format, batch.id
    session.commit()
    todo = session.execute(
        select(LabelBatchItem.id, LabelBatchItem.order_id)
        .where(LabelBatchItem.batch_id == bid, LabelBatchItem.status != "bought")
        .order_by(LabelBatchItem.position)
    ).all()
    total = summary_of([bid])[bid]["orders"]
    done_before, shown = total - len(todo), -1
    for i, (item_id, order_id) in enumerate(todo, start=1):
        try:
            shipment = shipments.buy_label(
                order_id, connection_id=options.get("connection_id"), label_format=label_format, batch_id=bid
            )
            _record(
                item_id,
                status="bought",
                shipment_id=shipment.id,
                tracking_number=shipment.tracking_number,
                error="",
                fields={},
            )
            session.commit()  # the label and the order's outcome together
        except DomainError as exc:
            session.rollback()
            _record(item_id, status="failed", shipment_id=None, error=exc.message[:5000], fields=jsonable(exc.errors))
            session.commit()
        percent = int((done_before + i) * 100 / total)
        if percent != shown or i == len(todo):  # at most a hundred progress writes a batch
            ctx.progress(percent, Msg("jobs.orders_done", done=done_before + i, total=total))
            shown = percent
    batch = get_batch(batch_id)
    batch.status = "done"
    session.commit()
    return summary_of([bid])[bid]


def summary_of(batch_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Counts per batch, counted from its orders' rows: {batch_id: {orders, bought, failed}}."""
    out = {bid: {"orders": 0, "bought": 0, "failed": 0} for bid in batch_ids}
    if not batch_ids:
        return out
    rows = session.execute(
        select(LabelBatchItem.batch_id, LabelBatchItem.status, func.count())
        .where(LabelBatchItem.batch_id.in_(list(batch_ids)))
        .group_by(LabelBatchItem.batch_id, LabelBatchItem.status)
    ).all()
    for bid, status, n in rows:
        out[bid]["orders"] += n
        if status in ("bought", "failed"):
            out[bid][status] += n
    return out


def summary(batch: LabelBatch) -> dict[str, int]:
    return summary_of([batch.id])[batch.id]


def retry_failed(batch_id: uuid.UUID | str) -> LabelBatch:
    """Run the batch again for its failed orders (the bought ones are skipped)."""
    batch = get_batch(batch_id)
    if batch.status != "done":
        raise ValidationError.field("batch_id", Msg("shipping.batch_running"))
    batch.status = "queued"
    job = jobs.enqueue("shipping.buy_labels", batch_id=str(batch.id))
    batch.job_id = job.id
    session.flush()
    return batch


def labels_of(shipment_ids: Sequence[uuid.UUID]) -> list[ShippingLabel]:
    if not shipment_ids:
        return []
    rows = session.execute(
        select(ShippingLabel, Shipment.number)
        .join(Shipment, Shipment.id == ShippingLabel.shipment_id)
        .where(ShippingLabel.shipment_id.in_(list(shipment_ids)), ShippingLabel.voided_at.is_(None))
        .order_by(Shipment.number)
    ).all()
    return [label for label, _ in rows]


def batch_labels(batch: LabelBatch) -> list[ShippingLabel]:
    ids = session.execute(
        select(LabelBatchItem.shipment_id).where(
            LabelBatchItem.batch_id == batch.id,
            LabelBatchItem.status == "bought",
            LabelBatchItem.shipment_id.is_not(None),
        )
    ).scalars()
    return labels_of(list(ids))


def print_file(labels: Sequence[ShippingLabel], label_format: str = "PDF") -> tuple[bytes, str, str]:
    """One print file of the labels: (bytes, mimetype, extension). PDF labels are merged page by
    page; ZPL labels are concatenated. Labels of the other format are refused by name."""
    if not labels:
        raise ValidationError.field("labels", Msg("shipping.no_labels"))
    fmt = label_format.upper()
    other = [lb.tracking_number for lb in labels if lb.print_format != fmt]
    if other:
        raise ValidationError.field(
            "format", Msg("shipping.these_labels_are_not", fmt=fmt, items=", ".join(other[:20]))
        )
    if fmt == "ZPL":
        return b"\n".join(lb.print_content.rstrip(b"\n") for lb in labels) + b"\n", "application/zpl", "zpl"
    writer = PdfWriter()
    for lb in labels:
        for page in PdfReader(io.BytesIO(lb.print_content)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), "application/pdf", "pdf"
