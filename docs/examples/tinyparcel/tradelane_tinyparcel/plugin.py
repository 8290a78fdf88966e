"""TinyParcel: rates, labels (PDF or ZPL, bought once thanks to an idempotency key), batched
tracking and void, over a small JSON API with an API key."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from core.hookspecs import hookimpl
from core.ports import (
    ApiClient,
    CarrierAdapter,
    CarrierService,
    ConnectionContext,
    Label,
    Operation,
    PackageLimits,
    RateQuote,
    RemoteRejected,
    SettingField,
    ShipmentRequest,
    TrackingEvent,
    TrackingResult,
    latest_result,
)
from core.ports import CarrierCapability as Cap

SERVICES = (
    CarrierService("standard", "TinyParcel Standard", PackageLimits(30_000, Decimal(120), Decimal(300), None, 5000)),
    CarrierService("express", "TinyParcel Express", PackageLimits(20_000, Decimal(100), None, None, 5000), ddp=True),
)
# The carrier's event codes -> the normalised statuses (core.ports.TRACKING_STATUSES).
STATUSES = {
    "LC": "pending",
    "PU": "picked_up",
    "TR": "in_transit",
    "CC": "in_transit",
    "AR": "in_transit",
    "OD": "out_for_delivery",
    "DL": "delivered",
    "EX": "exception",
    "DF": "exception",
    "RS": "returned",
    "VO": "cancelled",
}


class TinyParcelClient(ApiClient):
    def __init__(self, ctx: ConnectionContext) -> None:
        super().__init__(ctx, str(ctx.settings["base_url"]).rstrip("/") + "/v1/", limits={"api": (10, 20)})

    def authenticate(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self.ctx.credentials['api_key'].reveal()}"

    def error_message(self, response: httpx.Response) -> str:
        try:
            error = response.json()["error"]
            return f"TinyParcel {response.status_code}: {error.get('field', '')} {error['message']}".replace("  ", " ")
        except (ValueError, KeyError, TypeError, AttributeError):
            return f"TinyParcel {response.status_code}: {response.text[:200]}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.json(self.request(method, path, op="api", **kwargs))


def _party(address: Any) -> dict[str, str]:
    return {
        "name": address.name,
        "line1": address.line1,
        "city": address.city,
        "postal_code": address.postal_code,
        "country": address.country,
        "phone": address.phone,
    }


def _body(request: ShipmentRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": request.reference,
        "from": _party(request.ship_from),
        "to": _party(request.ship_to),
        "parcels": [
            {
                "weight_g": p.weight_g,
                "length_cm": str(p.length_cm),
                "width_cm": str(p.width_cm),
                "height_cm": str(p.height_cm),
            }
            for p in request.parcels
        ],
    }
    if request.service:
        body["service"] = request.service
    if request.customs:
        c = request.customs
        body["customs"] = {
            "incoterm": c.incoterm,
            "reason": c.export_reason,
            "ioss": c.ioss,
            "eori": c.eori,
            "items": [
                {
                    "description": i.description,
                    "quantity": i.quantity,
                    "value": str(i.value),
                    "currency": i.currency,
                    "hs_code": i.hs_code,
                    "origin": i.origin_country,
                    "weight_g": i.weight_g,
                }
                for i in c.items
            ],
        }
    return body


class TinyParcel(CarrierAdapter):
    name = "tinyparcel"
    display_name = "TinyParcel"
    client_class = TinyParcelClient
    capabilities = frozenset({Cap.RATES, Cap.LABELS, Cap.TRACKING, Cap.VOID, Cap.INTERNATIONAL, Cap.DDP})
    services = SERVICES
    label_formats = frozenset({"PDF", "ZPL"})
    track_batch_size = 10
    tracking_url_template = "https://tinyparcel.example/track/{number}"
    # TinyParcel deduplicates label purchases on the Idempotency-Key header.
    operations = {**CarrierAdapter.operations, "create_label": Operation(idempotent=False, idempotency_key=True)}
    settings = (
        SettingField("base_url", "API URL", type="url", default="https://api.tinyparcel.example"),
        SettingField("api_key", "API key", secret=True),
    )

    def check_connection(self) -> str:
        return self.client.call("GET", "account")["name"]

    def quote(self, request: ShipmentRequest) -> list[RateQuote]:
        rates = self.client.call("POST", "rates", json=_body(request), idempotent=True)["rates"]  # a read
        return [
            RateQuote(r["service"], Decimal(r["price"]), r["currency"], r.get("days"), self.service(r["service"]).name)
            for r in rates
        ]

    def create_label(self, request: ShipmentRequest) -> Label:
        if request.international and request.customs is None:
            raise RemoteRejected("TinyParcel needs customs data for a label across a border")
        body = {**_body(request), "format": request.label_format.lower()}
        data = self.client.call("POST", "labels", json=body, idempotency_key=request.reference)
        return Label(
            data["tracking_number"],
            base64.b64decode(data["label"]),
            data["format"].upper(),
            Decimal(data["price"]),
            data["currency"],
            service=request.service,
        )

    def track(self, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
        found = self.client.call("GET", "tracking", params=[("number", n) for n in tracking_numbers])["results"]
        by_number = {r["number"]: r for r in found}
        out = []
        for number in tracking_numbers:
            r = by_number.get(number)
            if r is None or not r["found"]:
                out.append(TrackingResult(number, "unknown", found=False, message="TinyParcel does not know it"))
                continue
            events = [
                TrackingEvent(
                    datetime.fromisoformat(e["at"]),
                    STATUSES.get(e["code"], "unknown"),
                    e["text"],
                    e.get("where", ""),
                    e["code"],
                )
                for e in r["events"]
            ]
            out.append(latest_result(number, events))
        return out

    def void_label(self, tracking_number: str, carrier_reference: str = "") -> None:
        self.client.call("POST", f"labels/{tracking_number}/void", idempotent=True)  # voiding twice is a no-op


@hookimpl
def register_carriers() -> list[type[CarrierAdapter]]:
    return [TinyParcel]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from tradelane_tinyparcel.emulator import TinyParcelEmulator

    return {"tinyparcel": TinyParcelEmulator()}
