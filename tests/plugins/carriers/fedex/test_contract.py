"""FedEx passes the carrier contract against its emulator, plus what is FedEx's own: the
ACCOUNT rate among several rate types, one token for many calls, 30 numbers per track call,
gzip answers and FedEx's error shapes (shared/reference/carriers.md §2.1)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.ports import AuthError, OutcomeUnknown, RemoteRejected
from core.testing import CarrierContract, CarrierEmulatorHarness
from plugins.carriers.fedex.emulator import FedExEmulator
from plugins.carriers.fedex.plugin import FedExAdapter


def fedex_harness() -> CarrierEmulatorHarness:
    return CarrierEmulatorHarness(
        FedExAdapter, FedExEmulator, label_path="/ship/v1/shipments", quote_path="/rate/v1/rates/quotes"
    )


class TestFedExContract(CarrierContract):
    @pytest.fixture
    def harness(self):
        return fedex_harness()


@pytest.fixture
def fedex():
    return fedex_harness()


def test_the_account_rate_is_taken_over_the_list_rate(fedex):
    contract = CarrierContract()
    quotes = fedex.adapter.quote(contract.request("Q-1"))
    ground = next(q for q in quotes if q.service == "FEDEX_GROUND")
    expected = fedex.emulator.price("FEDEX_GROUND", [contract.parcel], "US", "US")
    assert ground.amount == expected and ground.currency == "USD"
    assert ground.transit_days == 4 and ground.service_name == "FedEx Ground"


def test_one_token_serves_many_calls_and_is_kept_in_the_state(fedex):
    contract = CarrierContract()
    for n in range(3):
        fedex.adapter.quote(contract.request(f"Q-{n}"))
    assert fedex.requests("/oauth/token") == 1
    token = fedex.transport.requests[0]
    assert token.headers["content-type"] == "application/x-www-form-urlencoded"
    assert b"grant_type=client_credentials" in token.content
    cached = fedex.adapter.ctx.state["fedex_token"]
    assert cached["expires_at"] == pytest.approx(fedex.clock.now().timestamp() + 3599, abs=1)
    fedex.clock.advance(3599 - 30)  # within the last minute: renewed before it expires
    fedex.adapter.quote(contract.request("Q-late"))
    assert fedex.requests("/oauth/token") == 2


def test_thirty_numbers_are_tracked_in_one_call_and_more_are_refused(fedex):
    numbers = [f"79460000{n:04d}" for n in range(30)]
    results = fedex.adapter.track(numbers)
    assert len(results) == 30 and not any(r.found for r in results)
    assert fedex.requests("/track/v1/trackingnumbers") == 1
    assert "TRACKING.TRACKINGNUMBER.NOTFOUND" in results[0].message
    with pytest.raises(ValueError):
        fedex.adapter.track(numbers + ["794600009999"])


def test_answers_are_gzip_compressed_and_read(fedex):
    fedex.adapter.check_connection()
    (_, response) = fedex.transport.exchanges[-1]
    assert response.headers.get("content-encoding") == "gzip"


def test_the_ship_request_carries_the_customs_data_and_tax_ids(fedex):
    contract = CarrierContract()
    _request, label = contract.buy(fedex.adapter, "SHP-DE", international=True)
    sent = json.loads(next(r for r in fedex.transport.requests if r.url.path == "/ship/v1/shipments").content)
    shipment = sent["requestedShipment"]
    assert shipment["labelSpecification"] == {"imageType": "PDF", "labelStockType": "STOCK_4X6"}
    customs = shipment["customsClearanceDetail"]
    assert customs["commercialInvoice"]["termsOfSale"] == "DAP"
    assert [c["harmonizedCode"] for c in customs["commodities"]] == ["610910", "732393"]
    assert customs["commodities"][0]["customsValue"] == {"amount": Decimal("25.00"), "currency": "USD"}
    assert {t["number"] for t in shipment["shipper"]["tins"]} == {"DE123456789012345", "IM2760000742", "DE123456789"}
    assert [d.kind for d in label.documents] == ["commercial_invoice"]
    assert label.cost == fedex.emulator.labels[label.tracking_number].amount


def test_errors_carry_fedex_codes(fedex):
    contract = CarrierContract()
    huge = contract.request("Q-HUGE", service="FEDEX_GROUND", parcels=(contract.parcel.__class__(80_000),))
    with pytest.raises(RemoteRejected) as caught:
        fedex.adapter.quote(huge)
    assert "RATE.PACKAGE.LIMITS.EXCEEDED" in str(caught.value) and "68038 g" in str(caught.value)
    with pytest.raises(AuthError) as refused:
        fedex.adapter_with_bad_credentials().check_connection()
    assert "NOT.AUTHORIZED.ERROR" in str(refused.value)


def test_a_lost_ship_answer_is_outcome_unknown_and_not_resent(fedex):
    contract = CarrierContract()
    quotes = fedex.adapter.quote(contract.request("SHP-X"))
    fedex.lose_next_label_answer()
    with pytest.raises(OutcomeUnknown):
        fedex.adapter.create_label(contract.request("SHP-X", service=quotes[0].service))
    assert fedex.requests("/ship/v1/shipments") == 1 and len(fedex.emulator.labels_for("SHP-X")) == 1


def test_prices_are_decimal_strings_on_the_wire(fedex):
    contract = CarrierContract()
    quotes = fedex.adapter.quote(contract.request("Q-D", international=True))
    assert all(isinstance(q.amount, Decimal) for q in quotes)
    assert {q.service for q in quotes} == {"FEDEX_INTERNATIONAL_PRIORITY", "INTERNATIONAL_ECONOMY"}


def test_a_multi_piece_pdf_label_has_a_page_for_every_piece(fedex):
    import io

    from pypdf import PdfReader

    contract = CarrierContract()
    pieces = (contract.parcel, contract.parcel, contract.parcel)
    quotes = fedex.adapter.quote(contract.request("SHP-3", parcels=pieces))
    label = fedex.adapter.create_label(contract.request("SHP-3", parcels=pieces, service=quotes[0].service))
    assert len(label.piece_tracking_numbers) == 3
    data, fmt = label.printable
    assert fmt == "PDF" and len(PdfReader(io.BytesIO(data)).pages) == 3
