"""Buying labels: rated at every connected carrier, chosen by the tenant's rules, bought once
whatever fails around the purchase, stored with the carrier's bytes, voided, batched on the
`labels` queue with one merged print file, and refused before any carrier call when customs
data is missing (docs/shipping.md)."""

from __future__ import annotations

import io
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest
from pypdf import PdfReader

from core import jobs
from core.ports import PackageLimits
from tests.core.orders.helpers import events, line
from tests.core.shipping import carrier
from tests.support import body


def buy(shop, order_id, **data):
    return shop.tenant.api.post(f"orders/{order_id}/label", data)


def test_a_label_is_rated_chosen_bought_and_stored_and_the_order_awaits_shipment(shop, shipbox, tenant_b):
    box = shipbox(shop.tenant)
    order_id = shop.order()
    resp = buy(shop, order_id)
    assert resp.status_code == 201, body(resp)
    shipment = body(resp)
    # Four services quoted; "mystery" is cheapest (3.00) and has no transit time: the default
    # rule is the cheapest, and an unknown transit time is no reason to skip it.
    assert sorted((q["service"], q["amount"], q["transit_days"]) for q in shipment["quotes"]) == [
        ("economy", "4.1000", 8),
        ("express", "19.5000", 1),
        ("mystery", "3.0000", None),
        ("standard", "6.9000", 4),
    ]
    assert shipment["service"] == "mystery" and shipment["status"] == "labelled"
    assert shipment["choice"]["steps"] == ["default: chose shipbox:mystery, the cheapest"]
    (sold,) = box.emulator.labels
    assert shipment["tracking_number"] == sold["tracking_number"] and sold["reference"] == shipment["reference"]
    label = shipment["label"]
    assert (label["format"], Decimal(label["cost"]), label["currency"]) == ("PDF", Decimal("6.90"), "USD")
    assert shop.status(order_id) == "awaiting_shipment"
    pdf = shop.tenant.api.get(f"shipments/{shipment['id']}/label.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert sold["tracking_number"] in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    (bought,) = events(shop.tenant, "shipment.label_bought")
    assert Decimal(bought.payload["amount"]) == Decimal("6.90") and bought.payload["currency"] == "USD"
    # The commercial invoice of this CN -> US shipment, from the SKU's customs data.
    assert [d["kind"] for d in shipment["documents"]] == ["commercial_invoice"]
    invoice = shop.tenant.api.get(f"shipments/{shipment['id']}/documents/commercial_invoice.pdf")
    text = PdfReader(io.BytesIO(invoice.data)).pages[0].extract_text()
    assert "610910" in text and "Cotton T-shirt" in text and "16.00 USD" in text
    # Another tenant sees none of it.
    assert tenant_b.api.get(f"shipments/{shipment['id']}").status_code == 404
    assert tenant_b.api.get(f"shipments/{shipment['id']}/label.pdf").status_code == 404
    assert body(tenant_b.api.get("shipments")) == []


def test_rate_rules_choose_and_explain(shop, shipbox):
    shipbox(shop.tenant)
    rules = [
        {"name": "EU only", "strategy": "fastest", "countries": ["DE", "FR"]},
        {"name": "Within 5 days", "strategy": "within_days", "days": 5},
    ]
    assert shop.tenant.api.put("shipping/settings", {"rate_rules": rules}).status_code == 200
    shipment = body(shop.tenant.api.post(f"orders/{shop.order()}/quotes", {}))
    assert shipment["service"] == "standard" and shipment["status"] == "draft"
    assert shipment["choice"]["steps"] == [
        "EU only: does not apply (the destination US is not in DE, FR)",
        "Within 5 days: chose shipbox:standard, the cheapest within 5 business days",
    ]
    bad = shop.tenant.api.put("shipping/settings", {"rate_rules": [{"strategy": "preferred"}]})
    assert bad.status_code == 422 and "rate_rules.0.services" in body(bad)["errors"]


def test_asking_twice_buys_once(shop, shipbox):
    box = shipbox(shop.tenant)
    order_id = shop.order()
    first = buy(shop, order_id)
    again = buy(shop, order_id)
    keyed = [shop.tenant.api.post(f"orders/{order_id}/label", {}, headers={"Idempotency-Key": "k-1"}) for _ in "ab"]
    assert {body(r)["id"] for r in (first, again, *keyed)} == {body(first)["id"]}
    assert len(box.emulator.labels) == 1 and len(box.sent("POST")) == 1


def test_a_timed_out_purchase_is_not_bought_twice(shop, shipbox):
    """The carrier sells the label and the answer is lost. A carrier that can be neither asked
    nor given a key is not sent the purchase again until someone has checked."""
    box = shipbox(shop.tenant)
    order_id = shop.order()
    box.emulator.fail_next("/labels", method="POST", lose="after")
    lost = buy(shop, order_id)
    assert lost.status_code == 409 and "may have gone through" in body(lost)["message"]
    retried = buy(shop, order_id)
    assert retried.status_code == 409 and "check on the carrier" in body(retried)["message"]
    assert len(box.emulator.labels) == 1 and len(box.sent("POST")) == 1  # never re-sent
    assert shop.status(order_id) == "allocated"
    # Someone checked at the carrier (here: voided it there) and releases the purchase.
    assert shop.tenant.api.post(f"orders/{order_id}/label/release", {}).status_code == 204
    assert shop.tenant.api.post(f"orders/{order_id}/label/release", {}).status_code == 409
    assert buy(shop, order_id).status_code == 201
    assert len(box.sent("POST")) == 2


def test_a_timed_out_purchase_at_a_carrier_that_can_be_asked_finds_the_first_label(shop, shipbox):
    box = shipbox(shop.tenant, "shipbox_lookup")
    order_id = shop.order()
    box.emulator.fail_next("/labels", method="POST", lose="after")
    assert buy(shop, order_id).status_code == 409
    # The batch job re-runs it later: the lookup finds the label bought the first time.
    with shop.tenant.scope():
        from core.shipping import service

        batch_id = service.start_batch([str(order_id)]).id
    batch = body(shop.tenant.api.get(f"label-batches/{batch_id}"))
    (sold,) = box.emulator.labels
    assert batch["summary"] == {"orders": 1, "bought": 1, "failed": 0}
    (item,) = batch["items"]
    assert item["order_id"] == str(order_id) and item["tracking_number"] == sold["tracking_number"]
    assert len(box.sent("POST")) == 1


def test_a_timed_out_purchase_with_an_idempotency_key_is_sent_again_and_bought_once(shop, shipbox):
    box = shipbox(shop.tenant, "shipbox_keyed")
    order_id = shop.order()
    box.emulator.fail_next("/labels", method="POST", lose="after")
    resp = buy(shop, order_id)
    assert resp.status_code == 201, body(resp)
    (sold,) = box.emulator.labels
    assert body(resp)["tracking_number"] == sold["tracking_number"]
    assert len(box.sent("POST")) == 2 and {p.headers["Idempotency-Key"] for p in box.sent("POST")} == {
        body(resp)["reference"]
    }


def test_void_then_buy_again_sends_a_new_reference(shop, shipbox):
    box = shipbox(shop.tenant)
    order_id = shop.order()
    first = body(buy(shop, order_id))
    voided = shop.tenant.api.post(f"shipments/{first['id']}/void", {})
    assert voided.status_code == 200 and body(voided)["status"] == "voided"
    assert box.emulator.voided == [first["tracking_number"]]
    assert shop.tenant.api.post(f"shipments/{first['id']}/void", {}).status_code == 409
    second = body(buy(shop, order_id))
    assert second["id"] != first["id"] and second["reference"].endswith("-2") and first["reference"].endswith("-1")
    assert len(box.emulator.labels) == 2
    (ev,) = events(shop.tenant, "shipment.voided")
    assert Decimal(ev.payload["amount"]) == Decimal("6.90")


def test_missing_customs_data_is_refused_before_any_carrier_is_called(shop, shipbox):
    box = shipbox(shop.tenant)
    order_id = shop.order(line("TEE", 1), line("BARE", 1))
    resp = buy(shop, order_id)
    assert resp.status_code == 422
    errors = body(resp)["errors"]
    assert set(errors) == {"skus.BARE.customs_name_en", "skus.BARE.hs_code", "skus.BARE.origin_country"}
    assert "SKU BARE has no hs code" in body(resp)["message"]
    assert box.transport.requests == []


def test_eu_low_value_goods_need_the_ioss_number(shop, shipbox):
    shipbox(shop.tenant)
    from tests.core.orders.helpers import rates

    rates(shop.tenant, {"USD": "7.1", "EUR": "7.8"})
    order_id = shop.order(line("TEE", 1), country="DE")
    resp = buy(shop, order_id)
    assert resp.status_code == 422 and "ioss" in body(resp)["errors"]
    shop.tenant.api.put("shipping/settings", {"ioss": "im2760000742"})
    shipment = body(buy(shop, order_id))
    assert shipment["customs"]["ioss"] == "IM2760000742" and shipment["customs"]["ioss_applies"] is True


def test_a_parcel_over_every_services_limits_is_refused_with_each_reason(shop, shipbox, monkeypatch):
    box = shipbox(shop.tenant)
    order_id = shop.order()
    tiny = tuple(replace(s, limits=PackageLimits(100)) for s in carrier.ShipBox.services)
    monkeypatch.setattr(carrier.ShipBox, "services", tiny)
    resp = buy(shop, order_id)
    assert resp.status_code == 422
    assert "no carrier service can take this shipment" in body(resp)["message"]
    assert "weight 500 g is over the 100 g limit" in body(resp)["message"]
    assert box.emulator.labels == []


def test_an_address_the_carrier_refuses_is_a_422_and_leaves_the_order_ready(shop, shipbox):
    box = shipbox(shop.tenant)
    box.emulator.refuse_country = "US"
    order_id = shop.order()
    resp = buy(shop, order_id)
    assert resp.status_code == 422 and "we do not deliver to US" in body(resp)["message"]
    box.emulator.refuse_country = ""
    assert buy(shop, order_id).status_code == 201


def test_a_carrier_that_is_down_gives_no_5xx(shop, shipbox):
    box = shipbox(shop.tenant)
    box.emulator.fail_next("/rates", method="POST", status=503, times=10)
    resp = buy(shop, shop.order())
    assert resp.status_code == 422 and "HTTP 503" in body(resp)["message"]
    box.emulator.fail_rules.clear()
    box.emulator.fail_next("/labels", method="POST", status=503, times=10)
    resp = buy(shop, shop.order())
    assert resp.status_code == 409 and len(box.emulator.labels) == 0


def test_a_batch_buys_each_order_once_reports_failures_and_prints_one_file(shop, shipbox, tenant_b):
    box = shipbox(shop.tenant)
    good = [shop.order() for _ in range(3)]
    bad = shop.order(line("BARE", 1))
    resp = shop.tenant.api.post("label-batches", {"order_ids": [str(x) for x in [*good, bad]]})
    assert resp.status_code == 202, body(resp)
    batch = body(shop.tenant.api.get(f"label-batches/{body(resp)['id']}"))
    assert batch["status"] == "done" and batch["progress"] == 100
    assert batch["summary"] == {"orders": 4, "bought": 3, "failed": 1}
    outcomes = {i["order_id"]: i for i in batch["items"]}
    assert [i["order_id"] for i in batch["items"]] == [str(x) for x in [*good, bad]]  # in the order chosen
    assert {outcomes[str(x)]["status"] for x in good} == {"bought"}
    assert "SKU BARE has no hs code" in outcomes[str(bad)]["error"] and outcomes[str(bad)]["status"] == "failed"
    merged = shop.tenant.api.get(f"label-batches/{batch['id']}/labels?format=PDF")
    assert merged.status_code == 200 and len(PdfReader(io.BytesIO(merged.data)).pages) == 3
    zpl = shop.tenant.api.get(f"label-batches/{batch['id']}/labels?format=ZPL")
    assert zpl.status_code == 422 and "are not ZPL" in body(zpl)["message"]
    # Run again: the bought orders are skipped, the failed one fails again with its reason.
    again = shop.tenant.api.post(f"label-batches/{batch['id']}/retry", {})
    assert again.status_code == 202
    assert len(box.emulator.labels) == 3
    assert body(shop.tenant.api.get(f"label-batches/{batch['id']}"))["summary"]["failed"] == 1
    assert tenant_b.api.get(f"label-batches/{batch['id']}").status_code == 404
    with shop.tenant.scope():
        job = jobs.Job.__table__
        assert job is not None


def test_zpl_labels_are_concatenated_for_thermal_printers(shop, shipbox):
    shipbox(shop.tenant)
    ids = [str(shop.order()) for _ in range(2)]
    batch = body(shop.tenant.api.post("label-batches", {"order_ids": ids, "label_format": "ZPL"}))
    zpl = shop.tenant.api.get(f"label-batches/{batch['id']}/labels?format=ZPL")
    assert zpl.status_code == 200 and zpl.data.count(b"^XA") == 2 and zpl.data.count(b"^XZ") == 2


def test_bad_batch_input_names_the_field(shop):
    resp = shop.tenant.api.post("label-batches", {"order_ids": [str(uuid.uuid4())]})
    assert resp.status_code == 422 and "order_ids.0" in body(resp)["errors"]
    assert shop.tenant.api.post("label-batches", {"order_ids": []}).status_code == 422


@pytest.mark.parametrize("path", ["shipments/{id}", "shipments/{id}/void"])
def test_unknown_shipments_are_404(shop, path):
    method = shop.tenant.api.post if path.endswith("void") else shop.tenant.api.get
    kwargs = {"json": {}} if path.endswith("void") else {}
    assert method(path.format(id=uuid.uuid4()), **kwargs).status_code == 404
