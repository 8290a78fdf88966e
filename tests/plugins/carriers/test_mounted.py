"""The carrier emulators inside Tradelane, as the embedded demo uses them: registered through
their entry points, mounted at /_emulators/<name>, reached through the adapter runtime by
connections created from their settings (quote, label, tracking)."""

import httpx
import pytest

from core.plugins import registry
from core.ports import CarrierAdapter
from core.testing import CarrierContract
from tests.support import body

CARRIERS = ("fedex", "ups", "dhl", "usps")


def test_every_bundled_carrier_is_registered_with_its_emulator(app):
    reg = registry()
    for name in CARRIERS:
        info = reg.adapter("carrier", name)
        assert reg.records[name].status == "loaded", reg.records[name].error
        assert reg.records[name].group == "tradelane.carriers"
        assert issubclass(info.cls, CarrierAdapter) and info.cls.services
        assert all(f["secret"] for f in info.settings_schema() if f["name"] in ("client_secret", "api_secret"))
        assert name in reg.emulators


@pytest.mark.parametrize("name", CARRIERS)
def test_connections_to_the_mounted_emulators_buy_and_track_labels(app, tenant_a, name):
    from core import connections
    from tenants import service

    emulator = registry().emulators[name]
    emulator.reset()
    client = app.test_client()
    summary = client.get(f"/_emulators/{name}/_control")
    assert summary.status_code == 200 and body(summary)["name"] == name
    settings = body(client.get(f"/_emulators/{name}/_control/connection"))
    assert settings["base_url"] == f"http://localhost/_emulators/{name}"
    contract = CarrierContract()
    base = settings["base_url"]
    connections.route(base, transport=httpx.WSGITransport(app=app))  # the app serves its own emulators
    try:
        with tenant_a.scope():
            conn = service.create_connection(
                kind="carrier", plugin=name, display_name=f"{name} demo", settings=settings
            )
            with connections.using(conn, "carrier") as carrier:
                assert carrier.check_connection()
                _request, label = contract.buy(carrier, f"DEMO-{name}")
                (result,) = carrier.track([label.tracking_number])
        assert result.found and result.status == "pending"
        labels = body(client.get(f"/_emulators/{name}/_control/labels"))["labels"]
        assert [x["tracking_number"] for x in labels] == [label.tracking_number]
        forced = client.post(
            f"/_emulators/{name}/_control/labels/{label.tracking_number}/events", json={"stage": "exception"}
        )
        assert forced.status_code == 201 and forced.get_json()["history"][-1]["stage"] == "exception"
    finally:
        connections.unroute(base)
        emulator.reset()
