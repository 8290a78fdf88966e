"""Request and response schemas of the finance API, and the views of rows they dump."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from marshmallow import fields, validate

from core.finance.models import (
    ACCOUNT_TYPES,
    CHARTS,
    COST_BASES,
    REVERSAL_STYLES,
    VOUCHER_KINDS,
    VOUCHER_STATUSES,
    Account,
    FinanceSettings,
    Period,
    Voucher,
    VoucherLine,
)
from core.http import Schema
from core.money import round_money

Money = fields.Decimal(as_string=True)


class SetupSchema(Schema):
    chart = fields.String(
        required=True,
        validate=validate.OneOf(CHARTS),
        metadata={"description": "cn: the Chinese standard chart (企业会计准则); en: an English chart"},
    )


class FinanceSettingsInSchema(Schema):
    reversal_style = fields.String(
        validate=validate.OneOf(REVERSAL_STYLES),
        metadata={"description": "red: 红字冲销 (same sides, negative amounts); swap: opposite sides"},
    )
    landed_cost_basis = fields.String(validate=validate.OneOf(COST_BASES))
    bill_quantity_tolerance = fields.Decimal(as_string=True, validate=validate.Range(0, 100))
    bill_price_tolerance = fields.Decimal(as_string=True, validate=validate.Range(0, 100))
    input_vat_recoverable = fields.Boolean()
    facilitator_tax_channels = fields.List(
        fields.String(validate=validate.Length(1, 64)), validate=validate.Length(0, 50)
    )
    fee_estimates = fields.Dict(
        keys=fields.String(validate=validate.Length(1, 64)),
        values=fields.Decimal(as_string=True, validate=validate.Range(0, 100)),
        metadata={"description": "Estimated fees per channel in percent of the order total"},
    )
    rate_feed_url = fields.String(validate=validate.Length(0, 500))


class FinanceSettingsSchema(Schema):
    chart = fields.String()
    functional_currency = fields.String()
    reversal_style = fields.String()
    landed_cost_basis = fields.String()
    bill_quantity_tolerance = Money
    bill_price_tolerance = Money
    input_vat_recoverable = fields.Boolean()
    facilitator_tax_channels = fields.List(fields.String())
    fee_estimates = fields.Dict(keys=fields.String(), values=fields.String())
    rate_feed_url = fields.String()


class AccountInSchema(Schema):
    name = fields.String(validate=validate.Length(1, 200))
    currency = fields.String(allow_none=True, validate=validate.Length(3, 3))
    monetary = fields.Boolean()
    active = fields.Boolean()


class AccountCreateSchema(AccountInSchema):
    code = fields.String(required=True, validate=validate.Length(1, 32))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    type = fields.String(validate=validate.OneOf(ACCOUNT_TYPES), metadata={"description": "Default: the parent's"})


class AccountSchema(Schema):
    id = fields.UUID()
    code = fields.String()
    name = fields.String()
    type = fields.String()
    parent_id = fields.UUID(allow_none=True)
    currency = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    monetary = fields.Boolean()
    sub_per = fields.String(allow_none=True)
    dimension_value = fields.String(allow_none=True)
    active = fields.Boolean()
    used = fields.Boolean()


class AccountQuerySchema(Schema):
    q = fields.String(validate=validate.Length(0, 100))
    type = fields.String(validate=validate.OneOf(ACCOUNT_TYPES))
    active = fields.Boolean()


class PeriodSchema(Schema):
    id = fields.UUID()
    key = fields.String(metadata={"description": "YYYY-MM"})
    year = fields.Integer()
    month = fields.Integer()
    start_date = fields.Date()
    end_date = fields.Date()
    status = fields.String()
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)
    reopened_at = fields.DateTime(allow_none=True)
    reopened_by = fields.String(allow_none=True)


class DimsSchema(Schema):
    shop_id = fields.UUID(allow_none=True, metadata={"description": "The shop (channel connection)"})
    warehouse_id = fields.UUID(allow_none=True)
    supplier_id = fields.UUID(allow_none=True)
    sku_id = fields.UUID(allow_none=True)
    order_id = fields.UUID(allow_none=True)


class ManualLineSchema(Schema):
    account_id = fields.UUID()
    account = fields.String(validate=validate.Length(1, 32), metadata={"description": "The account's code"})
    debit = fields.Decimal(as_string=True, allow_none=True)
    credit = fields.Decimal(as_string=True, allow_none=True)
    currency = fields.String(validate=validate.Length(3, 3), metadata={"description": "Default: functional"})
    memo = fields.String(validate=validate.Length(0, 200))
    dims = fields.Nested(DimsSchema)


class ManualVoucherSchema(Schema):
    date = fields.Date(required=True)
    memo = fields.String(required=True, validate=validate.Length(1, 500))
    lines = fields.List(fields.Nested(ManualLineSchema), required=True, validate=validate.Length(2, 500))


class ReverseSchema(Schema):
    date = fields.Date(metadata={"description": "Default: today"})
    memo = fields.String(validate=validate.Length(1, 500))


class LineSchema(Schema):
    position = fields.Integer()
    account_id = fields.UUID()
    account_code = fields.String()
    account_name = fields.String()
    side = fields.String()
    debit = Money
    credit = Money
    currency = fields.String()
    amount = Money
    rate = fields.Decimal(as_string=True)
    rate_date = fields.Date()
    kind = fields.String(metadata={"description": "'' | rounding | fx"})
    memo = fields.String()
    dims = fields.Nested(DimsSchema)


class VoucherSchema(Schema):
    id = fields.UUID()
    number = fields.String(allow_none=True)
    period = fields.String()
    status = fields.String(metadata={"description": " | ".join(VOUCHER_STATUSES)})
    kind = fields.String(metadata={"description": " | ".join(VOUCHER_KINDS)})
    date = fields.Date()
    document_date = fields.Date()
    memo = fields.String()
    note = fields.String()
    currency = fields.String()
    total = Money
    source = fields.Dict()
    rule = fields.String()
    reverses_id = fields.UUID(allow_none=True)
    reversed_by_id = fields.UUID(allow_none=True)
    waiting_for = fields.List(fields.Dict(), allow_none=True)
    created_by = fields.String()
    posted_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(LineSchema))


class VoucherQuerySchema(Schema):
    period = fields.String(validate=validate.Length(7, 7), metadata={"description": "YYYY-MM"})
    date_from = fields.Date()
    date_to = fields.Date()
    account_id = fields.UUID()
    source_type = fields.String(validate=validate.Length(1, 32))
    source_id = fields.String(validate=validate.Length(1, 64))
    status = fields.String(validate=validate.OneOf(VOUCHER_STATUSES))
    kind = fields.String(validate=validate.OneOf(VOUCHER_KINDS))
    q = fields.String(validate=validate.Length(0, 100))


class PeriodQuerySchema(Schema):
    period = fields.String(required=True, validate=validate.Length(7, 7), metadata={"description": "YYYY-MM"})


class TrialRowSchema(Schema):
    account_id = fields.String()
    code = fields.String()
    name = fields.String()
    type = fields.String()
    level = fields.Integer()
    leaf = fields.Boolean()
    opening_debit = fields.String()
    opening_credit = fields.String()
    debit = fields.String()
    credit = fields.String()
    closing_debit = fields.String()
    closing_credit = fields.String()


class TrialBalanceSchema(Schema):
    period = fields.String()
    currency = fields.String()
    balanced = fields.Boolean()
    totals = fields.Dict(keys=fields.String(), values=fields.String())
    rows = fields.List(fields.Nested(TrialRowSchema))


# ---------------------------------------------------------------------------------------------
# Views


def settings_view(row: FinanceSettings, functional: str) -> dict[str, Any]:
    out = {k: getattr(row, k) for k in FinanceSettingsSchema._declared_fields if k != "functional_currency"}
    out["functional_currency"] = functional
    out["fee_estimates"] = {k: str(v) for k, v in (row.fee_estimates or {}).items()}
    return out


def account_view(acc: Account, used: bool) -> dict[str, Any]:
    out = {k: getattr(acc, k) for k in AccountSchema._declared_fields if k != "used"}
    out["used"] = used
    return out


def period_view(p: Period) -> dict[str, Any]:
    return {k: getattr(p, k) for k in PeriodSchema._declared_fields}


def line_view(line: VoucherLine, accounts: dict[uuid.UUID, Account], functional: str) -> dict[str, Any]:
    acc = accounts.get(line.account_id)
    value = round_money(line.value, functional)
    return {
        "position": line.position,
        "account_id": line.account_id,
        "account_code": acc.code if acc else "",
        "account_name": acc.name if acc else "",
        "side": line.side,
        "debit": value if line.side == "debit" else Decimal(0),
        "credit": value if line.side == "credit" else Decimal(0),
        "currency": line.currency,
        "amount": round_money(line.amount, line.currency),
        "rate": line.rate,
        "rate_date": line.rate_date,
        "kind": line.kind,
        "memo": line.memo,
        "dims": {
            "shop_id": line.shop_id,
            "warehouse_id": line.warehouse_id,
            "supplier_id": line.supplier_id,
            "sku_id": line.sku_id,
            "order_id": line.order_id,
        },
    }


def voucher_view(
    v: Voucher,
    lines: list[VoucherLine],
    accounts: dict[uuid.UUID, Account],
    period_key: str,
    reversed_by: uuid.UUID | None,
) -> dict[str, Any]:
    return {
        "id": v.id,
        "number": v.number,
        "period": period_key,
        "status": v.status,
        "kind": v.kind,
        "date": v.date,
        "document_date": v.document_date,
        "memo": v.memo,
        "note": v.note,
        "currency": v.currency,
        "total": round_money(v.total, v.currency),
        "source": {
            "type": v.source_type,
            "id": v.source_id,
            "number": v.source_number,
            "event_id": str(v.event_id) if v.event_id else None,
            "event_name": v.event_name,
        },
        "rule": v.rule,
        "reverses_id": v.reverses_id,
        "reversed_by_id": reversed_by,
        "waiting_for": v.waiting_for,
        "created_by": v.created_by,
        "posted_at": v.posted_at,
        "lines": [line_view(line, accounts, v.currency) for line in lines],
    }


class RuleSchema(Schema):
    key = fields.String()
    title = fields.String()
    events = fields.List(fields.String())
    roles = fields.List(fields.String())
    enabled = fields.Boolean()
    waiting_for = fields.String(metadata={"description": "The capability whose events it waits for, if any"})


class RuleInSchema(Schema):
    enabled = fields.Boolean(required=True)


class RoleSchema(Schema):
    key = fields.String()
    label = fields.String()
    sub_per = fields.String(allow_none=True, metadata={"description": "shop | warehouse: a sub-account each"})
    account_id = fields.UUID(allow_none=True, metadata={"description": "The template's account"})
    account_code = fields.String(allow_none=True)
    account_name = fields.String(allow_none=True)


class AccountMappingInSchema(Schema):
    role = fields.String(required=True, validate=validate.Length(1, 64))
    account_id = fields.UUID(required=True)
    rule = fields.String(
        load_default="", validate=validate.Length(0, 64), metadata={"description": "'' for every rule"}
    )
    dimension_value = fields.String(
        load_default="",
        validate=validate.Length(0, 64),
        metadata={"description": "A shop (connection) or warehouse id for per-shop or per-warehouse roles; '' for all"},
    )


class AccountMappingSchema(AccountMappingInSchema):
    id = fields.UUID()
    account_code = fields.String()
    account_name = fields.String()


class UnbookedSchema(Schema):
    id = fields.UUID()
    event_id = fields.UUID()
    event_name = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()
    occurred_at = fields.DateTime()
    reason = fields.String()
    status = fields.String()
    resolved_at = fields.DateTime(allow_none=True)


class UnbookedQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(("open", "booked", "ignored")), load_default="open")


class VerifyQuerySchema(Schema):
    replay = fields.Boolean(load_default=False, metadata={"description": "Also replay the outbox through the rules"})


class VerifyReportSchema(Schema):
    ok = fields.Boolean()
    vouchers = fields.Integer()
    lines = fields.Integer()
    problems = fields.List(fields.Dict())
    replay = fields.Dict(allow_none=True)


def unbooked_view(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in UnbookedSchema._declared_fields}


class LandedCostInSchema(Schema):
    currency = fields.String(required=True, validate=validate.Length(3, 3))
    freight = fields.Decimal(as_string=True, validate=validate.Range(0, 10**12))
    duty = fields.Decimal(as_string=True, validate=validate.Range(0, 10**12))
    insurance = fields.Decimal(as_string=True, validate=validate.Range(0, 10**12))
    basis = fields.String(validate=validate.OneOf(COST_BASES), metadata={"description": "Default: the tenant's"})
    date = fields.Date(metadata={"description": "The cost's date, for its rate (default today)"})


class LandedCostSchema(Schema):
    id = fields.UUID()
    source = fields.String(metadata={"description": "leg | manual | bill"})
    transfer_id = fields.UUID()
    transfer_kind = fields.String()
    transfer_number = fields.String()
    destination_warehouse_id = fields.UUID()
    bill_id = fields.UUID(allow_none=True)
    currency = fields.String()
    freight = Money
    duty = Money
    insurance = Money
    basis = fields.String()
    cost_date = fields.Date()
    status = fields.String(metadata={"description": "waiting_rate | applied | failed"})
    problem = fields.String()
    rate = fields.Decimal(as_string=True, allow_none=True)
    functional_total = Money
    allocation = fields.List(fields.Dict())
    applied_at = fields.DateTime(allow_none=True)


class LandedCostQuerySchema(Schema):
    transfer_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(("waiting_rate", "applied", "failed")))


def landed_cost_view(row: Any) -> dict[str, Any]:
    out = {k: getattr(row, k) for k in LandedCostSchema._declared_fields}
    for k in ("freight", "duty", "insurance"):
        out[k] = round_money(out[k], row.currency)
    if row.functional_total is not None:
        from core.finance.service.setup import functional_currency

        out["functional_total"] = round_money(row.functional_total, functional_currency())
    return out


class BillLineInSchema(Schema):
    receipt_id = fields.UUID(required=True)
    receipt_line_id = fields.UUID(required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(1, 10**9))
    unit_price = fields.Decimal(as_string=True, validate=validate.Range(0, 10**12))
    tax_rate = fields.Decimal(as_string=True, validate=validate.Range(0, 1))


class PurchaseBillInSchema(Schema):
    supplier_reference = fields.String(required=True, validate=validate.Length(1, 100))
    bill_date = fields.Date()
    note = fields.String(validate=validate.Length(0, 2000))
    lines = fields.List(fields.Nested(BillLineInSchema), required=True, validate=validate.Length(1, 500))


class FreightLineInSchema(Schema):
    transfer_id = fields.UUID(required=True)
    freight = fields.Decimal(as_string=True, validate=validate.Range(0, 10**12))
    duty = fields.Decimal(as_string=True, validate=validate.Range(0, 10**12))
    insurance = fields.Decimal(as_string=True, validate=validate.Range(0, 10**12))


class FreightBillInSchema(Schema):
    supplier_id = fields.UUID(required=True, metadata={"description": "The forwarder (a supplier)"})
    supplier_reference = fields.String(required=True, validate=validate.Length(1, 100))
    currency = fields.String(required=True, validate=validate.Length(3, 3))
    bill_date = fields.Date()
    note = fields.String(validate=validate.Length(0, 2000))
    lines = fields.List(fields.Nested(FreightLineInSchema), required=True, validate=validate.Length(1, 200))


class BillLineSchema(Schema):
    position = fields.Integer()
    receipt_id = fields.UUID(allow_none=True)
    receipt_line_id = fields.UUID(allow_none=True)
    purchase_order_id = fields.UUID(allow_none=True)
    sku_id = fields.UUID(allow_none=True)
    warehouse_id = fields.UUID(allow_none=True)
    quantity = fields.Integer()
    unit_price = fields.Decimal(as_string=True)
    order_price = fields.Decimal(as_string=True)
    tax_rate = fields.Decimal(as_string=True)
    amount = Money
    tax = Money
    accrued = Money
    variance = Money
    capitalised = Money
    expensed = Money
    transfer_id = fields.UUID(allow_none=True)
    transfer_number = fields.String()
    freight = Money
    duty = Money
    insurance = Money
    memo = fields.String()


class BillSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    kind = fields.String(metadata={"description": "purchase | freight"})
    supplier_id = fields.UUID()
    supplier_name = fields.String()
    supplier_reference = fields.String()
    currency = fields.String()
    bill_date = fields.Date()
    due_date = fields.Date()
    rate = fields.Decimal(as_string=True)
    amount = Money
    tax = Money
    total = Money
    paid = Money
    open_amount = Money
    status = fields.String(metadata={"description": "open | partially_paid | paid"})
    note = fields.String()
    created_at = fields.DateTime()
    lines = fields.List(fields.Nested(BillLineSchema))


class BillQuerySchema(Schema):
    supplier_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(("open", "partially_paid", "paid")))
    open_only = fields.Boolean(load_default=False)


class AllocationInSchema(Schema):
    bill_id = fields.UUID(required=True)
    amount = fields.Decimal(as_string=True, required=True, validate=validate.Range(0, 10**12))


class PaymentInSchema(Schema):
    supplier_id = fields.UUID(required=True)
    currency = fields.String(validate=validate.Length(3, 3), metadata={"description": "Default: the supplier's"})
    amount = fields.Decimal(as_string=True, required=True, validate=validate.Range(0, 10**12))
    payment_date = fields.Date()
    bank_account_id = fields.UUID(metadata={"description": "Default: the bank account in the currency"})
    bank_charges = fields.Decimal(as_string=True, validate=validate.Range(0, 10**9))
    reference = fields.String(validate=validate.Length(0, 100))
    note = fields.String(validate=validate.Length(0, 2000))
    allocations = fields.List(fields.Nested(AllocationInSchema), validate=validate.Length(0, 500))


class ApplyInSchema(AllocationInSchema):
    date = fields.Date()


class AllocationSchema(Schema):
    bill_id = fields.UUID()
    amount = Money
    applied_on = fields.Date()
    later = fields.Boolean()


class PaymentSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    kind = fields.String(metadata={"description": "payment | prepayment"})
    supplier_id = fields.UUID()
    supplier_name = fields.String()
    currency = fields.String()
    amount = Money
    applied = Money
    unapplied = Money
    payment_date = fields.Date()
    rate = fields.Decimal(as_string=True)
    bank_account_id = fields.UUID()
    bank_charges = Money
    reference = fields.String()
    note = fields.String()
    allocations = fields.List(fields.Nested(AllocationSchema))


class PaymentQuerySchema(Schema):
    supplier_id = fields.UUID()


class AgeingQuerySchema(Schema):
    as_of = fields.Date()


class AgeingRowSchema(Schema):
    supplier_id = fields.String()
    supplier = fields.String()
    currency = fields.String()
    total = fields.String()
    bands = fields.Dict(keys=fields.String(), values=fields.String())
    functional = fields.Dict(keys=fields.String(), values=fields.String())


def bill_view(bill: Any) -> dict[str, Any]:
    out = {k: getattr(bill, k) for k in BillSchema._declared_fields if k != "lines"}
    for k in ("amount", "tax", "total", "paid", "open_amount"):
        out[k] = round_money(out[k], bill.currency)
    from core.finance.service.setup import functional_currency

    functional = functional_currency()
    out["lines"] = []
    for ln in bill.lines:
        item = {k: getattr(ln, k) for k in BillLineSchema._declared_fields}
        for k in ("amount", "tax", "accrued", "variance", "freight", "duty", "insurance"):
            item[k] = round_money(item[k] or 0, bill.currency)
        for k in ("capitalised", "expensed"):
            item[k] = round_money(item[k] or 0, functional)
        out["lines"].append(item)
    return out


def payment_view(p: Any) -> dict[str, Any]:
    out = {k: getattr(p, k) for k in PaymentSchema._declared_fields if k != "allocations"}
    for k in ("amount", "applied", "unapplied", "bank_charges"):
        out[k] = round_money(out[k], p.currency)
    out["allocations"] = [{k: getattr(a, k) for k in AllocationSchema._declared_fields} for a in p.allocations]
    return out


FORMATS = ("json", "csv", "xlsx")


class ReportQuerySchema(Schema):
    period = fields.String(required=True, validate=validate.Length(7, 7), metadata={"description": "YYYY-MM"})
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class LedgerQuerySchema(ReportQuerySchema):
    account_id = fields.UUID(required=True)


class ProfitQuerySchema(Schema):
    group = fields.String(required=True, validate=validate.OneOf(("order", "sku", "shop", "month")))
    period_from = fields.String(required=True, validate=validate.Length(7, 7))
    period_to = fields.String(validate=validate.Length(7, 7))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class TrendQuerySchema(Schema):
    period_from = fields.String(required=True, validate=validate.Length(7, 7))
    period_to = fields.String(required=True, validate=validate.Length(7, 7))


class AgeingExportQuerySchema(AgeingQuerySchema):
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class JobRefSchema(Schema):
    job_id = fields.UUID()
    kind = fields.String()
    status = fields.String()


class RatesImportSchema(Schema):
    imported = fields.Dict()


class LedgerLineSchema(Schema):
    date = fields.String()
    voucher_id = fields.String()
    number = fields.String(allow_none=True)
    memo = fields.String()
    debit = fields.String()
    credit = fields.String()
    currency = fields.String()
    amount = fields.String()
    rate = fields.String()
    balance = fields.String()


class GeneralLedgerSchema(Schema):
    account = fields.Dict()
    period = fields.String()
    currency = fields.String()
    opening = fields.String()
    debit = fields.String()
    credit = fields.String()
    closing = fields.String()
    lines = fields.List(fields.Nested(LedgerLineSchema))


class StatementLineSchema(Schema):
    code = fields.String()
    name = fields.String()
    amount = fields.String()


class BalanceSheetSchema(Schema):
    period = fields.String()
    currency = fields.String()
    assets = fields.List(fields.Nested(StatementLineSchema))
    liabilities = fields.List(fields.Nested(StatementLineSchema))
    equity = fields.List(fields.Nested(StatementLineSchema))
    current_earnings = fields.String()
    total_assets = fields.String()
    total_liabilities_and_equity = fields.String()
    balanced = fields.Boolean()


class ProfitLossSchema(Schema):
    period = fields.String()
    currency = fields.String()
    income = fields.List(fields.Nested(StatementLineSchema))
    expenses = fields.List(fields.Nested(StatementLineSchema))
    total_income = fields.String()
    total_expenses = fields.String()
    profit = fields.String()


class ProfitRowSchema(Schema):
    key = fields.String()
    label = fields.String()
    revenue = fields.String()
    refunds = fields.String()
    cogs = fields.String()
    fees = fields.String()
    fees_estimated = fields.Boolean(metadata={"description": "true when the fees are (partly) estimates"})
    estimated_fees = fields.String()
    fees_source = fields.String(
        metadata={
            "description": "settlement: the real fees of booked settlements; estimate: estimated from fee_estimates; "
            "mixed: a group with both; ledger: fees booked otherwise"
        }
    )
    settled_orders = fields.Integer(metadata={"description": "orders whose fees came from a booked settlement"})
    estimated_orders = fields.Integer(metadata={"description": "orders whose fees are estimated"})
    freight = fields.String()
    profit = fields.String()
    margin_percent = fields.String(allow_none=True)


class TrendPointSchema(Schema):
    period = fields.String()
    value = fields.String()
