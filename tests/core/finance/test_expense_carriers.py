"""A carrier's invoice as an expense document: matched to the labels bought for its shipments
(by id or tracking number), the difference shown per line and in all, and only the difference
booked (each label was booked as outbound freight owed to the carrier when it was bought)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.core.finance.helpers import totals_by_root, verify, vouchers
from tests.core.purchasing.helpers import local_today
from tests.core.shipping.conftest import _shipbox_registered, make_shop, shipbox  # noqa: F401 - fixtures
from tests.support import body


@pytest.fixture
def labelled(tenant_a, tenant_b, shipbox):  # noqa: F811 - the fixture imported above
    shop = make_shop(tenant_a)
    assert shop.tenant.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    rate = {"base": "USD", "quote": "CNY", "date": str(local_today()), "rate": "7.0"}
    assert shop.tenant.api.post("exchange-rates", rate).status_code in (200, 201)
    shipbox(shop.tenant)
    shipments = []
    for _ in range(2):
        resp = shop.tenant.api.post(f"orders/{shop.order()}/label", {})
        assert resp.status_code == 201, body(resp)
        shipments.append(body(resp))
    return shop, shipments


def _invoice(tenant, lines, expect=201, currency="USD", reference="SB-2026-11"):
    resp = tenant.api.post(
        "finance/expenses",
        {"kind": "carrier_invoice", "vendor": "ShipBox", "reference": reference, "currency": currency, "lines": lines},
    )
    assert resp.status_code == expect, body(resp)
    return body(resp)


def test_a_carrier_invoice_shows_and_books_the_difference_to_the_labels(labelled):
    shop, (one, two) = labelled
    assert one["label"]["cost"] and one["label"]["currency"] == "USD"
    cost_one, cost_two = Decimal(one["label"]["cost"]), Decimal(two["label"]["cost"])
    invoice = _invoice(
        shop.tenant,
        [
            {
                "description": "residential surcharge",
                "amount": str(cost_one + Decimal("1.50")),
                "links": [{"type": "shipment", "tracking_number": one["tracking_number"]}],
            },
            {"amount": str(cost_two), "links": [{"type": "shipment", "id": two["id"]}]},
            {"description": "fuel surcharge", "amount": "2.00"},
        ],
    )
    first, second, fuel = invoice["lines"]
    assert (first["label_cost"], first["difference"]) == (f"{cost_one:.2f}", "1.50")
    assert (second["label_cost"], second["difference"]) == (f"{cost_two:.2f}", "0.00")
    assert fuel["label_cost"] is None and fuel["difference"] is None
    assert invoice["label_cost"] == f"{cost_one + cost_two:.2f}" and invoice["difference"] == "1.50"

    assert shop.tenant.api.post(f"finance/expenses/{invoice['id']}/approve").status_code == 200
    (v,) = vouchers(shop.tenant, "expense", invoice["id"])
    # 1.50 over the label and 2.00 of fuel, at 7.0: the labels' own cost was booked when bought.
    assert totals_by_root(v) == {"6601": Decimal("24.50"), "2202": Decimal("-24.50")}
    freight = [ln for ln in v["lines"] if ln["account_code"] == "6601.05"]
    assert sorted(ln["debit"] for ln in freight) == ["10.50", "14.00"]
    over = next(ln for ln in freight if ln["debit"] == "10.50")
    assert over["dims"]["order_id"] == one["order_id"]
    assert {ln["account_code"] for ln in v["lines"] if Decimal(ln["credit"])} == {"2202.04"}
    # Replaying the outbox gives the same vouchers (the shop's stock predates its books, so the
    # stock check of verify has nothing to do with this).
    report = verify(shop.tenant)
    assert report["replay"]["ok"] is True and report["replay"]["differences"] == [], report


def test_an_invoice_below_its_labels_is_booked_red(labelled):
    shop, (one, _two) = labelled
    below = Decimal(one["label"]["cost"]) - Decimal("0.40")
    invoice = _invoice(shop.tenant, [{"amount": str(below), "links": [{"type": "shipment", "id": one["id"]}]}])
    assert invoice["difference"] == "-0.40"
    assert shop.tenant.api.post(f"finance/expenses/{invoice['id']}/approve").status_code == 200
    (v,) = vouchers(shop.tenant, "expense", invoice["id"])
    assert totals_by_root(v) == {"6601": Decimal("-2.80"), "2202": Decimal("2.80")}


def test_what_cannot_be_matched_is_refused_naming_the_line(labelled, tenant_b):
    shop, (one, two) = labelled
    link = {"type": "shipment", "id": one["id"]}
    twice = _invoice(shop.tenant, [{"amount": "9", "links": [link]}, {"amount": "9", "links": [link]}], expect=422)
    assert "lines.1.links.0" in twice["errors"]
    other_currency = _invoice(shop.tenant, [{"amount": "9", "links": [link]}], expect=422, currency="CNY")
    assert "lines.0.links.0" in other_currency["errors"]
    unknown = _invoice(
        shop.tenant, [{"amount": "9", "links": [{"type": "shipment", "tracking_number": "NOPE"}]}], expect=422
    )
    assert "lines.0.links.0.tracking_number" in unknown["errors"]
    # A label voided after the draft was entered is refused at approval, and nothing is booked.
    draft = _invoice(shop.tenant, [{"amount": "9", "links": [{"type": "shipment", "id": two["id"]}]}])
    assert shop.tenant.api.post(f"shipments/{two['id']}/void").status_code == 200
    resp = shop.tenant.api.post(f"finance/expenses/{draft['id']}/approve")
    assert resp.status_code == 422 and "lines.0.links.0" in body(resp)["errors"], body(resp)
    assert body(shop.tenant.api.get(f"finance/expenses/{draft['id']}"))["status"] == "draft"
    # Another tenant cannot match this tenant's shipments.
    assert tenant_b.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    foreign = _invoice(tenant_b, [{"amount": "9", "links": [link]}], expect=422)
    assert "lines.0.links.0.id" in foreign["errors"]
