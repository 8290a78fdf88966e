"""The adapter runtime (core.connections, docs/decisions/0009-one-retry-layer.md): a write is
performed once whatever fails around it, credentials stay out of what is recorded, and what
the runtime learns about a connection outlives the door's rollback.

The carrier is ParcelBox (tests/fixtures/parcel_carrier.py), whose emulator is built on the
wire-level emulator base and counts the labels it sells."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from core import connections, jobs
from core.db import session
from core.errors import NotFound
from core.ports import Address, AuthError, OutcomeUnknown, Parcel, ShipmentRequest
from core.testing import VirtualClock
from core.testing.emulator import RecordingTransport
from tenants import service as tenants
from tests.fixtures.parcel_carrier import ParcelBoxEmulator
from tests.support import TenantHandle, body


def shipment(reference: str) -> ShipmentRequest:
    return ShipmentRequest(reference, "ground", Address(country="CN"), Address(country="US"), (Parcel(500),))


@dataclass
class Box:
    emulator: ParcelBoxEmulator
    transport: RecordingTransport
    id: uuid.UUID

    def sent(self, method: str, path: str = "/labels") -> list[httpx.Request]:
        return [r for r in self.transport.requests if r.method == method and r.url.path == path]


@pytest.fixture
def parcelbox():
    routed: list[str] = []

    def connect(tenant: TenantHandle, plugin: str = "parcelbox", **settings: Any) -> Box:
        clock = VirtualClock()
        emulator = ParcelBoxEmulator(clock=clock)
        transport = RecordingTransport(httpx.WSGITransport(app=emulator))
        base_url = f"http://parcelbox-{secrets.token_hex(4)}.test"
        connections.route(base_url, transport=transport, clock=clock)
        routed.append(base_url)
        created = tenant.api.post(
            "connections",
            {
                "kind": "carrier",
                "plugin": plugin,
                "display_name": f"{plugin} {base_url[18:26]}",
                "settings": {**emulator.connection_settings(base_url), **settings},
            },
        )
        assert created.status_code == 201, body(created)
        return Box(emulator, transport, uuid.UUID(body(created)["id"]))

    yield connect
    for base_url in routed:
        connections.unroute(base_url)


def _buy(tenant: TenantHandle, box: Box, reference: str) -> Any:
    with tenant.scope(), connections.using(box.id, "carrier") as carrier:
        return carrier.create_label(shipment(reference))


# -- a write is performed once -----------------------------------------------------------------


def test_a_write_whose_answer_was_lost_is_not_sent_again(tenant_a, parcelbox):
    box = parcelbox(tenant_a)
    box.emulator.fail_next("/labels", method="POST", lose="after")  # sold, then the answer is lost
    with pytest.raises(OutcomeUnknown) as caught:
        _buy(tenant_a, box, "SHP-1")
    assert caught.value.retryable is False
    assert "may have been performed" in str(caught.value) and "check on ParcelBox" in str(caught.value)
    assert len(box.emulator.labels) == 1 and len(box.sent("POST")) == 1


def test_a_job_does_not_send_such_a_write_again(tenant_a, parcelbox):
    box = parcelbox(tenant_a)
    box.emulator.fail_next("/labels", method="POST", lose="after")
    with tenant_a.scope():
        job_id = jobs.enqueue("test.buy_label", connection_id=str(box.id), reference="SHP-2").id
    job = body(tenant_a.api.get(f"jobs/{job_id}"))
    assert (job["status"], job["attempts"]) == ("failed", 1) and "may have been performed" in job["error"]
    assert len(box.emulator.labels) == 1 and len(box.sent("POST")) == 1


def test_a_write_with_an_idempotency_key_is_sent_again_and_performed_once(tenant_a, parcelbox):
    box = parcelbox(tenant_a, "parcelbox_keyed")
    box.emulator.fail_next("/labels", method="POST", lose="after")
    label = _buy(tenant_a, box, "SHP-3")
    (sold,) = box.emulator.labels
    assert label.tracking_number == sold["tracking_number"]
    posts = box.sent("POST")
    assert len(posts) == 2 and {p.headers["Idempotency-Key"] for p in posts} == {"SHP-3"}


def test_a_write_that_can_be_looked_up_is_looked_up_before_it_is_sent_again(tenant_a, parcelbox):
    box = parcelbox(tenant_a, "parcelbox_lookup")
    box.emulator.fail_next("/labels", method="POST", lose="after")
    with tenant_a.scope():
        job_id = jobs.enqueue("test.buy_label", connection_id=str(box.id), reference="SHP-4").id
    job = body(tenant_a.api.get(f"jobs/{job_id}"))
    (sold,) = box.emulator.labels
    assert (job["status"], job["attempts"]) == ("succeeded", 2)  # the second attempt found the label
    assert job["result"]["tracking_number"] == sold["tracking_number"]
    assert len(box.sent("POST")) == 1 and len(box.sent("GET")) == 2
    assert _buy(tenant_a, box, "SHP-4").tracking_number == sold["tracking_number"]  # asked again: no new label
    assert len(box.emulator.labels) == 1 and len(box.sent("POST")) == 1


def test_a_write_the_remote_refused_or_never_received_is_sent_again(tenant_a, parcelbox):
    box = parcelbox(tenant_a)
    box.emulator.fail_next("/labels", method="POST", status=429)  # throttled: nothing was done
    label = _buy(tenant_a, box, "SHP-5")
    assert [x["tracking_number"] for x in box.emulator.labels] == [label.tracking_number]
    assert len(box.sent("POST")) == 2


def test_reads_are_sent_again_after_a_timeout(tenant_a, parcelbox):
    box = parcelbox(tenant_a)
    box.emulator.fail_next("/account", lose="before")
    box.emulator.fail_next("/account", lose="after")
    with tenant_a.scope(), connections.using(box.id, "carrier") as carrier:
        (quote,) = carrier.quote(shipment("SHP-6"))
    assert quote.amount == quote.amount.__class__("5.40") and len(box.sent("GET", "/account")) == 3


# -- what the runtime records --------------------------------------------------------------------


def test_refused_credentials_mark_the_connection_without_the_credentials_even_after_a_rollback(tenant_a, parcelbox):
    box = parcelbox(tenant_a, api_key="pb-wrong-key-0042")
    with tenant_a.scope():
        with pytest.raises(AuthError) as caught, connections.using(box.id, "carrier") as carrier:
            carrier.quote(shipment("SHP-7"))
        session.rollback()  # the door gives up its own work
    assert "pb-wrong-key-0042" not in str(caught.value) and "***" in str(caught.value)
    conn = body(tenant_a.api.get(f"connections/{box.id}"))
    assert conn["status"] == "error" and conn["last_error"].startswith("AuthError")
    assert "pb-wrong-key-0042" not in conn["last_error"]


def test_rotated_credentials_outlive_a_rollback(tenant_a, parcelbox):
    box = parcelbox(tenant_a)
    with tenant_a.scope():
        with pytest.raises(RuntimeError), connections.using(box.id, "carrier") as carrier:
            carrier.ctx.save_credentials({"api_key": "pb-rotated-1"})  # the remote has forgotten the old one
            raise RuntimeError("the door's own work fails afterwards")
        session.rollback()
    with tenant_a.scope():
        assert tenants.connection_credentials(tenants.get_connection(box.id))["api_key"] == "pb-rotated-1"


def test_the_connection_test_records_the_account_or_the_refusal(tenant_a, parcelbox):
    good, bad = parcelbox(tenant_a), parcelbox(tenant_a, api_key="pb-wrong-key-0043")
    tested = body(tenant_a.api.post(f"connections/{good.id}/test"))
    assert (tested["status"], tested["account"], tested["last_error"]) == ("ok", "ParcelBox test account", None)
    tested = body(tenant_a.api.post(f"connections/{bad.id}/test"))
    assert tested["status"] == "error" and "pb-wrong-key-0043" not in tested["last_error"]
    assert len(bad.sent("GET", "/account")) == 1  # refused credentials are not tried again


def test_a_connection_of_another_kind_or_tenant_is_not_found(tenant_a, tenant_b, parcelbox):
    box = parcelbox(tenant_a)
    with tenant_a.scope(), pytest.raises(NotFound), connections.using(box.id, "channel"):
        pass
    with tenant_b.scope(), pytest.raises(NotFound), connections.using(box.id, "carrier"):
        pass


def test_operations_must_name_methods_of_the_adapter():
    from core.hookspecs import hookimpl
    from core.plugins import PluginRegistry
    from core.ports import Operation
    from tests.fixtures.parcel_carrier import ParcelBox

    class Misdeclared(ParcelBox):
        name = "misdeclared"
        operations = {**ParcelBox.operations, "create_label": Operation(idempotent=False, lookup="find_lable")}

    class Plugin:
        @hookimpl
        def register_carriers(self):
            return [Misdeclared]

    record = PluginRegistry().register(Plugin(), name="misdeclared", kind="carrier")
    assert record.status == "failed" and "find_lable" in record.error
