"""Replenishment suggestions (补货建议) per SKU and destination warehouse.

The arithmetic (docs/purchasing.md has it with a worked example):

    average(N)     = units shipped in the last N days / min(N, days on sale)   for N = 7, 14, 30
    daily sales    = (w7 x average(7) + w14 x average(14) + w30 x average(30)) / (w7 + w14 + w30)
    stock position = available + qc_pending + inbound_ordered + in_transit + requested
    reorder point  = daily sales x (lead time + safety days)
    target         = daily sales x (lead time + safety days + purchase cycle days)
    suggestion     = ceil(target - stock position) when stock position < reorder point, else 0;
                     raised to the supplier's minimum order quantity
    runs out on    = today + floor(available / daily sales)

`requested` is what open stocking requests (submitted or approved, not yet on an order) already
ask for, so a second run does not suggest the same units again. Units in QC were taken off
`inbound_ordered` when they arrived and will be sellable soon, so they count too. A SKU on sale
for fewer days than a window (days since its first approval) is averaged over the days it has
been on sale, so a new SKU is not diluted by days it could not sell.

The lead time comes from the SKU's cheapest approved supplier quote (quotes in the functional
currency first; ties go to the shorter lead time), otherwise from the tenant's default.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select, update

from core import validation as f
from core.db import locked, new_session, session, utcnow
from core.errors import Conflict, InvalidTransition
from core.events import emit
from core.messages import Msg
from core.purchasing.events import ReplenishmentCompleted
from core.purchasing.models import ReplenishmentRun, ReplenishmentSuggestion, StockingRequest
from core.purchasing.service import requests as stocking
from core.purchasing.service.common import actor_label, functional_currency, get, local_date
from core.purchasing.service.settings import as_dict, get_settings

WINDOWS = (7, 14, 30)
PLACES = Decimal("0.0001")
CHUNK = 500


def round4(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Inputs:
    """Everything one suggestion is computed from."""

    shipped_7d: int = 0
    shipped_14d: int = 0
    shipped_30d: int = 0
    days_on_sale: int | None = None  # None: on sale longer than any window
    weight_7d: Decimal = Decimal("0.5")
    weight_14d: Decimal = Decimal("0.3")
    weight_30d: Decimal = Decimal("0.2")
    lead_time_days: int = 15
    safety_days: int = 7
    cycle_days: int = 14
    available: int = 0
    qc_pending: int = 0
    inbound_ordered: int = 0
    in_transit: int = 0
    requested: int = 0
    moq: int | None = None

    def shipped(self, days: int) -> int:
        return {7: self.shipped_7d, 14: self.shipped_14d, 30: self.shipped_30d}[days]

    def weight(self, days: int) -> Decimal:
        return {7: self.weight_7d, 14: self.weight_14d, 30: self.weight_30d}[days]

    def window_days(self, days: int) -> int:
        """The days a window averages over: fewer for a SKU not on sale that long."""
        return max(1, min(days, self.days_on_sale)) if self.days_on_sale is not None else days

    def average(self, days: int) -> Decimal:
        return round4(Decimal(self.shipped(days)) / self.window_days(days))

    @property
    def daily_sales(self) -> Decimal:
        total = sum((self.weight(d) for d in WINDOWS), Decimal(0))
        if total <= 0:
            return Decimal(0)
        return round4(sum((self.weight(d) * self.average(d) for d in WINDOWS), Decimal(0)) / total)

    @property
    def stock_position(self) -> int:
        return self.available + self.qc_pending + self.inbound_ordered + self.in_transit + self.requested

    @property
    def reorder_point(self) -> Decimal:
        return self.daily_sales * (self.lead_time_days + self.safety_days)

    @property
    def cover_days(self) -> int:
        return self.lead_time_days + self.safety_days + self.cycle_days

    @property
    def target(self) -> Decimal:
        return self.daily_sales * self.cover_days

    @property
    def needed(self) -> bool:
        return self.daily_sales > 0 and self.stock_position < self.reorder_point

    @property
    def raw_quantity(self) -> int:
        return max(math.ceil(self.target - self.stock_position), 0) if self.needed else 0

    @property
    def quantity(self) -> int:
        raw = self.raw_quantity
        return max(raw, self.moq) if raw and self.moq else raw

    def days_left(self) -> int | None:
        if self.daily_sales <= 0:
            return None
        return math.floor(Decimal(self.available) / self.daily_sales)

    def stockout_date(self, today: date) -> date | None:
        left = self.days_left()
        return None if left is None else today + timedelta(days=left)


def arithmetic(i: Inputs, today: date, lead_time_source: str = "supplier") -> list[str]:
    """The suggestion's arithmetic, step by step, as the API shows it."""
    parts = [f"{i.weight(d)} x {i.average(d)}" for d in WINDOWS]
    averages = "; ".join(
        f"{d} days: {i.shipped(d)} shipped / {i.window_days(d)} days = {i.average(d)}/day" for d in WINDOWS
    )
    total_weight = sum((i.weight(d) for d in WINDOWS), Decimal(0))
    lines = [
        f"Averages: {averages}",
        f"Daily sales = ({' + '.join(parts)}) / {total_weight} = {i.daily_sales}/day",
        (
            f"Stock position = available {i.available} + in QC {i.qc_pending} + inbound {i.inbound_ordered} "
            f"+ in transit {i.in_transit} + requested {i.requested} = {i.stock_position}"
        ),
        (
            f"Reorder point = {i.daily_sales} x (lead time {i.lead_time_days} ({lead_time_source}) + safety "
            f"{i.safety_days}) = {round4(i.reorder_point)}"
        ),
    ]
    if i.daily_sales <= 0:
        lines.append("No sales in the last 30 days: nothing to suggest")
    elif not i.needed:
        lines.append(
            f"Stock position {i.stock_position} is not below the reorder point {round4(i.reorder_point)}: "
            "nothing to order yet"
        )
    else:
        lines.append(
            f"Suggested = ceil({i.daily_sales} x {i.cover_days} days ({i.lead_time_days} + {i.safety_days} "
            f"+ {i.cycle_days}) - {i.stock_position}) = ceil({round4(i.target - i.stock_position)}) "
            f"= {i.raw_quantity}"
        )
        if i.quantity != i.raw_quantity:
            lines.append(f"Raised to the supplier's minimum order quantity {i.moq}")
    left = i.days_left()
    if left is not None:
        lines.append(
            f"Runs out: available {i.available} / {i.daily_sales} per day = {left} days -> {i.stockout_date(today)}"
        )
    return lines


def inputs_of(s: ReplenishmentSuggestion) -> Inputs:
    return Inputs(
        shipped_7d=s.shipped_7d,
        shipped_14d=s.shipped_14d,
        shipped_30d=s.shipped_30d,
        days_on_sale=s.days_on_sale,
        weight_7d=s.weight_7d,
        weight_14d=s.weight_14d,
        weight_30d=s.weight_30d,
        lead_time_days=s.lead_time_days,
        safety_days=s.safety_days,
        cycle_days=s.cycle_days,
        available=s.available,
        qc_pending=s.qc_pending,
        inbound_ordered=s.inbound_ordered,
        in_transit=s.in_transit,
        requested=s.requested,
        moq=s.moq,
    )


def suggestion_arithmetic(s: ReplenishmentSuggestion, run: ReplenishmentRun | None = None) -> list[str]:
    run = run or get(ReplenishmentRun, s.run_id, "replenishment run")
    return arithmetic(inputs_of(s), run.run_date or local_date(run.created_at), s.lead_time_source)


def days_on_sale(approved_at: datetime | None, now: datetime) -> int | None:
    """Whole days (rounded up) since the SKU was first approved; None when it is older than
    the longest window or its approval time is unknown."""
    if approved_at is None:
        return None
    days = max(1, math.ceil((now - approved_at).total_seconds() / 86400))
    return days if days < max(WINDOWS) else None


# ---------------------------------------------------------------------------------------------
# Queries


def run_query() -> Any:
    return select(ReplenishmentRun).order_by(ReplenishmentRun.created_at.desc(), ReplenishmentRun.id.desc())


def get_run(run_id: Any) -> ReplenishmentRun:
    return get(ReplenishmentRun, run_id, "replenishment run")


def latest_run() -> ReplenishmentRun | None:
    return session.execute(
        select(ReplenishmentRun)
        .where(ReplenishmentRun.status == "succeeded")
        .order_by(ReplenishmentRun.finished_at.desc(), ReplenishmentRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def suggestion_query(
    *,
    run_id: uuid.UUID | None = None,
    status: Iterable[str] | str | None = None,
    sku_id: uuid.UUID | None = None,
    warehouse_id: uuid.UUID | None = None,
) -> Any:
    """Suggestions of a run (the latest successful one by default), soonest stock-out first."""
    if run_id is None:
        latest = latest_run()
        run_id = latest.id if latest else uuid.UUID(int=0)
    stmt = select(ReplenishmentSuggestion).where(ReplenishmentSuggestion.run_id == run_id)
    if status:
        stmt = stmt.where(ReplenishmentSuggestion.status.in_([status] if isinstance(status, str) else list(status)))
    if sku_id:
        stmt = stmt.where(ReplenishmentSuggestion.sku_id == sku_id)
    if warehouse_id:
        stmt = stmt.where(ReplenishmentSuggestion.warehouse_id == warehouse_id)
    return stmt.order_by(
        ReplenishmentSuggestion.stockout_date.asc().nulls_last(),
        ReplenishmentSuggestion.quantity.desc(),
        ReplenishmentSuggestion.id,
    )


def get_suggestion(suggestion_id: Any) -> ReplenishmentSuggestion:
    return get(ReplenishmentSuggestion, suggestion_id, "replenishment suggestion")


# ---------------------------------------------------------------------------------------------
# Running


def active_run() -> ReplenishmentRun | None:
    """A run that is waiting for or being worked on by a live job."""
    from core.jobs import ACTIVE, Job

    return session.execute(
        select(ReplenishmentRun)
        .join(Job, Job.id == ReplenishmentRun.job_id)
        .where(ReplenishmentRun.status.in_(("queued", "running")), Job.status.in_(ACTIVE))
        .order_by(ReplenishmentRun.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def start_run() -> ReplenishmentRun:
    """Queue a run over all SKUs (or return the one already queued or running)."""
    from core import jobs

    current = active_run()
    if current is not None:
        return current
    run = ReplenishmentRun(status="queued", created_by=actor_label(), settings={})
    session.add(run)
    session.flush()
    run.job_id = jobs.enqueue("purchasing.replenishment", run_id=str(run.id)).id
    session.flush()
    return run


def _best_quotes(sku_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The quote each SKU is bought on: cheapest approved supplier, functional currency first."""
    from core.suppliers import service as suppliers

    functional = functional_currency()
    rows = suppliers.approved_quotes(sku_ids)
    best: dict[uuid.UUID, Any] = {}
    for q in rows:
        key = (q.currency != functional, q.price, q.lead_time_days, str(q.supplier_id))
        current = best.get(q.sku_id)
        if current is None or key < (
            current.currency != functional,
            current.price,
            current.lead_time_days,
            str(current.supplier_id),
        ):
            best[q.sku_id] = q
    return best


def _purchasable_skus() -> list[tuple[uuid.UUID, datetime | None]]:
    from core.catalog import service as catalog

    return catalog.purchasable_skus()


def _destinations() -> list[uuid.UUID]:
    from core.inventory import service as inventory

    types = ("domestic", "overseas_3pl", "platform")  # every kind that holds stock: not virtual
    return sorted(w.id for w in inventory.warehouse_facts(types=types, active=True))


def run_replenishment(
    run_id: Any = None, *, job_id: uuid.UUID | None = None, progress: Callable[[int, str], None] | None = None
) -> ReplenishmentRun:
    """Compute a suggestion for every purchasable SKU in every warehouse it has stock records
    in. Runs inside a job; its suggestions commit with the job."""
    from core.inventory import service as inventory

    if run_id is None:
        run = ReplenishmentRun(status="queued", job_id=job_id, created_by=actor_label(), settings={})
        session.add(run)
    else:
        run = locked(ReplenishmentRun, run_id, "replenishment run")
        if run.status not in ("queued", "running", "failed"):
            raise InvalidTransition("replenishment run", run.status, "run", Msg("purchasing.run_finished"))
    settings = get_settings()
    now = utcnow()
    today = local_date(now)
    run.status, run.started_at, run.run_date, run.error = "running", now, today, None
    run.settings = {k: str(v) if v is not None else None for k, v in as_dict(settings).items()}
    session.flush()

    skus = _purchasable_skus()
    warehouses = _destinations()
    evaluated = suggested = 0
    for start in range(0, len(skus), CHUNK):
        chunk = skus[start : start + CHUNK]
        ids = [sku for sku, _ in chunk]
        approved = dict(chunk)
        buckets = inventory.list_buckets(sku_ids=ids, warehouse_ids=warehouses) if warehouses else []
        shipped = {
            d: {
                (v.sku_id, v.warehouse_id): v.shipped
                for v in inventory.sales_velocity(sku_ids=ids, warehouse_ids=warehouses, days=d)
            }
            for d in WINDOWS
        }
        quotes = _best_quotes(ids)
        requested = stocking.open_requested_quantities([(b.sku_id, b.warehouse_id) for b in buckets])
        rows = []
        for b in buckets:
            pair = (b.sku_id, b.warehouse_id)
            quote = quotes.get(b.sku_id)
            i = Inputs(
                shipped_7d=shipped[7].get(pair, 0),
                shipped_14d=shipped[14].get(pair, 0),
                shipped_30d=shipped[30].get(pair, 0),
                days_on_sale=days_on_sale(approved[b.sku_id], now),
                weight_7d=settings.weight_7d,
                weight_14d=settings.weight_14d,
                weight_30d=settings.weight_30d,
                lead_time_days=quote.lead_time_days if quote else settings.default_lead_time_days,
                safety_days=settings.safety_days,
                cycle_days=settings.purchase_cycle_days,
                available=b.available,
                qc_pending=b.qc_pending,
                inbound_ordered=b.inbound_ordered,
                in_transit=b.in_transit,
                requested=requested.get(pair, 0),
                moq=quote.moq if quote else None,
            )
            rows.append(
                ReplenishmentSuggestion(
                    run_id=run.id,
                    status="open" if i.quantity else "not_needed",
                    sku_id=b.sku_id,
                    warehouse_id=b.warehouse_id,
                    supplier_id=quote.supplier_id if quote else None,
                    shipped_7d=i.shipped_7d,
                    shipped_14d=i.shipped_14d,
                    shipped_30d=i.shipped_30d,
                    days_on_sale=i.days_on_sale,
                    weight_7d=i.weight_7d,
                    weight_14d=i.weight_14d,
                    weight_30d=i.weight_30d,
                    daily_sales=i.daily_sales,
                    lead_time_days=i.lead_time_days,
                    lead_time_source="supplier" if quote else "default",
                    safety_days=i.safety_days,
                    cycle_days=i.cycle_days,
                    available=i.available,
                    qc_pending=i.qc_pending,
                    inbound_ordered=i.inbound_ordered,
                    in_transit=i.in_transit,
                    requested=i.requested,
                    moq=i.moq,
                    quantity=i.quantity,
                    stockout_date=i.stockout_date(today),
                )
            )
            evaluated += 1
            suggested += 1 if i.quantity else 0
        session.add_all(rows)
        session.flush()
        if progress is not None:
            progress(min(99, (start + len(chunk)) * 100 // len(skus)), f"{start + len(chunk)} of {len(skus)} SKUs")
    run.status, run.finished_at, run.evaluated, run.suggested = "succeeded", utcnow(), evaluated, suggested
    session.flush()
    emit(
        "replenishment.completed",
        ReplenishmentCompleted(run_id=run.id, run_date=today, evaluated=evaluated, suggested=suggested),
        entity_type="replenishment_run",
        entity_id=run.id,
    )
    return run


def record_failure(run_id: Any, error: str) -> None:
    """Mark a run failed in a transaction of its own (the job's work was rolled back)."""
    with new_session() as s:
        s.execute(
            update(ReplenishmentRun)
            .where(ReplenishmentRun.id == uuid.UUID(str(run_id)))
            .values(status="failed", error=error[:4000], finished_at=utcnow())
        )
        s.commit()


# ---------------------------------------------------------------------------------------------
# Deciding


def _open_suggestion(suggestion_id: Any, action: str) -> ReplenishmentSuggestion:
    s = locked(ReplenishmentSuggestion, suggestion_id, "replenishment suggestion")
    if s.status != "open":
        raise InvalidTransition(
            "replenishment suggestion",
            s.status,
            action,
            Msg("purchasing.only_open_suggestions"),
        )
    latest = latest_run()
    if latest is None or latest.id != s.run_id:
        raise Conflict(
            Msg("purchasing.this_suggestion_from_earlier", value=latest.run_date if latest else "?"),
            {"run_id": ["superseded"]},
        )
    return s


def accept_suggestion(
    suggestion_id: Any, *, quantity: Any = None, needed_by: Any = None, supplier_id: Any = None, note: Any = ""
) -> StockingRequest:
    """Turn a suggestion into a submitted stocking request (quantity, date and supplier may
    be changed on the way). The request is needed by the day stock would run out."""
    s = _open_suggestion(suggestion_id, "accept")
    errors = f.Errors()
    qty = f.integer(errors, "quantity", quantity, minimum=1) if quantity not in (None, "") else s.quantity
    errors.raise_if_any()
    when = needed_by if needed_by not in (None, "") else max(s.stockout_date or local_date(), local_date())
    req = stocking.create_request(
        sku_id=s.sku_id,
        warehouse_id=s.warehouse_id,
        quantity=qty,
        needed_by=when,
        supplier_id=supplier_id if supplier_id not in (None, "") else s.supplier_id,
        note=note,
        source="replenishment",
    )
    s.status, s.stocking_request_id, s.decided_by, s.decided_at = "accepted", req.id, actor_label(), utcnow()
    session.flush()
    return req


def dismiss_suggestion(suggestion_id: Any) -> ReplenishmentSuggestion:
    s = _open_suggestion(suggestion_id, "dismiss")
    s.status, s.decided_by, s.decided_at = "dismissed", actor_label(), utcnow()
    session.flush()
    return s
