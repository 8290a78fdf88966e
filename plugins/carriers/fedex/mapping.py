"""FedEx REST JSON <-> the carrier port (shared/reference/carriers.md §2.1, §3.2, §3.5, §6).

Weights go in KG and dimensions in CM, rounded up (a parcel is never declared lighter or
smaller than it is). The price shown is the ACCOUNT rate (the account's own price) where FedEx
returns several rate types (§5.6: LIST and PREFERRED_CURRENCY come next to it).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from pypdf import PdfReader, PdfWriter

from core.ports import (
    Address,
    CarrierService,
    Document,
    Label,
    PackageLimits,
    Parcel,
    RateQuote,
    ShipmentRequest,
    TrackingEvent,
    TrackingResult,
    inches,
    latest_result,
    pounds,
)

US = frozenset({"US"})
GROUND = PackageLimits(pounds(150), inches(108), inches(165), dim_divisor=5000)
HOME = PackageLimits(pounds(70), inches(108), inches(165), dim_divisor=5000)
EXPRESS_US = PackageLimits(pounds(150), inches(119), inches(165), dim_divisor=5000)
# §3.5: FedEx Express international, 68 kg, 274 cm longest side, 330 cm length plus girth
# (the newer of the published figures).
EXPRESS_INTL = PackageLimits(68_000, Decimal(274), Decimal(330), dim_divisor=5000)

SERVICES = (
    CarrierService("FEDEX_GROUND", "FedEx Ground", GROUND, scope="domestic", origins=US),
    CarrierService("GROUND_HOME_DELIVERY", "FedEx Home Delivery", HOME, scope="domestic", origins=US),
    CarrierService("FEDEX_2_DAY", "FedEx 2Day", EXPRESS_US, scope="domestic", origins=US),
    CarrierService("PRIORITY_OVERNIGHT", "FedEx Priority Overnight", EXPRESS_US, scope="domestic", origins=US),
    CarrierService(
        "FEDEX_INTERNATIONAL_PRIORITY", "FedEx International Priority", EXPRESS_INTL, scope="international", ddp=True
    ),
    CarrierService(
        "INTERNATIONAL_ECONOMY", "FedEx International Economy", EXPRESS_INTL, scope="international", ddp=True
    ),
)

# latestStatusDetail.code / scanEvents[].eventType -> TRACKING_STATUSES (§2.1, karrio's table;
# RS and CC are FedEx's return-to-shipper and clearance-completed scans).
STATUSES = {
    **dict.fromkeys(("OC", "OX", "EP", "MD"), "pending"),
    **dict.fromkeys(("PU", "PX", "OF", "AP"), "picked_up"),
    **dict.fromkeys(("IT", "AR", "DP", "AF", "FD", "CC"), "in_transit"),
    **dict.fromkeys(("OD", "ED", "AD"), "out_for_delivery"),
    "DL": "delivered",
    **dict.fromkeys(("CD", "SE", "HA", "DE"), "exception"),
    "RS": "returned",
    "CA": "cancelled",
}
REASONS = {"CD": "customs", "DE": "delivery_failed", "SE": "shipment_exception", "HA": "held"}
TRANSIT = {
    f"{word}_DAY{'S' if n > 1 else ''}": n
    for n, word in enumerate(
        ("ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN", "ELEVEN", "TWELVE"), 1
    )
}
PURPOSES = {
    "sale": "SOLD",
    "gift": "GIFT",
    "sample": "SAMPLE",
    "documents": "NOT_SOLD",
    "return": "REPAIR_AND_RETURN",
    "repair": "REPAIR_AND_RETURN",
}
IMAGE_TYPES = {"PDF": "PDF", "ZPL": "ZPLII"}


def kilos(grams: int) -> Decimal:
    return (Decimal(grams) / 1000).quantize(Decimal("0.1"), rounding=ROUND_CEILING)


def whole_cm(value: Decimal) -> int:
    return int(Decimal(value).to_integral_value(rounding=ROUND_CEILING))


def _address(a: Address, *, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"postalCode": a.postal_code, "countryCode": a.country}
    if full:
        out["streetLines"] = [line for line in (a.line1, a.line2, a.line3) if line]
        out["city"] = a.city
        if a.state:
            out["stateOrProvinceCode"] = a.state
    return out


def _party(a: Address, *, full: bool) -> dict[str, Any]:
    party: dict[str, Any] = {"address": _address(a, full=full)}
    if full:
        party["contact"] = {
            "personName": a.name,
            "companyName": a.company,
            "phoneNumber": a.phone,
            "emailAddress": a.email,
        }
    return party


def _packages(parcels: tuple[Parcel, ...]) -> list[dict[str, Any]]:
    out = []
    for n, p in enumerate(parcels, 1):
        item: dict[str, Any] = {"sequenceNumber": n, "weight": {"units": "KG", "value": kilos(p.weight_g)}}
        if p.length_cm and p.width_cm and p.height_cm:
            item["dimensions"] = {
                "length": whole_cm(p.length_cm),
                "width": whole_cm(p.width_cm),
                "height": whole_cm(p.height_cm),
                "units": "CM",
            }
        out.append(item)
    return out


def customs_detail(request: ShipmentRequest, account: str) -> dict[str, Any]:
    """customsClearanceDetail (§3.2): commodities, terms of sale, purpose, duties payer."""
    c = request.customs
    assert c is not None
    ddp = c.incoterm == "DDP"
    return {
        "dutiesPayment": {"paymentType": "SENDER" if ddp else "RECIPIENT"},
        "isDocumentOnly": c.export_reason == "documents",
        "commercialInvoice": {
            "termsOfSale": c.incoterm,
            "shipmentPurpose": PURPOSES.get(c.export_reason, "SOLD"),
            "customerReferences": [{"customerReferenceType": "INVOICE_NUMBER", "value": c.invoice_number}]
            if c.invoice_number
            else [],
        },
        "totalCustomsValue": {"amount": c.total_value, "currency": c.currency},
        "commodities": [
            {
                "description": item.description,
                "name": item.sku or item.description[:35],
                "harmonizedCode": item.hs_code,
                "countryOfManufacture": item.origin_country,
                "quantity": item.quantity,
                "quantityUnits": item.unit,
                "numberOfPieces": item.quantity,
                "unitPrice": {"amount": item.value, "currency": item.currency},
                "customsValue": {"amount": item.line_value, "currency": item.currency},
                "weight": {"units": "KG", "value": kilos(item.line_weight_g) if item.weight_g else Decimal("0.1")},
            }
            for item in c.items
        ],
    }


def tins(request: ShipmentRequest) -> list[dict[str, str]]:
    """The shipper's tax ids (§3.2): EORI and IOSS as EU-union business ids, VAT as national.
    FedEx tells IOSS numbers by their IM prefix."""
    c = request.customs
    if c is None:
        return []
    out = [{"number": c.eori, "tinType": "BUSINESS_UNION"}] if c.eori else []
    if c.ioss:
        out.append({"number": c.ioss, "tinType": "BUSINESS_UNION", "usage": "IOSS"})
    if c.vat_number:
        out.append({"number": c.vat_number, "tinType": "BUSINESS_NATIONAL"})
    return out


def rate_body(request: ShipmentRequest, account: str) -> dict[str, Any]:
    shipment: dict[str, Any] = {
        "shipper": _party(request.ship_from, full=False),
        "recipient": _party(request.ship_to, full=False),
        "pickupType": "DROPOFF_AT_FEDEX_LOCATION",
        "packagingType": "YOUR_PACKAGING",
        "rateRequestType": ["ACCOUNT", "LIST"],
        "requestedPackageLineItems": _packages(request.parcels),
    }
    if request.service:
        shipment["serviceType"] = request.service
    if request.customs is not None:  # production refuses international rates without it (§5.2)
        shipment["customsClearanceDetail"] = customs_detail(request, account)
    return {
        "accountNumber": {"value": account},
        "rateRequestControlParameters": {"returnTransitTimes": True},
        "requestedShipment": shipment,
    }


def ship_body(request: ShipmentRequest, account: str, ship_date: date) -> dict[str, Any]:
    shipper = _party(request.ship_from, full=True)
    if tins(request):
        shipper["tins"] = tins(request)
    shipment: dict[str, Any] = {
        "shipDatestamp": ship_date.isoformat(),
        "shipper": shipper,
        "recipients": [_party(request.ship_to, full=True)],
        "pickupType": "DROPOFF_AT_FEDEX_LOCATION",
        "serviceType": request.service,
        "packagingType": "YOUR_PACKAGING",
        "shippingChargesPayment": {
            "paymentType": "SENDER",
            "payor": {"responsibleParty": {"accountNumber": {"value": account}}},
        },
        "labelSpecification": {"imageType": IMAGE_TYPES[request.label_format], "labelStockType": "STOCK_4X6"},
        "requestedPackageLineItems": [
            {**p, "customerReferences": [{"customerReferenceType": "CUSTOMER_REFERENCE", "value": request.reference}]}
            for p in _packages(request.parcels)
        ],
    }
    if request.customs is not None:
        shipment["customsClearanceDetail"] = customs_detail(request, account)
        shipment["shippingDocumentSpecification"] = {
            "shippingDocumentTypes": ["COMMERCIAL_INVOICE"],
            "commercialInvoiceDetail": {"documentFormat": {"docType": "PDF", "stockType": "PAPER_LETTER"}},
        }
    return {
        "accountNumber": {"value": account},
        "labelResponseOptions": "LABEL",
        "shipAction": "CONFIRM",
        "requestedShipment": shipment,
    }


def _account_rate(details: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for kind in ("ACCOUNT", "PREFERRED_ACCOUNT", "LIST"):
        for d in details:
            if d.get("rateType") == kind:
                return d
    return details[0] if details else None


def quotes_from(data: Mapping[str, Any], names: Mapping[str, str]) -> list[RateQuote]:
    out = []
    for reply in data.get("output", {}).get("rateReplyDetails") or []:
        rate = _account_rate(reply.get("ratedShipmentDetails") or [])
        if rate is None or rate.get("totalNetCharge") in (None, ""):
            continue  # defensive: FedEx omits charges on some services (§5.1)
        operational = reply.get("operationalDetail") or {}
        commit = (reply.get("commit") or {}).get("dateDetail", {}).get("dayFormat")
        code = reply["serviceType"]
        out.append(
            RateQuote(
                service=code,
                amount=Decimal(str(rate["totalNetCharge"])),
                currency=rate.get("currency") or "USD",
                transit_days=TRANSIT.get(str(operational.get("transitTime") or reply.get("transitTime") or "")),
                service_name=reply.get("serviceName") or names.get(code, code),
                estimated_delivery=datetime.fromisoformat(commit).date() if commit else None,
            )
        )
    return out


def _decoded(doc: Mapping[str, Any]) -> bytes:
    return base64.b64decode(doc.get("encodedLabel") or "")


def _merged_pdf(parts: list[bytes]) -> bytes:
    if len(parts) <= 1:
        return parts[0] if parts else b""
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def label_from(data: Mapping[str, Any], request: ShipmentRequest) -> Label:
    shipment = data["output"]["transactionShipments"][0]
    pieces = shipment.get("pieceResponses") or []
    labels = [d for p in pieces for d in p.get("packageDocuments") or [] if d.get("contentType") == "LABEL"]
    fmt = "ZPL" if labels and labels[0].get("docType") == "ZPLII" else "PDF"
    # A multi-piece shipment has one label per piece: ZPL concatenates, PDFs become one
    # document with a page per piece, so every parcel of the shipment gets its label.
    parts = [_decoded(d) for d in labels]
    data_bytes = b"".join(parts) if fmt == "ZPL" else _merged_pdf(parts)
    documents = tuple(
        Document(
            "commercial_invoice" if d.get("contentType") == "COMMERCIAL_INVOICE" else d.get("contentType", "").lower(),
            d.get("docType", "PDF"),
            _decoded(d),
            "letter",
        )
        for d in shipment.get("shipmentDocuments") or []
    )
    rating = (shipment.get("completedShipmentDetail") or {}).get("shipmentRating") or {}
    rate = _account_rate(rating.get("shipmentRateDetails") or [])
    return Label(
        tracking_number=shipment["masterTrackingNumber"],
        label_data=data_bytes,
        label_format=fmt,
        cost=Decimal(str(rate["totalNetCharge"])) if rate else None,
        currency=rate.get("currency") if rate else None,
        carrier_reference=shipment["masterTrackingNumber"],
        documents=documents,
        piece_tracking_numbers=tuple(p["trackingNumber"] for p in pieces if p.get("trackingNumber")),
        service=shipment.get("serviceType") or request.service,
    )


def _when(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _where(location: Mapping[str, Any] | None) -> str:
    location = location or {}
    return ", ".join(str(x) for x in (location.get("city"), location.get("countryCode")) if x)


def track_result(number: str, complete: Mapping[str, Any] | None) -> TrackingResult:
    results = (complete or {}).get("trackResults") or []
    result = results[0] if results else {}
    if not result or result.get("error"):
        error = result.get("error") or {}
        message = f"{error.get('code', 'NOT.FOUND')}: {error.get('message', 'FedEx does not know this number')}"
        return TrackingResult(number, "unknown", found=False, message=message)
    events = [
        TrackingEvent(
            occurred_at=_when(e["date"]),
            status=STATUSES.get(e.get("eventType", ""), "unknown"),
            description=e.get("eventDescription", ""),
            location=_where(e.get("scanLocation")),
            code=e.get("eventType", ""),
            reason=REASONS.get(e.get("eventType", ""), e.get("exceptionCode") or ""),
        )
        for e in result.get("scanEvents") or []
    ]
    estimated = next(
        (d["dateTime"] for d in result.get("dateAndTimes") or [] if d.get("type") == "ESTIMATED_DELIVERY"), None
    )
    return latest_result(number, events, estimated_delivery=_when(estimated).date() if estimated else None)
