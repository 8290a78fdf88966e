"""TinyParcel's API, emulated on Tradelane's CarrierEmulator: API-key auth, rates per service
within the package limits, labels bought once per Idempotency-Key, batched tracking that
advances on the clock, void before pickup, and its error shape `{"error": {field, message}}`."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.ports import Parcel
from core.testing.carrier_emulator import CarrierEmulator, label_lines, pdf_document, zpl_label
from core.testing.emulator import json_response
from tradelane_tinyparcel.plugin import SERVICES

REQUIRED = ("from.country", "from.postal_code", "to.country", "to.postal_code", "to.city", "parcels")


def error(status: int, message: str, field: str = "") -> Response:
    return json_response({"error": {"field": field, "message": message}}, status)


class TinyParcelEmulator(CarrierEmulator):
    name = "tinyparcel"
    LIMITS = {"api": (10, 20)}
    IDEMPOTENCY_HEADER = "Idempotency-Key"
    SERVICES = SERVICES
    PRICES = {"standard": ("4.50", "1.20", 4), "express": ("9.00", "2.10", 2)}
    EVENT_CODES = {
        "created": ("LC", "Label created"),
        "picked_up": ("PU", "Picked up"),
        "in_transit": ("TR", "In transit"),
        "customs_cleared": ("CC", "Cleared customs"),
        "arrived": ("AR", "Arrived at the delivery depot"),
        "out_for_delivery": ("OD", "Out for delivery"),
        "delivered": ("DL", "Delivered"),
        "exception": ("EX", "Held: customs inspection"),
        "delivery_failed": ("DF", "Delivery attempt failed"),
        "returned": ("RS", "Returned to sender"),
        "voided": ("VO", "Label voided"),
    }
    api_key = "tp-live-5b1e7d"

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "api_key": self.api_key}

    def authorize(self, request: Request) -> Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return error(401, "unknown API key")
        return None

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        return json_response({"error": {"message": "slow down"}}, 429, {"Retry-After": f"{retry_after:.1f}"})

    def server_error(self, request: Request, status: int) -> Response:
        return error(status, "temporarily unavailable")

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/v1/account", endpoint="account", methods=["GET"]),
            Rule("/v1/rates", endpoint="rates", methods=["POST"]),
            Rule("/v1/labels", endpoint="buy", methods=["POST"]),
            Rule("/v1/labels/<number>/void", endpoint="void_one", methods=["POST"]),
            Rule("/v1/tracking", endpoint="tracking", methods=["GET"]),
        ]

    def account(self, request: Request) -> Response:
        return self.gate(request, "api") or json_response({"name": "TinyParcel demo account"})

    def _shipment(self, request: Request) -> tuple[dict[str, Any], list[Parcel]] | Response:
        body = json.loads(request.data or b"{}")
        missing = self.missing(body, REQUIRED)
        if missing:
            return error(422, "is required", missing[0])
        parcels = [
            Parcel(int(p["weight_g"]), *(Decimal(p.get(k, 0)) for k in ("length_cm", "width_cm", "height_cm")))
            for p in body["parcels"]
        ]
        return body, parcels

    def rates(self, request: Request) -> Response:
        parsed = self.gate(request, "api") or self._shipment(request)
        if isinstance(parsed, Response):
            return parsed
        body, parcels = parsed
        origin, destination = body["from"]["country"], body["to"]["country"]
        fits = self.fitting(parcels, origin, destination, body.get("service", ""))
        if not fits:
            return error(422, "no service takes these parcels on this lane", "parcels")
        return json_response(
            {
                "rates": [
                    {
                        "service": s.code,
                        "price": str(self.price(s.code, parcels, origin, destination)),
                        "currency": self.CURRENCY,
                        "days": self.transit_days(s.code, origin, destination),
                    }
                    for s in fits
                ]
            }
        )

    def buy(self, request: Request) -> Response:
        parsed = self.gate(request, "api") or self._shipment(request)
        if isinstance(parsed, Response):
            return parsed
        body, parcels = parsed
        origin, destination = body["from"]["country"], body["to"]["country"]
        if not self.fitting(parcels, origin, destination, body.get("service", "")):
            return error(422, "the service does not take these parcels", "service")
        customs = body.get("customs") or {}
        if origin != destination and not customs.get("items"):
            return error(422, "customs items are required across a border", "customs.items")
        label = self.sell(
            tracking_number=f"TP{self.next_serial():010d}",
            reference=body.get("reference", ""),
            service=body["service"],
            origin=origin,
            destination=destination,
            parcels=parcels,
            label_format=body.get("format", "pdf"),
            customs={
                **{k: customs.get(k, "") for k in ("incoterm", "ioss", "eori")},
                "items": len(customs.get("items", [])),
            },
        )
        lines = label_lines("TinyParcel", label, body["to"].get("name", ""))
        data = zpl_label(lines, label.tracking_number) if label.label_format == "zpl" else pdf_document([lines])
        return json_response(
            {
                "tracking_number": label.tracking_number,
                "price": str(label.amount),
                "currency": label.currency,
                "format": label.label_format,
                "label": base64.b64encode(data).decode(),
            },
            201,
        )

    def void_one(self, request: Request, number: str) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        why = self.void(number)
        if why == "unknown":
            return error(404, f"no label {number}", "number")
        if why:
            return error(409, "the parcel is on its way and can no longer be voided", "number")
        return json_response({"number": number, "status": "voided"})

    def tracking(self, request: Request) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        results = []
        for number in request.args.getlist("number"):
            label = self.labels.get(number)
            if label is None:
                results.append({"number": number, "found": False})
                continue
            events = [
                {"at": when.isoformat(), "code": self.code(stage)[0], "text": self.code(stage)[1]}
                for when, stage in self.history(label)
            ]
            results.append({"number": number, "found": True, "events": events})
        return json_response({"results": results})
