"""USPS passes the carrier contract against its emulator, plus what is USPS's own: the payment
authorization, multipart labels, the idempotency key, USD only, the customs declaration page
and per-mail-class prices (shared/reference/carriers.md §2.4, §3.3)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from core.ports import Customs, CustomsItem, RemoteRejected
from core.testing import CarrierContract, CarrierEmulatorHarness
from plugins.carriers.usps.emulator import USPSEmulator
from plugins.carriers.usps.plugin import USPSAdapter


def usps_harness() -> CarrierEmulatorHarness:
    return CarrierEmulatorHarness(USPSAdapter, USPSEmulator, label_path="label", quote_path="/base-rates/search")


class TestUSPSContract(CarrierContract):
    @pytest.fixture
    def harness(self):
        return usps_harness()


@pytest.fixture
def usps():
    return usps_harness()


def posts(harness, path):
    return [r for r in harness.transport.requests if r.method == "POST" and r.url.path == path]


def test_labels_are_bought_with_a_payment_token_and_the_reference_as_idempotency_key(usps):
    contract = CarrierContract()
    contract.buy(usps.adapter, "SHP-1")
    contract.buy(usps.adapter, "SHP-2")
    assert len(posts(usps, "/payments/v3/payment-authorization")) == 1  # reused for 50 minutes
    first, second = posts(usps, "/labels/v3/label")
    assert first.headers["x-idempotency-key"] == "SHP-1" and second.headers["x-idempotency-key"] == "SHP-2"
    assert first.headers["x-payment-authorization-token"] in usps.emulator.payment_tokens
    roles = json.loads(posts(usps, "/payments/v3/payment-authorization")[0].content)["roles"]
    assert {r["roleName"] for r in roles} == {"PAYER", "LABEL_OWNER"}


def test_a_lost_label_answer_is_answered_again_not_bought_again(usps):
    contract = CarrierContract()
    quotes = usps.adapter.quote(contract.request("SHP-L"))
    usps.lose_next_label_answer()
    label = usps.adapter.create_label(contract.request("SHP-L", service=quotes[0].service))
    (sold,) = usps.emulator.labels_for("SHP-L")
    assert label.tracking_number == sold.tracking_number and len(posts(usps, "/labels/v3/label")) == 2


def test_international_labels_carry_the_customs_form_and_a_declaration_page(usps):
    _request, label = CarrierContract().buy(usps.adapter, "SHP-DE", international=True)
    body = json.loads(posts(usps, "/international-labels/v3/international-label")[0].content)
    form = body["customsForm"]
    assert form["AESITN"] == "NO EEI 30.37(a)" and form["customsContentType"] == "MERCHANDISE"
    assert form["importersReference"] == {"referenceType": "TAX_CODE", "reference": "IM2760000742"}
    assert [c["HSTariffNumber"] for c in form["contents"]] == ["610910", "732393"]
    assert label.tracking_number.startswith("LZ") and label.tracking_number.endswith("US")
    assert label.label_data.count(b"/Type /Page ") == 2 and b"CUSTOMS DECLARATION" in label.label_data


def test_customs_values_must_be_in_dollars(usps):
    contract = CarrierContract()
    euro = Customs(items=(CustomsItem("Silk scarf", 1, Decimal("30.00"), "EUR", "621410", "CN", 80),))
    request = replace(
        contract.request("SHP-EUR", international=True, service="PRIORITY_MAIL_INTERNATIONAL"), customs=euro
    )
    with pytest.raises(RemoteRejected, match="US dollars"):
        usps.adapter.create_label(request)
    assert not usps.emulator.labels


def test_prices_come_per_mail_class_in_dollars_without_a_transit_promise(usps):
    quotes = usps.adapter.quote(CarrierContract().request("Q-1"))
    assert {q.service for q in quotes} == {"USPS_GROUND_ADVANTAGE", "PRIORITY_MAIL", "PRIORITY_MAIL_EXPRESS"}
    assert {q.currency for q in quotes} == {"USD"} and all(q.transit_days is None for q in quotes)
    assert len(posts(usps, "/prices/v3/base-rates/search")) == 3


def test_a_parcel_too_big_for_first_class_international_is_priced_as_priority(usps):
    contract = CarrierContract()
    heavy = replace(contract.parcel, weight_g=2500)  # over First-Class Package International's 4 lb
    quotes = usps.adapter.quote(contract.request("Q-2", international=True, parcels=(heavy,)))
    assert "FIRST-CLASS_PACKAGE_INTERNATIONAL_SERVICE" not in {q.service for q in quotes}
    assert "PRIORITY_MAIL_INTERNATIONAL" in {q.service for q in quotes}
