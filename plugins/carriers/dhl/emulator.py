"""A DHL Express MyDHL API emulator (shared/reference/carriers.md §2.3, §7) on CarrierEmulator.

Wire behaviour reproduced: HTTP Basic with the API key and secret, the account number in the
body or the query, `GET /products` for a lane, `POST /rates` answering `products[]` with
`totalPrice[]` in three currency types (BASEC and PULCL in euros next to BILLC, the account's
billing currency) and delivery capabilities, `POST /shipments` (201) with the label as PDF or
ZPL and the commercial invoice as PDF in `documents[]`, dutiable shipments refused without an
export declaration, `GET /tracking` for several numbers (404 when none is known), and DHL's
problem-details errors with `additionalDetails` for validation, 401, 404, 429 and 5xx.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.ports import Parcel
from core.testing.carrier_emulator import CarrierEmulator, label_lines, money_text, pdf_document, zpl_label
from core.testing.emulator import json_response
from plugins.carriers.dhl.mapping import SERVICES

RATE_REQUIRED = (
    "customerDetails.shipperDetails.postalCode",
    "customerDetails.shipperDetails.cityName",
    "customerDetails.shipperDetails.countryCode",
    "customerDetails.receiverDetails.postalCode",
    "customerDetails.receiverDetails.cityName",
    "customerDetails.receiverDetails.countryCode",
    "plannedShippingDateAndTime",
    "unitOfMeasurement",
    "packages[0].weight",
)
SHIP_REQUIRED = (
    "plannedShippingDateAndTime",
    "productCode",
    "accounts[0].number",
    "customerDetails.shipperDetails.postalAddress.cityName",
    "customerDetails.shipperDetails.postalAddress.countryCode",
    "customerDetails.shipperDetails.postalAddress.addressLine1",
    "customerDetails.shipperDetails.contactInformation.phone",
    "customerDetails.shipperDetails.contactInformation.companyName",
    "customerDetails.shipperDetails.contactInformation.fullName",
    "customerDetails.receiverDetails.postalAddress.cityName",
    "customerDetails.receiverDetails.postalAddress.countryCode",
    "customerDetails.receiverDetails.postalAddress.addressLine1",
    "customerDetails.receiverDetails.contactInformation.phone",
    "customerDetails.receiverDetails.contactInformation.fullName",
    "content.packages[0].weight",
    "content.description",
    "content.incoterm",
    "content.unitOfMeasurement",
)
EUR_PER_USD = Decimal("0.92")  # the emulator's fixed rate for the PULCL and BASEC entries


def pointer(path: str) -> str:
    """A dotted path as DHL's validator names it: "#/customerDetails/receiverDetails"."""
    parent, _, key = path.replace("[0]", "").rpartition(".")
    return f"#/{parent.replace('.', '/')}: required key [{key}] not found"


class DHLExpressEmulator(CarrierEmulator):
    name = "dhl"
    LIMITS = {"api": (10.0, 20.0)}
    SERVICES = SERVICES
    PRICES = {
        "P": ("44.80", "7.60", 3),
        "Y": ("52.10", "8.30", 3),
        "E": ("68.40", "9.90", 2),
        "H": ("29.90", "4.70", 6),
    }
    INTERNATIONAL_FACTOR = Decimal(1)
    EVENT_CODES = {
        "created": ("SA", "Shipment information received"),
        "picked_up": ("PU", "Shipment picked up"),
        "in_transit": ("PL", "Processed at LEIPZIG - GERMANY"),
        "customs_cleared": ("CR", "Customs clearance status updated"),
        "arrived": ("AR", "Arrived at DHL Delivery Facility"),
        "out_for_delivery": ("WC", "With delivery courier"),
        "delivered": ("OK", "Delivered"),
        "exception": ("CD", "Clearance delay"),
        "delivery_failed": ("NH", "Recipient not home - delivery attempted"),
        "returned": ("RT", "Returned to shipper"),
    }
    api_key = "dhl-demo-apikey-4e7a"
    api_secret = "dhl-demo-secret-90d3"
    account = "950455221"

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": base_url,
            "api_key": self.api_key,
            "api_secret": self.api_secret,
            "account_number": self.account,
        }

    # -- wire helpers -----------------------------------------------------------------------

    @staticmethod
    def problem(request: Request, status: int, title: str, detail: str, details: list[str] | None = None) -> Response:
        body: dict[str, Any] = {
            "instance": f"/expressapi{request.path}",
            "detail": detail,
            "title": title,
            "message": title,
            "status": str(status),
        }
        if details:
            body["additionalDetails"] = details
        return json_response(body, status)

    def authorize(self, request: Request) -> Response | None:
        expected = base64.b64encode(f"{self.api_key}:{self.api_secret}".encode()).decode()
        if request.headers.get("Authorization") == f"Basic {expected}":
            return None
        return self.problem(request, 401, "Unauthorized", "Invalid Credentials")

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        response = self.problem(request, 429, "Too many requests", "The rate limit of the account was exceeded.")
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
        return response

    def server_error(self, request: Request, status: int) -> Response:
        return self.problem(request, status, "Service unavailable", "The service is temporarily unavailable.")

    def unknown_route(self, request: Request, exc: HTTPException) -> Response:
        return self.problem(request, exc.code or 404, "Not found", "The requested resource does not exist.")

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/products", endpoint="products", methods=["GET"]),
            Rule("/rates", endpoint="rates", methods=["POST"]),
            Rule("/shipments", endpoint="shipments", methods=["POST"]),
            Rule("/tracking", endpoint="tracking", methods=["GET"]),
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
            return self.problem(
                request,
                400,
                "Bad request",
                "Multiple problems found, see Additional Details",
                [pointer(m) for m in missing],
            )
        if body.get("unitOfMeasurement", body.get("content", {}).get("unitOfMeasurement")) != "metric":
            return self.problem(request, 400, "Bad request", "Only metric units are emulated")
        accounts = [a.get("number") for a in body.get("accounts") or []]
        if accounts and accounts[0] != self.account:
            return self.problem(
                request, 400, "Bad request", "The account number is not found or invalid for the given request."
            )
        return None

    @staticmethod
    def parcels(packages: list[dict[str, Any]]) -> list[Parcel]:
        return [
            Parcel(
                int(Decimal(str(p["weight"])) * 1000),
                *(Decimal(str((p.get("dimensions") or {}).get(k, 0))) for k in ("length", "width", "height")),
            )
            for p in packages
        ]

    def prices(self, amount: Decimal) -> list[dict[str, Any]]:
        local = money_text(amount * EUR_PER_USD)
        return [
            {"currencyType": "BASEC", "priceCurrency": "EUR", "price": Decimal(local)},
            {"currencyType": "BILLC", "priceCurrency": self.CURRENCY, "price": Decimal(money_text(amount))},
            {"currencyType": "PULCL", "priceCurrency": "EUR", "price": Decimal(local)},
        ]

    # -- API --------------------------------------------------------------------------------

    def products(self, request: Request) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        if request.args.get("accountNumber") != self.account:
            return self.problem(
                request, 400, "Bad request", "The account number is not found or invalid for the given request."
            )
        origin, destination = request.args.get("originCountryCode", ""), request.args.get("destinationCountryCode", "")
        offered = [s for s in self.SERVICES if s.serves(origin, destination)]
        return json_response({"products": [{"productCode": s.code, "productName": s.name} for s in offered]})

    def rates(self, request: Request) -> Response:
        body = self.body(request)
        refused = self.gate(request, "api") or self.check(request, body, RATE_REQUIRED)
        if refused:
            return refused
        customer = body["customerDetails"]
        origin, destination = customer["shipperDetails"]["countryCode"], customer["receiverDetails"]["countryCode"]
        parcels = self.parcels(body["packages"])
        code = body.get("productCode", "")
        fits = self.fitting(parcels, origin, destination, code)
        if not fits:
            problems = self.limit_problems(parcels, code) if code else []
            return self.problem(
                request,
                400,
                "Bad request",
                "; ".join(problems) or "No products are available for the requested shipment.",
            )
        products = []
        now = self.clock.now()
        for s in fits:
            days = self.transit_days(s.code, origin, destination) or 3
            products.append(
                {
                    "productName": s.name,
                    "productCode": s.code,
                    "localProductCode": s.code,
                    "networkTypeCode": "TD",
                    "weight": {
                        "volumetric": Decimal(s.limits.dimensional_weight_g(parcels[0])) / 1000,
                        "provided": body["packages"][0]["weight"],
                        "unitOfMeasurement": "metric",
                    },
                    "totalPrice": self.prices(self.price(s.code, parcels, origin, destination)),
                    "deliveryCapabilities": {
                        "deliveryTypeCode": "QDDC",
                        "totalTransitDays": days,
                        "estimatedDeliveryDateAndTime": (now + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S"),
                    },
                }
            )
        return json_response(
            {
                "products": products,
                "exchangeRates": [{"currentExchangeRate": EUR_PER_USD, "currency": "EUR", "baseCurrency": "USD"}],
            }
        )

    def shipments(self, request: Request) -> Response:
        body = self.body(request)
        refused = self.gate(request, "api") or self.check(request, body, SHIP_REQUIRED)
        if refused:
            return refused
        customer = body["customerDetails"]
        shipper, receiver = customer["shipperDetails"], customer["receiverDetails"]
        origin, destination = shipper["postalAddress"]["countryCode"], receiver["postalAddress"]["countryCode"]
        content = body["content"]
        declaration = content.get("exportDeclaration") or {}
        if content.get("isCustomsDeclarable") and not declaration.get("lineItems"):
            return self.problem(
                request,
                400,
                "Bad request",
                "Multiple problems found, see Additional Details",
                ["#/content: required key [exportDeclaration] not found"],
            )
        if origin != destination and not content.get("isCustomsDeclarable"):
            return self.problem(request, 400, "Bad request", "isCustomsDeclarable must be true for a dutiable shipment")
        parcels = self.parcels(content["packages"])
        code = body["productCode"]
        if not self.fitting(parcels, origin, destination, code):
            problems = self.limit_problems(parcels, code) or [
                f"Product {code} is not available from {origin} to {destination}"
            ]
            return self.problem(request, 400, "Bad request", "; ".join(problems))
        fmt = (body.get("outputImageProperties") or {}).get("encodingFormat", "pdf")
        if fmt not in ("pdf", "zpl", "lp2", "epl"):
            return self.problem(request, 400, "Bad request", f"encodingFormat {fmt} is not valid")
        registrations = {r.get("typeCode"): r.get("number", "") for r in shipper.get("registrationNumbers") or []}
        serial = self.next_serial()
        number = f"{1234500000 + serial:010d}"
        pieces = [f"JD01460000{serial:06d}{n:02d}" for n in range(len(parcels))]
        reference = next((r.get("value", "") for r in body.get("customerReferences") or []), "")
        label = self.sell(
            tracking_number=number,
            reference=reference,
            service=code,
            origin=origin,
            destination=destination,
            parcels=parcels,
            label_format=fmt,
            piece_numbers=pieces,
            customs={
                "items": len(declaration.get("lineItems") or []),
                "incoterm": content.get("incoterm", ""),
                "ioss": registrations.get("SDT", ""),
                "eori": registrations.get("EOR", ""),
            }
            if declaration
            else {},
        )
        ship_to = receiver["contactInformation"].get("fullName", "")
        pages = [label_lines("DHL Express", label, ship_to) + [f"Piece: {p}"] for p in pieces]
        data = b"".join(zpl_label(page, p) for page, p in zip(pages, pieces)) if fmt == "zpl" else pdf_document(pages)
        documents = [{"typeCode": "label", "imageFormat": fmt.upper(), "content": base64.b64encode(data).decode()}]
        wants_invoice = any(
            o.get("typeCode") == "invoice" and o.get("isRequested")
            for o in (body.get("outputImageProperties") or {}).get("imageOptions") or []
        )
        if declaration and wants_invoice:
            currency = content.get("declaredValueCurrency", "")
            invoice = [
                ["COMMERCIAL INVOICE", f"Waybill {number}", f"Incoterm: {content.get('incoterm', '')}"]
                + [
                    f"{i['quantity']['value']} x {i['description'][:60]} {i['price']} {currency}"
                    for i in declaration["lineItems"]
                ]
            ]
            documents.append(
                {
                    "typeCode": "invoice",
                    "imageFormat": "PDF",
                    "content": base64.b64encode(pdf_document(invoice, "A4")).decode(),
                }
            )
        return json_response(
            {
                "url": f"/expressapi/shipments/{number}",
                "shipmentTrackingNumber": number,
                "packages": [{"referenceNumber": n, "trackingNumber": p} for n, p in enumerate(pieces, 1)],
                "documents": documents,
                "shipmentCharges": self.prices(label.amount) if body.get("getRateEstimates") else [],
                "estimatedDeliveryDate": {
                    "estimatedDeliveryDate": self.expected_delivery(label).date().isoformat(),
                    "estimatedDeliveryType": "QDDC",
                },
            },
            201,
        )

    def tracking(self, request: Request) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        numbers = request.args.getlist("shipmentTrackingNumber")
        if not numbers:
            return self.problem(request, 400, "Bad request", "shipmentTrackingNumber is required")
        shipments = []
        for number in numbers:
            label = self.labels.get(number)
            if label is None:
                continue
            events = [
                {
                    "date": when.strftime("%Y-%m-%d"),
                    "time": when.strftime("%H:%M:%S"),
                    "GMTOffset": "+00:00",
                    "typeCode": self.code(stage)[0],
                    "description": self.code(stage)[1],
                    "serviceArea": [{"code": "LEJ", "description": "Leipzig-DE"}],
                }
                for when, stage in self.history(label)
            ]
            shipments.append(
                {
                    "shipmentTrackingNumber": number,
                    "status": events[-1]["description"],
                    "estimatedDeliveryDate": self.expected_delivery(label).date().isoformat(),
                    "events": events,
                    "pieces": [{"trackingNumber": p} for p in label.piece_numbers],
                }
            )
        if not shipments:
            return self.problem(request, 404, "No data found", "The requested shipments were not found.")
        return json_response({"shipments": shipments})
