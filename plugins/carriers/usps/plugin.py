"""USPS (APIs v3): prices per mail class, domestic labels and international labels with the
customs form (USPS makes the CN22 or CN23 and prints it with the label), a payment
authorization for labels, tracking, and label cancellation (shared/reference/carriers.md §2.4).

Exactly once: USPS labels take `X-Idempotency-Key`; the shipment's reference goes in it on
every attempt, so a label whose answer was lost is answered again, not bought again.
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
    Operation,
    RateQuote,
    RemoteRejected,
    SettingField,
    ShipmentRequest,
    TrackingResult,
)
from core.ports import CarrierCapability as Cap
from plugins.carriers.usps import mapping
from plugins.carriers.usps.client import PRODUCTION, USPSClient, multipart


class USPSAdapter(CarrierAdapter):
    name = "usps"
    display_name = "USPS"
    client_class = USPSClient
    capabilities = frozenset({Cap.RATES, Cap.LABELS, Cap.TRACKING, Cap.VOID, Cap.INTERNATIONAL})
    services = mapping.SERVICES
    label_formats = frozenset({"PDF", "ZPL"})
    track_batch_size = 1  # GET /tracking/v3/tracking/{trackingNumber}
    tracking_url_template = "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"
    operations = {**CarrierAdapter.operations, "create_label": Operation(idempotent=False, idempotency_key=True)}
    settings = (
        SettingField("base_url", "API URL", type="url", default=PRODUCTION, help="https://apis-tem.usps.com to test"),
        SettingField("client_id", "Consumer key", secret=True),
        SettingField("client_secret", "Consumer secret", secret=True),
        SettingField("crid", "Customer registration id (CRID)", secret=True),
        SettingField("mid", "Mailer id (MID)", secret=True),
        SettingField("account_number", "EPS account number", secret=True),
        PACING_SETTING,
    )

    def roles(self) -> list[dict[str, str]]:
        c = self.ctx.credentials
        account = {
            "CRID": c["crid"].reveal(),
            "MID": c["mid"].reveal(),
            "manifestMID": c["mid"].reveal(),
            "accountType": "EPS",
            "accountNumber": c["account_number"].reveal(),
        }
        return [{"roleName": "PAYER", **account}, {"roleName": "LABEL_OWNER", **account}]

    def check_connection(self) -> str:
        self.client.fetch_token()
        return f"USPS account ending {self.ctx.credentials['account_number'].reveal()[-4:]}"

    def _mail_classes(self, request: ShipmentRequest) -> list[Any]:
        if request.service:
            service = self.service(request.service)
            if service is None:
                raise RemoteRejected(f"USPS has no mail class {request.service!r}")
            return [service]
        lane = [s for s in self.services if s.serves(request.ship_from.country, request.ship_to.country)]
        if not lane:
            raise RemoteRejected(f"USPS mails from the US only, not from {request.ship_from.country or 'nowhere'}")
        return lane

    def quote(self, request: ShipmentRequest) -> list[RateQuote]:
        mailing = request.ship_date or self.ctx.clock.now().date()
        path = "/international-prices/v3/base-rates/search" if request.international else "/prices/v3/base-rates/search"
        quotes, refusals = [], []
        for service in self._mail_classes(request):
            fit = [msg for p in request.parcels for msg in service.limits.problems(p)]
            if fit:
                refusals.append(f"{service.name}: {'; '.join(fit)}")
                continue  # USPS prices what it cannot carry; asking would only cost a call
            body = mapping.price_body(request, service.code, mailing)
            try:
                data = self.client.call("POST", path, json=body, idempotent=True)  # a read
            except RemoteRejected as exc:
                if request.service:
                    raise
                refusals.append(str(exc))
                continue
            q = mapping.quote_from(data, service)
            if q is not None:
                quotes.append(q)
        if not quotes:
            raise RemoteRejected("USPS has no price for this package: " + " | ".join(refusals))
        return quotes

    def create_label(self, request: ShipmentRequest) -> Label:
        if not request.service or self.service(request.service) is None:
            raise RemoteRejected(f"choose a USPS mail class before buying a label, not {request.service!r}")
        if request.label_format not in self.label_formats:
            raise RemoteRejected(f"USPS labels come as PDF or ZPL, not {request.label_format}")
        mailing = request.ship_date or self.ctx.clock.now().date()
        body = mapping.label_body(request, mailing, request.reference)
        payment = self.client.payment_token(self.roles())
        path = "/international-labels/v3/international-label" if request.international else "/labels/v3/label"
        response = self.client.send(
            "POST",
            path,
            json=body,
            headers={"X-Payment-Authorization-Token": payment, "Accept": "multipart/form-data"},
            idempotency_key=request.reference,
        )
        return mapping.label_from(multipart(response), request)

    def track(self, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
        out = []
        for number in tracking_numbers:
            try:
                data = self.client.call(
                    "GET", f"/tracking/v3/tracking/{quote(number, safe='')}", params={"expand": "DETAIL"}
                )
            except RemoteRejected as exc:
                if exc.status != 404:
                    raise
                data = None
            out.append(mapping.track_result(number, data))
        return out

    def void_label(self, tracking_number: str, carrier_reference: str = "") -> None:
        # International numbers are letters, digits and a country (e.g. LZ123456789US).
        international = tracking_number[:2].isalpha()
        path = "/international-labels/v3/international-label/" if international else "/labels/v3/label/"
        data = self.client.call("DELETE", path + quote(tracking_number, safe=""))
        if str(data.get("status", "")).upper() not in ("CANCELED", "CANCELLED"):
            raise RemoteRejected(f"USPS did not cancel {tracking_number}: {data.get('status', 'no status')}")


@hookimpl
def register_carriers() -> list[type[CarrierAdapter]]:
    return [USPSAdapter]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from plugins.carriers.usps.emulator import USPSEmulator

    return {"usps": USPSEmulator()}
