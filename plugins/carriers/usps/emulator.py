"""A USPS APIs v3 emulator (shared/reference/carriers.md §2.4, §3.3, §7) on CarrierEmulator.

Wire behaviour reproduced: `POST /oauth2/v3/token` (form body; `expires_in` and `issued_at`
as strings), `POST /payments/v3/payment-authorization` issuing the token labels are bought
with (`X-Payment-Authorization-Token`), base-rate searches per mail class (domestic and
international, USD only, the required fields checked), domestic and international labels
answered as multipart/form-data (`labelMetadata` JSON and a base64 `labelImage`; international
labels carry a CN22 or CN23 page), `X-Idempotency-Key` honoured, cancellation by DELETE,
tracking with Pub 199 style event codes, and USPS's error shape for 400, 401, 404, 429 and 5xx.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.ports import CM_PER_INCH, GRAMS_PER_POUND, Parcel
from core.testing.carrier_emulator import CarrierEmulator, SoldLabel, label_lines, pdf_document, zpl_label
from core.testing.emulator import json_default, json_response
from plugins.carriers.usps.mapping import SERVICES

PACKAGE = (
    "weight",
    "length",
    "width",
    "height",
    "mailClass",
    "processingCategory",
    "rateIndicator",
    "destinationEntryFacilityType",
)
DOMESTIC_PRICE = ("originZIPCode", "destinationZIPCode", *PACKAGE, "priceType")
INTERNATIONAL_PRICE = ("originZIPCode", "destinationCountryCode", *PACKAGE, "priceType")
LABEL = (
    "imageInfo.imageType",
    "fromAddress.streetAddress",
    "fromAddress.city",
    "fromAddress.ZIPCode",
    "packageDescription.mailClass",
    "packageDescription.weight",
    "packageDescription.mailingDate",
)
DOMESTIC_LABEL = (*LABEL, "toAddress.streetAddress", "toAddress.city", "toAddress.ZIPCode")
INTERNATIONAL_LABEL = (
    *LABEL,
    "toAddress.streetAddress",
    "toAddress.city",
    "toAddress.country",
    "toAddress.countryISOAlpha2Code",
    "customsForm.customsContentType",
    "customsForm.contents",
)
CN22_LIMIT_USD = Decimal(420)  # about 300 SDR (§3.3)


class USPSEmulator(CarrierEmulator):
    name = "usps"
    LIMITS = {"api": (10.0, 20.0)}
    TOKEN_TTL = 14399
    IDEMPOTENCY_HEADER = "X-Idempotency-Key"
    SERVICES = SERVICES
    PRICES = {
        "USPS_GROUND_ADVANTAGE": ("5.40", "0.80", None),
        "PRIORITY_MAIL": ("9.35", "1.30", None),
        "PRIORITY_MAIL_EXPRESS": ("31.40", "3.10", None),
        "FIRST-CLASS_PACKAGE_INTERNATIONAL_SERVICE": ("17.60", "9.50", None),
        "PRIORITY_MAIL_INTERNATIONAL": ("52.75", "6.20", None),
        "PRIORITY_MAIL_EXPRESS_INTERNATIONAL": ("71.90", "7.40", None),
    }
    INTERNATIONAL_FACTOR = Decimal(1)
    EVENT_CODES = {
        "created": ("GX", "Shipping Label Created, USPS Awaiting Item"),
        "picked_up": ("03", "USPS picked up item"),
        "in_transit": ("10", "Processed through USPS Facility"),
        "customs_cleared": ("PC", "Processed Through Customs"),
        "arrived": ("07", "Arrived at Post Office"),
        "out_for_delivery": ("OF", "Out for Delivery"),
        "delivered": ("01", "Delivered, In/At Mailbox"),
        "exception": ("CH", "Held in Customs"),
        "delivery_failed": ("02", "Notice Left (No Authorized Recipient Available)"),
        "returned": ("09", "Returned to Sender"),
        "voided": ("CN", "Label Canceled"),
    }
    CATEGORIES = {
        "created": "Pre-Shipment",
        "picked_up": "Accepted",
        "delivered": "Delivered",
        "exception": "Alert",
        "delivery_failed": "Delivery Attempt",
        "returned": "Return to Sender",
        "out_for_delivery": "Out for Delivery",
    }
    client_id = "usps-demo-consumer-key-8d21"
    client_secret = "usps-demo-consumer-secret-c47e"
    crid = "56982563"
    mid = "904128936"
    account = "1000405525"

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": base_url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "crid": self.crid,
            "mid": self.mid,
            "account_number": self.account,
        }

    def reset_state(self) -> None:
        self.payment_tokens: set[str] = set()

    # -- wire helpers -----------------------------------------------------------------------

    @staticmethod
    def error(request: Request, status: int, message: str, code: str = "", parameter: str = "") -> Response:
        detail: dict[str, Any] = {
            "status": str(status),
            "code": code or str(status),
            "title": message,
            "detail": message,
        }
        if parameter:
            detail["source"] = {"parameter": parameter, "example": ""}
        api = "/" + "/".join(request.path.strip("/").split("/")[:2])
        return json_response(
            {"apiVersion": api, "error": {"code": str(status), "message": message, "errors": [detail]}}, status
        )

    def authorize(self, request: Request) -> Response | None:
        if self.bearer_valid(request):
            return None
        return self.error(request, 401, "Unauthorized: the access token is invalid or expired", "UNAUTHORIZED")

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        response = self.error(
            request, 429, "Too Many Requests: the quota of the application was exceeded", "TOO_MANY_REQUESTS"
        )
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
        return response

    def server_error(self, request: Request, status: int) -> Response:
        return self.error(request, status, "Service Unavailable", "SERVICE_UNAVAILABLE")

    def unknown_route(self, request: Request, exc: HTTPException) -> Response:
        return self.error(request, exc.code or 404, "Resource not found", "NOT_FOUND")

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/oauth2/v3/token", endpoint="token", methods=["POST"]),
            Rule("/payments/v3/payment-authorization", endpoint="payment", methods=["POST"]),
            Rule("/prices/v3/base-rates/search", endpoint="domestic_price", methods=["POST"]),
            Rule("/international-prices/v3/base-rates/search", endpoint="international_price", methods=["POST"]),
            Rule("/labels/v3/label", endpoint="domestic_label", methods=["POST"]),
            Rule("/international-labels/v3/international-label", endpoint="international_label", methods=["POST"]),
            Rule("/labels/v3/label/<number>", endpoint="cancel", methods=["DELETE"]),
            Rule("/international-labels/v3/international-label/<number>", endpoint="cancel", methods=["DELETE"]),
            Rule("/tracking/v3/tracking/<number>", endpoint="tracking", methods=["GET"]),
        ]

    @staticmethod
    def body(request: Request) -> dict[str, Any]:
        try:
            data = json.loads(request.data or b"{}", parse_float=Decimal)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def check(self, request: Request, body: dict[str, Any], required: tuple[str, ...]) -> Response | None:
        missing = self.missing(body, required)
        if missing:
            name = missing[0].split(".")[-1]
            return self.error(request, 400, f"OASValidation: {name} is required", "REQUIRED", name)
        return None

    @staticmethod
    def parcel(package: dict[str, Any]) -> Parcel:
        return Parcel(
            int(Decimal(str(package["weight"])) * GRAMS_PER_POUND),
            *(Decimal(str(package.get(k) or 0)) * CM_PER_INCH for k in ("length", "width", "height")),
        )

    def refuse_limits(self, request: Request, parcel: Parcel, mail_class: str, destination: str) -> Response | None:
        if not self.fitting([parcel], "US", destination, mail_class):
            problems = self.limit_problems([parcel], mail_class) or [
                f"{mail_class} does not serve {destination or 'that lane'}"
            ]
            return self.error(request, 400, "; ".join(problems), "INVALID_PACKAGE", "weight")
        return None

    def find(self, number: str) -> SoldLabel | None:
        return self.labels.get(number)

    # -- API --------------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        form = request.form
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
            return self.error(request, 401, "invalid_client: the client credentials are not valid", "invalid_client")
        if form.get("grant_type") != "client_credentials":
            return self.error(request, 400, "unsupported_grant_type", "unsupported_grant_type", "grant_type")
        token, ttl = self.issue_token()
        return json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "issued_at": str(int(self.clock.now().timestamp() * 1000)),
                "expires_in": str(ttl),
                "status": "approved",
                "scope": form.get("scope", ""),
                "client_id": self.client_id,
            }
        )

    def payment(self, request: Request) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        roles = self.body(request).get("roles") or []
        names = {r.get("roleName") for r in roles}
        if not {"PAYER", "LABEL_OWNER"} <= names:
            return self.error(request, 400, "roles must name a PAYER and a LABEL_OWNER", "INVALID_ROLES", "roles")
        for role in roles:
            if (role.get("CRID"), role.get("MID"), role.get("accountNumber")) != (self.crid, self.mid, self.account):
                return self.error(
                    request,
                    400,
                    "The CRID, MID or account number is not valid for this application",
                    "INVALID_ACCOUNT",
                    "roles",
                )
        token = secrets.token_urlsafe(24)
        self.payment_tokens.add(token)
        return json_response({"paymentAuthorizationToken": token, "roles": roles})

    def _price(self, request: Request, required: tuple[str, ...], destination_key: str) -> Response:
        body = self.body(request)
        refused = self.gate(request, "api") or self.check(request, body, required)
        if refused:
            return refused
        destination = "US" if destination_key == "destinationZIPCode" else str(body["destinationCountryCode"])
        parcel = self.parcel(body)
        mail_class = body["mailClass"]
        refused = self.refuse_limits(request, parcel, mail_class, destination)
        if refused:
            return refused
        amount = self.price(mail_class, [parcel], "US", destination)
        start = self.clock.now().date()
        return json_response(
            {
                "totalBasePrice": amount,
                "rates": [
                    {
                        "SKU": f"DPXX0XXXXX{self.calls:05d}",
                        "description": mail_class.replace("_", " ").title(),
                        "priceType": body["priceType"],
                        "price": amount,
                        "weight": body["weight"],
                        "dimWeight": body["weight"],
                        "fees": [],
                        "startDate": start.isoformat(),
                        "endDate": (start + timedelta(days=365)).isoformat(),
                        "mailClass": mail_class,
                        "zone": "05",
                    }
                ],
            }
        )

    def domestic_price(self, request: Request) -> Response:
        return self._price(request, DOMESTIC_PRICE, "destinationZIPCode")

    def international_price(self, request: Request) -> Response:
        return self._price(request, INTERNATIONAL_PRICE, "destinationCountryCode")

    def _label(self, request: Request, international: bool) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        if request.headers.get("X-Payment-Authorization-Token") not in self.payment_tokens:
            return self.error(
                request, 401, "The payment authorization token is missing or invalid", "INVALID_PAYMENT_TOKEN"
            )
        body = self.body(request)
        refused = self.check(request, body, INTERNATIONAL_LABEL if international else DOMESTIC_LABEL)
        if refused:
            return refused
        package = body["packageDescription"]
        destination = body["toAddress"]["countryISOAlpha2Code"] if international else "US"
        parcel = self.parcel(package)
        mail_class = package["mailClass"]
        refused = self.refuse_limits(request, parcel, mail_class, destination)
        if refused:
            return refused
        image = body["imageInfo"]["imageType"]
        if image not in ("PDF", "TIFF", "ZPL203DPI", "ZPL300DPI"):
            return self.error(request, 400, f"imageType {image} is not valid", "INVALID_VALUE", "imageType")
        form = body.get("customsForm") or {}
        serial = self.next_serial()
        number = f"LZ{serial:09d}US" if international else f"92055901{serial:014d}"
        reference = next((r.get("referenceNumber", "") for r in package.get("customerReference") or []), "")
        importer, exporter = form.get("importersReference") or {}, form.get("exportersReference") or {}
        label = self.sell(
            tracking_number=number,
            reference=reference,
            service=mail_class,
            origin="US",
            destination=destination,
            parcels=[parcel],
            label_format=image,
            customs={
                "items": len(form.get("contents") or []),
                "incoterm": "DAP",  # postal items: duties unpaid
                "ioss": importer.get("reference", "") if importer.get("referenceType") == "TAX_CODE" else "",
                "eori": exporter.get("reference", ""),
            }
            if form
            else {},
        )
        ship_to = " ".join(x for x in (body["toAddress"].get("firstName"), body["toAddress"].get("lastName")) if x)
        pages = [label_lines("USPS", label, ship_to)]
        if form:
            value = sum((Decimal(str(c.get("itemTotalValue", 0))) for c in form["contents"]), Decimal(0))
            kind = "CN22" if mail_class.startswith("FIRST-CLASS") and value <= CN22_LIMIT_USD else "CN23"
            pages.append(
                [f"{kind} CUSTOMS DECLARATION", f"Item {number}", f"Contents: {form['customsContentType']}"]
                + [
                    f"{c['itemQuantity']} x {c['itemDescription']} HS {c.get('HSTariffNumber', '')} "
                    f"USD {c.get('itemTotalValue')}"
                    for c in form["contents"]
                ]
            )
        if image.startswith("ZPL"):
            data = b"".join(zpl_label(page, number) for page in pages)
        else:
            data = pdf_document(pages)
        metadata = {
            "internationalTrackingNumber" if international else "trackingNumber": number,
            "postage": label.amount,
            "fees": [],
            "SKU": f"DPXX0XXXXX{serial:05d}",
            "weight": package["weight"],
            "dimensionalWeight": package["weight"],
            "zone": "05",
        }
        boundary = uuid.uuid4().hex
        parts = [
            ("labelMetadata", "application/json", json.dumps(metadata, default=json_default).encode()),
            ("labelImage", "application/pdf" if image == "PDF" else "text/plain", base64.b64encode(data)),
        ]
        out = b""
        for name, ctype, payload in parts:
            out += (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\nContent-Type: {ctype}\r\n\r\n'
                ).encode()
                + payload
                + b"\r\n"
            )
        out += f"--{boundary}--\r\n".encode()
        return Response(out, status=200, content_type=f"multipart/form-data; boundary={boundary}")

    def domestic_label(self, request: Request) -> Response:
        return self._label(request, international=False)

    def international_label(self, request: Request) -> Response:
        return self._label(request, international=True)

    def cancel(self, request: Request, number: str) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        why = self.void(number)
        if why == "unknown":
            return self.error(request, 404, f"Label {number} was not found", "NOT_FOUND", "trackingNumber")
        if why:
            return self.error(
                request,
                400,
                "The label has been scanned by USPS and can no longer be canceled",
                "LABEL_IN_USE",
                "trackingNumber",
            )
        return json_response({"trackingNumber": number, "status": "CANCELED"})

    def tracking(self, request: Request, number: str) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        label = self.find(number)
        if label is None:
            return self.error(
                request,
                404,
                f"A status update is not yet available on your package {number}",
                "NOT_FOUND",
                "trackingNumber",
            )
        events = []
        for when, stage in reversed(self.history(label)):  # newest first, as USPS lists them
            code, text = self.code(stage)
            events.append(
                {
                    "eventType": text,
                    "eventTimestamp": when.strftime("%Y-%m-%dT%H:%M:%S"),
                    "GMTTimestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "eventCode": code,
                    "eventCity": "LOS ANGELES" if stage != "delivered" else "",
                    "eventState": "CA",
                    "eventZIP": "90052",
                    "eventCountry": label.destination if stage == "delivered" else "US",
                    "statusCategory": self.CATEGORIES.get(stage, "In Transit"),
                }
            )
        latest = events[0]
        return json_response(
            {
                "trackingNumber": number,
                "status": latest["eventType"],
                "statusCategory": latest["statusCategory"],
                "statusSummary": f"{latest['eventType']} at {self.clock.now():%H:%M}",
                "expectedDeliveryDate": self.expected_delivery(label).date().isoformat(),
                "mailClass": label.service,
                "trackingEvents": events,
            }
        )
