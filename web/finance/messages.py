"""What finance pages show in the reader's language that the services keep as codes: the
names of roles, rules, account types and statuses. The finance services' messages are coded
(`core.messages` `finance.*`) and translated by code like every other service's
(`web.messages.BY_CODE`, the `|t` filter)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext


def N_(message: str) -> str:
    return message


ACCOUNT_TYPES = {
    "asset": _l("Asset"),
    "liability": _l("Liability"),
    "equity": _l("Equity"),
    "income": _l("Income"),
    "expense": _l("Expense"),
}
BILL_STATUSES = {"open": lazy_pgettext("bill", "Open"), "partially_paid": _l("Partially paid"), "paid": _l("Paid")}
BILL_KINDS = {"purchase": lazy_pgettext("bill kind", "Goods"), "freight": _l("Forwarder")}
PAYMENT_KINDS = {"payment": _l("Payment"), "prepayment": _l("Prepayment")}
PER = {"shop": _l("per shop"), "warehouse": _l("per warehouse")}
EXPENSE_KIND_LABELS = {
    "platform_fee": _l("Platform fee"),
    "ad_invoice": _l("Ad invoice"),
    "freight_bill": _l("Freight bill (forwarder)"),
    "carrier_invoice": _l("Carrier invoice"),
    "other": _l("Other cost"),
}
EXPENSE_STATUS_LABELS = {"draft": _l("Draft"), "approved": _l("Approved")}
LINK_LABELS = {
    "shop": _l("Shop"),
    "sku": _l("SKU"),
    "order": _l("Order"),
    "first_leg": _l("First leg"),
    "shipment": _l("Shipment"),
}
LANDED_LABELS = {
    "freight": _l("Landed cost: freight"),
    "duty": _l("Landed cost: duty"),
    "insurance": _l("Landed cost: insurance"),
}
BANDS = {
    "current": _l("Not yet due"),
    "1-30": _l("1–30 days"),
    "31-60": lazy_pgettext("overdue", "31–60 days"),
    "61-90": lazy_pgettext("overdue", "61–90 days"),
    "90+": _l("Over 90 days"),
}

# core/finance/charts.py ROLES: their English labels, translated here.
ROLE_LABELS = (
    N_("Bank (functional currency)"),
    N_("Bank (foreign currency)"),
    N_("Marketplace receivable, per shop"),
    N_("Platform reserve held"),
    N_("Prepayments to suppliers"),
    N_("Stock lent out"),
    N_("Inventory in transit, per destination warehouse"),
    N_("Inventory, per warehouse"),
    N_("Goods shipped, not yet recognised"),
    N_("Stock gains and losses pending approval"),
    N_("Accounts payable: suppliers"),
    N_("Goods received not invoiced (accrued payables)"),
    N_("Accounts payable: forwarders"),
    N_("Accounts payable: carriers"),
    N_("Contract liabilities (paid before shipment)"),
    N_("Input VAT (recoverable)"),
    N_("Output VAT"),
    N_("Sales tax collected by the seller"),
    N_("Opening balances (equity)"),
    N_("Sales revenue"),
    N_("Shipping charged to buyers"),
    N_("Discounts and promotions"),
    N_("Other income (reimbursements, stock gains)"),
    N_("Cost of goods sold"),
    N_("Marketplace commissions"),
    N_("Fulfilment fees"),
    N_("Storage fees"),
    N_("Advertising"),
    N_("Outbound freight"),
    N_("Samples and requisitions"),
    N_("Normal stock losses"),
    N_("Scrapped stock and abnormal losses"),
    N_("Exchange gains and losses"),
    N_("Bank and collection charges"),
    N_("Rounding differences"),
)

# core/finance/rules: the titles of the voucher rules.
RULE_TITLES = (
    N_("Landed cost: freight, duty and insurance into the stock still held, the rest to cost of sales"),
    N_("Transfer or first leg shipped: stock in transit to the destination at its book cost"),
    N_("Transfer or first leg received: in transit into stock; what never arrived pending as a loss"),
    N_("Stock adjustment: stocktake gains and losses, scrap, requisitions, borrowing, opening stock"),
    N_("Kit assembled or taken apart: components and kits move inside the warehouse at cost"),
    N_("Carrier label bought: outbound freight, an expense, owed to the carrier"),
    N_("Marketplace settlement: fees, reserves, reimbursements and the payout against the receivable"),
    N_("Shipment: revenue and the marketplace receivable; cost of goods sold out of inventory"),
    N_("Refund after shipment: red-letter revenue and receivable for the refunded components"),
    N_("Return received: inventory back at the cost the units shipped at, cost of sales reversed"),
    N_("Supplier bill: clears the accrual, books input VAT and the price difference, owes the supplier"),
    N_("Supplier payment: settles bills at their carrying rate, the rest as a prepayment; realised FX"),
    N_("Prepayment applied to a bill: the payable against the prepayment, each at its own rate"),
    N_("Purchase receipt: inventory at the order price against goods received not invoiced"),
    N_("Return to supplier: the credit due against the book value that left stock"),
    N_("Expense document: platform fees, advertising, carrier invoices over their labels, owed to the vendor"),
)
