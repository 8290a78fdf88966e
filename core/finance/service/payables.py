"""Payables (应付): supplier bills with three-way match, payments and prepayments, due dates
and ageing.

A purchase bill names the receipt lines it bills. Each is matched three ways: the order's
price and the receipt's quantity against the bill's, within the tenant's tolerances. The bill
clears what the receipt accrued (应付账款—暂估, at the receipt's rate), books recoverable input
VAT, and books the price difference to stock for units still held and to cost of sales for
units sold (`add_cost`, reference §1.2 #6). A forwarder's bill clears a first leg's accrued
landed cost and books the difference as landed cost. A payment settles bills at their
carrying rate, and the difference to the payment's rate is realised FX (§2.4); what it does
not settle waits as a prepayment (预付账款), applied to later bills.

Each document, once recorded, is announced (`supplier_bill.posted`, `supplier_payment.made`,
`supplier_prepayment.applied`) and booked by its voucher rule like every business event.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core import events
from core import validation as f
from core.db import get_or_none, locked, session, utcnow
from core.errors import Conflict, NotFound, ValidationError
from core.finance.events import BilledLine, BillPosted, PaymentMade, PrepaymentApplied, SettledBill
from core.finance.models import Account, Bill, BillLine, LandedCost, Payment, PaymentAllocation, VoucherLine
from core.finance.service import landed, rates
from core.finance.service.setup import functional_currency, settings, tenant_facts
from core.messages import Msg
from core.money import round_money
from core.numbering import next_number
from core.tenancy import current_actor

ZERO = Decimal(0)
AGEING_BANDS = (("current", None, 0), ("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))


def _plain(value: Decimal) -> str:
    """12.5, 10 (never 1E+1, as Decimal.normalize() alone would print it)."""
    return format(value.normalize(), "f")


def get_bill(bill_id: uuid.UUID | str) -> Bill:
    row = get_or_none(Bill, bill_id)
    if row is None:
        raise NotFound("bill", bill_id)
    return row


def get_payment(payment_id: uuid.UUID | str) -> Payment:
    row = get_or_none(Payment, payment_id)
    if row is None:
        raise NotFound("payment", payment_id)
    return row


def bill_query(*, supplier_id: uuid.UUID | None = None, status: str | None = None, open_only: bool = False) -> Any:
    stmt = select(Bill).order_by(Bill.bill_date.desc(), Bill.number.desc())
    if supplier_id:
        stmt = stmt.where(Bill.supplier_id == supplier_id)
    if status:
        stmt = stmt.where(Bill.status == status)
    if open_only:
        stmt = stmt.where(Bill.status != "paid")
    return stmt


def payment_query(*, supplier_id: uuid.UUID | None = None) -> Any:
    stmt = select(Payment).order_by(Payment.payment_date.desc(), Payment.number.desc())
    if supplier_id:
        stmt = stmt.where(Payment.supplier_id == supplier_id)
    return stmt


def _supplier(supplier_id: Any) -> Any:
    from core.suppliers.service import get_supplier

    return get_supplier(supplier_id)


def due_date(supplier: Any, bill_date: date) -> date:
    """Payment terms from the supplier's settlement mode: periodic suppliers give credit of
    their settlement days; prepaid and cash-on-delivery bills are due on the bill date."""
    if supplier.settlement_mode == "periodic" and supplier.settlement_days:
        return bill_date + timedelta(days=supplier.settlement_days)
    return bill_date


def _rate(currency: str, on: date, field_name: str) -> Decimal:
    functional = functional_currency()
    rate = rates.lookup({(currency, on)}, functional).get((currency, on))
    if rate is None:
        raise ValidationError.field(
            field_name,
            Msg("finance.no_exchange_rate_on", currency=currency, functional=functional, day=on.isoformat()),
        )
    return rate


# ---------------------------------------------------------------------------------------------
# Purchase bills


def billed_quantities(receipt_line_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = session.execute(
        select(BillLine.receipt_line_id, func.sum(BillLine.quantity))
        .where(BillLine.receipt_line_id.in_(receipt_line_ids))
        .group_by(BillLine.receipt_line_id)
    ).all()
    return {rid: int(q) for rid, q in rows}


def receipt_rate(receipt_id: uuid.UUID) -> Decimal | None:
    """The rate the receipt's accrual (its GRNI line) was booked at, None until it is booked."""
    from core.finance.models import Voucher

    row = session.execute(
        select(VoucherLine.rate)
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .where(
            Voucher.source_type == "purchase_receipt",
            Voucher.source_id == str(receipt_id),
            Voucher.kind == "event",
            Voucher.status == "posted",
            VoucherLine.side == "credit",
        )
        .order_by(Voucher.created_at)
        .limit(1)
    ).scalar_one_or_none()
    return Decimal(row) if row is not None else None


def create_purchase_bill(data: dict[str, Any]) -> Bill:
    """Record a supplier's bill for received goods: `lines` [{receipt_line_id, quantity,
    unit_price, tax_rate}] (tax rate defaults to the order line's)."""
    from core.purchasing.service.orders import get_order
    from core.purchasing.service.receiving import get_receipt

    st = settings()
    errors = f.Errors()
    reference = f.text(errors, "supplier_reference", data.get("supplier_reference"), max_len=100, required=True)
    bill_date = data.get("bill_date") or tenant_facts().local_date(utcnow())
    note = f.text(errors, "note", data.get("note"), max_len=2000)
    raw = data.get("lines") or []
    if not raw:
        errors.add("lines", Msg("finance.bill_a_receipt_line"))
    errors.raise_if_any()
    receipts: dict[uuid.UUID, Any] = {}
    orders: dict[uuid.UUID, Any] = {}
    by_line: dict[uuid.UUID, tuple[Any, Any, Any]] = {}
    for i, item in enumerate(raw):
        rid = item.get("receipt_id")
        rl_id = item.get("receipt_line_id")
        try:
            receipt = receipts.get(rid) or get_receipt(rid)
        except NotFound:
            errors.add(f"lines.{i}.receipt_id", Msg("finance.no_such_receipt"))
            continue
        receipts[receipt.id] = receipt
        rl = next((x for x in receipt.lines if str(x.id) == str(rl_id)), None)
        if rl is None:
            errors.add(f"lines.{i}.receipt_line_id", Msg("finance.not_line_receipt", number=receipt.number))
            continue
        order = orders.get(receipt.purchase_order_id) or get_order(receipt.purchase_order_id)
        orders[order.id] = order
        po_line = next(x for x in order.lines if x.id == rl.purchase_order_line_id)
        by_line[rl.id] = (receipt, rl, po_line)
    errors.raise_if_any()
    suppliers = {o.supplier_id for o in orders.values()}
    currencies = {o.currency for o in orders.values()}
    if len(suppliers) > 1 or len(currencies) > 1:
        raise ValidationError.field("lines", Msg("finance.bill_one_supplier"))
    supplier = _supplier(next(iter(suppliers)))
    currency = next(iter(currencies))
    _unique_reference(supplier.id, reference)
    rate = _rate(currency, bill_date, "bill_date")
    qty_tol = Decimal(st.bill_quantity_tolerance or 0) / 100
    price_tol = Decimal(st.bill_price_tolerance or 0) / 100
    already = billed_quantities(list(by_line))
    lines: list[BillLine] = []
    for i, item in enumerate(raw):
        receipt, rl, po_line = by_line[uuid.UUID(str(item["receipt_line_id"]))]
        qty = f.integer(errors, f"lines.{i}.quantity", item.get("quantity"), minimum=1, required=True) or 0
        price = f.decimal(errors, f"lines.{i}.unit_price", item.get("unit_price", po_line.unit_price), places=6)
        tax_rate = f.decimal(errors, f"lines.{i}.tax_rate", item.get("tax_rate", po_line.tax_rate), places=4)
        if price is None or tax_rate is None or not qty:
            continue
        # Three-way match: the receipt's quantity and the order's price, within tolerance.
        allowed = int(rl.quantity * (1 + qty_tol))
        billed = already.get(rl.id, 0) + qty
        if billed > allowed:
            errors.add(
                f"lines.{i}.quantity",
                Msg(
                    "finance.billed_more_than_received_tolerance",
                    billed=billed,
                    number=receipt.number,
                    received=rl.quantity,
                    tolerance=st.bill_quantity_tolerance,
                )
                if qty_tol
                else Msg(
                    "finance.billed_more_than_received", billed=billed, number=receipt.number, received=rl.quantity
                ),
            )
        low, high = po_line.unit_price * (1 - price_tol), po_line.unit_price * (1 + price_tol)
        if not low <= price <= high:
            errors.add(
                f"lines.{i}.unit_price",
                Msg(
                    "finance.price_differs_tolerance",
                    price=_plain(price),
                    order_price=_plain(po_line.unit_price),
                    tolerance=st.bill_price_tolerance,
                )
                if price_tol
                else Msg("finance.price_differs", price=_plain(price), order_price=_plain(po_line.unit_price)),
            )
        already[rl.id] = billed
        carrying = receipt_rate(receipt.id)
        if carrying is None:
            errors.add(f"lines.{i}.receipt_line_id", Msg("finance.receipt_not_booked_yet", number=receipt.number))
            continue
        amount = round_money(price * qty, currency)
        accrued = round_money(po_line.unit_price * qty, currency)
        tax = round_money(amount * tax_rate, currency)
        lines.append(
            BillLine(
                position=len(lines) + 1,
                receipt_id=receipt.id,
                receipt_line_id=rl.id,
                purchase_order_id=receipt.purchase_order_id,
                sku_id=rl.sku_id,
                warehouse_id=receipt.warehouse_id,
                quantity=qty,
                unit_price=price,
                order_price=po_line.unit_price,
                tax_rate=tax_rate,
                amount=amount,
                tax=tax,
                accrued=accrued,
                accrued_value=round_money(accrued * carrying, functional_currency()),
                variance=amount - accrued,
                memo=f"{receipt.number}",
            )
        )
    errors.raise_if_any()
    bill = Bill(
        number=next_number("finance_bill", "BILL"),
        kind="purchase",
        supplier_id=supplier.id,
        supplier_name=(f"{supplier.code} {supplier.name}" if supplier.code else supplier.name)[:200],
        supplier_reference=reference,
        currency=currency,
        bill_date=bill_date,
        due_date=due_date(supplier, bill_date),
        rate=rate,
        amount=sum((ln.amount for ln in lines), ZERO),
        tax=sum((ln.tax for ln in lines), ZERO),
        total=sum((ln.amount + ln.tax for ln in lines), ZERO),
        status="open",
        note=note,
        created_by=str(current_actor())[:200],
        lines=lines,
    )
    session.add(bill)
    session.flush()
    _price_variance(bill)
    events.emit("supplier_bill.posted", bill_payload(bill), entity_type="supplier_bill", entity_id=bill.id)
    return bill


def _unique_reference(supplier_id: uuid.UUID, reference: str) -> None:
    taken = session.execute(
        select(Bill.number).where(Bill.supplier_id == supplier_id, Bill.supplier_reference == reference)
    ).scalar_one_or_none()
    if taken:
        raise Conflict(
            Msg("finance.supplier_bill_already_recorded", reference=reference, taken=taken),
            {"supplier_reference": [Msg("finance.already_recorded")]},
        )


def _price_variance(bill: Bill) -> None:
    """The billed price's difference (and non-recoverable tax) into the stock still held, the
    rest to cost of sales."""
    functional = functional_currency()
    recoverable = settings().input_vat_recoverable
    lines = [ln for ln in bill.lines if ln.variance or (ln.tax and not recoverable)]
    if not lines:
        return
    from core.inventory.service import Doc
    from core.inventory.service.costs import CostLine, add_cost, held_refs

    # Tax that cannot be recovered is part of the cost (IAS 2.11), like the price difference.
    values = {
        ln.id: round_money((ln.variance + (ZERO if recoverable else ln.tax)) * bill.rate, functional) for ln in lines
    }
    posting = add_cost(
        Doc("supplier_bill", bill.id, bill.number),
        [CostLine(str(ln.id), ln.sku_id, ln.warehouse_id, ln.quantity, values[ln.id]) for ln in lines if values[ln.id]],
        key=f"bill:{bill.id}",
        reason=f"price difference of bill {bill.number}",
    )
    for ln in lines:
        held = held_refs(posting, str(ln.id))
        ln.capitalised = sum(held.values(), ZERO)
        ln.expensed = values[ln.id] - ln.capitalised
    session.flush()


def bill_payload(bill: Bill) -> BillPosted:
    return BillPosted(
        **{
            "bill_id": bill.id,
            "number": bill.number,
            "kind": bill.kind,
            "supplier_id": bill.supplier_id,
            "supplier": bill.supplier_name,
            "supplier_reference": bill.supplier_reference,
            "currency": bill.currency,
            "bill_date": bill.bill_date,
            "due_date": bill.due_date,
            "rate": bill.rate,
            "amount": bill.amount,
            "tax": bill.tax,
            "total": bill.total,
            "input_vat_recoverable": settings().input_vat_recoverable,
            "lines": tuple(
                BilledLine(
                    line_id=ln.id,
                    receipt_id=ln.receipt_id,
                    purchase_order_id=ln.purchase_order_id,
                    sku_id=ln.sku_id,
                    warehouse_id=ln.warehouse_id,
                    quantity=ln.quantity,
                    amount=ln.amount,
                    tax=ln.tax,
                    accrued=ln.accrued,
                    accrued_value=ln.accrued_value,
                    capitalised=ln.capitalised,
                    expensed=ln.expensed,
                    transfer_id=ln.transfer_id,
                    transfer_number=ln.transfer_number,
                    memo=ln.memo,
                )
                for ln in bill.lines
            ),
        }
    )


# ---------------------------------------------------------------------------------------------
# Forwarders' bills for first legs


def create_freight_bill(data: dict[str, Any]) -> Bill:
    """A forwarder's bill: `lines` [{transfer_id, freight, duty, insurance}]. It clears the
    landed cost each first leg accrued (in the bill's currency) and books the difference as
    landed cost, so the units still held carry the billed cost."""
    errors = f.Errors()
    supplier_id = data.get("supplier_id")
    reference = f.text(errors, "supplier_reference", data.get("supplier_reference"), max_len=100, required=True)
    currency = f.currency(errors, "currency", data.get("currency"), required=True)
    bill_date = data.get("bill_date") or tenant_facts().local_date(utcnow())
    raw = data.get("lines") or []
    if not raw:
        errors.add("lines", Msg("finance.bill_a_first_leg"))
    amounts: list[dict[str, Decimal]] = []
    for i, item in enumerate(raw):
        parts = {
            c: f.decimal(errors, f"lines.{i}.{c}", item.get(c) or "0", places=4, minimum=Decimal(0)) or ZERO
            for c in ("freight", "duty", "insurance")
        }
        if not errors and not any(parts.values()):
            errors.add(f"lines.{i}", Msg("finance.give_freight_duty_insurance"))
        amounts.append({k: round_money(v, currency or "USD") for k, v in parts.items()})
    errors.raise_if_any()
    try:
        supplier = _supplier(supplier_id)
    except NotFound:
        raise ValidationError.field("supplier_id", Msg("finance.no_such_supplier")) from None
    _unique_reference(supplier.id, reference)
    rate = _rate(currency, bill_date, "bill_date")
    functional = functional_currency()
    bill = Bill(
        number=next_number("finance_bill", "BILL"),
        kind="freight",
        supplier_id=supplier.id,
        supplier_name=(f"{supplier.code} {supplier.name}" if supplier.code else supplier.name)[:200],
        supplier_reference=reference,
        currency=currency,
        bill_date=bill_date,
        due_date=due_date(supplier, bill_date),
        rate=rate,
        amount=ZERO,
        tax=ZERO,
        total=ZERO,
        status="open",
        note=f.text(errors, "note", data.get("note"), max_len=2000),
        created_by=str(current_actor())[:200],
        lines=[],
    )
    session.add(bill)
    session.flush()
    for i, (item, parts) in enumerate(zip(raw, amounts)):
        accrued = _accrued(item.get("transfer_id"), currency, f"lines.{i}.transfer_id")
        diff = {c: parts[c] - accrued["by_component"][c] for c in parts}
        extra = ZERO
        if any(diff.values()):
            lc = landed.create(
                key=f"bill:{bill.id}:{i}",
                source="bill",
                transfer_id=accrued["transfer"].id,
                currency=currency,
                amounts=diff,
                cost_date=bill_date,
                bill_id=bill.id,
            )
            if lc.status != "applied":
                raise ValidationError.field(f"lines.{i}", lc.problem or "the landed cost could not be applied")
            extra = lc.functional_total or ZERO
        total = sum(parts.values(), ZERO)
        bill.lines.append(
            BillLine(
                position=i + 1,
                transfer_id=accrued["transfer"].id,
                transfer_number=accrued["transfer"].number,
                freight=parts["freight"],
                duty=parts["duty"],
                insurance=parts["insurance"],
                amount=total,
                accrued=accrued["amount"],
                accrued_value=round_money(accrued["value"] + extra, functional),
                memo=accrued["transfer"].number,
            )
        )
    bill.amount = bill.total = sum((ln.amount for ln in bill.lines), ZERO)
    session.flush()
    events.emit("supplier_bill.posted", bill_payload(bill), entity_type="supplier_bill", entity_id=bill.id)
    return bill


def _accrued(transfer_id: Any, currency: str, field_name: str) -> dict[str, Any]:
    """What a first leg accrued as landed cost in `currency` and no bill has cleared yet."""
    try:
        t = landed._transfer(uuid.UUID(str(transfer_id)))
    except (NotFound, ValueError):
        raise ValidationError.field(field_name, Msg("finance.no_such_first_leg_or_transfer")) from None
    billed = set(
        session.execute(
            select(BillLine.transfer_id).join(Bill).where(Bill.kind == "freight", BillLine.transfer_id == t.id)
        ).scalars()
    )
    rows = (
        []
        if billed
        else list(
            session.execute(
                select(LandedCost).where(
                    LandedCost.transfer_id == t.id,
                    LandedCost.currency == currency,
                    LandedCost.source.in_(("leg", "manual")),
                    LandedCost.status == "applied",
                )
            ).scalars()
        )
    )
    by_component = {c: sum((getattr(r, c) for r in rows), ZERO) for c in ("freight", "duty", "insurance")}
    return {
        "transfer": t,
        "amount": sum(by_component.values(), ZERO),
        "value": sum((r.functional_total or ZERO for r in rows), ZERO),
        "by_component": by_component,
    }


# ---------------------------------------------------------------------------------------------
# Payments


def _bank_account(account_id: Any, currency: str) -> Account:
    from core.finance.service.accounts import has_children

    if account_id:
        acc = get_or_none(Account, account_id)
        if acc is None:
            raise ValidationError.field("bank_account_id", Msg("finance.no_such_account"))
    else:
        functional = functional_currency()
        candidates = session.execute(
            select(Account).where(Account.role.in_(("bank", "bank_foreign")), Account.active.is_(True))
        ).scalars()
        acc = next((a for a in candidates if (a.currency or functional) == currency), None)
        if acc is None:
            raise ValidationError.field("bank_account_id", Msg("finance.no_bank_account_in", currency=currency))
    if not acc.active or acc.type != "asset" or has_children(acc.id):
        raise ValidationError.field("bank_account_id", Msg("finance.account_cannot_take_payments", code=acc.code))
    if acc.currency and acc.currency != currency:
        raise ValidationError.field(
            "bank_account_id", Msg("finance.account_in_not", code=acc.code, currency=acc.currency, wanted=currency)
        )
    return acc


def create_payment(data: dict[str, Any]) -> Payment:
    """Pay a supplier: `allocations` [{bill_id, amount}] settle bills; what is left is a
    prepayment. In the supplier's currency, from a bank account in it."""
    errors = f.Errors()
    try:
        supplier = _supplier(data.get("supplier_id"))
    except NotFound:
        raise ValidationError.field("supplier_id", Msg("finance.no_such_supplier")) from None
    currency = f.currency(errors, "currency", data.get("currency") or supplier.currency, required=True)
    amount = f.decimal(errors, "amount", data.get("amount"), places=4, minimum=Decimal("0.01"), required=True)
    charges = f.decimal(errors, "bank_charges", data.get("bank_charges") or "0", places=4) or ZERO
    day = data.get("payment_date") or tenant_facts().local_date(utcnow())
    reference = f.text(errors, "reference", data.get("reference"), max_len=100)
    errors.raise_if_any()
    if amount != round_money(amount, currency):
        raise ValidationError.field("amount", Msg("finance.has_fewer_decimals", currency=currency))
    bank = _bank_account(data.get("bank_account_id"), currency)
    rate = _rate(currency, day, "payment_date")
    allocations, applied = _allocations(data.get("allocations") or [], supplier.id, currency, day)
    if applied > amount:
        raise ValidationError.field("allocations", Msg("finance.they_settle_more_than", applied=applied, amount=amount))
    payment = Payment(
        number=next_number("finance_payment", "PAY"),
        kind="payment" if allocations else "prepayment",
        supplier_id=supplier.id,
        supplier_name=(f"{supplier.code} {supplier.name}" if supplier.code else supplier.name)[:200],
        currency=currency,
        amount=amount,
        applied=applied,
        payment_date=day,
        rate=rate,
        bank_account_id=bank.id,
        bank_charges=charges,
        reference=reference,
        note=f.text(errors, "note", data.get("note"), max_len=2000),
        created_by=str(current_actor())[:200],
        allocations=[PaymentAllocation(bill_id=b.id, amount=a, applied_on=day, later=False) for b, a in allocations],
    )
    session.add(payment)
    session.flush()
    for bill, a in allocations:
        _settle(bill, a)
    events.emit(
        "supplier_payment.made",
        payment_payload(payment, allocations),
        entity_type="supplier_payment",
        entity_id=payment.id,
    )
    return payment


def _allocations(
    raw: list[dict[str, Any]], supplier_id: uuid.UUID, currency: str, day: date
) -> tuple[list[tuple[Bill, Decimal]], Decimal]:
    errors = f.Errors()
    out: list[tuple[Bill, Decimal]] = []
    seen: dict[uuid.UUID, Decimal] = defaultdict(lambda: ZERO)
    for i, item in enumerate(raw):
        bill = get_or_none(Bill, item.get("bill_id"))
        amount = f.decimal(
            errors, f"allocations.{i}.amount", item.get("amount"), places=4, minimum=Decimal("0.01"), required=True
        )
        if bill is None:
            errors.add(f"allocations.{i}.bill_id", Msg("finance.no_such_bill"))
            continue
        if bill.supplier_id != supplier_id or bill.currency != currency:
            errors.add(
                f"allocations.{i}.bill_id", Msg("finance.bill_not_this_supplier", number=bill.number, currency=currency)
            )
            continue
        if amount is None:
            continue
        seen[bill.id] += amount
        if seen[bill.id] > bill.open_amount:
            errors.add(
                f"allocations.{i}.amount",
                Msg("finance.bill_has_open", number=bill.number, open_amount=bill.open_amount, currency=currency),
            )
        out.append((bill, amount))
    errors.raise_if_any()
    return out, sum((a for _, a in out), ZERO)


def _settle(bill: Bill, amount: Decimal) -> None:
    row = locked(Bill, bill.id, "bill")
    if amount > row.open_amount:
        raise Conflict(
            Msg("finance.bill_has_only_open", number=row.number, open_amount=row.open_amount),
            {"amount": [Msg("finance.more_than_open")]},
        )
    row.paid += amount
    row.status = "paid" if row.paid == row.total else "partially_paid"
    session.flush()


def payment_payload(payment: Payment, allocations: list[tuple[Bill, Decimal]]) -> PaymentMade:
    return PaymentMade(
        **{
            "payment_id": payment.id,
            "number": payment.number,
            "kind": payment.kind,
            "supplier_id": payment.supplier_id,
            "supplier": payment.supplier_name,
            "currency": payment.currency,
            "amount": payment.amount,
            "payment_date": payment.payment_date,
            "rate": payment.rate,
            "bank_account_id": payment.bank_account_id,
            "bank_charges": payment.bank_charges,
            "prepaid": payment.amount - payment.applied,
            "allocations": tuple(
                SettledBill(bill_id=b.id, bill_number=b.number, bill_kind=b.kind, amount=a, bill_rate=b.rate)
                for b, a in allocations
            ),
        }
    )


def apply_prepayment(payment_id: uuid.UUID, data: dict[str, Any]) -> Payment:
    """Apply what a prepayment left unapplied to a bill of the same supplier."""
    payment = locked(Payment, payment_id, "payment")
    day = data.get("date") or tenant_facts().local_date(utcnow())
    allocations, applied = _allocations([data], payment.supplier_id, payment.currency, day)
    if applied > payment.unapplied:
        raise ValidationError.field(
            "amount", Msg("finance.payment_has_left_apply", number=payment.number, unapplied=payment.unapplied)
        )
    ((bill, amount),) = allocations
    payment.applied += amount
    payment.allocations.append(PaymentAllocation(bill_id=bill.id, amount=amount, applied_on=day, later=True))
    session.flush()
    _settle(bill, amount)
    events.emit(
        "supplier_prepayment.applied",
        PrepaymentApplied(
            payment_id=payment.id,
            number=payment.number,
            supplier_id=payment.supplier_id,
            currency=payment.currency,
            amount=amount,
            applied_on=day,
            payment_rate=payment.rate,
            bill_id=bill.id,
            bill_number=bill.number,
            bill_kind=bill.kind,
            bill_rate=bill.rate,
        ),
        entity_type="supplier_payment",
        entity_id=payment.id,
    )
    return payment


# ---------------------------------------------------------------------------------------------
# Ageing


@dataclass
class AgeingRow:
    supplier_id: uuid.UUID
    supplier: str
    currency: str
    bands: dict[str, Decimal] = field(default_factory=dict)
    functional: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.bands.values(), ZERO)

    def to_json(self) -> dict[str, Any]:
        return {
            "supplier_id": str(self.supplier_id),
            "supplier": self.supplier,
            "currency": self.currency,
            "total": str(self.total),
            "bands": {k: str(v) for k, v in self.bands.items()},
            "functional": {k: str(v) for k, v in self.functional.items()},
        }


def band_of(days_overdue: int) -> str:
    for label, low, high in AGEING_BANDS:
        if (low is None or days_overdue >= low) and (high is None or days_overdue <= high):
            return label
    return "90+"


def ageing(as_of: date | None = None) -> list[AgeingRow]:
    """Open bills per supplier and currency, by days past their due date (not yet due is
    "current"), in the bill currency and at the bills' carrying rates."""
    as_of = as_of or tenant_facts().local_date(utcnow())
    functional = functional_currency()
    rows: dict[tuple[uuid.UUID, str], AgeingRow] = {}
    for bill in session.execute(select(Bill).where(Bill.status != "paid", Bill.bill_date <= as_of)).scalars():
        key = (bill.supplier_id, bill.currency)
        row = rows.setdefault(
            key,
            AgeingRow(
                bill.supplier_id,
                bill.supplier_name,
                bill.currency,
                {b[0]: ZERO for b in AGEING_BANDS},
                {b[0]: ZERO for b in AGEING_BANDS},
            ),
        )
        band = band_of((as_of - bill.due_date).days)
        row.bands[band] += round_money(bill.open_amount, bill.currency)
        row.functional[band] += round_money(bill.open_amount * bill.rate, functional)
    return sorted(rows.values(), key=lambda r: (r.supplier, r.currency))


# ---------------------------------------------------------------------------------------------
# What the portal shows of bills and payments


@dataclass
class Billable:
    """A receipt line as a bill may take it: what arrived, what is billed, at the order's price."""

    receipt_line_id: uuid.UUID
    sku_id: uuid.UUID
    received: int
    billed: int
    order_price: Decimal
    tax_rate: Decimal

    @property
    def remaining(self) -> int:
        return max(self.received - self.billed, 0)


def billable_lines(receipt_id: uuid.UUID | str) -> tuple[Any, Any, list[Billable]]:
    """A receipt, its purchase order and each line with what is left to bill."""
    from core.purchasing.service.orders import get_order
    from core.purchasing.service.receiving import get_receipt

    receipt = get_receipt(receipt_id)
    order = get_order(receipt.purchase_order_id)
    po_lines = {ln.id: ln for ln in order.lines}
    billed = billed_quantities([ln.id for ln in receipt.lines])
    return (
        receipt,
        order,
        [
            Billable(
                ln.id,
                ln.sku_id,
                ln.quantity,
                billed.get(ln.id, 0),
                po_lines[ln.purchase_order_line_id].unit_price,
                po_lines[ln.purchase_order_line_id].tax_rate,
            )
            for ln in receipt.lines
        ],
    )


@dataclass(frozen=True)
class Match:
    """The three-way match of one bill line: order price, received and billed quantities."""

    received: int
    billed: int
    order_price: Decimal
    billed_price: Decimal
    price_difference_percent: Decimal
    quantity_tolerance: Decimal
    price_tolerance: Decimal

    @property
    def matched(self) -> bool:
        allowed = int(self.received * (1 + self.quantity_tolerance / 100))
        return self.billed <= allowed and abs(self.price_difference_percent) <= self.price_tolerance


def match_of(bill: Bill) -> dict[uuid.UUID, Match]:
    """Each purchase bill line against its receipt line and order price, with the tolerances
    in force now. `billed` is what all bills of the receipt line took."""
    from core.purchasing.service.receiving import get_receipt

    st = settings()
    lines = [ln for ln in bill.lines if ln.receipt_line_id]
    billed = billed_quantities([ln.receipt_line_id for ln in lines if ln.receipt_line_id])
    received: dict[uuid.UUID, int] = {}
    for receipt_id in {ln.receipt_id for ln in lines}:
        received.update({rl.id: rl.quantity for rl in get_receipt(receipt_id).lines})
    out = {}
    for ln in lines:
        diff = (ln.unit_price - ln.order_price) / ln.order_price * 100 if ln.order_price else ZERO
        out[ln.id] = Match(
            received=received.get(ln.receipt_line_id, 0),  # type: ignore[arg-type]
            billed=billed.get(ln.receipt_line_id, 0),  # type: ignore[arg-type]
            order_price=ln.order_price,
            billed_price=ln.unit_price,
            price_difference_percent=diff.quantize(Decimal("0.01")),
            quantity_tolerance=Decimal(st.bill_quantity_tolerance or 0),
            price_tolerance=Decimal(st.bill_price_tolerance or 0),
        )
    return out


def allocations_of_bill(bill_id: uuid.UUID) -> list[tuple[PaymentAllocation, Payment]]:
    """The payments (and prepayments applied) that settled a bill, oldest first."""
    rows = session.execute(
        select(PaymentAllocation, Payment)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.bill_id == bill_id)
        .order_by(PaymentAllocation.applied_on, Payment.number)
    ).all()
    return [(a, p) for a, p in rows]


def open_bills(supplier_id: uuid.UUID, currency: str) -> list[Bill]:
    """A supplier's bills in one currency that are not paid in full, oldest due first."""
    return list(
        session.execute(
            select(Bill)
            .where(Bill.supplier_id == supplier_id, Bill.currency == currency, Bill.status != "paid")
            .order_by(Bill.due_date, Bill.number)
        ).scalars()
    )


def bank_accounts(currency: str | None = None) -> list[Account]:
    """Accounts a payment may come from: active leaf asset accounts of the bank roles (and their
    sub-accounts), in `currency` when given."""
    from core.finance.service.accounts import has_children

    functional = functional_currency()
    banks = list(
        session.execute(
            select(Account).where(Account.type == "asset", Account.active.is_(True)).order_by(Account.code)
        ).scalars()
    )
    roots = {a.id for a in banks if a.role in ("bank", "bank_foreign")}
    out = [a for a in banks if (a.id in roots or a.parent_id in roots) and not has_children(a.id)]
    return [a for a in out if currency is None or (a.currency or functional) == currency]


def realised_fx(payment: Payment) -> dict[str, Any]:
    """What the payment's vouchers booked as realised exchange difference (a loss positive, a
    gain negative, as 财务费用 keeps it), and each settlement's own share: the amount times the
    payment's rate less the bill's carrying rate."""
    from core.finance.models import Voucher

    functional = functional_currency()
    booked = session.execute(
        select(func.coalesce(func.sum(VoucherLine.value), 0))
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .where(
            Voucher.source_type == "supplier_payment",
            Voucher.source_id == str(payment.id),
            Voucher.status == "posted",
            VoucherLine.kind == "fx",
        )
    ).scalar_one()
    ids = [a.bill_id for a in payment.allocations]
    bills = {b.id: b for b in session.execute(select(Bill).where(Bill.id.in_(ids))).scalars()}
    shares = []
    for a in payment.allocations:
        bill = bills[a.bill_id]
        shares.append(
            {
                "allocation": a,
                "bill": bill,
                "difference": round_money(a.amount * payment.rate, functional)
                - round_money(a.amount * bill.rate, functional),
            }
        )
    return {"booked": round_money(Decimal(booked), functional), "currency": functional, "shares": shares}
