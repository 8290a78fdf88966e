"""The Amazon Flat File V2 reader as pure functions: number and date formats of the
marketplaces, every amount pair of reference finance.md §3.1 mapped, unknown pairs flagged,
columns found by name, problems numbered by line."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from core.finance.settlements import amazon
from core.finance.settlements.categories import BOOKING, categorise
from core.testing import settlements as v2


@pytest.mark.parametrize(
    ("raw", "locale", "value"),
    [
        ("95.00", "us", "95.00"),
        ("-1,234.56", "us", "-1234.56"),
        ("95,00", "eu", "95.00"),
        ("1.234,56", "eu", "1234.56"),
        ("-0,5", "eu", "-0.5"),
        ("1234", "eu", "1234"),
    ],
)
def test_amounts_in_the_marketplaces_number_format(raw, locale, value):
    assert amazon.parse_amount(raw, locale) == Decimal(value)


@pytest.mark.parametrize(("raw", "locale"), [("95,00", "us"), ("1.234,56", "us"), ("1,234.56", "eu"), ("12a", "us")])
def test_an_amount_in_the_other_format_is_refused_not_misread(raw, locale):
    with pytest.raises(ValueError, match="not an amount"):
        amazon.parse_amount(raw, locale)


@pytest.mark.parametrize(
    ("raw", "locale", "when"),
    [
        ("2026-11-01 08:00:00 UTC", "us", datetime(2026, 11, 1, 8, tzinfo=UTC)),
        ("2026-11-01T01:00:00-07:00", "us", datetime(2026, 11, 1, 8, tzinfo=UTC)),
        ("01.11.2026 08:00:00 UTC", "eu", datetime(2026, 11, 1, 8, tzinfo=UTC)),
        ("01.11.2026", "eu", datetime(2026, 11, 1, tzinfo=UTC)),
        ("11/01/26", "us", datetime(2026, 11, 1, tzinfo=UTC)),
        ("01/11/2026", "eu", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01", "us", datetime(2026, 11, 1, tzinfo=UTC)),
    ],
)
def test_dates_in_the_formats_amazon_writes(raw, locale, when):
    assert amazon.parse_datetime(raw, locale) == when


# Every amount-type / amount-description pair of reference §3.1 and its booking category.
PAIRS = [
    ("Order", "ItemPrice", "Principal", "principal"),
    ("Order", "ItemPrice", "Shipping", "shipping"),
    ("Order", "ItemPrice", "Tax", "tax"),
    ("Order", "ItemPrice", "ShippingTax", "tax"),
    ("Order", "ItemPrice", "GiftWrap", "giftwrap"),
    ("Order", "ItemPrice", "GiftWrapTax", "tax"),
    ("Refund", "ItemPrice", "Goodwill", "goodwill"),
    ("Refund", "ItemPrice", "RestockingFee", "restocking_fee"),
    ("Order", "ItemFees", "Commission", "commission"),
    ("Order", "ItemFees", "FBAPerUnitFulfillmentFee", "fulfilment_fee"),
    ("Order", "ItemFees", "FBAWeightBasedFee", "fulfilment_fee"),
    ("Order", "ItemFees", "FBAPerOrderFulfillmentFee", "fulfilment_fee"),
    ("Order", "ItemFees", "FixedClosingFee", "commission"),
    ("Order", "ItemFees", "VariableClosingFee", "commission"),
    ("Order", "ItemFees", "ShippingChargeback", "fulfilment_fee"),
    ("Order", "ItemFees", "GiftwrapChargeback", "fulfilment_fee"),
    ("Refund", "ItemFees", "RefundCommission", "refund_commission"),
    ("Order", "ItemFees", "ShippingHB", "fulfilment_fee"),
    ("Order", "ItemFees", "SalesTaxCollectionFee", "commission"),
    ("Order", "ItemFees", "DigitalServicesFee", "commission"),
    ("Order", "ItemFees", "TechnologyFee", "commission"),
    ("Order", "ItemFees", "TaxOnFees", "commission"),
    ("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", "withheld_tax"),
    ("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping", "withheld_tax"),
    ("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Giftwrap", "withheld_tax"),
    ("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Other", "withheld_tax"),
    ("Order", "ItemWithheldTax", "MarketplaceFacilitatorVAT-Principal", "withheld_tax"),
    ("Order", "ItemWithheldTax", "MarketplaceFacilitatorVAT-Shipping", "withheld_tax"),
    ("Order", "ItemWithheldTax", "LowValueGoodsTax-Principal", "withheld_tax"),
    ("Order", "ItemWithheldTax", "LowValueGoodsTax-Shipping", "withheld_tax"),
    ("Order", "ItemWithheldTax", "TCS-CGST", "withheld_tax"),
    ("Order", "ItemWithheldTax", "TDS", "withheld_tax"),
    ("Order", "Promotion", "Principal", "promotion"),
    ("Order", "Promotion", "Shipping", "promotion"),
    ("other-transaction", "other-transaction", "Storage Fee", "storage_fee"),
    ("other-transaction", "other-transaction", "FBA Long-Term Storage", "storage_fee"),
    ("other-transaction", "other-transaction", "Subscription Fee", "subscription"),
    ("other-transaction", "other-transaction", "Current Reserve Amount", "reserve"),
    ("other-transaction", "other-transaction", "Previous Reserve Amount Balance", "reserve"),
    ("other-transaction", "other-transaction", "Payable to Amazon", "transfer"),
    ("other-transaction", "other-transaction", "Successful charge", "transfer"),
    ("other-transaction", "other-transaction", "FBA Inbound Transportation Fee", "fulfilment_fee"),
    ("other-transaction", "other-transaction", "FBA Removal Order Fee", "fulfilment_fee"),
    ("other-transaction", "other-transaction", "FBA Disposal Fee", "fulfilment_fee"),
    ("other-transaction", "other-transaction", "Manual Processing Fee Reimbursement", "reimbursement"),
    ("Adjustment", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE", "reimbursement"),
    ("Adjustment", "FBA Inventory Reimbursement", "WAREHOUSE_LOST", "reimbursement"),
    ("Adjustment", "FBA Inventory Reimbursement", "CUSTOMER_RETURN", "reimbursement"),
    ("Adjustment", "FBA Inventory Reimbursement", "REVERSAL_REIMBURSEMENT", "reimbursement"),
    ("ServiceFee", "Cost of Advertising", "TransactionTotalAmount", "advertising"),
    ("Order_Retrocharge", "ItemPrice", "Tax", "retrocharge"),
    ("Refund_Retrocharge", "ItemPrice", "ShippingTax", "retrocharge"),
    ("Transfer", "other-transaction", "Transfer of funds unsuccessful", "transfer"),
    ("SAFE-T Reimbursement", "other-transaction", "SAFE-T reimbursement", "reimbursement"),
]


@pytest.mark.parametrize(("tt", "at", "ad", "category"), PAIRS)
def test_every_amount_pair_of_the_reference_has_its_category(tt, at, ad, category):
    assert categorise(tt, at, ad) == (category, True)
    assert categorise(tt.upper(), at.lower(), ad.upper()) == (category, True)  # case-folded
    assert category in BOOKING


def test_an_unknown_pair_is_kept_as_unknown_and_flagged():
    assert categorise("Order", "ItemFees", "QuantumEntanglementFee") == ("unknown", False)
    assert categorise("BrandNewType", "ItemPrice", "Principal") == ("principal", False)


def _read(text, locale=None):
    reader = amazon.Reader(io.StringIO(text), locale=locale)
    summary = reader.open()
    rows = list(reader.rows())
    reader.check_total(reader.last_line)
    return reader, summary, rows


def _file(rows, locale="us", **kw):
    return v2.write_v2(
        "1234567890",
        rows,
        start=datetime(2026, 11, 1, tzinfo=UTC),
        end=datetime(2026, 11, 15, tzinfo=UTC),
        deposit=datetime(2026, 11, 16, tzinfo=UTC),
        locale=locale,
        **kw,
    )


def test_an_eu_file_reads_by_header_name_with_the_locale_from_the_marketplace():
    rows = v2.order_rows("302-1-1", sku="TEE", principal="1234.56", commission="-185.18", marketplace="Amazon.de")
    text = _file(rows, locale="eu")
    # Columns in another order and an extra one: found by name.
    header, *rest = text.splitlines()
    cols = header.split("\t")
    order = list(reversed(range(len(cols))))
    shuffled = ["\t".join([*(r.split("\t")[i] for i in order), "X"]) for r in [header, *rest]]
    shuffled[0] = shuffled[0][: -len("X")] + "promotion-id"
    reader, summary, parsed = _read("\n".join(shuffled) + "\n")
    assert reader.count == 0, reader.problems
    assert summary.locale == "eu" and summary.total == Decimal("1049.38") and summary.currency == "USD"
    assert summary.deposit_date == date(2026, 11, 16)
    assert [(r.category, r.amount, r.raw_amount) for r in parsed] == [
        ("principal", Decimal("1234.56"), "1234,56"),
        ("commission", Decimal("-185.18"), "-185,18"),
    ]


def test_problems_name_their_lines_and_a_short_file_fails_the_total():
    rows = v2.order_rows("111-1", sku="TEE", principal="10.00", commission="-1.50")
    text = _file(rows).replace("\t-1.50\t", "\t-1,5O\t")
    reader, _, _ = _read(text)
    assert [str(p) for p in reader.problems][0].startswith("line 4: amount: '-1,5O' is not an amount")
    truncated = "".join(_file(rows).splitlines(keepends=True)[:3])  # the last row is missing
    reader, _, _ = _read(truncated)
    assert any("add up to 10.00 USD, the summary says 8.50" in str(p) for p in reader.problems)


def test_a_file_without_the_columns_is_refused_as_a_whole():
    with pytest.raises(amazon.FileProblem, match="not a tab-delimited"):
        _read("settlement-id,total-amount\n1,2\n")
    with pytest.raises(amazon.FileProblem, match="lacks the columns settlement-start-date, .*amount-type"):
        _read("settlement-id\ttotal-amount\tcurrency\n1\t2\tUSD\n")
