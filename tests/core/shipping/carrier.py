"""ShipBox: the test carrier of shipping's tests, built on ParcelBox (tests/fixtures/parcel_carrier.py)
with rates for several services, labels as real PDF or ZPL bytes, voids and tracking scans the
test adds. Three flavours buy labels three ways, like ParcelBox: plainly, with an idempotency
key, and with a lookup by reference."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from reportlab.pdfgen import canvas
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.hookspecs import hookimpl
from core.ports import (
    CarrierAdapter,
    CarrierService,
    Label,
    Operation,
    PackageLimits,
    RateQuote,
    ShipmentRequest,
    TrackingEvent,
    TrackingResult,
    latest_result,
)
from core.testing.emulator import json_response
from tests.fixtures.parcel_carrier import ParcelBox, ParcelBoxEmulator

SERVICES = {"economy": ("4.10", 8), "standard": ("6.90", 4), "express": ("19.50", 1), "mystery": ("3.00", None)}


def pdf_label(tracking_number: str) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(288, 432))
    c.drawString(20, 400, f"SHIPBOX {tracking_number}")
    c.save()
    return out.getvalue()


class ShipBoxEmulator(ParcelBoxEmulator):
    name = "shipbox"

    def reset_state(self) -> None:
        super().reset_state()
        self.voided: list[str] = []
        self.scans: dict[str, list[dict[str, Any]]] = {}
        self.refuse_country = ""
        # A barrier every rate request waits at (tests of quotes asked at once): with several
        # emulators sharing one, each answers only once all were asked.
        self.meet: threading.Barrier | None = None
        self.per_kg: Decimal | None = None  # added to every price per started kilogram, when set

    def api_rules(self) -> list[Rule]:
        return [
            *super().api_rules(),
            Rule("/rates", endpoint="rates", methods=["POST"]),
            Rule("/labels/<number>", endpoint="void", methods=["DELETE"]),
            Rule("/tracking/<number>", endpoint="tracking", methods=["GET"]),
        ]

    def rates(self, request: Request) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        if self.meet is not None:
            self.meet.wait()
        body = json.loads(request.data)
        extra = self.per_kg * -(-int(body.get("weight_g") or 0) // 1000) if self.per_kg is not None else Decimal(0)
        offered = [
            {"service": name, "amount": str(Decimal(price) + extra), "currency": "USD", "days": days}
            for name, (price, days) in SERVICES.items()
            if not body.get("service") or body["service"] == name
        ]
        return json_response({"rates": offered})

    def buy(self, request: Request) -> Response:
        body = json.loads(request.data)
        if self.refuse_country and body.get("country") == self.refuse_country:
            return json_response({"error": f"we do not deliver to {self.refuse_country}"}, 400)
        return super().buy(request)

    def void(self, request: Request, number: str) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        if number not in [x["tracking_number"] for x in self.labels]:
            return json_response({"error": f"no label {number}"}, 404)
        self.voided.append(number)
        return json_response({"voided": number})

    def tracking(self, request: Request, number: str) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        return json_response({"events": self.scans.get(number, [])})

    def scan(self, number: str, status: str, description: str, at: datetime, code: str = "") -> None:
        self.scans.setdefault(number, []).append(
            {"at": at.isoformat(), "status": status, "description": description, "code": code or status[:2].upper()}
        )


class ShipBox(ParcelBox):
    name = "shipbox"
    display_name = "ShipBox"
    services = tuple(CarrierService(code, f"ShipBox {code}", PackageLimits(30_000)) for code in SERVICES)
    label_formats = frozenset({"PDF", "ZPL"})
    track_batch_size = 2
    tracking_url_template = "https://track.shipbox.test/{number}"

    def quote(self, request: ShipmentRequest) -> list[RateQuote]:
        data = self.client.json(
            self.client.request(
                "POST",
                "/rates",
                op="api",
                idempotent=True,
                json={"service": request.service, "weight_g": sum(p.weight_g for p in request.parcels)},
            )
        )
        return [RateQuote(r["service"], Decimal(r["amount"]), r["currency"], r["days"]) for r in data["rates"]]

    def create_label(self, request: ShipmentRequest) -> Label:
        response = self.client.request(
            "POST",
            "/labels",
            op="api",
            json={"reference": request.reference, "service": request.service, "country": request.ship_to.country},
            idempotency_key=request.reference if self.send_key else None,
        )
        return self._label(self.client.json(response), request.label_format)

    def _label(self, data: dict[str, Any], fmt: str = "PDF") -> Label:  # type: ignore[override]
        number = data["tracking_number"]
        if fmt == "ZPL":
            return Label(number, f"^XA^FO50,50^FD{number}^FS^XZ".encode(), "ZPL", carrier_reference=data["reference"])
        return Label(number, pdf_label(number), "PDF", Decimal("6.90"), "USD", carrier_reference=data["reference"])

    def track(self, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
        out = []
        for number in tracking_numbers:
            data = self.client.json(self.client.request("GET", f"/tracking/{number}", op="api"))
            events = [
                TrackingEvent(datetime.fromisoformat(e["at"]), e["status"], e["description"], "Memphis, US", e["code"])
                for e in data["events"]
            ]
            out.append(latest_result(number, events) if events else TrackingResult(number, "pending"))
        return out

    def void_label(self, tracking_number: str, carrier_reference: str = "") -> None:
        self.client.request("DELETE", f"/labels/{tracking_number}", op="api")


class KeyedShipBox(ShipBox):
    name = "shipbox_keyed"
    operations = {**CarrierAdapter.operations, "create_label": Operation(idempotent=False, idempotency_key=True)}
    send_key = True


class LookupShipBox(ShipBox):
    name = "shipbox_lookup"
    operations = {**CarrierAdapter.operations, "create_label": Operation(idempotent=False, lookup="find_label")}

    def find_label(self, request: ShipmentRequest) -> Label | None:
        response = self.client.request("GET", "/labels", op="api", params={"reference": request.reference})
        found = self.client.json(response)["labels"]
        return self._label(found[0], request.label_format) if found else None


@hookimpl
def register_carriers() -> list[type[CarrierAdapter]]:
    return [ShipBox, KeyedShipBox, LookupShipBox]
