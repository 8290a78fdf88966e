"""UPS: rates (Shop for every service, Rate for one, with time in transit), labels as GIF
(turned into a 4x6 PDF for printing, the GIF kept) or ZPL with the commercial invoice for
international shipments, tracking (one number per call; "not found" is HTTP 200 with
warnings) and void, over the UPS REST APIs (shared/reference/carriers.md §2.2).

Exactly once: the Shipping API takes no idempotency key and finds no label by our reference,
so a label purchase is a plain write (docs/decisions/0009): the client never sends it twice,
and a lost answer surfaces as OutcomeUnknown for the seller to check in UPS's shipping history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from core.hookspecs import hookimpl
from core.ports import (
    PACING_SETTING,
    CarrierAdapter,
    Label,
    RateQuote,
    RemoteRejected,
    SettingField,
    ShipmentRequest,
    TrackingResult,
)
from core.ports import CarrierCapability as Cap
from plugins.carriers.ups import mapping
from plugins.carriers.ups.client import DEFAULT_VERSION, PRODUCTION, UPSClient


class UPSAdapter(CarrierAdapter):
    name = "ups"
    display_name = "UPS"
    client_class = UPSClient
    capabilities = frozenset(
        {Cap.RATES, Cap.LABELS, Cap.TRACKING, Cap.VOID, Cap.INTERNATIONAL, Cap.CUSTOMS_DOCUMENTS, Cap.DDP}
    )
    services = mapping.SERVICES
    label_formats = frozenset({"PDF", "ZPL"})
    track_batch_size = 1  # GET /api/track/v1/details/{inquiryNumber}
    tracking_url_template = "https://www.ups.com/track?tracknum={number}"
    settings = (
        SettingField("base_url", "API URL", type="url", default=PRODUCTION, help="https://wwwcie.ups.com to test"),
        SettingField(
            "client_id", "Client ID", secret=True, help="Of an app with Rating, Shipping and Tracking enabled"
        ),
        SettingField("client_secret", "Client secret", secret=True),
        SettingField("account_number", "UPS account (shipper) number", secret=True),
        SettingField("api_version", "API version", required=False, default=DEFAULT_VERSION),
        PACING_SETTING,
    )

    @property
    def account(self) -> str:
        return self.ctx.credentials["account_number"].reveal()

    def check_connection(self) -> str:
        self.client.fetch_token()  # UPS issues a token only to an approved app
        return f"UPS account {self.account}"

    def _check(self, request: ShipmentRequest, *, buying: bool) -> None:
        if request.service and self.service(request.service) is None:
            raise RemoteRejected(f"UPS has no service {request.service!r} here")
        if buying:
            if not request.service:
                raise RemoteRejected("choose a UPS service before buying a label")
            if request.label_format not in self.label_formats:
                raise RemoteRejected(f"UPS labels print as PDF or ZPL, not {request.label_format}")
            if request.international and (request.customs is None or not request.customs.items):
                raise RemoteRejected("UPS needs customs data (products) for an international shipment")

    def quote(self, request: ShipmentRequest) -> list[RateQuote]:
        self._check(request, buying=False)
        option = "Ratetimeintransit" if request.service else "Shoptimeintransit"
        data = self.client.call(
            "POST",
            f"rating/{{version}}/{option}",
            json=mapping.rate_body(request, self.account),
            params={"additionalinfo": "timeintransit"},
            idempotent=True,
        )
        names = {s.code: s.name for s in self.services}
        quotes = [q for q in mapping.quotes_from(data, names) if q.service in names]
        return [q for q in quotes if q.service == request.service] if request.service else quotes

    def create_label(self, request: ShipmentRequest) -> Label:
        self._check(request, buying=True)
        data = self.client.call("POST", "shipments/{version}/ship", json=mapping.ship_body(request, self.account))
        return mapping.label_from(data, request)

    def track(self, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
        out = []
        for number in tracking_numbers:
            data = self.client.call(
                "GET",
                f"track/v1/details/{quote(number, safe='')}",
                params={"locale": "en_US", "returnSignature": "false"},
            )
            out.append(mapping.track_result(number, data))
        return out

    def void_label(self, tracking_number: str, carrier_reference: str = "") -> None:
        shipment = quote(carrier_reference or tracking_number, safe="")
        data = self.client.call("DELETE", f"shipments/{{version}}/void/cancel/{shipment}")
        if not mapping.void_ok(data):
            raise RemoteRejected(f"UPS did not void {tracking_number}")


@hookimpl
def register_carriers() -> list[type[CarrierAdapter]]:
    return [UPSAdapter]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from plugins.carriers.ups.emulator import UPSEmulator

    return {"ups": UPSEmulator()}
