"""FedEx: rates, labels (base64 PDF or ZPL II on 4x6 stock, with the commercial invoice for
international shipments), tracking of up to 30 numbers per call and cancel, over the FedEx REST
APIs (shared/reference/carriers.md §2.1).

Exactly once: the Ship API takes no idempotency key and finds no label by our reference, so a
label purchase is a plain write (docs/decisions/0009): the client never sends it twice, and a
lost answer surfaces as OutcomeUnknown for the seller to check in FedEx Ship Manager.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from plugins.carriers.fedex import mapping
from plugins.carriers.fedex.client import PRODUCTION, FedExClient

TRACK_BATCH = 30  # §2.1: at most 30 tracking numbers per call


class FedExAdapter(CarrierAdapter):
    name = "fedex"
    display_name = "FedEx"
    client_class = FedExClient
    capabilities = frozenset(
        {Cap.RATES, Cap.LABELS, Cap.TRACKING, Cap.VOID, Cap.INTERNATIONAL, Cap.CUSTOMS_DOCUMENTS, Cap.DDP}
    )
    services = mapping.SERVICES
    label_formats = frozenset({"PDF", "ZPL"})
    track_batch_size = TRACK_BATCH
    tracking_url_template = "https://www.fedex.com/fedextrack/?trknbr={number}"
    settings = (
        SettingField(
            "base_url", "API URL", type="url", default=PRODUCTION, help="https://apis-sandbox.fedex.com to test"
        ),
        SettingField("client_id", "API key", secret=True, help="The project's API key (OAuth client id)"),
        SettingField("client_secret", "Secret key", secret=True),
        SettingField("account_number", "FedEx account number", secret=True),
        PACING_SETTING,
    )

    @property
    def account(self) -> str:
        return self.ctx.credentials["account_number"].reveal()

    def check_connection(self) -> str:
        self.client.fetch_token()  # the credentials are proven by a token being issued
        return f"FedEx account ending {self.account[-4:]}"

    def _check(self, request: ShipmentRequest, *, buying: bool) -> None:
        if request.service and self.service(request.service) is None:
            raise RemoteRejected(f"FedEx has no service {request.service!r} here")
        if buying:
            if not request.service:
                raise RemoteRejected("choose a FedEx service before buying a label")
            if request.label_format not in self.label_formats:
                raise RemoteRejected(f"FedEx labels come as PDF or ZPL, not {request.label_format}")
            if request.international and (request.customs is None or not request.customs.items):
                raise RemoteRejected("FedEx needs customs data (commodities) for an international shipment")

    def quote(self, request: ShipmentRequest) -> list[RateQuote]:
        self._check(request, buying=False)
        data = self.client.call(
            "POST", "/rate/v1/rates/quotes", json=mapping.rate_body(request, self.account), idempotent=True
        )
        names = {s.code: s.name for s in self.services}
        quotes = [q for q in mapping.quotes_from(data, names) if q.service in names]
        return [q for q in quotes if q.service == request.service] if request.service else quotes

    def create_label(self, request: ShipmentRequest) -> Label:
        self._check(request, buying=True)
        ship_date = request.ship_date or self.ctx.clock.now().date()
        body = mapping.ship_body(request, self.account, ship_date)
        return mapping.label_from(self.client.call("POST", "/ship/v1/shipments", json=body), request)

    def track(self, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
        if len(tracking_numbers) > TRACK_BATCH:
            raise ValueError(f"FedEx tracks at most {TRACK_BATCH} numbers per call")
        body: dict[str, Any] = {
            "includeDetailedScans": True,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in tracking_numbers],
        }
        data = self.client.call("POST", "/track/v1/trackingnumbers", json=body, idempotent=True)  # a read
        by_number = {r.get("trackingNumber"): r for r in data.get("output", {}).get("completeTrackResults") or []}
        return [mapping.track_result(n, by_number.get(n)) for n in tracking_numbers]

    def void_label(self, tracking_number: str, carrier_reference: str = "") -> None:
        body = {
            "accountNumber": {"value": self.account},
            "trackingNumber": tracking_number,
            "deletionControl": "DELETE_ALL_PACKAGES",
        }
        data = self.client.call("PUT", "/ship/v1/shipments/cancel", json=body)
        if not data.get("output", {}).get("cancelledShipment"):
            alerts = "; ".join(a.get("message", "") for a in data.get("output", {}).get("alerts") or [])
            raise RemoteRejected(f"FedEx did not cancel {tracking_number}: {alerts or 'no reason given'}")


@hookimpl
def register_carriers() -> list[type[CarrierAdapter]]:
    return [FedExAdapter]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from plugins.carriers.fedex.emulator import FedExEmulator

    return {"fedex": FedExEmulator()}
