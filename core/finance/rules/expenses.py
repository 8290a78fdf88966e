"""Rule for expense documents (费用单): what an approved fee, ad, carrier or other invoice costs,
owed to whoever billed it (reference finance.md §1.2 #8 and #12-16)."""

from __future__ import annotations

from decimal import Decimal

from core.finance.ledger import CREDIT, DEBIT, Dims, Draft, Entry
from core.finance.rules import Context, EventIn, dec, rule, uid
from core.money import allocate

ZERO = Decimal(0)
# Who is owed: a carrier's invoice adds to what its labels already owe it (应付账款—物流).
CREDIT_ROLES = {"carrier_invoice": "payable_carrier"}
# The roles a line of an expense may book to (its debit side).
LINE_ROLES = (
    "commission",
    "fulfilment_fee",
    "storage_fee",
    "advertising",
    "freight_out",
    "samples",
    "bank_charges",
    "input_vat",
)


def credit_role(kind: str) -> str:
    return CREDIT_ROLES.get(kind, "payable")


@rule(
    "expense.approved",
    "Expense document: platform fees, advertising, carrier invoices over their labels, owed to the vendor",
    ("expense.approved",),
    (*LINE_ROLES, "payable", "payable_carrier"),
)
def expense_approved(ev: EventIn, ctx: Context) -> Draft | None:
    """Dr the line's role (销售费用—平台佣金 / —广告费 / —运费 ...) for each line, spread over the
    shops, SKUs, orders and shipments it belongs to by their weights (largest remainder, so the
    parts add up to the line), Cr 应付账款 (—物流 for a carrier) for the whole, all at the
    expense date's rate. A carrier invoice books only what it charged over the labels of its
    shipments (their purchase booked the rest); less than the labels is booked red. A freight
    bill books nothing here: its payables bill clears the first legs' accrual and books the
    landed cost difference (`supplier_bill.posted`)."""
    p = ev.payload
    if p.get("bill_id"):
        return None
    currency, supplier = p["currency"], uid(p.get("supplier_id"))
    entries: list[Entry] = []
    owed = ZERO
    for line in p.get("lines", ()):
        booked = dec(line.get("booked"))
        if not booked:
            continue
        owed += booked
        links = list(line.get("links") or ())
        memo, role = (line.get("description") or "")[:200], line["role"]
        if not links:
            entries.append(Entry(DEBIT, booked, currency, role=role, dims=Dims(supplier_id=supplier), memo=memo))
            continue
        parts = allocate(booked, [dec(link.get("weight")) for link in links], currency)
        for link, part in zip(links, parts):
            if not part:
                continue
            dims = Dims(
                shop_id=uid(link.get("shop_id")),
                order_id=uid(link.get("order_id")),
                sku_id=uid(link.get("sku_id")),
                warehouse_id=uid(link.get("warehouse_id")),
                supplier_id=supplier,
            )
            entries.append(
                Entry(DEBIT, part, currency, role=role, dims=dims, memo=(memo or link.get("number", ""))[:200])
            )
    if not entries:
        return None
    entries.append(Entry(CREDIT, owed, currency, role=credit_role(p["kind"]), dims=Dims(supplier_id=supplier)))
    number, vendor, reference = p.get("number", ""), p.get("vendor", ""), p.get("reference", "")
    return Draft(
        kind="event",
        document_date=ctx.day(p["expense_date"]),
        memo=ctx.text(f"费用单 {number} {vendor} {reference}", f"Expense {number} from {vendor} ({reference})").strip()[
            :500
        ],
        source_type="expense",
        source_id=str(p["expense_id"]),
        source_number=number,
        source_key=ctx.key(ev),
        entries=tuple(entries),
        event_id=ev.id,
        event_name=ev.name,
        rule="expense.approved",
    )
