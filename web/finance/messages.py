"""What finance pages show in the reader's language that the services keep in English: the
names of roles, rules and account types, and the refusals of the finance services (fixed, or
matched by pattern with their varying part kept). The portal's own catalogue (web/messages.py)
translates the messages every service shares; this one adds finance's."""

from __future__ import annotations

import re
from typing import Any

from flask import render_template
from flask_babel import gettext, lazy_pgettext
from flask_babel import lazy_gettext as _l

from core.errors import DomainError
from web.forms import Form


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

FIXED = (
    N_("use digits, with dots between levels (1122.01)"),
    N_("is taken"),
    N_("is used"),
    N_("is mapped"),
    N_("has sub-accounts"),
    N_("cannot change once the account has postings"),
    N_("bill at least one receipt line"),
    N_("no such receipt"),
    N_("no such supplier"),
    N_("no such account"),
    N_("no such bill"),
    N_("a bill is from one supplier in one currency: its receipts are not"),
    N_("already recorded"),
    N_("more than is open"),
    N_("must be a whole number"),
    N_("must be a number"),
    N_("must be a finite number"),
    N_("give at least one line"),
    N_("name the vendor, or give supplier_id"),
    N_("a freight bill is from a forwarder: name the supplier"),
    N_("a freight bill's line is for one first leg: link it"),
    N_("link the shop, SKU or order the advertising was for"),
    N_("give a weight above 0, or none"),
    N_("no such shop"),
    N_("no such sku"),
    N_("no such order"),
    N_("no such first leg"),
    N_("no such shipment"),
    N_("missing column"),
    N_("missing column: give vendor or supplier"),
    N_("choose a CSV or XLSX file"),
)

PATTERNS = (
    (
        re.compile(r"^its parent account (?P<code>\S+) does not exist$"),
        N_("its parent account %(code)s does not exist"),
    ),
    (
        re.compile(r"^must be (?P<type>\w+), as its parent (?P<code>\S+)$"),
        N_("must be %(type)s, as its parent %(code)s"),
    ),
    (re.compile(r"^account (?P<code>\S+) already exists$"), N_("account %(code)s already exists")),
    (re.compile(r"^'(?P<value>.*)' is not an ISO 4217 currency$"), N_("%(value)s is not an ISO 4217 currency")),
    (
        re.compile(r"^account (?P<code>\S+) has postings: deactivate it instead$"),
        N_("account %(code)s has postings: deactivate it instead"),
    ),
    (re.compile(r"^account (?P<code>\S+) has sub-accounts$"), N_("account %(code)s has sub-accounts")),
    (re.compile(r"^account (?P<code>\S+) is mapped to a rule$"), N_("account %(code)s is mapped to a rule")),
    (re.compile(r"^account (?P<code>\S+) is inactive$"), N_("account %(code)s is inactive")),
    (
        re.compile(r"^account (?P<code>\S+) has sub-accounts: map one of them$"),
        N_("account %(code)s has sub-accounts: map one of them"),
    ),
    (
        re.compile(r"^account (?P<code>\S+) already has postings; a sub-account would split its balance$"),
        N_("account %(code)s already has postings; a sub-account would split its balance"),
    ),
    (re.compile(r"^(?P<code>\S+) has postings of its own$"), N_("%(code)s has postings of its own")),
    (re.compile(r"^is not a line of receipt (?P<number>\S+)$"), N_("is not a line of receipt %(number)s")),
    (re.compile(r"^receipt (?P<number>\S+) is not booked yet$"), N_("receipt %(number)s is not booked yet")),
    (
        re.compile(
            r"^(?P<billed>\d+) billed in all, but receipt (?P<number>\S+) received (?P<received>\d+)"
            r" \(tolerance (?P<tolerance>[\d.]+)%\)$"
        ),
        N_("%(billed)s billed in all, but receipt %(number)s received %(received)s (tolerance %(tolerance)s%%)"),
    ),
    (
        re.compile(r"^(?P<billed>\d+) billed in all, but receipt (?P<number>\S+) received (?P<received>\d+)$"),
        N_("%(billed)s billed in all, but receipt %(number)s received %(received)s"),
    ),
    (
        re.compile(r"^(?P<price>\S+) differs from the order price (?P<order>\S+) by more than (?P<tolerance>[\d.]+)%$"),
        N_("%(price)s differs from the order price %(order)s by more than %(tolerance)s%%"),
    ),
    (
        re.compile(r"^(?P<price>\S+) differs from the order price (?P<order>\S+)$"),
        N_("%(price)s differs from the order price %(order)s"),
    ),
    (
        re.compile(r"^the supplier's bill (?P<ref>.+) is already recorded as (?P<number>\S+)$"),
        N_("the supplier's bill %(ref)s is already recorded as %(number)s"),
    ),
    (
        re.compile(r"^no exchange rate (?P<pair>\w{3}/\w{3}) on (?P<day>[\d-]+): enter it under exchange rates$"),
        N_("no exchange rate %(pair)s on %(day)s: enter it under exchange rates"),
    ),
    (
        re.compile(r"^no bank account in (?P<currency>\w{3}): add one, or name the account$"),
        N_("no bank account in %(currency)s: add one, or name the account"),
    ),
    (re.compile(r"^account (?P<code>\S+) cannot take payments$"), N_("account %(code)s cannot take payments")),
    (
        re.compile(r"^account (?P<code>\S+) is in (?P<a>\w{3}), not (?P<b>\w{3})$"),
        N_("account %(code)s is in %(a)s, not %(b)s"),
    ),
    (re.compile(r"^(?P<currency>\w{3}) has fewer decimals$"), N_("%(currency)s has fewer decimals")),
    (
        re.compile(r"^they settle (?P<applied>\S+), more than the payment of (?P<amount>\S+)$"),
        N_("they settle %(applied)s, more than the payment of %(amount)s"),
    ),
    (
        re.compile(r"^bill (?P<number>\S+) is not this supplier's in (?P<currency>\w{3})$"),
        N_("bill %(number)s is not this supplier's in %(currency)s"),
    ),
    (
        re.compile(r"^bill (?P<number>\S+) has (?P<open>\S+) (?P<currency>\w{3}) open$"),
        N_("bill %(number)s has %(open)s %(currency)s open"),
    ),
    (re.compile(r"^bill (?P<number>\S+) has only (?P<open>\S+) open$"), N_("bill %(number)s has only %(open)s open")),
    (
        re.compile(r"^payment (?P<number>\S+) has (?P<left>\S+) left to apply$"),
        N_("payment %(number)s has %(left)s left to apply"),
    ),
    (
        re.compile(
            r"^(?P<n>\d+) order\(s\) of settlement (?P<id>\S+) differ without a reason; give each a reason first$"
        ),
        N_("%(n)s order(s) of settlement %(id)s differ without a reason; give each a reason first"),
    ),
    (
        re.compile(r"^(?P<n>\d+) sale line\(s\) of settlement (?P<id>\S+) match no order; match them first$"),
        N_("%(n)s sale line(s) of settlement %(id)s match no order; match them first"),
    ),
    (
        re.compile(r"^cannot change settlement (?P<id>\S+): it is closed"),
        N_("settlement %(id)s is closed and changes no more"),
    ),
    (re.compile(r"^must be at least (?P<n>\S+)$"), N_("must be at least %(n)s")),
    (re.compile(r"^use one of (?P<choices>[\w, ]+)$"), N_("use one of %(choices)s")),
    (re.compile(r"^unknown column; use (?P<columns>[\w, ]+)$"), N_("unknown column; use %(columns)s")),
    (
        re.compile(r"^differs from line (?P<line>\d+) of the same document$"),
        N_("differs from line %(line)s of the same document"),
    ),
    (re.compile(r"^no supplier with the code (?P<code>.+)$"), N_("no supplier with the code %(code)s")),
    (re.compile(r"^name the role to book to: (?P<choices>[\w, ]+)$"), N_("name the role to book to: %(choices)s")),
    (
        re.compile(r"^shipment (?P<number>\S+) has no label bought to match$"),
        N_("shipment %(number)s has no label bought to match"),
    ),
    (
        re.compile(r"^shipment (?P<number>\S+) is already on (?P<where>\S+)$"),
        N_("shipment %(number)s is already on %(where)s"),
    ),
    (
        re.compile(r"^the label of (?P<number>\S+) was bought in (?P<a>\w*), the invoice is in (?P<b>\w{3})$"),
        N_("the label of %(number)s was bought in %(a)s, the invoice is in %(b)s"),
    ),
    (
        re.compile(r"^(?P<vendor>.+)'s invoice (?P<ref>.+) is already recorded as (?P<number>\S+)$"),
        N_("%(vendor)s's invoice %(ref)s is already recorded as %(number)s"),
    ),
    (re.compile(r"^'(?P<value>.*)' is not a whole number$"), N_("%(value)s is not a whole number")),
    (re.compile(r"^'(?P<value>.*)' is not a number$"), N_("%(value)s is not a number")),
)


def translate(message: Any) -> str:
    """A finance service's message in the request's language when known; otherwise the
    portal's translation of it (web.messages)."""
    from web.portal import translate_message

    text = str(message or "")
    for pattern, template in PATTERNS:
        match = pattern.match(text)
        if match and gettext(template) != template:
            return gettext(template, **match.groupdict())
    return translate_message(text)


def fail(form: Form, exc: DomainError) -> None:
    """Form.fail (rolled back), with finance's messages translated for beside their fields."""
    form.fail(exc)
    form.errors = {name: [translate(m) for m in msgs] for name, msgs in form.errors.items()}
    form.message = translate(form.message)


def failed(form: Form, exc: DomainError, template: str, **context: Any) -> tuple[str, int]:
    """Form.failed, with finance's messages translated beside their fields."""
    fail(form, exc)
    return render_template(template, form=form, **context), exc.status_code
