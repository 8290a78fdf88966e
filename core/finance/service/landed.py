"""Landed cost of first legs (头程) and transfers: allocated to their lines and added to the
unit cost at the destination, the share of units already sold going to cost of sales.

A first leg that ships with freight or duty on it brings its landed cost with it: an estimate
until the forwarder bills it, accrued to 应付账款—暂估. A cost that arrives later (insurance, a
surcharge) is entered against the leg, and a forwarder's bill books the difference to what was
accrued. Each is allocated (`core.finance.landed`), converted at the rate of its own date (not
the goods' rate, reference §1.4), added to stock through inventory (`add_cost`: the moving
average of the units still held changes; what was sold is returned for COGS), and announced as
`landed_cost.applied`, which the voucher rule books.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import events
from core import validation as f
from core.db import get_or_none, session, utcnow
from core.errors import Conflict, InvalidTransition, NotFound
from core.finance.events import LandedCostApplied
from core.finance.landed import COMPONENTS, Box, LegLine, ZeroBasis, split, to_functional
from core.finance.models import COST_BASES, LandedCost
from core.finance.service import rates
from core.finance.service.setup import functional_currency, settings, tenant_facts
from core.messages import Msg
from core.money import round_money

ZERO = Decimal(0)


def get_landed_cost(landed_cost_id: uuid.UUID) -> LandedCost:
    row = get_or_none(LandedCost, landed_cost_id)
    if row is None:
        raise NotFound("landed cost", landed_cost_id)
    return row


def landed_costs(transfer_id: uuid.UUID | None = None, status: str | None = None) -> Any:
    stmt = select(LandedCost).order_by(LandedCost.created_at.desc())
    if transfer_id:
        stmt = stmt.where(LandedCost.transfer_id == transfer_id)
    if status:
        stmt = stmt.where(LandedCost.status == status)
    return stmt


def from_shipment(event: Any) -> LandedCost | None:
    """The landed cost a first leg or transfer shipped with (`freight_cost`, `duty`)."""
    p = event.data  # TransferShipped
    freight, duty = p.freight_cost or ZERO, p.duty or ZERO
    if not (freight or duty) or not p.cost_currency:
        return None
    shipped = p.shipped_at or event.created_at
    from core.finance.rules import Context

    day = Context(functional_currency(), timezone=tenant_facts().timezone).day(shipped)
    return create(
        key=f"leg:{p.id}",
        source="leg",
        transfer_id=p.id,
        currency=p.cost_currency,
        amounts={"freight": freight, "duty": duty},
        cost_date=day,
    )


def enter(transfer_id: uuid.UUID, data: dict[str, Any]) -> LandedCost:
    """A cost of a shipped first leg that arrives later (insurance, a surcharge, freight not
    known when it left), accrued until billed."""
    errors = f.Errors()
    currency = f.currency(errors, "currency", data.get("currency"), required=True)
    amounts = {c: f.decimal(errors, c, data.get(c), places=4, minimum=Decimal(0)) or ZERO for c in COMPONENTS}
    if not errors and not any(amounts.values()):
        errors.add("freight", Msg("finance.give_a_landed_cost"))
    basis = data.get("basis")
    if basis is not None and basis not in COST_BASES:
        errors.add("basis", Msg("one_of", choices=", ".join(COST_BASES)))
    day = data.get("date") or tenant_facts().local_date(utcnow())
    errors.raise_if_any()
    return create(
        key=f"manual:{data.get('key') or uuid.uuid4()}",
        source="manual",
        transfer_id=transfer_id,
        currency=currency,
        amounts={k: round_money(v, currency) for k, v in amounts.items()},
        cost_date=day,
        basis=basis,
    )


def create(
    *,
    key: str,
    source: str,
    transfer_id: uuid.UUID,
    currency: str,
    amounts: dict[str, Decimal],
    cost_date: date,
    basis: str | None = None,
    bill_id: uuid.UUID | None = None,
) -> LandedCost:
    existing = session.execute(select(LandedCost).where(LandedCost.key == key)).scalar_one_or_none()
    if existing is not None:
        return existing
    t = _transfer(transfer_id)
    if t.status not in ("shipped", "partially_received", "received"):
        raise InvalidTransition(f"{t.kind} {t.number}", t.status, "take landed cost", Msg("finance.not_shipped_yet"))
    row = LandedCost(
        key=key,
        source=source,
        transfer_id=t.id,
        transfer_kind=t.kind,
        transfer_number=t.number,
        destination_warehouse_id=t.destination_warehouse_id,
        bill_id=bill_id,
        currency=currency,
        freight=amounts.get("freight", ZERO),
        duty=amounts.get("duty", ZERO),
        insurance=amounts.get("insurance", ZERO),
        basis=basis or settings().landed_cost_basis,
        cost_date=cost_date,
        status="waiting_rate",
        allocation=[],
    )
    session.add(row)
    session.flush()
    apply(row)
    return row


def _transfer(transfer_id: uuid.UUID) -> Any:
    from core.inventory.service.transfers import get_transfer

    return get_transfer(transfer_id)


def leg_facts(t: Any) -> tuple[list[LegLine], list[Box]]:
    """The leg's lines (units and book value shipped, SKU weights as a fallback) and cartons."""
    from core.catalog.service import get_sku

    functional = functional_currency()
    lines = []
    for ln in t.lines:
        sku = get_sku(ln.sku_id)
        weight = Decimal(sku.gross_weight_g or 0) / 1000
        lines.append(
            LegLine(ln.sku_id, ln.quantity, round_money((ln.unit_cost or ZERO) * ln.quantity, functional), weight)
        )
    boxes = [
        Box(
            b.count,
            b.length_cm,
            b.width_cm,
            b.height_cm,
            b.weight_kg,
            {uuid.UUID(str(c["sku_id"])): int(c["quantity"]) for c in b.contents},
        )
        for b in t.boxes
    ]
    return lines, boxes


def apply(row: LandedCost) -> LandedCost:
    """Allocate and add to stock, or say why not yet (a missing rate, no basis)."""
    if row.status == "applied":
        return row
    functional = functional_currency()
    found = rates.lookup({(row.currency, row.cost_date)}, functional)
    rate = found.get((row.currency, row.cost_date))
    if rate is None:
        row.status = "waiting_rate"
        row.problem = f"no exchange rate {row.currency}/{functional} on {row.cost_date.isoformat()}"
        session.flush()
        return row
    t = _transfer(row.transfer_id)
    lines, boxes = leg_facts(t)
    try:
        shares = split(
            {"freight": row.freight, "duty": row.duty, "insurance": row.insurance},
            lines,
            boxes,
            row.basis,
            row.currency,
        )
    except ZeroBasis as exc:
        row.status, row.problem = "failed", str(exc)
        session.flush()
        return row
    total = round_money(row.total * rate, functional)
    per_sku = to_functional(shares, total, functional)
    from core.inventory.service import Doc
    from core.inventory.service.costs import CostLine, add_cost, held_refs

    qty = {ln.sku_id: ln.quantity for ln in lines}
    posting = add_cost(
        Doc(t.kind, t.id, t.number),
        [
            CostLine(str(sku), sku, t.destination_warehouse_id, qty[sku], value)
            for sku, value in per_sku.items()
            if value
        ],
        key=f"landed:{row.id}",
        reason=f"landed cost of {t.number}",
    )
    allocation = []
    for ln in lines:
        held = held_refs(posting, str(ln.sku_id))
        value = per_sku[ln.sku_id]
        capitalised = sum(held.values(), ZERO)
        allocation.append(
            {
                "sku_id": str(ln.sku_id),
                "quantity": ln.quantity,
                **{c: str(shares[ln.sku_id][c]) for c in COMPONENTS},
                "value": str(value),
                "held": {bucket: str(v) for bucket, v in held.items()},
                "capitalised": str(capitalised),
                "expensed": str(value - capitalised),
            }
        )
    row.rate, row.functional_total, row.allocation = rate, total, allocation
    row.stock_operation_id = posting.operation_id
    row.status, row.problem, row.applied_at = "applied", "", utcnow()
    session.flush()
    events.emit("landed_cost.applied", payload(row), entity_type="landed_cost", entity_id=row.id)
    return row


def payload(row: LandedCost) -> LandedCostApplied:
    return LandedCostApplied(
        **{
            "landed_cost_id": row.id,
            "source": row.source,
            "transfer_id": row.transfer_id,
            "transfer_kind": row.transfer_kind,
            "transfer_number": row.transfer_number,
            "destination_warehouse_id": row.destination_warehouse_id,
            "bill_id": row.bill_id,
            "currency": row.currency,
            "freight": row.freight,
            "duty": row.duty,
            "insurance": row.insurance,
            "amount": row.total,
            "basis": row.basis,
            "cost_date": row.cost_date,
            "rate": row.rate,
            "functional_total": row.functional_total,
            "lines": tuple(row.allocation),
        }
    )


def retry(landed_cost_id: uuid.UUID) -> LandedCost:
    row = get_landed_cost(landed_cost_id)
    if row.status == "applied":
        raise Conflict(
            Msg("finance.landed_cost_already_applied", transfer_number=row.transfer_number), {"status": ["applied"]}
        )
    return apply(row)


def apply_waiting() -> int:
    """Apply the landed costs that waited for a rate (called when rates arrive)."""
    done = 0
    for row in session.execute(select(LandedCost).where(LandedCost.status == "waiting_rate")).scalars().all():
        if apply(row).status == "applied":
            done += 1
    return done
