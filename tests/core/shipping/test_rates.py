"""Quotes from every connected carrier at once: each carrier is asked in a thread of its own
(the slowest sets the wait, not their sum), and one carrier failing leaves the others' quotes
standing with its error shown on a quote row of its own."""

from __future__ import annotations

import threading

from tests.support import body


def test_every_carrier_is_asked_at_once_and_one_failing_leaves_the_others(shop, shipbox):
    boxes = [shipbox(shop.tenant) for _ in range(3)]
    # The first two answer only once both were asked: asked one after the other, the first
    # would wait for the second until the barrier broke and no quote of theirs would stand.
    meet = threading.Barrier(2, timeout=20)
    boxes[0].emulator.meet = boxes[1].emulator.meet = meet
    boxes[2].emulator.fail_next("/rates", method="POST", status=503, times=10)
    resp = shop.tenant.api.post(f"orders/{shop.order()}/quotes", {})
    assert resp.status_code == 200, body(resp)
    shipment = body(resp)
    by_connection: dict[str, list[dict]] = {}
    for q in shipment["quotes"]:
        by_connection.setdefault(q["connection_id"], []).append(q)
    for box in boxes[:2]:
        assert sorted(q["service"] for q in by_connection[str(box.id)]) == ["economy", "express", "mystery", "standard"]
    (down,) = by_connection[str(boxes[2].id)]
    assert not down["eligible"] and "503" in down["note"] and down["service"] == ""
    assert shipment["service"] == "mystery" and shipment["connection_id"] in {str(b.id) for b in boxes[:2]}
    assert not meet.broken


def test_refused_credentials_mark_that_connection_and_the_others_still_quote(shop, shipbox):
    good, bad = shipbox(shop.tenant), shipbox(shop.tenant)
    bad.emulator.fail_next("/rates", method="POST", status=401, times=10)
    shipment = body(shop.tenant.api.post(f"orders/{shop.order()}/quotes", {}))
    notes = {q["connection_id"]: q["note"] for q in shipment["quotes"] if not q["eligible"]}
    assert "AuthError" in notes[str(bad.id)]
    assert {q["service"] for q in shipment["quotes"] if q["connection_id"] == str(good.id)} == {
        "economy",
        "express",
        "mystery",
        "standard",
    }
    conns = {c["id"]: c for c in body(shop.tenant.api.get("connections?kind=carrier"))}
    assert conns[str(bad.id)]["status"] == "error" and conns[str(good.id)]["status"] != "error"


def test_a_carrier_timing_out_while_rating_is_a_422_naming_it_and_nothing_is_bought(shop, shipbox):
    slow, fine = shipbox(shop.tenant), shipbox(shop.tenant)
    slow.emulator.fail_next("/rates", method="POST", lose="after", times=10)  # every answer lost
    shipment = body(shop.tenant.api.post(f"orders/{shop.order()}/quotes", {}))
    (timed_out,) = [q for q in shipment["quotes"] if q["connection_id"] == str(slow.id)]
    assert not timed_out["eligible"] and timed_out["note"].startswith("TransientError")
    assert shipment["connection_id"] == str(fine.id)
    fine.emulator.fail_next("/rates", method="POST", lose="after", times=10)
    slow.emulator.fail_next("/rates", method="POST", lose="after", times=10)
    resp = shop.tenant.api.post(f"orders/{shop.order()}/label", {})
    assert resp.status_code == 422 and "TransientError" in body(resp)["message"]
    assert slow.emulator.labels == [] and fine.emulator.labels == []
