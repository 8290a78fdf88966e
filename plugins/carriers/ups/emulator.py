"""A UPS REST API emulator (shared/reference/carriers.md §2.2, §7) on CarrierEmulator.

Wire behaviour reproduced: `POST /security/v1/oauth/token` with a Basic header (numbers as
strings: `expires_in` "14399", `issued_at` in milliseconds), versioned paths under `/api`
(`rating/{version}/Shop|Rate|Shoptimeintransit|Ratetimeintransit`, `shipments/{version}/ship`
and `void/cancel/{id}`, `track/v1/details/{number}`), every number as a string, units that must
match the origin (111057) and each other (110548), GIF or ZPL labels (never PDF) and the
commercial invoice as a PDF form, one package as a bare object and several as a list,
tracking "not found" as HTTP 200 with warning TW0001, and UPS's error shape
`{"response": {"errors": [{"code", "message"}]}}` for 400, 401 (250002), 404, 429 and 5xx.
"""

from __future__ import annotations

import base64
import io
import json
from decimal import Decimal
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.ports import CM_PER_INCH, GRAMS_PER_POUND, Parcel
from core.testing.carrier_emulator import CarrierEmulator, SoldLabel, label_lines, money_text, pdf_document, zpl_label
from core.testing.emulator import json_response
from plugins.carriers.ups.mapping import SERVICES

REQUIRED = (
    "Shipment.Shipper.Address.CountryCode",
    "Shipment.Shipper.Address.PostalCode",
    "Shipment.ShipTo.Address.CountryCode",
    "Shipment.ShipTo.Address.PostalCode",
    "Shipment.Package[0].PackageWeight.Weight",
)
SHIP_REQUIRED = REQUIRED + (
    "Shipment.Shipper.Name",
    "Shipment.Shipper.ShipperNumber",
    "Shipment.Shipper.Address.AddressLine",
    "Shipment.Shipper.Address.City",
    "Shipment.ShipTo.Name",
    "Shipment.ShipTo.Address.AddressLine",
    "Shipment.ShipTo.Address.City",
    "Shipment.PaymentInformation.ShipmentCharge",
    "Shipment.Service.Code",
)
TYPES = {
    "created": "M",
    "picked_up": "P",
    "in_transit": "I",
    "customs_cleared": "I",
    "arrived": "I",
    "out_for_delivery": "I",
    "delivered": "D",
    "exception": "X",
    "delivery_failed": "X",
    "returned": "X",
    "voided": "X",
}


def listed(items: list[Any]) -> Any:
    """UPS's quirk: one item as a bare object, several as a list."""
    return items[0] if len(items) == 1 else items


class UPSEmulator(CarrierEmulator):
    name = "ups"
    LIMITS = {"api": (20.0, 40.0)}
    TOKEN_TTL = 14399  # §2.2, sent as a string
    SERVICES = SERVICES
    PRICES = {
        "03": ("10.20", "1.00", 3),
        "12": ("15.80", "1.60", 3),
        "02": ("23.90", "2.40", 2),
        "01": ("46.50", "4.20", 1),
        "07": ("41.00", "7.10", 3),
        "65": ("37.80", "6.40", 4),
        "08": ("33.20", "5.30", 5),
    }
    INTERNATIONAL_FACTOR = Decimal(1)
    EVENT_CODES = {
        "created": ("MP", "Shipper created a label, UPS has not received the package yet."),
        "picked_up": ("PU", "Pickup Scan"),
        "in_transit": ("DP", "Departed from Facility"),
        "customs_cleared": ("CR", "Your package was released by the clearing agency."),
        "arrived": ("AR", "Arrived at Facility"),
        "out_for_delivery": ("OT", "Out For Delivery Today"),
        "delivered": ("KB", "Delivered"),
        "exception": ("CH", "Held in customs: the clearing agency needs more information."),
        "delivery_failed": ("48", "The receiver was not available for delivery."),
        "returned": ("RS", "Returned to the sender."),
        "voided": ("VD", "The shipment was voided by the shipper."),
    }
    client_id = "ups-demo-client-5c2f9a"
    client_secret = "ups-demo-secret-71be"
    account = "A1B2C3"

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": base_url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "account_number": self.account,
        }

    # -- wire helpers -----------------------------------------------------------------------

    @staticmethod
    def errors(status: int, code: str, message: str) -> Response:
        return json_response({"response": {"errors": [{"code": code, "message": message}]}}, status)

    def authorize(self, request: Request) -> Response | None:
        if self.bearer_valid(request):
            return None
        return self.errors(401, "250002", "Invalid Authentication Information.")

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        response = self.errors(429, "429", "Rate limit exceeded. Please retry later.")
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
        return response

    def server_error(self, request: Request, status: int) -> Response:
        return self.errors(status, "190001", "The service is temporarily unavailable.")

    def unknown_route(self, request: Request, exc: HTTPException) -> Response:
        return self.errors(exc.code or 404, "250001", "Invalid resource path.")

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/security/v1/oauth/token", endpoint="token", methods=["POST"]),
            Rule("/api/rating/<version>/<option>", endpoint="rate", methods=["POST"]),
            Rule("/api/shipments/<version>/ship", endpoint="ship", methods=["POST"]),
            Rule("/api/shipments/<version>/void/cancel/<shipment_id>", endpoint="void_shipment", methods=["DELETE"]),
            Rule("/api/track/v1/details/<number>", endpoint="track", methods=["GET"]),
        ]

    @staticmethod
    def body(request: Request, root: str) -> dict[str, Any]:
        try:
            data = json.loads(request.data or b"{}")
        except ValueError:
            return {}
        return (data.get(root) if isinstance(data, dict) else None) or {}

    def check(self, body: dict[str, Any], required: tuple[str, ...]) -> Response | None:
        missing = self.missing(body, required)
        if missing:
            return self.errors(400, "120100", f"Missing or invalid {missing[0].split('.')[-1]} ({missing[0]})")
        shipment = body["Shipment"]
        origin = shipment["Shipper"]["Address"]["CountryCode"]
        for package in shipment["Package"]:
            mass = (package["PackageWeight"].get("UnitOfMeasurement") or {}).get("Code")
            size = ((package.get("Dimensions") or {}).get("UnitOfMeasurement") or {}).get("Code")
            if size and (mass, size) not in (("LBS", "IN"), ("KGS", "CM")):
                return self.errors(
                    400, "110548", "A shipment cannot have a KGS/IN or LBS/CM as its unit of measurements."
                )
            if (mass == "LBS") != (origin == "US"):
                return self.errors(400, "111057", "Invalid Unit of Measurement for the given country.")
        return None

    @staticmethod
    def parcels(shipment: dict[str, Any]) -> list[Parcel]:
        out = []
        for package in shipment["Package"]:
            weight = package["PackageWeight"]
            pounds = (weight.get("UnitOfMeasurement") or {}).get("Code") == "LBS"
            grams = Decimal(str(weight["Weight"])) * (GRAMS_PER_POUND if pounds else 1000)
            dims = package.get("Dimensions") or {}
            scale = CM_PER_INCH if (dims.get("UnitOfMeasurement") or {}).get("Code") == "IN" else Decimal(1)
            out.append(
                Parcel(int(grams), *(Decimal(str(dims.get(k, "0"))) * scale for k in ("Length", "Width", "Height")))
            )
        return out

    @staticmethod
    def gif_label(lines: list[str], number: str) -> bytes:
        """A landscape 6x4 in GIF at 200 dpi, drawn the way UPS sends them."""
        from PIL import Image, ImageDraw

        image = Image.new("L", (1200, 800), 255)
        draw = ImageDraw.Draw(image)
        for n, line in enumerate(lines):
            draw.text((40, 30 + 36 * n), line.encode("ascii", "replace").decode(), fill=0)
        for n, char in enumerate(number):  # a bar pattern standing in for the barcode
            width = 3 + ord(char) % 5
            draw.rectangle((40 + 28 * n, 600, 40 + 28 * n + width, 760), fill=0)
        out = io.BytesIO()
        image.convert("P").save(out, format="GIF")
        return out.getvalue()

    def find(self, key: str) -> SoldLabel | None:
        label = self.labels.get(key)
        return label or next((x for x in self.labels.values() if x.shipment_id == key), None)

    # -- API --------------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if header != f"Basic {expected}":
            return self.errors(401, "10401", "ClientId is Invalid")
        if request.form.get("grant_type") != "client_credentials":
            return self.errors(400, "10400", "Invalid/Unsupported grant_type")
        token, ttl = self.issue_token()
        issued = int(self.clock.now().timestamp() * 1000)
        return json_response(
            {
                "token_type": "Bearer",
                "issued_at": str(issued),
                "client_id": self.client_id,
                "access_token": token,
                "expires_in": str(ttl),
                "status": "approved",
            }
        )

    def rate(self, request: Request, version: str, option: str) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        if option not in ("Rate", "Shop", "Ratetimeintransit", "Shoptimeintransit"):
            return self.errors(400, "111100", f"Invalid request option {option}")
        body = self.body(request, "RateRequest")
        refused = self.check(body, REQUIRED)
        if refused:
            return refused
        shipment = body["Shipment"]
        origin, destination = (
            shipment["Shipper"]["Address"]["CountryCode"],
            shipment["ShipTo"]["Address"]["CountryCode"],
        )
        code = (shipment.get("Service") or {}).get("Code", "") if option.startswith("Rate") else ""
        if option.startswith("Rate") and not code:
            return self.errors(400, "111210", "Missing Service Code for a Rate request.")
        parcels = self.parcels(shipment)
        fits = self.fitting(parcels, origin, destination, code)
        if not fits:
            problems = self.limit_problems(parcels, code) if code else []
            return self.errors(
                400,
                "111210",
                "; ".join(problems) or "The requested service is unavailable between the selected locations.",
            )
        unit = "LBS" if origin == "US" else "KGS"
        rated = []
        for s in fits:
            amount = self.price(s.code, parcels, origin, destination)
            billed = sum(s.limits.billable_weight_g(p) for p in parcels)
            entry: dict[str, Any] = {
                "Service": {"Code": s.code, "Description": ""},
                "BillingWeight": {
                    "UnitOfMeasurement": {"Code": unit, "Description": unit.title()},
                    "Weight": money_text(Decimal(billed) / (GRAMS_PER_POUND if unit == "LBS" else 1000)),
                },
                "TransportationCharges": {"CurrencyCode": self.CURRENCY, "MonetaryValue": money_text(amount)},
                "TotalCharges": {"CurrencyCode": self.CURRENCY, "MonetaryValue": money_text(amount)},
            }
            days = self.transit_days(s.code, origin, destination)
            if "timeintransit" in option.lower() and days:
                entry["TimeInTransit"] = {"ServiceSummary": {"EstimatedArrival": {"BusinessDaysInTransit": str(days)}}}
            rated.append(entry)
        return json_response(
            {
                "RateResponse": {
                    "Response": {"ResponseStatus": {"Code": "1", "Description": "Success"}, "Alert": []},
                    "RatedShipment": listed(rated),
                }
            }
        )

    def ship(self, request: Request, version: str) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        body = self.body(request, "ShipmentRequest")
        refused = self.check(body, SHIP_REQUIRED)
        if refused:
            return refused
        shipment = body["Shipment"]
        if shipment["Shipper"]["ShipperNumber"] != self.account:
            return self.errors(400, "120100", "Missing or invalid shipper number")
        origin, destination = (
            shipment["Shipper"]["Address"]["CountryCode"],
            shipment["ShipTo"]["Address"]["CountryCode"],
        )
        code = shipment["Service"]["Code"]
        parcels = self.parcels(shipment)
        if not self.fitting(parcels, origin, destination, code):
            problems = self.limit_problems(parcels, code) or [
                f"Service {code} is unavailable from {origin} to {destination}."
            ]
            return self.errors(400, "111210", "; ".join(problems))
        forms = (shipment.get("ShipmentServiceOptions") or {}).get("InternationalForms") or {}
        if origin != destination and not forms.get("Product"):
            return self.errors(400, "9120200", "Products are required for an international shipment's invoice.")
        image = ((body.get("LabelSpecification") or {}).get("LabelImageFormat") or {}).get("Code", "GIF")
        if image not in ("GIF", "ZPL", "EPL", "SPL"):
            return self.errors(400, "9120700", f"Invalid label image format {image}.")
        taxes = [
            t
            for a in ((shipment.get("GlobalTaxInformation") or {}).get("AgentTaxIdentificationNumber") or [])
            for t in a.get("TaxIdentificationNumber") or []
        ]
        vendor = (shipment.get("ShipFrom") or {}).get("VendorInfo") or {}
        serial = self.next_serial()
        # Real 1Z numbers start with the shipper number; the emulator uses a fixed prefix so
        # the contract can prove the (secret) account number never reaches a log line.
        numbers = [f"1Z999E{code:0>2}{serial:06d}{n:02d}" for n in range(len(parcels))]
        label = self.sell(
            tracking_number=numbers[0],
            reference=(shipment.get("ReferenceNumber") or {}).get("Value", ""),
            service=code,
            origin=origin,
            destination=destination,
            parcels=parcels,
            label_format=image,
            shipment_id=numbers[0],
            customs={
                "items": len(forms.get("Product") or []),
                "incoterm": forms.get("TermsOfShipment", ""),
                "ioss": vendor.get("VendorCollectIDNumber", "")
                if vendor.get("VendorCollectIDTypeCode") == "0356"
                else "",
                "eori": next((t["IdentificationNumber"] for t in taxes if t.get("IDNumberPurposeCode") == "02"), ""),
            }
            if forms
            else {},
            piece_numbers=numbers,
        )
        ship_to = shipment["ShipTo"].get("AttentionName", "")
        packages = []
        for number in numbers:
            lines = label_lines("UPS", label, ship_to) + [f"Package: {number}"]
            data = zpl_label(lines, number) if image == "ZPL" else self.gif_label(lines, number)
            packages.append(
                {
                    "TrackingNumber": number,
                    "ShippingLabel": {
                        "ImageFormat": {"Code": image, "Description": image},
                        "GraphicImage": base64.b64encode(data).decode(),
                    },
                }
            )
        results: dict[str, Any] = {
            "ShipmentCharges": {
                "TotalCharges": {"CurrencyCode": label.currency, "MonetaryValue": money_text(label.amount)}
            },
            "BillingWeight": {"UnitOfMeasurement": {"Code": "LBS" if origin == "US" else "KGS"}, "Weight": "1.0"},
            "ShipmentIdentificationNumber": label.shipment_id,
            "PackageResults": listed(packages),
        }
        if forms:
            invoice = [
                ["COMMERCIAL INVOICE", f"Shipment {label.shipment_id}", f"Terms: {forms.get('TermsOfShipment', '')}"]
                + [
                    f"{p['Unit']['Number']} x {p['Description'][0]} HS {p.get('CommodityCode', '')} "
                    f"{p['Unit']['Value']} {forms.get('CurrencyCode', '')}"
                    for p in forms["Product"]
                ]
            ]
            results["Form"] = {
                "Code": "01",
                "Description": "Invoice",
                "Image": {
                    "ImageFormat": {"Code": "PDF"},
                    "GraphicImage": base64.b64encode(pdf_document(invoice, "letter")).decode(),
                },
            }
        return json_response(
            {
                "ShipmentResponse": {
                    "Response": {"ResponseStatus": {"Code": "1", "Description": "Success"}},
                    "ShipmentResults": results,
                }
            }
        )

    def void_shipment(self, request: Request, version: str, shipment_id: str) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        label = self.find(shipment_id)
        why = self.void(label.tracking_number) if label else "unknown"
        if why == "unknown":
            return self.errors(400, "190100", f"No shipment found within the allowed void period: {shipment_id}")
        if why:
            return self.errors(400, "190101", "The package has been picked up and can no longer be voided.")
        return json_response(
            {
                "VoidShipmentResponse": {
                    "Response": {"ResponseStatus": {"Code": "1", "Description": "Success"}},
                    "SummaryResult": {"Status": {"Code": "1", "Description": "Voided"}},
                }
            }
        )

    def track(self, request: Request, number: str) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        if not request.headers.get("transId") or not request.headers.get("transactionSrc"):
            return self.errors(400, "TV1001", "Missing transId or transactionSrc header")
        label = self.labels.get(number)
        if label is None:  # §2.2: not found is a 200 with a warning
            return json_response(
                {
                    "trackResponse": {
                        "shipment": [
                            {
                                "inquiryNumber": number,
                                "package": [],
                                "warnings": [{"code": "TW0001", "message": "Tracking Information Not Found"}],
                            }
                        ]
                    }
                }
            )
        activity = []
        for when, stage in reversed(self.history(label)):
            code, text = self.code(stage)
            activity.append(
                {
                    "date": when.strftime("%Y%m%d"),
                    "time": when.strftime("%H%M%S"),
                    "gmtDate": when.strftime("%Y%m%d"),
                    "gmtTime": when.strftime("%H:%M:%S"),
                    "gmtOffset": "+00:00",
                    "status": {"type": TYPES[stage], "code": code, "description": text, "statusCode": "0" + code},
                    "location": {"address": {"city": "LOUISVILLE", "countryCode": label.destination}},
                }
            )
        latest = activity[0]["status"]
        expected = self.expected_delivery(label).strftime("%Y%m%d")
        package = {
            "trackingNumber": number,
            "currentStatus": {**latest, "simplifiedTextDescription": latest["description"]},
            "activity": activity,
            "deliveryDate": [{"type": "SDD", "date": expected}],
        }
        return json_response({"trackResponse": {"shipment": [{"inquiryNumber": number, "package": [package]}]}})
