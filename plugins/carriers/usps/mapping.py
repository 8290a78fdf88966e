"""USPS APIs v3 JSON <-> the carrier port (shared/reference/carriers.md §2.4, §3.2, §3.3, §3.5, §6).

USPS works in pounds, inches and US dollars only: weights and sizes are converted and rounded
up, and customs values must already be in USD (the shipping capability converts at the dated
rate; the adapter never guesses one). Prices come per mail class, so quoting every service is
one search per mail class on the lane. The customs declaration (CN22 or CN23, §3.3) is made by
USPS from `customsForm` and printed with the label.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from core.ports import (
    CM_PER_INCH,
    GRAMS_PER_POUND,
    Address,
    CarrierService,
    Label,
    PackageLimits,
    RateQuote,
    RemoteRejected,
    ShipmentRequest,
    TrackingEvent,
    TrackingResult,
    inches,
    latest_result,
    pounds,
)

US = frozenset({"US"})
# §3.5: domestic Priority and Ground Advantage 70 lb and 108 in L+G (Ground Advantage up to
# 130 in with its oversized price); Priority Mail International 70 lb and 108 in L+G (countries
# often less); First-Class Package International 4 lb, 24 in, L+W+H 36 in. USPS bills the
# dimensional weight of larger parcels at 166 in³/lb, about 6,000 cm³/kg (§3.5's retail divisor);
# it is applied to every size here, which never understates the billed weight.
SERVICES = (
    CarrierService(
        "USPS_GROUND_ADVANTAGE",
        "USPS Ground Advantage",
        PackageLimits(pounds(70), None, inches(130), dim_divisor=6000),
        scope="domestic",
        origins=US,
    ),
    CarrierService(
        "PRIORITY_MAIL",
        "Priority Mail",
        PackageLimits(pounds(70), None, inches(108), dim_divisor=6000),
        scope="domestic",
        origins=US,
    ),
    CarrierService(
        "PRIORITY_MAIL_EXPRESS",
        "Priority Mail Express",
        PackageLimits(pounds(70), None, inches(108), dim_divisor=6000),
        scope="domestic",
        origins=US,
    ),
    CarrierService(
        "FIRST-CLASS_PACKAGE_INTERNATIONAL_SERVICE",
        "First-Class Package International Service",
        PackageLimits(pounds(4), inches(24), max_sides_sum_cm=inches(36)),
        scope="international",
        origins=US,
    ),
    CarrierService(
        "PRIORITY_MAIL_INTERNATIONAL",
        "Priority Mail International",
        PackageLimits(pounds(70), None, inches(108), dim_divisor=6000),
        scope="international",
        origins=US,
    ),
    CarrierService(
        "PRIORITY_MAIL_EXPRESS_INTERNATIONAL",
        "Priority Mail Express International",
        PackageLimits(pounds(70), None, inches(108), dim_divisor=6000),
        scope="international",
        origins=US,
    ),
)
# eventCode (Pub 199 appendix G-4/G-5 style) -> TRACKING_STATUSES; statusCategory when the code
# is not in the table.
STATUSES = {
    **dict.fromkeys(("GX", "MA"), "pending"),
    **dict.fromkeys(("03", "OA", "80"), "picked_up"),
    **dict.fromkeys(("10", "07", "T1", "PC", "A1"), "in_transit"),
    "OF": "out_for_delivery",
    "16": "ready_for_pickup",
    "01": "delivered",
    **dict.fromkeys(("CH", "02", "04", "05", "53"), "exception"),
    **dict.fromkeys(("09", "21", "28", "29"), "returned"),
    "CN": "cancelled",
}
CATEGORIES = {
    "pre-shipment": "pending",
    "accepted": "picked_up",
    "in transit": "in_transit",
    "out for delivery": "out_for_delivery",
    "available for pickup": "ready_for_pickup",
    "delivered": "delivered",
    "alert": "exception",
    "delivery attempt": "exception",
    "return to sender": "returned",
}
REASONS = {"CH": "customs", "02": "delivery_failed", "04": "refused", "05": "address"}
CONTENT_TYPES = {
    "sale": "MERCHANDISE",
    "gift": "GIFT",
    "sample": "COMMERCIAL_SAMPLE",
    "documents": "DOCUMENT",
    "return": "RETURNED_GOODS",
    "repair": "OTHER",
}
IMAGE_TYPES = {"PDF": "PDF", "ZPL": "ZPL203DPI"}
NO_EEI = "NO EEI 30.37(a)"  # §3.1: US exports under $2,500 per schedule B number


def lb(grams: int) -> Decimal:
    return (Decimal(grams) / GRAMS_PER_POUND).quantize(Decimal("0.01"), rounding=ROUND_CEILING)


def inch(cm: Decimal) -> Decimal:
    return (Decimal(cm) / CM_PER_INCH).quantize(Decimal("0.1"), rounding=ROUND_CEILING)


def _package(request: ShipmentRequest, mail_class: str, mailing: date) -> dict[str, Any]:
    if len(request.parcels) != 1:
        raise RemoteRejected("USPS labels and prices are per package: ship each parcel on its own label")
    p = request.parcels[0]
    return {
        "mailClass": mail_class,
        "processingCategory": "MACHINABLE",
        "rateIndicator": "SP",  # single piece
        "destinationEntryFacilityType": "NONE",
        "priceType": "COMMERCIAL",
        "weight": lb(p.weight_g),
        "length": inch(p.length_cm),
        "width": inch(p.width_cm),
        "height": inch(p.height_cm),
        "mailingDate": mailing.isoformat(),
    }


def price_body(request: ShipmentRequest, mail_class: str, mailing: date) -> dict[str, Any]:
    body = {**_package(request, mail_class, mailing), "originZIPCode": request.ship_from.postal_code[:5]}
    if request.international:
        body["destinationCountryCode"] = request.ship_to.country
        if request.ship_to.postal_code:
            body["foreignPostalCode"] = request.ship_to.postal_code
    else:
        body["destinationZIPCode"] = request.ship_to.postal_code[:5]
    return body


def quote_from(data: Mapping[str, Any], service: CarrierService) -> RateQuote | None:
    total = data.get("totalBasePrice")
    if total in (None, ""):
        return None
    rates = data.get("rates") or []
    dim = next((r.get("dimWeight") for r in rates if r.get("dimWeight")), None)
    billed = int(Decimal(str(dim)) * GRAMS_PER_POUND) if dim else None
    # USPS prices are always US dollars (§2.4) and base rates carry no delivery commitment.
    return RateQuote(service.code, Decimal(str(total)), "USD", None, service.name, billed_weight_g=billed)


def _names(a: Address) -> dict[str, str]:
    first, _, last = a.name.partition(" ")
    return {"firstName": first, "lastName": last or first, "firm": a.company}


def label_body(request: ShipmentRequest, mailing: date, customer: str) -> dict[str, Any]:
    src, dst = request.ship_from, request.ship_to
    from_address = {
        **_names(src),
        "streetAddress": src.line1,
        "secondaryAddress": src.line2,
        "city": src.city,
        "state": src.state,
        "ZIPCode": src.postal_code[:5],
        "phone": src.phone,
    }
    package = _package(request, request.service, mailing)
    package.pop("priceType")
    package["customerReference"] = [{"referenceNumber": request.reference, "printReferenceNumber": True}]
    body: dict[str, Any] = {
        "imageInfo": {"imageType": IMAGE_TYPES[request.label_format], "labelType": "4X6LABEL", "receiptOption": "NONE"},
        "fromAddress": from_address,
        "packageDescription": package,
    }
    if request.international:
        c = request.customs
        if c is None or not c.items:
            raise RemoteRejected("USPS needs customs contents for an international label")
        if any(item.currency != "USD" for item in c.items):
            raise RemoteRejected("USPS declares customs values in US dollars: convert the values to USD first")
        body["toAddress"] = {
            **_names(dst),
            "streetAddress": dst.line1,
            "city": dst.city,
            "province": dst.state,
            "postalCode": dst.postal_code,
            "country": dst.country,
            "countryISOAlpha2Code": dst.country,
            "phone": dst.phone,
        }
        form: dict[str, Any] = {
            "customsContentType": CONTENT_TYPES.get(c.export_reason, "MERCHANDISE"),
            "AESITN": NO_EEI,
            "invoiceNumber": c.invoice_number,
            "contents": [
                {
                    "itemDescription": item.description[:30],
                    "itemQuantity": item.quantity,
                    "itemValue": item.value,
                    "itemTotalValue": item.line_value,
                    "weightUOM": "lb",
                    "itemTotalWeight": lb(max(item.line_weight_g, 1)),
                    "HSTariffNumber": item.hs_code,
                    "countryofOrigin": item.origin_country,
                }
                for item in c.items
            ],
        }
        # §3.2: USPS takes the importer's IOSS (or VAT) number and the exporter's EORI as references.
        if c.ioss or c.vat_number:
            form["importersReference"] = {
                "referenceType": "TAX_CODE" if c.ioss else "VAT_NUMBER",
                "reference": c.ioss or c.vat_number,
            }
        if c.eori:
            form["exportersReference"] = {"referenceType": "IMPORTER_CODE", "reference": c.eori}
        body["customsForm"] = form
    else:
        body["toAddress"] = {
            **_names(dst),
            "streetAddress": dst.line1,
            "secondaryAddress": dst.line2,
            "city": dst.city,
            "state": dst.state,
            "ZIPCode": dst.postal_code[:5],
            "phone": dst.phone,
        }
    return body


def label_from(parts: Mapping[str, bytes], request: ShipmentRequest) -> Label:
    metadata = json.loads(parts.get("labelMetadata") or b"{}", parse_float=Decimal)
    image = base64.b64decode(parts.get("labelImage") or b"")
    number = metadata.get("internationalTrackingNumber") or metadata.get("trackingNumber")
    if not number or not image:
        raise RemoteRejected("USPS answered the label without a tracking number or an image")
    postage = metadata.get("postage")
    return Label(
        tracking_number=str(number),
        label_data=image,
        label_format=request.label_format,
        cost=Decimal(str(postage)) if postage not in (None, "") else None,
        currency="USD" if postage not in (None, "") else None,
        carrier_reference=str(number),
        service=request.service,
    )


def _when(event: Mapping[str, Any]) -> datetime:
    stamp = str(event.get("GMTTimestamp") or event.get("eventTimestamp"))
    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def track_result(number: str, data: Mapping[str, Any] | None) -> TrackingResult:
    if not data:
        return TrackingResult(number, "unknown", found=False, message="USPS has no record of this tracking number")
    events = []
    for e in data.get("trackingEvents") or []:
        code = str(e.get("eventCode", ""))
        status = STATUSES.get(code) or CATEGORIES.get(str(e.get("statusCategory", "")).lower(), "unknown")
        where = ", ".join(str(x) for x in (e.get("eventCity"), e.get("eventState"), e.get("eventCountry")) if x)
        events.append(TrackingEvent(_when(e), status, str(e.get("eventType", "")), where, code, REASONS.get(code, "")))
    expected = data.get("expectedDeliveryDate")
    return latest_result(
        number, events, estimated_delivery=date.fromisoformat(str(expected)[:10]) if expected else None
    )
