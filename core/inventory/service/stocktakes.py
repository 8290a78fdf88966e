"""Stocktakes (盘点): cycle counts of a whole warehouse and spot counts of chosen SKUs or bins.

draft -> counting -> posted (or cancelled). Starting the count snapshots the book per SKU (the
count sheet). Warehouses keep working while people count, so each count entry also records
the book and the units picked but not yet shipped *at the moment it is entered*; the variance
is `counted + picked_at_count - book_at_count`. A unit sitting in a packing tote is not a loss,
and a shipment posted between the snapshot and the count is not a gain. Posting applies each
variance to the ledger as a gain (盘盈) or loss (盘亏) at the average cost.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core import events
from core.db import session, utcnow, uuid7
from core.errors import InvalidTransition, NotFound, ValidationError
from core.inventory.events import AdjustedLine, DocumentRef, StockAdjusted
from core.inventory.models import Reservation, SkuSetting, StockBalance, Stocktake, StocktakeLine
from core.inventory.service import skus
from core.inventory.service.engine import dotted, functional_currency, require_warehouses, start
from core.inventory.service.stock import stock_event
from core.inventory.service.types import Doc, Posting
from core.messages import Msg
from core.money import round_money
from core.numbering import next_number
from core.tenancy import current_actor


def list_stocktakes(*, warehouse_id: uuid.UUID | None = None, status: str | None = None) -> Any:
    stmt = select(Stocktake).order_by(Stocktake.created_at.desc(), Stocktake.id.desc())
    if warehouse_id:
        stmt = stmt.where(Stocktake.warehouse_id == warehouse_id)
    if status:
        stmt = stmt.where(Stocktake.status == status)
    return stmt


def get_stocktake(stocktake_id: uuid.UUID) -> Stocktake:
    st = session.execute(select(Stocktake).where(Stocktake.id == stocktake_id)).scalar_one_or_none()
    if st is None:
        raise NotFound("stocktake", stocktake_id)
    return st


def _locked(stocktake_id: uuid.UUID) -> Stocktake:
    st = session.execute(
        select(Stocktake)
        .where(Stocktake.id == stocktake_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if st is None:
        raise NotFound("stocktake", stocktake_id)
    return st


def create_stocktake(
    *,
    warehouse_id: uuid.UUID,
    scope: str = "cycle",
    sku_ids: Sequence[uuid.UUID] = (),
    location_ids: Sequence[uuid.UUID] = (),
    note: str = "",
) -> Stocktake:
    if scope not in ("cycle", "spot"):
        raise ValidationError.field("scope", Msg("stock.count_scope"))
    require_warehouses([warehouse_id])
    if scope == "spot" and not (sku_ids or location_ids):
        raise ValidationError.field("sku_ids", Msg("stock.spot_needs_items"))
    if scope == "cycle" and (sku_ids or location_ids):
        raise ValidationError.field("scope", Msg("stock.cycle_whole_warehouse"))
    if sku_ids:
        skus.check_stockable(sku_ids)
    if location_ids:
        from core.inventory.service.warehouses import get_location

        for loc_id in location_ids:
            if get_location(loc_id).warehouse_id != warehouse_id:
                raise ValidationError.field("location_ids", Msg("stock.bins_in_warehouse"))
    st = Stocktake(
        id=uuid7(),
        number=next_number("inventory_stocktake", "ST"),
        warehouse_id=warehouse_id,
        scope=scope,
        note=note,
        selection={"sku_ids": [str(s) for s in sku_ids], "location_ids": [str(x) for x in location_ids]},
    )
    session.add(st)
    session.flush()
    return st


def picked_not_shipped(warehouse_id: uuid.UUID, sku_ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, int]:
    stmt = (
        select(Reservation.sku_id, func.sum(Reservation.picked))
        .where(Reservation.warehouse_id == warehouse_id, Reservation.status == "open", Reservation.picked > 0)
        .group_by(Reservation.sku_id)
    )
    if sku_ids is not None:
        stmt = stmt.where(Reservation.sku_id.in_(set(sku_ids)))
    return {sku: int(q) for sku, q in session.execute(stmt).all()}


def _home_bins(warehouse_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID | None]:
    return dict(
        session.execute(
            select(SkuSetting.sku_id, SkuSetting.location_id).where(SkuSetting.warehouse_id == warehouse_id)
        ).all()
    )


def start_counting(stocktake_id: uuid.UUID) -> Stocktake:
    """Snapshot the book into the count sheet: draft -> counting."""
    st = _locked(stocktake_id)
    if st.status != "draft":
        raise InvalidTransition("stocktake", st.status, "start counting")
    bins = _home_bins(st.warehouse_id)
    on_hand = dict(
        session.execute(
            select(StockBalance.sku_id, StockBalance.on_hand).where(StockBalance.warehouse_id == st.warehouse_id)
        ).all()
    )
    if st.scope == "cycle":
        chosen = {s for s, q in on_hand.items() if q > 0} | {s for s, loc in bins.items() if loc}
    else:
        wanted_bins = {uuid.UUID(x) for x in st.selection.get("location_ids", [])}
        chosen = {uuid.UUID(x) for x in st.selection.get("sku_ids", [])} | {
            s for s, loc in bins.items() if loc in wanted_bins
        }
    picked = picked_not_shipped(st.warehouse_id, chosen)
    codes = skus.codes(chosen)
    ordered = sorted(chosen, key=lambda s: (str(bins.get(s) or ""), codes.get(s, "")))
    st.lines = [
        StocktakeLine(
            position=i + 1,
            sku_id=s,
            location_id=bins.get(s),
            snapshot_on_hand=on_hand.get(s, 0),
            snapshot_picked=picked.get(s, 0),
        )
        for i, s in enumerate(ordered)
    ]
    st.status, st.started_at = "counting", utcnow()
    session.flush()
    return st


@dataclass(frozen=True)
class Count:
    sku_id: uuid.UUID
    counted: int


def enter_counts(stocktake_id: uuid.UUID, counts: Sequence[Count]) -> Stocktake:
    """Record counted shelf quantities. A SKU found that is not on the sheet gets a line."""
    st = _locked(stocktake_id)
    if st.status != "counting":
        raise InvalidTransition(
            "stocktake",
            st.status,
            "enter counts for",
            Msg("stock.start_counting_first") if st.status == "draft" else "",
        )
    errors: dict[str, dict[str, list[str]]] = {}
    for i, c in enumerate(counts):
        if isinstance(c.counted, bool) or not isinstance(c.counted, int) or c.counted < 0:
            errors[str(i)] = {"counted": [Msg("whole_number_zero_or_more")]}
    if errors:
        raise ValidationError(dotted({"counts": errors}))
    by_sku = {ln.sku_id: ln for ln in st.lines}
    new = {c.sku_id for c in counts} - set(by_sku)
    if new:
        skus.check_stockable(new)
    touched = {c.sku_id for c in counts}
    book = dict(
        session.execute(
            select(StockBalance.sku_id, StockBalance.on_hand).where(
                StockBalance.warehouse_id == st.warehouse_id, StockBalance.sku_id.in_(touched)
            )
        ).all()
    )
    picked = picked_not_shipped(st.warehouse_id, touched)
    bins = _home_bins(st.warehouse_id)
    who, now = str(current_actor())[:200], utcnow()
    for c in counts:
        ln = by_sku.get(c.sku_id)
        if ln is None:
            ln = StocktakeLine(position=len(st.lines) + 1, sku_id=c.sku_id, location_id=bins.get(c.sku_id))
            st.lines.append(ln)
            by_sku[c.sku_id] = ln
        ln.counted, ln.book_at_count, ln.picked_at_count = c.counted, book.get(c.sku_id, 0), picked.get(c.sku_id, 0)
        ln.counted_at, ln.counted_by = now, who
    session.flush()
    return st


def import_counts_csv(stocktake_id: uuid.UUID, text: str) -> Stocktake:
    """Counts from a CSV with a header: `sku` (code or id) and `counted`."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = {(f or "").strip().lower() for f in (reader.fieldnames or [])}
    if not {"sku", "counted"} <= fields:
        raise ValidationError.field("file", Msg("stock.count_columns"))
    counts, errors = [], {}
    for n, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not row.get("sku") and not row.get("counted"):
            continue
        sku_id = skus.id_by_code(row["sku"])
        if sku_id is None:
            try:
                sku_id = uuid.UUID(row["sku"])
                skus.kit_types([sku_id])
            except (ValueError, NotFound):
                errors[f"row {n}"] = [Msg("stock.count_no_sku", sku=repr(row["sku"]))]
                continue
        if not row["counted"].isdigit():
            errors[f"row {n}"] = [Msg("stock.count_not_whole", value=repr(row["counted"]))]
            continue
        counts.append(Count(sku_id, int(row["counted"])))
    if errors:
        raise ValidationError(errors)
    if not counts:
        raise ValidationError.field("file", Msg("stock.count_empty"))
    return enter_counts(stocktake_id, counts)


@dataclass(frozen=True)
class VarianceLine:
    line: StocktakeLine
    expected_shelf: int | None
    variance: int | None
    unit_cost: Decimal
    value: Decimal | None


@dataclass(frozen=True)
class Variance:
    stocktake: Stocktake
    lines: list[VarianceLine]
    currency: str

    @property
    def gain_value(self) -> Decimal:
        return sum((v.value for v in self.lines if v.value and v.value > 0), Decimal(0))

    @property
    def loss_value(self) -> Decimal:
        return -sum((v.value for v in self.lines if v.value and v.value < 0), Decimal(0))

    @property
    def uncounted(self) -> int:
        return sum(1 for v in self.lines if v.line.counted is None)


def variance(stocktake_id: uuid.UUID) -> Variance:
    """Per line: the book and picked units when counted, the shelf quantity expected, what was
    counted, and the gain (+) or loss (−) with its value at the current average cost."""
    st = get_stocktake(stocktake_id)
    currency = functional_currency()
    costs = {
        b.sku_id: (b.stock_value / b.valued_quantity if b.valued_quantity else Decimal(0))
        for b in session.execute(
            select(StockBalance)
            .where(StockBalance.warehouse_id == st.warehouse_id)
            .execution_options(populate_existing=True)
        ).scalars()
    }
    out = []
    for ln in st.lines:
        if st.status == "posted":
            cost = ln.unit_cost or Decimal(0)
        else:
            cost = costs.get(ln.sku_id, Decimal(0)).quantize(Decimal("0.000001"))
        if ln.counted is None:
            out.append(VarianceLine(ln, None, None, cost, None))
            continue
        diff = ln.counted + (ln.picked_at_count or 0) - (ln.book_at_count or 0)
        value = ln.variance_value if st.status == "posted" else round_money(cost * diff, currency)
        out.append(VarianceLine(ln, (ln.book_at_count or 0) - (ln.picked_at_count or 0), diff, cost, value))
    return Variance(st, out, currency)


@stock_event
def post_stocktake(stocktake_id: uuid.UUID) -> Stocktake:
    """Apply every counted line's variance to the ledger: counting -> posted. Lines never
    counted change nothing."""
    st = _locked(stocktake_id)
    if st.status != "counting":
        raise InvalidTransition("stocktake", st.status, "post")
    counted = [ln for ln in st.lines if ln.counted is not None]
    if not counted:
        raise ValidationError.field("counts", Msg("stock.nothing_counted"))
    doc = Doc("stocktake", st.id, st.number)
    entry = start("stocktake", doc, f"stocktake:{st.id}:post", {"lines": len(counted)}, reason=f"stocktake {st.number}")
    if isinstance(entry, Posting):
        return st
    entry.lock({(ln.sku_id, st.warehouse_id) for ln in counted})
    lines = []
    for ln in counted:
        diff = ln.counted + (ln.picked_at_count or 0) - (ln.book_at_count or 0)
        b = entry.balance(ln.sku_id, st.warehouse_id)
        ln.variance = diff
        ln.unit_cost = (b.stock_value / b.valued_quantity if b.valued_quantity else Decimal(0)).quantize(
            Decimal("0.000001")
        )
        if diff == 0:
            ln.variance_value = Decimal(0)
            continue
        gain = diff > 0
        _, value = entry.move(
            sku_id=ln.sku_id,
            warehouse_id=st.warehouse_id,
            quantity=abs(diff),
            from_bucket=None if gain else "on_hand",
            to_bucket="on_hand" if gain else None,
            ref=str(ln.id),
            kind="stocktake_gain" if gain else "stocktake_loss",
            location_id=ln.location_id,
        )
        ln.variance_value = value if gain else -value
        entry.post(str(ln.id), ln.sku_id, st.warehouse_id, abs(diff), value)
        lines.append(
            AdjustedLine(
                sku_id=ln.sku_id,
                warehouse_id=st.warehouse_id,
                quantity=diff,
                unit_cost=ln.unit_cost,
                value=ln.variance_value,
                currency=entry.currency,
            )
        )
    posting = entry.finish()
    st.status, st.posted_at = "posted", utcnow()
    session.flush()
    gain = sum((x.value for x in lines if x.value > 0), Decimal(0))
    loss = -sum((x.value for x in lines if x.value < 0), Decimal(0))
    payload = StockAdjusted(
        kind="stocktake",
        reason=f"stocktake {st.number}",
        number=st.number,
        document=DocumentRef(type="stocktake", id=st.id),
        operation_id=posting.operation_id,
        warehouse_id=st.warehouse_id,
        lines=tuple(lines),
        gain_value=gain,
        loss_value=loss,
        currency=entry.currency,
    )
    events.emit("stocktake.posted", payload, entity_type="stocktake", entity_id=st.id)
    if lines:
        events.emit("stock.adjusted", payload, entity_type="stocktake", entity_id=st.id)
    return st


def cancel_stocktake(stocktake_id: uuid.UUID) -> Stocktake:
    st = _locked(stocktake_id)
    if st.status not in ("draft", "counting"):
        raise InvalidTransition("stocktake", st.status, "cancel")
    st.status = "cancelled"
    session.flush()
    return st
