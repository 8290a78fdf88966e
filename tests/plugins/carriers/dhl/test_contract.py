"""DHL Express passes the carrier contract against its emulator, plus what is DHL's own: the
BILLC price among three currency types, HTTP Basic, registration numbers, documents, several
numbers tracked at once and no void (shared/reference/carriers.md §2.3)."""

from __future__ import annotations

import base64
import json

import pytest

from core.ports import RemoteRejected
from core.testing import CarrierContract, CarrierEmulatorHarness
from plugins.carriers.dhl.emulator import DHLExpressEmulator
from plugins.carriers.dhl.plugin import DHLExpressAdapter


def dhl_harness() -> CarrierEmulatorHarness:
    return CarrierEmulatorHarness(DHLExpressAdapter, DHLExpressEmulator, label_path="/shipments", quote_path="/rates")


class TestDHLExpressContract(CarrierContract):
    @pytest.fixture
    def harness(self):
        return dhl_harness()


@pytest.fixture
def dhl():
    return dhl_harness()


def test_the_billing_currency_price_is_taken(dhl):
    contract = CarrierContract()
    quotes = dhl.adapter.quote(contract.request("Q-1", international=True))
    worldwide = next(q for q in quotes if q.service == "P")
    assert worldwide.currency == "USD"
    assert worldwide.amount == dhl.emulator.price("P", [contract.parcel], "US", "DE")
    assert worldwide.transit_days == 5 and worldwide.estimated_delivery is not None


def test_basic_auth_and_the_interface_version_go_with_every_call(dhl):
    dhl.adapter.check_connection()
    request = dhl.transport.requests[-1]
    pair = base64.b64decode(request.headers["authorization"].split()[1]).decode()
    assert pair == f"{dhl.emulator.api_key}:{dhl.emulator.api_secret}"
    assert request.headers["x-version"] == "3.1.1" and request.headers["message-reference"]


def test_the_shipment_carries_registration_numbers_and_the_export_declaration(dhl):
    contract = CarrierContract()
    _request, label = contract.buy(dhl.adapter, "SHP-DE", international=True)
    body = json.loads(next(r for r in dhl.transport.requests if r.url.path == "/shipments").content)
    shipper = body["customerDetails"]["shipperDetails"]
    assert {r["typeCode"]: r["number"] for r in shipper["registrationNumbers"]} == {
        "EOR": "DE123456789012345",
        "SDT": "IM2760000742",
        "VAT": "DE123456789",
    }
    items = body["content"]["exportDeclaration"]["lineItems"]
    assert [i["commodityCodes"] for i in items] == [
        [{"typeCode": "outbound", "value": "610910"}],
        [{"typeCode": "outbound", "value": "732393"}],
    ]
    assert body["plannedShippingDateAndTime"].endswith(" GMT+00:00")
    assert [d.kind for d in label.documents] == ["commercial_invoice"]
    assert label.cost == dhl.emulator.labels[label.tracking_number].amount and label.currency == "USD"


def test_several_numbers_are_tracked_in_one_call_and_none_known_is_404(dhl):
    contract = CarrierContract()
    numbers = [contract.buy(dhl.adapter, f"SHP-{n}")[1].tracking_number for n in range(2)]
    before = dhl.requests("/tracking")
    results = dhl.adapter.track(numbers + ["0000000000"])
    assert dhl.requests("/tracking") == before + 1
    assert [r.found for r in results] == [True, True, False]
    (unknown,) = dhl.adapter.track(["0000000001"])
    assert not unknown.found and dhl.transport.statuses()[-1] == 404


def test_dhl_labels_cannot_be_voided(dhl):
    assert "void" not in DHLExpressAdapter.capabilities
    with pytest.raises(RemoteRejected):
        dhl.adapter.void_label("1234500001")


def test_a_missing_field_is_named_as_dhl_names_it(dhl):
    contract = CarrierContract()
    from dataclasses import replace

    bad = replace(contract.request("Q-BAD", international=True), ship_to=replace(contract.abroad, city=""))
    with pytest.raises(RemoteRejected) as caught:
        dhl.adapter.quote(bad)
    assert "#/customerDetails/receiverDetails: required key [cityName] not found" in str(caught.value)
