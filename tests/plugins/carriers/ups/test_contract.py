"""UPS passes the carrier contract against its emulator, plus what is UPS's own: the Basic
token request, numbers as strings, units by origin, GIF labels turned into a 4x6 PDF with the
GIF kept, "not found" as a 200 with warnings, versioned paths (shared/reference/carriers.md §2.2)."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import replace

import pytest
from PIL import Image

from core.ports import Parcel
from core.testing import CarrierContract, CarrierEmulatorHarness
from plugins.carriers.ups.emulator import UPSEmulator
from plugins.carriers.ups.plugin import UPSAdapter


def ups_harness(**settings) -> CarrierEmulatorHarness:
    return CarrierEmulatorHarness(
        UPSAdapter, UPSEmulator, label_path="/shipments/", quote_path="/api/rating/", settings=settings
    )


class TestUPSContract(CarrierContract):
    @pytest.fixture
    def harness(self):
        return ups_harness()


@pytest.fixture
def ups():
    return ups_harness()


def sent(harness, path):
    return [r for r in harness.transport.requests if path in r.url.path]


def test_the_token_request_uses_a_basic_header_and_string_numbers(ups):
    ups.adapter.check_connection()
    (token,) = sent(ups, "/security/v1/oauth/token")
    pair = base64.b64decode(token.headers["authorization"].split()[1]).decode()
    assert pair == f"{ups.emulator.client_id}:{ups.emulator.client_secret}"
    assert token.headers["x-merchant-id"] == ups.emulator.account and token.content == b"grant_type=client_credentials"
    cached = ups.adapter.ctx.state["ups_token"]
    assert cached["expires_at"] == pytest.approx(ups.clock.now().timestamp() + 14399, abs=1)


def test_units_follow_the_origin_and_numbers_go_as_strings(ups):
    contract = CarrierContract()
    ups.adapter.quote(contract.request("Q-US"))
    body = json.loads(sent(ups, "/api/rating/v2409/Shoptimeintransit")[-1].content)
    package = body["RateRequest"]["Shipment"]["Package"][0]
    assert package["PackageWeight"] == {"UnitOfMeasurement": {"Code": "LBS"}, "Weight": "2.7"}
    assert package["Dimensions"]["UnitOfMeasurement"] == {"Code": "IN"} and package["Dimensions"]["Length"] == "12"
    china = replace(contract.origin, country="CN", postal_code="518000", city="Shenzhen")
    from_china = replace(contract.request("Q-CN", international=True), ship_from=china)
    ups.adapter.quote(from_china)
    body = json.loads(sent(ups, "/api/rating/")[-1].content)
    assert body["RateRequest"]["Shipment"]["Package"][0]["PackageWeight"]["UnitOfMeasurement"] == {"Code": "KGS"}


def test_a_gif_label_is_printed_as_a_4x6_pdf_and_kept_as_gif(ups):
    _request, label = CarrierContract().buy(ups.adapter, "SHP-GIF")
    assert label.label_format == "GIF" and label.label_data.startswith(b"GIF8")
    data, fmt = label.printable
    assert fmt == "PDF" and data.startswith(b"%PDF")
    with Image.open(io.BytesIO(label.label_data)) as gif:
        assert gif.width > gif.height  # UPS draws landscape
    assert b"/MediaBox [ 0 0 288.0 432.0 ]" in data  # 4 x 6 in, portrait


def test_not_found_is_a_200_with_warnings(ups):
    (result,) = ups.adapter.track(["1Z999AA10123456784"])
    assert not result.found and "TW0001" in result.message
    assert ups.transport.statuses()[-1] == 200


def test_the_api_version_is_a_setting(ups):
    old = ups_harness(api_version="v1")
    assert old.adapter.quote(CarrierContract().request("Q-V1"))
    assert sent(old, "/api/rating/v1/Shoptimeintransit")


def test_void_goes_by_shipment_id(ups):
    _request, label = CarrierContract().buy(ups.adapter, "SHP-V")
    ups.adapter.void_label(label.tracking_number, label.carrier_reference)
    (delete,) = [r for r in ups.transport.requests if r.method == "DELETE"]
    assert delete.url.path == f"/api/shipments/v2409/void/cancel/{label.carrier_reference}"


def test_a_package_over_150_lb_is_refused_with_the_limit(ups):
    contract = CarrierContract()
    with pytest.raises(Exception) as caught:
        ups.adapter.quote(contract.request("Q-H", service="03", parcels=(Parcel(70_000),)))
    assert "68038 g" in str(caught.value) and "111210" in str(caught.value)
