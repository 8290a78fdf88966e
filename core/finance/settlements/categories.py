"""What each settlement line is: its category, from the pair (amount-type, amount-description)
and the transaction type of an Amazon Flat File V2 row (reference finance.md §3.1, "Mapping
approach used by integrators"). Pure data and functions; every lookup is case-folded.

The category decides how the line is booked (`BOOKING`): `sale` lines (principal, shipping,
tax, promotions, withheld facilitator tax) were booked when the order shipped or was refunded,
so settlement booking only clears them from the receivable; fees debit their expense role;
reserves move to the reserve account; reimbursements are other income. A pair that is not in
the table is imported with category `unknown` and flagged, never dropped.
"""

from __future__ import annotations

# (amount-type, amount-description) -> category. Reference §3.1 vocabulary table.
PAIRS: dict[tuple[str, str], str] = {}


def _add(amount_type: str, category: str, *descriptions: str) -> None:
    for d in descriptions:
        PAIRS[(amount_type.casefold(), d.casefold())] = category


_add("ItemPrice", "principal", "Principal")
_add("ItemPrice", "shipping", "Shipping")
_add("ItemPrice", "tax", "Tax", "ShippingTax", "GiftWrapTax")
_add("ItemPrice", "giftwrap", "GiftWrap")
_add("ItemPrice", "goodwill", "Goodwill")
_add("ItemPrice", "restocking_fee", "RestockingFee")
_add(
    "ItemFees",
    "commission",
    "Commission",
    "FixedClosingFee",
    "VariableClosingFee",
    "DigitalServicesFee",
    "TechnologyFee",
    "SalesTaxCollectionFee",
    "TaxOnFees",
)
_add("ItemFees", "refund_commission", "RefundCommission")
_add(
    "ItemFees",
    "fulfilment_fee",
    "FBAPerUnitFulfillmentFee",
    "FBAWeightBasedFee",
    "FBAPerOrderFulfillmentFee",
    "ShippingChargeback",
    "GiftwrapChargeback",
    "ShippingHB",
)
_add(
    "ItemWithheldTax",
    "withheld_tax",
    "MarketplaceFacilitatorTax-Principal",
    "MarketplaceFacilitatorTax-Shipping",
    "MarketplaceFacilitatorTax-Giftwrap",
    "MarketplaceFacilitatorTax-Other",
    "MarketplaceFacilitatorVAT-Principal",
    "MarketplaceFacilitatorVAT-Shipping",
    "LowValueGoodsTax-Principal",
    "LowValueGoodsTax-Shipping",
    "TCS-CGST",
    "TCS-SGST",
    "TCS-IGST",
    "TDS",
)
_add(
    "Promotion",
    "promotion",
    "Principal",
    "Shipping",
    "PromotionMetaDataDefinitionValue",
    "TaxDiscount",
)
_add(
    "other-transaction",
    "storage_fee",
    "Storage Fee",
    "FBA Long-Term Storage Fee",
    "FBA Long-Term Storage",
    "StorageRenewalBilling",
)
_add("other-transaction", "subscription", "Subscription Fee")
_add("other-transaction", "reserve", "Current Reserve Amount", "Previous Reserve Amount Balance")
_add("other-transaction", "transfer", "Payable to Amazon", "Successful charge", "Failed charge")
_add(
    "other-transaction",
    "fulfilment_fee",
    "FBA Inbound Transportation Fee",
    "Inbound Transportation Fee",
    "FBAInboundTransportationFee",
    "FBA Removal Order Fee",
    "RemovalComplete",
    "FBA Disposal Fee",
    "DisposalComplete",
    "FBA Inbound Placement Service Fee",
)
_add(
    "other-transaction",
    "reimbursement",
    "Manual Processing Fee Reimbursement",
    "REVERSAL_REIMBURSEMENT",
    "WAREHOUSE_DAMAGE",
    "WAREHOUSE_LOST",
)
_add(
    "FBA Inventory Reimbursement",
    "reimbursement",
    "WAREHOUSE_DAMAGE",
    "WAREHOUSE_LOST",
    "CUSTOMER_RETURN",
    "REVERSAL_REIMBURSEMENT",
    "CUSTOMER_SERVICE_ISSUE",
    "FREE_REPLACEMENT_REFUND_ITEMS",
    "MISSING_FROM_INBOUND",
    "INCORRECT_FEES_ITEMS",
)
_add("Cost of Advertising", "advertising", "TransactionTotalAmount")
_add("Refund for Advertiser", "advertising", "TransactionTotalAmount")
_add("CouponRedemptionFee", "advertising", "CouponRedemptionFee", "CouponRedemptionFeeAmount")
_add("LightningDealFee", "advertising", "LightningDealFee", "Lightning Deal Fee")
_add("Vine Enrollment Fee", "advertising", "Vine Enrollment Fee", "VineFee")
_add("Review Enrollment Fee", "advertising", "Review Enrollment Fee")
_add("Grade and Resell Charge", "fulfilment_fee", "Grade and Resell Charge", "GradeAndResellCharge")
_add("ItemFee Adjustment", "fee_adjustment", "FBAPerUnitFulfillmentFee", "FBAWeightBasedFee", "Commission")

# Transaction types whose rows are a category of their own whatever their amount pair:
# retrocharges (tax Amazon charges back later, §3.5 #5), transfers, SAFE-T reimbursements,
# chargebacks (§3.5 #8) and liquidations. Everything else is categorised by the pair.
TRANSACTION_TYPES: dict[str, str] = {
    "order_retrocharge": "retrocharge",
    "refund_retrocharge": "retrocharge",
    "transfer": "transfer",
    "safe-t reimbursement": "reimbursement",
    "liquidations": "reimbursement",
    "liquidations adjustments": "reimbursement",
    "fee adjustment": "fee_adjustment",
}

# Transaction types the reference lists; a line of another type is flagged as unknown too.
KNOWN_TRANSACTION_TYPES = frozenset(
    t.casefold()
    for t in (
        "Order",
        "Refund",
        "other-transaction",
        "ServiceFee",
        "Chargeback Refund",
        "A-to-z Guarantee Refund",
        "Adjustment",
        "Order_Retrocharge",
        "Refund_Retrocharge",
        "Liquidations",
        "Liquidations Adjustments",
        "CouponRedemptionFee",
        "Lightning Deal Fee",
        "Vine Enrollment Fee",
        "SellerReviewEnrollmentPayment",
        "Grade and Resell Fees",
        "Commingling VAT",
        "Fee Adjustment",
        "SAFE-T Reimbursement",
        "Transfer",
        "Cost of Advertising",
    )
)

# Category -> how it is booked (the `settlement.imported` rule's categories, rules/later.py).
# `sale`: booked at shipment or refund already; settlement booking clears it at the rate the
# order was booked at, so the deposit's exchange difference is realised FX (§2.4).
BOOKING: dict[str, str] = {
    "principal": "sale",
    "shipping": "sale",
    "tax": "sale",
    "giftwrap": "sale",
    "promotion": "sale",
    "withheld_tax": "sale",
    "goodwill": "other_fee",
    "restocking_fee": "reimbursement",
    "commission": "commission",
    "refund_commission": "commission",
    "fee_adjustment": "commission",
    "fulfilment_fee": "fulfilment_fee",
    "storage_fee": "storage_fee",
    "advertising": "advertising",
    "subscription": "other_fee",
    "retrocharge": "other_fee",
    "reimbursement": "reimbursement",
    "reserve": "reserve",
    "transfer": "transfer",
    "unknown": "other_fee",
}

CATEGORIES = tuple(BOOKING)
# Categories that belong to an order (expected from the order and its refunds).
ORDER_SALE = frozenset(c for c, b in BOOKING.items() if b == "sale")
FEES = frozenset(("commission", "refund_commission", "fee_adjustment", "fulfilment_fee"))


def categorise(transaction_type: str, amount_type: str, amount_description: str) -> tuple[str, bool]:
    """(category, known) of a line; `known` is False for a pair or type not in the tables."""
    tt = (transaction_type or "").strip().casefold()
    pair = ((amount_type or "").strip().casefold(), (amount_description or "").strip().casefold())
    by_type = TRANSACTION_TYPES.get(tt)
    if by_type:
        return by_type, True
    category = PAIRS.get(pair)
    if category is None and pair[0] == "promotion":
        category = "promotion"  # promotion descriptions are free text (the promotion's name)
    if category is None:
        return "unknown", False
    return category, tt in KNOWN_TRANSACTION_TYPES or not tt


# Shopify Payments balance transaction types (reference §3.2; an open enum) -> category of the
# gross amount. The fee of each transaction is a line of its own, category `commission`.
SHOPIFY_TYPES: dict[str, str] = {
    "charge": "principal",
    "refund": "principal",
    "adjustment": "fee_adjustment",
    "charge_adjustment": "fee_adjustment",
    "dispute": "goodwill",
    "chargeback_fee": "commission",
    "chargeback_hold": "reserve",
    "chargeback_hold_release": "reserve",
    "reserve": "reserve",
    "reserved_funds": "reserve",
    "transfer": "transfer",
}

# Every payout's transaction types (Shopify Payments' above; PayPal's T-code groups as its
# plugin names them, reference §3.3: charge, refund, fee, dispute, reserve). A type of neither
# is imported as unknown and flagged.
PAYOUT_TYPES: dict[str, str] = {**SHOPIFY_TYPES, "fee": "commission"}
