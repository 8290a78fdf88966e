"""Tables of finance: settings, the chart of accounts, periods, vouchers and their lines, the
balances kept per account and period, voucher rules with their account mapping, and the
events that could not be booked.

Amounts are in the tenant's functional currency (`value`) and in the line's own currency
(`amount`, with the rate and its date) - reference finance.md §2.1. A posted voucher is never
changed: on PostgreSQL a trigger refuses UPDATE and DELETE of its lines, and of the voucher
itself once posted (finance_0001).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Amount, Base, Rate, TenantMixin

ACCOUNT_TYPES = ("asset", "liability", "equity", "income", "expense")
# The side on which an account of each type normally carries its balance.
DEBIT_NORMAL = ("asset", "expense")
CHARTS = ("cn", "en")
SIDES = ("debit", "credit")
PERIOD_STATUSES = ("open", "closed")
VOUCHER_STATUSES = ("posted", "waiting_rate")
# Where a voucher comes from: a business event (through its rule), a person (manual), a
# reversal of another voucher, the period-end revaluation or its reversal.
VOUCHER_KINDS = ("event", "manual", "reversal", "revaluation")
LINE_KINDS = ("", "rounding", "fx", "variance")
DIMENSIONS = ("shop", "warehouse", "supplier", "sku", "order")
REVERSAL_STYLES = ("red", "swap")
COST_BASES = ("weight", "volume", "value", "quantity")

Percent = Numeric(7, 4)


class FinanceSettings(TenantMixin, Base):
    """One row per tenant, written when finance is set up (by hand or on the first event)."""

    __tablename__ = "finance_settings"
    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint("chart IN ('cn', 'en')", name="chart"),
        CheckConstraint("reversal_style IN ('red', 'swap')", name="reversal_style"),
    )

    chart: Mapped[str] = mapped_column(String(8))
    # 红字冲销 (same sides, negative amounts) or a swapped-side reversal (reference §1.1).
    reversal_style: Mapped[str] = mapped_column(String(8), default="red")
    # How a first leg's freight is spread over its lines (duty always goes by line value).
    landed_cost_basis: Mapped[str] = mapped_column(String(16), default="weight")
    # Three-way match: how far a bill may differ from the receipt, in percent.
    bill_quantity_tolerance: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    bill_price_tolerance: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    # Input VAT on supplier bills is reclaimed (a general VAT payer) or part of the cost.
    input_vat_recoverable: Mapped[bool] = mapped_column(Boolean, default=True)
    # Channels whose platform collects and remits the buyer's tax (marketplace facilitator):
    # that tax is neither revenue nor a liability of the seller (reference §1.2 #2a, #18).
    facilitator_tax_channels: Mapped[list] = mapped_column(default=list)
    # Estimated marketplace fees per channel, in percent of the order total, until
    # settlements bring the real ones: {"amazon": "15", ...}.
    fee_estimates: Mapped[dict] = mapped_column(default=dict)
    # Where the scheduled job fetches reference rates (an ECB-format XML file).
    rate_feed_url: Mapped[str] = mapped_column(String(500), default="")


class Account(TenantMixin, Base):
    """An account of the chart. `role` names what the voucher rules use it for (the template
    sets it; a tenant maps roles to other accounts in `finance_account_mappings`). Accounts
    with `sub_per` get a sub-account per shop or warehouse the first time one is booked."""

    __tablename__ = "finance_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        Index(None, "tenant_id", "parent_id"),
        Index(None, "tenant_id", "role"),
        CheckConstraint("type IN ('asset', 'liability', 'equity', 'income', 'expense')", name="type"),
    )

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("finance_accounts.id"))
    # Only lines in this currency may post here (a USD bank account); None: any currency.
    currency: Mapped[str | None] = mapped_column(String(3))
    role: Mapped[str | None] = mapped_column(String(64))
    # Monetary items are revalued at the closing rate at period end; inventory never is (§2.3).
    monetary: Mapped[bool] = mapped_column(Boolean, default=False)
    sub_per: Mapped[str | None] = mapped_column(String(16))  # shop | warehouse
    # For an automatic sub-account: the shop or warehouse id it is for.
    dimension_value: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by the first posting; a used account can be renamed or deactivated, never deleted.
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class Period(TenantMixin, Base):
    """A calendar month of the books. Created open when first needed; closed and reopened by
    someone with `finance:close` (each change is in the audit log)."""

    __tablename__ = "finance_periods"
    __table_args__ = (
        UniqueConstraint("tenant_id", "year", "month"),
        Index(None, "tenant_id", "start_date"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
    )

    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by: Mapped[str | None] = mapped_column(String(200))
    reopened_at: Mapped[datetime | None] = mapped_column()
    reopened_by: Mapped[str | None] = mapped_column(String(200))

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class Voucher(TenantMixin, Base):
    """A voucher (凭证). `source_key` makes posting idempotent: one voucher per event (and per
    version, after a reversal) or per request. A voucher waiting for a rate has no number and
    no lines yet: its draft is kept in `draft` until the rate is known."""

    __tablename__ = "finance_vouchers"
    __audit__ = False  # immutable once posted: its own trail
    __table_args__ = (
        UniqueConstraint("tenant_id", "source_key"),
        UniqueConstraint("tenant_id", "period_id", "number"),
        UniqueConstraint("tenant_id", "reverses_id"),
        Index(None, "tenant_id", "date"),
        Index(None, "tenant_id", "source_type", "source_id"),
        Index(None, "tenant_id", "event_id"),
        Index(None, "tenant_id", "status", "document_date"),
        CheckConstraint("status IN ('posted', 'waiting_rate')", name="status"),
        CheckConstraint("status <> 'posted' OR number IS NOT NULL", name="posted_numbered"),
    )

    period_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_periods.id"))
    number: Mapped[str | None] = mapped_column(String(32))
    seq: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    # The posting date, in the period; `document_date` is the business document's own date
    # (they differ when the document's period was closed: `note` says so).
    date: Mapped[date] = mapped_column(Date)
    document_date: Mapped[date] = mapped_column(Date)
    memo: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(64))
    source_number: Mapped[str] = mapped_column(String(64), default="")
    source_key: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[uuid.UUID | None] = mapped_column()
    event_name: Mapped[str] = mapped_column(String(64), default="")
    rule: Mapped[str] = mapped_column(String(64), default="")
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("finance_vouchers.id"))
    currency: Mapped[str] = mapped_column(String(3))  # the functional currency
    total: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))  # Σ debit values
    # While waiting for a rate: the lines to book and the rates missing ([{from, to, on}]).
    draft: Mapped[dict | None] = mapped_column()
    waiting_for: Mapped[list | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(200), default="")
    posted_at: Mapped[datetime | None] = mapped_column()

    lines: Mapped[list[VoucherLine]] = relationship(order_by="VoucherLine.position", viewonly=True)


class VoucherLine(TenantMixin, Base):
    """One line: `value` in the functional currency on its `side`, and `amount` in `currency` at
    `rate` (functional units per one unit of `currency`) of `rate_date`. A red-letter line has
    negative amounts on the same side. Dimensions name the shop (a channel connection), SKU,
    warehouse, supplier and order the line is about, for reports and drill-down."""

    __tablename__ = "finance_voucher_lines"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "voucher_id", "position"),
        Index(None, "tenant_id", "account_id", "period_id"),
        Index(None, "tenant_id", "order_id"),
        Index(None, "tenant_id", "sku_id", "period_id"),
        CheckConstraint("side IN ('debit', 'credit')", name="side"),
        CheckConstraint("rate > 0", name="rate_positive"),
    )

    voucher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_vouchers.id"))
    position: Mapped[int] = mapped_column(Integer)
    period_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_periods.id"))
    date: Mapped[date] = mapped_column(Date)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_accounts.id"))
    side: Mapped[str] = mapped_column(String(6))
    value: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    rate: Mapped[Decimal] = mapped_column(Rate)
    rate_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16), default="")
    memo: Mapped[str] = mapped_column(String(200), default="")
    shop_id: Mapped[uuid.UUID | None] = mapped_column()
    warehouse_id: Mapped[uuid.UUID | None] = mapped_column()
    supplier_id: Mapped[uuid.UUID | None] = mapped_column()
    sku_id: Mapped[uuid.UUID | None] = mapped_column()
    order_id: Mapped[uuid.UUID | None] = mapped_column()

    @property
    def debit(self) -> Decimal:
        return self.value if self.side == "debit" else Decimal(0)

    @property
    def credit(self) -> Decimal:
        return self.value if self.side == "credit" else Decimal(0)


class Balance(TenantMixin, Base):
    """Turnover of one account in one period for lines in one currency, kept in the posting's
    transaction: the trial balance reads these rows, never the lines. `amount` is the net in
    `currency` (debit positive), which the period-end revaluation needs."""

    __tablename__ = "finance_balances"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "account_id", "period_id", "currency"),
        Index(None, "tenant_id", "period_id"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_accounts.id"))
    period_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_periods.id"))
    currency: Mapped[str] = mapped_column(String(3))
    debit: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    credit: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))


class RuleSetting(TenantMixin, Base):
    """A tenant's switch for one voucher rule (a rule switched off leaves its events "not
    booked", listed, never dropped)."""

    __tablename__ = "finance_rules"
    __table_args__ = (UniqueConstraint("tenant_id", "rule"),)

    rule: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class AccountMapping(TenantMixin, Base):
    """Which account a rule's role posts to. The most specific row wins: this rule and this
    shop or warehouse, then this rule, then every rule for that shop or warehouse, then every
    rule; without a row the template's account for the role is used. `rule` and
    `dimension_value` are '' for "any"."""

    __tablename__ = "finance_account_mappings"
    __table_args__ = (UniqueConstraint("tenant_id", "role", "rule", "dimension_value"),)

    role: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(64), default="")
    dimension_value: Mapped[str] = mapped_column(String(64), default="")
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_accounts.id"))


class UnbookedEvent(TenantMixin, Base):
    """A business event the books have not turned into a voucher: no rule, the rule switched
    off, or an account it needs is missing. Kept until it is booked or set aside."""

    __tablename__ = "finance_unbooked_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id"),
        Index(None, "tenant_id", "status", "occurred_at"),
        CheckConstraint("status IN ('open', 'booked', 'ignored')", name="status"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column()
    event_name: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="open")
    resolved_at: Mapped[datetime | None] = mapped_column()


LANDED_COST_STATUSES = ("waiting_rate", "applied", "failed")


class LandedCost(TenantMixin, Base):
    """Freight, duty and insurance of a first leg (or transfer), allocated to its lines and
    added to the unit cost at the destination (reference finance.md §1.4). From the leg itself
    when it ships (an estimate accrued until the forwarder bills it), entered later, or from a
    forwarder's bill (the difference to what was accrued). `key` makes each one happen once."""

    __tablename__ = "finance_landed_costs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        Index(None, "tenant_id", "transfer_id"),
        Index(None, "tenant_id", "status"),
        CheckConstraint("status IN ('waiting_rate', 'applied', 'failed')", name="status"),
    )

    key: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # leg | manual | bill
    transfer_id: Mapped[uuid.UUID] = mapped_column()
    transfer_kind: Mapped[str] = mapped_column(String(16))
    transfer_number: Mapped[str] = mapped_column(String(32), default="")
    destination_warehouse_id: Mapped[uuid.UUID] = mapped_column()
    bill_id: Mapped[uuid.UUID | None] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3))
    freight: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    duty: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    insurance: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    basis: Mapped[str] = mapped_column(String(16))
    cost_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="waiting_rate")
    problem: Mapped[str] = mapped_column(Text, default="")
    rate: Mapped[Decimal | None] = mapped_column(Rate)
    functional_total: Mapped[Decimal | None] = mapped_column(Amount)
    # Per SKU: quantity, each component's share, the functional share, and what the stock
    # still held took (capitalised) or the books expense (sold units).
    allocation: Mapped[list] = mapped_column(default=list)
    stock_operation_id: Mapped[uuid.UUID | None] = mapped_column()
    applied_at: Mapped[datetime | None] = mapped_column()

    @property
    def total(self) -> Decimal:
        return self.freight + self.duty + self.insurance


BILL_KINDS = ("purchase", "freight")
BILL_STATUSES = ("open", "partially_paid", "paid")
PAYMENT_KINDS = ("payment", "prepayment")


class Bill(TenantMixin, Base):
    """A supplier's bill (应付): for goods received against purchase orders (three-way matched
    with the order and the receipts), or a forwarder's bill for first legs (landed cost). Its
    rate is the bill date's: the payable is carried at it until paid."""

    __tablename__ = "finance_bills"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "supplier_id", "supplier_reference"),
        Index(None, "tenant_id", "supplier_id", "status", "due_date"),
        Index(None, "tenant_id", "status", "due_date"),
        CheckConstraint("kind IN ('purchase', 'freight')", name="kind"),
        CheckConstraint("status IN ('open', 'partially_paid', 'paid')", name="status"),
        CheckConstraint("paid >= 0 AND paid <= total", name="paid_within_total"),
    )

    number: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    supplier_id: Mapped[uuid.UUID] = mapped_column()
    supplier_name: Mapped[str] = mapped_column(String(200), default="")
    supplier_reference: Mapped[str] = mapped_column(String(100))  # the supplier's invoice number
    currency: Mapped[str] = mapped_column(String(3))
    bill_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Rate)
    amount: Mapped[Decimal] = mapped_column(Amount)  # before tax
    tax: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    total: Mapped[Decimal] = mapped_column(Amount)
    paid: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    status: Mapped[str] = mapped_column(String(16), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")

    lines: Mapped[list[BillLine]] = relationship(order_by="BillLine.position", cascade="all, delete-orphan")

    @property
    def open_amount(self) -> Decimal:
        return self.total - self.paid


class BillLine(TenantMixin, Base):
    """A billed quantity of one receipt line (purchase bills), or a first leg's freight, duty
    and insurance (freight bills). `variance` is the billed price over the order price, in
    the bill's currency; `capitalised` and `expensed` are its functional split between the
    units still held and those already sold."""

    __tablename__ = "finance_bill_lines"
    __table_args__ = (
        Index(None, "tenant_id", "bill_id", "position"),
        Index(None, "tenant_id", "receipt_line_id"),
        Index(None, "tenant_id", "transfer_id"),
    )

    bill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_bills.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    receipt_id: Mapped[uuid.UUID | None] = mapped_column()
    receipt_line_id: Mapped[uuid.UUID | None] = mapped_column()
    purchase_order_id: Mapped[uuid.UUID | None] = mapped_column()
    sku_id: Mapped[uuid.UUID | None] = mapped_column()
    warehouse_id: Mapped[uuid.UUID | None] = mapped_column()
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(19, 6), default=Decimal(0))
    order_price: Mapped[Decimal] = mapped_column(Numeric(19, 6), default=Decimal(0))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4), default=Decimal(0))
    amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    tax: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    # What the receipt accrued for these units (order price, order currency) and its
    # functional carrying value at the receipt's rate.
    accrued: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    accrued_value: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    variance: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    capitalised: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    expensed: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    transfer_id: Mapped[uuid.UUID | None] = mapped_column()
    transfer_number: Mapped[str] = mapped_column(String(32), default="")
    freight: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    duty: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    insurance: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    memo: Mapped[str] = mapped_column(String(200), default="")


class Payment(TenantMixin, Base):
    """Money paid to a supplier, in the supplier's currency, from a bank account: against
    bills (核销), or in advance (a prepayment, applied to bills when they come)."""

    __tablename__ = "finance_payments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "supplier_id", "payment_date"),
        CheckConstraint("kind IN ('payment', 'prepayment')", name="kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("applied >= 0 AND applied <= amount", name="applied_within_amount"),
    )

    number: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    supplier_id: Mapped[uuid.UUID] = mapped_column()
    supplier_name: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    applied: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    payment_date: Mapped[date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Rate)
    bank_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_accounts.id"))
    bank_charges: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")

    allocations: Mapped[list[PaymentAllocation]] = relationship(
        order_by="PaymentAllocation.created_at", cascade="all, delete-orphan"
    )

    @property
    def unapplied(self) -> Decimal:
        return self.amount - self.applied


class PaymentAllocation(TenantMixin, Base):
    """Part of a payment settling a bill, at the payment (or, for a prepayment applied later,
    at the application)."""

    __tablename__ = "finance_payment_allocations"
    __table_args__ = (
        Index(None, "tenant_id", "payment_id"),
        Index(None, "tenant_id", "bill_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_payments.id", ondelete="CASCADE"))
    bill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_bills.id"))
    amount: Mapped[Decimal] = mapped_column(Amount)
    applied_on: Mapped[date] = mapped_column(Date)
    later: Mapped[bool] = mapped_column(Boolean, default=False)  # a prepayment applied after it was paid


# Settlements keep their tables in their own module; imported here so finance's metadata is whole.
from core.finance import posting_models  # noqa: E402,F401 - posting's tables (docs/accounting.md)
from core.finance.expenses import models as _expense_models  # noqa: E402, F401
from core.finance.settlements import models as _settlement_models  # noqa: E402, F401
