"""A FedEx REST API emulator (shared/reference/carriers.md §2.1, §7) on CarrierEmulator.

Wire behaviour reproduced: `POST /oauth/token` with a form body (3,599 s tokens; refused
credentials and expired tokens as NOT.AUTHORIZED.ERROR), rates with several rate types per
service (LIST first, then ACCOUNT) and transit times, international rates and shipments
refused without `customsClearanceDetail` (as production does, §5.2), ship with base64 PDF or
ZPLII labels per piece and a commercial invoice, cancel by PUT, tracking of up to 30 numbers per
call with a per-number error for unknown numbers and scan events newest first, FedEx's error
shape for validation, 401, 404, 429 and 5xx, and gzip-compressed answers for clients that
accept them.
"""

from __future__ import annotations

import base64
import gzip
import json
from decimal import Decimal
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.ports import GRAMS_PER_POUND, Parcel
from core.testing.carrier_emulator import CarrierEmulator, label_lines, money_text, pdf_document, zpl_label
from core.testing.emulator import json_default
from plugins.carriers.fedex.mapping import SERVICES

RATE_REQUIRED = (
    "accountNumber.value",
    "requestedShipment.shipper.address.countryCode",
    "requestedShipment.shipper.address.postalCode",
    "requestedShipment.recipient.address.countryCode",
    "requestedShipment.recipient.address.postalCode",
    "requestedShipment.pickupType",
    "requestedShipment.requestedPackageLineItems[0].weight",
)
SHIP_REQUIRED = (
    "accountNumber.value",
    "labelResponseOptions",
    "requestedShipment.shipper.address.streetLines",
    "requestedShipment.shipper.address.city",
    "requestedShipment.shipper.address.countryCode",
    "requestedShipment.shipper.contact.phoneNumber",
    "requestedShipment.recipients[0].address.streetLines",
    "requestedShipment.recipients[0].address.city",
    "requestedShipment.recipients[0].address.countryCode",
    "requestedShipment.recipients[0].contact.phoneNumber",
    "requestedShipment.pickupType",
    "requestedShipment.serviceType",
    "requestedShipment.packagingType",
    "requestedShipment.shippingChargesPayment.paymentType",
    "requestedShipment.labelSpecification.imageType",
    "requestedShipment.labelSpecification.labelStockType",
    "requestedShipment.requestedPackageLineItems[0].weight",
)
TRANSIT_WORDS = ("ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN")


class FedExEmulator(CarrierEmulator):
    name = "fedex"
    LIMITS = {"api": (20.0, 40.0)}
    TOKEN_TTL = 3599  # §2.1
    SERVICES = SERVICES
    PRICES = {
        "FEDEX_GROUND": ("9.85", "0.95", 4),
        "GROUND_HOME_DELIVERY": ("10.40", "1.05", 4),
        "FEDEX_2_DAY": ("24.60", "2.30", 2),
        "PRIORITY_OVERNIGHT": ("48.90", "4.10", 1),
        "FEDEX_INTERNATIONAL_PRIORITY": ("38.20", "6.80", 3),
        "INTERNATIONAL_ECONOMY": ("31.40", "5.10", 5),
    }
    INTERNATIONAL_FACTOR = Decimal(1)  # the international services are priced as such
    EVENT_CODES = {
        "created": ("OC", "Shipment information sent to FedEx"),
        "picked_up": ("PU", "Picked up"),
        "in_transit": ("IT", "In transit"),
        "customs_cleared": ("CC", "International shipment release - Import"),
        "arrived": ("AR", "Arrived at FedEx location"),
        "out_for_delivery": ("OD", "On FedEx vehicle for delivery"),
        "delivered": ("DL", "Delivered"),
        "exception": ("CD", "Clearance delay - Import"),
        "delivery_failed": ("DE", "Delivery exception: customer not available or business closed"),
        "returned": ("RS", "Return to shipper"),
        "voided": ("CA", "Shipment cancelled by sender"),
    }
    client_id = "l7fedex0demo0api0key"
    client_secret = "fedex-demo-secret-93c1"
    account = "740561073"

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": base_url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "account_number": self.account,
        }

    # -- wire helpers -----------------------------------------------------------------------

    def respond(
        self, request: Request, data: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        body = json.dumps(data, default=json_default, separators=(",", ":")).encode()
        headers = {**(headers or {}), "Content-Type": "application/json"}
        if "gzip" in request.headers.get("Accept-Encoding", ""):  # FedEx compresses its answers
            body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
        return Response(body, status=status, headers=headers)

    def errors(self, request: Request, status: int, code: str, message: str, field: str = "") -> Response:
        error: dict[str, Any] = {"code": code, "message": message}
        if field:
            error["parameterList"] = [{"key": field, "value": ""}]
        return self.respond(request, {"transactionId": f"tx-{self.calls}", "errors": [error]}, status)

    def authorize(self, request: Request) -> Response | None:
        if self.bearer_valid(request):
            return None
        return self.errors(
            request, 401, "NOT.AUTHORIZED.ERROR", "The given JWT is invalid. Please modify your request and try again."
        )

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        return self.respond(
            request,
            {
                "errors": [
                    {"code": "TOO.MANY.REQUESTS", "message": "We have received too many requests in a short duration."}
                ]
            },
            429,
            {"Retry-After": f"{retry_after:.0f}" if retry_after >= 1 else "1"},
        )

    def server_error(self, request: Request, status: int) -> Response:
        return self.errors(request, status, "SERVICE.UNAVAILABLE.ERROR", "The service is currently unavailable.")

    def unknown_route(self, request: Request, exc: HTTPException) -> Response:
        return self.errors(
            request, exc.code or 404, "NOT.FOUND.ERROR", "The resource you requested is no longer available."
        )

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/oauth/token", endpoint="token", methods=["POST"]),
            Rule("/rate/v1/rates/quotes", endpoint="rates", methods=["POST"]),
            Rule("/ship/v1/shipments", endpoint="ship", methods=["POST"]),
            Rule("/ship/v1/shipments/cancel", endpoint="cancel", methods=["PUT"]),
            Rule("/track/v1/trackingnumbers", endpoint="track", methods=["POST"]),
        ]

    @staticmethod
    def parcels(shipment: dict[str, Any]) -> list[Parcel]:
        out = []
        for item in shipment.get("requestedPackageLineItems") or []:
            weight = item.get("weight") or {}
            grams = Decimal(str(weight.get("value", 0))) * (1000 if weight.get("units") == "KG" else GRAMS_PER_POUND)
            dims = item.get("dimensions") or {}
            scale = Decimal("2.54") if dims.get("units") == "IN" else Decimal(1)
            out.append(
                Parcel(int(grams), *(Decimal(str(dims.get(k, 0))) * scale for k in ("length", "width", "height")))
            )
        return out

    def body(self, request: Request) -> dict[str, Any]:
        try:
            data = json.loads(request.data or b"{}", parse_float=Decimal)
        except ValueError:
            data = None
        return data if isinstance(data, dict) else {}

    def validate(self, request: Request, body: dict[str, Any], required: tuple[str, ...]) -> Response | None:
        missing = self.missing(body, required)
        if missing:
            return self.errors(
                request,
                400,
                "INVALID.INPUT.EXCEPTION",
                f"Invalid field value in the input: {missing[0]} is required.",
                missing[0],
            )
        if body["accountNumber"]["value"] != self.account:
            return self.errors(
                request,
                403,
                "ACCOUNT.NUMBER.MISMATCH",
                "The account number in the request does not match the credentials.",
                "accountNumber.value",
            )
        return None

    @staticmethod
    def lane(shipment: dict[str, Any]) -> tuple[str, str]:
        recipient = shipment.get("recipient") or (shipment.get("recipients") or [{}])[0]
        return shipment["shipper"]["address"]["countryCode"], recipient["address"]["countryCode"]

    # -- API --------------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return self.errors(request, 400, "BAD.REQUEST.ERROR", "grant_type must be client_credentials", "grant_type")
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
            return self.errors(
                request,
                401,
                "NOT.AUTHORIZED.ERROR",
                "The given client credentials were not valid. Please modify your request and try again.",
            )
        token, ttl = self.issue_token()
        return self.respond(request, {"access_token": token, "token_type": "bearer", "expires_in": ttl, "scope": "CXS"})

    def rates(self, request: Request) -> Response:
        body = self.body(request)
        refused = self.gate(request, "api") or self.validate(request, body, RATE_REQUIRED)
        if refused:
            return refused
        shipment = body["requestedShipment"]
        origin, destination = self.lane(shipment)
        if origin != destination and not shipment.get("customsClearanceDetail"):
            return self.errors(
                request,
                400,
                "RATE.CUSTOMCLEARANCEDETAIL.INVALID",
                "Customs clearance detail is required for international shipments.",
                "requestedShipment.customsClearanceDetail",
            )
        parcels = self.parcels(shipment)
        code = shipment.get("serviceType", "")
        fits = self.fitting(parcels, origin, destination, code)
        if not fits:
            problems = self.limit_problems(parcels, code) if code else ["no service takes these packages on this lane"]
            return self.errors(
                request,
                400,
                "RATE.PACKAGE.LIMITS.EXCEEDED",
                "; ".join(problems) or "service not available on this lane",
                "requestedShipment.requestedPackageLineItems",
            )
        replies = []
        for s in fits:
            amount = self.price(s.code, parcels, origin, destination)
            days = self.transit_days(s.code, origin, destination)
            detail = {
                "totalBaseCharge": amount,
                "currency": self.CURRENCY,
                "shipmentRateDetail": {"surCharges": [], "taxes": []},
            }
            replies.append(
                {
                    "serviceType": s.code,
                    "serviceName": s.name,
                    "packagingType": "YOUR_PACKAGING",
                    "ratedShipmentDetails": [
                        {**detail, "rateType": "LIST", "totalNetCharge": money_text(amount * Decimal("1.18"))},
                        {**detail, "rateType": "ACCOUNT", "totalNetCharge": money_text(amount)},
                    ],
                    "operationalDetail": {"transitTime": f"{TRANSIT_WORDS[days - 1]}_DAY{'S' if days > 1 else ''}"}
                    if days
                    else {},
                }
            )
        return self.respond(
            request, {"transactionId": f"tx-{self.calls}", "output": {"rateReplyDetails": replies, "alerts": []}}
        )

    def ship(self, request: Request) -> Response:
        body = self.body(request)
        refused = self.gate(request, "api") or self.validate(request, body, SHIP_REQUIRED)
        if refused:
            return refused
        shipment = body["requestedShipment"]
        origin, destination = self.lane(shipment)
        customs = shipment.get("customsClearanceDetail") or {}
        if origin != destination and not customs.get("commodities"):
            return self.errors(
                request,
                400,
                "SHIPMENT.CUSTOMSCLEARANCEDETAIL.REQUIRED",
                "Commodities are required for an international shipment.",
                "requestedShipment.customsClearanceDetail.commodities",
            )
        parcels = self.parcels(shipment)
        code = shipment["serviceType"]
        if not self.fitting(parcels, origin, destination, code):
            problems = self.limit_problems(parcels, code) or [f"{code} is not available from {origin} to {destination}"]
            return self.errors(
                request, 400, "SHIPMENT.PACKAGE.LIMITS.EXCEEDED", "; ".join(problems), "requestedShipment.serviceType"
            )
        image = shipment["labelSpecification"]["imageType"]
        if image not in ("PDF", "ZPLII", "PNG", "EPL2"):
            return self.errors(
                request,
                400,
                "LABELSPECIFICATION.IMAGETYPE.INVALID",
                f"imageType {image} is not valid",
                "requestedShipment.labelSpecification.imageType",
            )
        tins = shipment["shipper"].get("tins") or []
        ioss = next(
            (t["number"] for t in tins if t.get("usage") == "IOSS" or str(t.get("number", "")).startswith("IM")), ""
        )
        eori = next((t["number"] for t in tins if t.get("tinType") == "BUSINESS_UNION" and t["number"] != ioss), "")
        serial = self.next_serial()
        master = f"7946{serial:08d}"
        pieces = [master] + [f"7946{serial:08d}{n}" for n in range(1, len(parcels))]
        items = shipment.get("requestedPackageLineItems") or []
        reference = next((r.get("value", "") for r in (items[0].get("customerReferences") or [])), "") if items else ""
        label = self.sell(
            tracking_number=master,
            reference=reference,
            service=code,
            origin=origin,
            destination=destination,
            parcels=parcels,
            label_format=image,
            customs={
                "items": len(customs.get("commodities") or []),
                "incoterm": (customs.get("commercialInvoice") or {}).get("termsOfSale", ""),
                "ioss": ioss,
                "eori": eori,
            }
            if customs
            else {},
            piece_numbers=pieces,
        )
        recipient = shipment["recipients"][0]
        ship_to = recipient.get("contact", {}).get("personName", "")
        responses = []
        for number in pieces:
            lines = label_lines("FedEx", label, ship_to) + [f"Piece: {number}"]
            data = zpl_label(lines, number) if image == "ZPLII" else pdf_document([lines])
            responses.append(
                {
                    "trackingNumber": number,
                    "packageDocuments": [
                        {"contentType": "LABEL", "docType": image, "encodedLabel": base64.b64encode(data).decode()}
                    ],
                }
            )
        documents = []
        if customs:
            invoice = [
                ["COMMERCIAL INVOICE", f"AWB {master}", f"Terms of sale: {label.customs['incoterm']}"]
                + [
                    f"{c.get('quantity')} x {c.get('description')} HS {c.get('harmonizedCode')} "
                    f"{(c.get('customsValue') or {}).get('amount')} {(c.get('customsValue') or {}).get('currency')}"
                    for c in customs.get("commodities") or []
                ]
            ]
            documents.append(
                {
                    "contentType": "COMMERCIAL_INVOICE",
                    "docType": "PDF",
                    "encodedLabel": base64.b64encode(pdf_document(invoice, "letter")).decode(),
                }
            )
        return self.respond(
            request,
            {
                "transactionId": f"tx-{self.calls}",
                "output": {
                    "transactionShipments": [
                        {
                            "masterTrackingNumber": master,
                            "serviceType": code,
                            "shipDatestamp": shipment.get("shipDatestamp", ""),
                            "pieceResponses": responses,
                            "shipmentDocuments": documents,
                            "completedShipmentDetail": {
                                "shipmentRating": {
                                    "shipmentRateDetails": [
                                        {
                                            "rateType": "ACCOUNT",
                                            "totalNetCharge": money_text(label.amount),
                                            "currency": label.currency,
                                        }
                                    ]
                                }
                            },
                        }
                    ],
                    "alerts": [],
                },
            },
        )

    def cancel(self, request: Request) -> Response:
        body = self.body(request)
        refused = self.gate(request, "api")
        if refused:
            return refused
        if body.get("accountNumber", {}).get("value") != self.account:
            return self.errors(
                request,
                403,
                "ACCOUNT.NUMBER.MISMATCH",
                "The account number does not match the credentials.",
                "accountNumber.value",
            )
        number = str(body.get("trackingNumber", ""))
        why = self.void(number)
        if why == "unknown":
            return self.errors(
                request, 404, "TRACKING.TRACKINGNUMBER.NOTFOUND", f"Shipment {number} was not found.", "trackingNumber"
            )
        if why:
            return self.errors(
                request,
                400,
                "SHIPMENT.CANCEL.NOTALLOWED",
                "The shipment has been tendered to FedEx and can no longer be cancelled.",
                "trackingNumber",
            )
        return self.respond(
            request,
            {
                "transactionId": f"tx-{self.calls}",
                "output": {"cancelledShipment": True, "cancelledHistory": True, "successMessage": "Success"},
            },
        )

    def track(self, request: Request) -> Response:
        body = self.body(request)
        refused = self.gate(request, "api")
        if refused:
            return refused
        infos = body.get("trackingInfo") or []
        if "includeDetailedScans" not in body or not infos:
            return self.errors(
                request, 400, "TRACKING.TRACKINGNUMBER.EMPTY", "Please provide tracking number.", "trackingInfo"
            )
        if len(infos) > 30:
            return self.errors(
                request,
                400,
                "TRACKING.TRACKINGNUMBER.LIMIT.EXCEEDED",
                "No more than 30 tracking numbers per request.",
                "trackingInfo",
            )
        complete = []
        for info in infos:
            number = str((info.get("trackingNumberInfo") or {}).get("trackingNumber", ""))
            label = self.labels.get(number)
            if label is None:
                result = {
                    "trackingNumberInfo": {"trackingNumber": number},
                    "error": {
                        "code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
                        "message": "Tracking number cannot be found. Please correct the tracking number and try again.",
                    },
                }
            else:
                scans = []
                for when, stage in reversed(self.history(label)):  # FedEx lists the newest first
                    code, text = self.code(stage)
                    scans.append(
                        {
                            "date": when.isoformat(),
                            "eventType": code,
                            "eventDescription": text,
                            "derivedStatusCode": code,
                            "exceptionCode": "",
                            "scanLocation": {
                                "city": "MEMPHIS" if stage != "delivered" else "",
                                "countryCode": label.destination,
                            },
                        }
                    )
                latest = scans[0]
                dates = [{"type": "ESTIMATED_DELIVERY", "dateTime": self.expected_delivery(label).isoformat()}]
                if latest["eventType"] == "DL":
                    dates.append({"type": "ACTUAL_DELIVERY", "dateTime": latest["date"]})
                result = {
                    "trackingNumberInfo": {"trackingNumber": number},
                    "latestStatusDetail": {
                        "code": latest["eventType"],
                        "derivedCode": latest["eventType"],
                        "statusByLocale": latest["eventDescription"],
                        "description": latest["eventDescription"],
                    },
                    "scanEvents": scans,
                    "dateAndTimes": dates,
                }
            complete.append({"trackingNumber": number, "trackResults": [result]})
        return self.respond(
            request, {"transactionId": f"tx-{self.calls}", "output": {"completeTrackResults": complete}}
        )
