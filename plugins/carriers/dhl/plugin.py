"""DHL Express (MyDHL API): rates taking the billing-currency price, shipments with their
documents (the label as PDF or ZPL, the commercial invoice as PDF) and tracking of several
numbers per call (shared/reference/carriers.md §2.3).

No void: DHL Express bills a waybill once the shipment is picked up, and the MyDHL API has no
call to cancel one; a label that is not used is simply not handed over (and a booked pickup
cancelled). Exactly once: the API takes no idempotency key and finds no shipment by our
reference, so a purchase is a plain write (docs/decisions/0009): never sent twice, a lost
answer surfaces as OutcomeUnknown for the seller to check in MyDHL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

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
from plugins.carriers.dhl import mapping
from plugins.carriers.dhl.client import PRODUCTION, DHLClient

TRACK_BATCH = 10  # numbers per GET /tracking; the reference names no limit, so we stay modest


class DHLExpressAdapter(CarrierAdapter):
    name = "dhl"
    display_name = "DHL Express"
    client_class = DHLClient
    capabilities = frozenset({Cap.RATES, Cap.LABELS, Cap.TRACKING, Cap.INTERNATIONAL, Cap.CUSTOMS_DOCUMENTS, Cap.DDP})
    services = mapping.SERVICES
    label_formats = frozenset({"PDF", "ZPL"})
    track_batch_size = TRACK_BATCH
    tracking_url_template = "https://www.dhl.com/global-en/home/tracking.html?tracking-id={number}"
    settings = (
        SettingField("base_url", "API URL", type="url", default=PRODUCTION, help="…/mydhlapi/test to test"),
        SettingField("api_key", "MyDHL API key", secret=True),
        SettingField("api_secret", "MyDHL API secret", secret=True),
        SettingField("account_number", "DHL Express account number", secret=True),
        PACING_SETTING,
    )

    @property
    def account(self) -> str:
        return self.ctx.credentials["account_number"].reveal()

    def when(self, request: ShipmentRequest) -> datetime:
        """The planned shipping time: an hour from now today, else 17:00 UTC on the ship date."""
        now = self.ctx.clock.now()
        if request.ship_date is None or request.ship_date <= now.date():
            return now + timedelta(hours=1)
        return datetime.combine(request.ship_date, time(17), tzinfo=UTC)

    def check_connection(self) -> str:
        # One cheap authenticated read (§2.3 "Products"): what the account may ship on a lane.
        tomorrow = (self.ctx.clock.now() + timedelta(days=1)).date().isoformat()
        params = {
            "accountNumber": self.account,
            "originCountryCode": "DE",
            "originCityName": "Bonn",
            "destinationCountryCode": "GB",
            "destinationCityName": "London",
            "weight": "1",
            "length": "10",
            "width": "10",
            "height": "10",
            "plannedShippingDate": tomorrow,
            "isCustomsDeclarable": "true",
            "unitOfMeasurement": "metric",
        }
        self.client.call("GET", "products", params=params)
        return f"DHL Express account ending {self.account[-4:]}"

    def _check(self, request: ShipmentRequest, *, buying: bool) -> None:
        if request.service and self.service(request.service) is None:
            raise RemoteRejected(f"DHL Express has no product {request.service!r} here")
        if buying:
            if not request.service:
                raise RemoteRejected("choose a DHL Express product before buying a label")
            if request.label_format not in self.label_formats:
                raise RemoteRejected(f"DHL Express labels come as PDF or ZPL, not {request.label_format}")
            if request.international and (request.customs is None or not request.customs.items):
                raise RemoteRejected("DHL Express needs customs data (line items) for a dutiable shipment")

    def quote(self, request: ShipmentRequest) -> list[RateQuote]:
        self._check(request, buying=False)
        body = mapping.rate_body(request, self.account, self.when(request))
        data = self.client.call("POST", "rates", json=body, idempotent=True)  # a read
        names = {s.code: s.name for s in self.services}
        quotes = [q for q in mapping.quotes_from(data, names) if q.service in names]
        return [q for q in quotes if q.service == request.service] if request.service else quotes

    def create_label(self, request: ShipmentRequest) -> Label:
        self._check(request, buying=True)
        body = mapping.ship_body(request, self.account, self.when(request))
        return mapping.label_from(self.client.call("POST", "shipments", json=body), request)

    def track(self, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
        if len(tracking_numbers) > TRACK_BATCH:
            raise ValueError(f"DHL Express is asked for at most {TRACK_BATCH} numbers per call")
        params = [("shipmentTrackingNumber", n) for n in tracking_numbers]
        params += [("trackingView", "all-checkpoints"), ("levelOfDetail", "all")]
        try:
            data = self.client.call("GET", "tracking", params=params)
        except RemoteRejected as exc:
            if exc.status != 404:
                raise
            data = {}  # none of the numbers is known
        by_number = {str(s.get("shipmentTrackingNumber")): s for s in data.get("shipments") or []}
        return [mapping.track_result(n, by_number.get(n)) for n in tracking_numbers]


@hookimpl
def register_carriers() -> list[type[CarrierAdapter]]:
    return [DHLExpressAdapter]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from plugins.carriers.dhl.emulator import DHLExpressEmulator

    return {"dhl": DHLExpressEmulator()}
