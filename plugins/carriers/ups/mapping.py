"""UPS REST JSON <-> the carrier port (shared/reference/carriers.md §2.2, §3.2, §3.5, §6).

Every number goes to UPS as a string and comes back as one. Units follow the origin: LBS with
IN from the US, KGS with CM elsewhere (UPS refuses mixed units, 110548, and the other system
for the origin, 111057), rounded up so a parcel is never declared lighter or smaller. Labels
are GIF or ZPL: a GIF is turned into a 4x6 PDF page for printing, the GIF kept as the original.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from core.ports import (
    CM_PER_INCH,
    GRAMS_PER_POUND,
    Address,
    CarrierService,
    Document,
    Label,
    PackageLimits,
    RateQuote,
    ShipmentRequest,
    TrackingEvent,
    TrackingResult,
    inches,
    latest_result,
    pounds,
)

# §3.5: all UPS small-package services, 150 lb (70 kg), 108 in longest side, 165 in L+G.
SMALL_PACKAGE = PackageLimits(pounds(150), inches(108), inches(165), dim_divisor=5000)
US = frozenset({"US"})
SERVICES = (
    CarrierService("03", "UPS Ground", SMALL_PACKAGE, scope="domestic", origins=US),
    CarrierService("12", "UPS 3 Day Select", SMALL_PACKAGE, scope="domestic", origins=US),
    CarrierService("02", "UPS 2nd Day Air", SMALL_PACKAGE, scope="domestic", origins=US),
    CarrierService("01", "UPS Next Day Air", SMALL_PACKAGE, scope="domestic", origins=US),
    CarrierService("07", "UPS Worldwide Express", SMALL_PACKAGE, scope="international", ddp=True),
    CarrierService("65", "UPS Worldwide Saver", SMALL_PACKAGE, scope="international", ddp=True),
    CarrierService("08", "UPS Worldwide Expedited", SMALL_PACKAGE, scope="international", ddp=True),
)
# currentStatus / activity status: the type (D delivered, I in progress, X exception, P pickup,
# M manifest, §2.2) unless the code says more.
TYPES = {"M": "pending", "MV": "pending", "P": "picked_up", "I": "in_transit", "X": "exception", "D": "delivered"}
CODES = {"OT": "out_for_delivery", "OF": "out_for_delivery", "RS": "returned", "VD": "cancelled"}
REASONS = {"CH": "customs", "48": "delivery_failed"}
REASONS_FOR_EXPORT = {
    "sale": "SALE",
    "gift": "GIFT",
    "sample": "SAMPLE",
    "documents": "SALE",
    "return": "RETURN",
    "repair": "REPAIR",
}
LABEL_CODES = {"PDF": "GIF", "ZPL": "ZPL"}  # UPS has no PDF label: GIF, turned into PDF here


def _up(value: Decimal, places: str = "0.1") -> str:
    return str(value.quantize(Decimal(places), rounding=ROUND_CEILING))


def units(origin: str) -> tuple[str, str]:
    return ("LBS", "IN") if origin == "US" else ("KGS", "CM")


def weight(grams: int, unit: str) -> str:
    return _up(Decimal(grams) / (GRAMS_PER_POUND if unit == "LBS" else 1000))


def length(cm: Decimal, unit: str) -> str:
    return _up(Decimal(cm) / CM_PER_INCH if unit == "IN" else Decimal(cm), "1")


def _party(a: Address, *, account: str = "") -> dict[str, Any]:
    party: dict[str, Any] = {
        "Name": (a.company or a.name)[:35],
        "AttentionName": a.name[:35],
        "Phone": {"Number": a.phone},
        "Address": {
            "AddressLine": [line for line in (a.line1, a.line2, a.line3) if line],
            "City": a.city,
            "StateProvinceCode": a.state,
            "PostalCode": a.postal_code,
            "CountryCode": a.country,
        },
    }
    if account:
        party["ShipperNumber"] = account
    return party


def _packages(request: ShipmentRequest, key: str) -> list[dict[str, Any]]:
    mass, size = units(request.ship_from.country)
    out = []
    for p in request.parcels:
        package: dict[str, Any] = {
            key: {"Code": "02", "Description": "Customer Supplied Package"},
            "PackageWeight": {"UnitOfMeasurement": {"Code": mass}, "Weight": weight(p.weight_g, mass)},
        }
        if p.length_cm and p.width_cm and p.height_cm:
            package["Dimensions"] = {
                "UnitOfMeasurement": {"Code": size},
                **{
                    k: length(v, size)
                    for k, v in (("Length", p.length_cm), ("Width", p.width_cm), ("Height", p.height_cm))
                },
            }
        out.append(package)
    return out


def _shipment(request: ShipmentRequest, account: str, package_key: str) -> dict[str, Any]:
    shipment: dict[str, Any] = {
        "Shipper": _party(request.ship_from, account=account),
        "ShipTo": _party(request.ship_to),
        "ShipFrom": _party(request.ship_from),
        "PaymentDetails": {"ShipmentCharge": [{"Type": "01", "BillShipper": {"AccountNumber": account}}]},
        "Package": _packages(request, package_key),
    }
    if request.service:
        shipment["Service"] = {"Code": request.service}
    if request.customs is not None:
        shipment["InvoiceLineTotal"] = {
            "CurrencyCode": request.customs.currency,
            "MonetaryValue": str(request.customs.total_value),
        }
    return shipment


def rate_body(request: ShipmentRequest, account: str) -> dict[str, Any]:
    shipment = _shipment(request, account, "PackagingType")
    shipment["DeliveryTimeInformation"] = {"PackageBillType": "03"}
    return {
        "RateRequest": {
            "Request": {"TransactionReference": {"CustomerContext": request.reference}},
            "Shipment": shipment,
        }
    }


def international_forms(request: ShipmentRequest) -> dict[str, Any]:
    c = request.customs
    assert c is not None
    mass, _ = units(request.ship_from.country)
    forms: dict[str, Any] = {
        "FormType": ["01"],  # commercial invoice
        "InvoiceNumber": c.invoice_number,
        "ReasonForExport": REASONS_FOR_EXPORT.get(c.export_reason, "SALE"),
        "CurrencyCode": c.currency,
        "TermsOfShipment": c.incoterm,
        "Product": [
            {
                "Description": [item.description[:35]],
                "CommodityCode": item.hs_code,
                "OriginCountryCode": item.origin_country,
                "PartNumber": item.sku,
                "Unit": {
                    "Number": str(item.quantity),
                    "UnitOfMeasurement": {"Code": item.unit},
                    "Value": str(item.value),
                },
                "ProductWeight": {
                    "UnitOfMeasurement": {"Code": mass},
                    "Weight": weight(max(item.line_weight_g, 1), mass),
                },
            }
            for item in c.items
        ],
    }
    if c.invoice_date:
        forms["InvoiceDate"] = c.invoice_date.strftime("%Y%m%d")
    if c.signer:
        forms["Contacts"] = {
            "SoldTo": {"Name": request.ship_to.name, "Address": {"CountryCode": request.ship_to.country}}
        }
    return forms


def ship_body(request: ShipmentRequest, account: str) -> dict[str, Any]:
    shipment = _shipment(request, account, "Packaging")
    shipment["Description"] = "Merchandise" if request.customs else "Goods"
    shipment["PaymentInformation"] = shipment.pop("PaymentDetails")
    shipment["ReferenceNumber"] = {"Value": request.reference[:35]}
    if request.customs is not None:
        c = request.customs
        shipment["ShipmentServiceOptions"] = {"InternationalForms": international_forms(request)}
        ids = (
            [{"IdentificationNumber": c.eori, "IDNumberPurposeCode": "02", "IDNumberTypeCode": "0002"}]
            if c.eori
            else []
        )
        if c.vat_number:
            ids.append({"IdentificationNumber": c.vat_number, "IDNumberPurposeCode": "01"})
        if ids:
            shipment["GlobalTaxInformation"] = {
                "AgentTaxIdentificationNumber": [{"AgentRole": "06", "TaxIdentificationNumber": ids}]
            }
        if c.ioss:  # §3.2: the IOSS number travels as the ship-from vendor's collect id 0356
            shipment["ShipFrom"]["VendorInfo"] = {"VendorCollectIDTypeCode": "0356", "VendorCollectIDNumber": c.ioss}
        if c.incoterm == "DDP":
            shipment["PaymentInformation"]["ShipmentCharge"].append(
                {"Type": "02", "BillShipper": {"AccountNumber": account}}
            )
    return {
        "ShipmentRequest": {
            "Request": {"RequestOption": "nonvalidate", "TransactionReference": {"CustomerContext": request.reference}},
            "Shipment": shipment,
            "LabelSpecification": {
                "LabelImageFormat": {"Code": LABEL_CODES[request.label_format]},
                "LabelStockSize": {"Height": "6", "Width": "4"},
            },
        }
    }


def _listed(value: Any) -> list[Any]:
    """UPS sends a list for several items and a bare object for one."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _money(charges: Mapping[str, Any] | None) -> tuple[Decimal, str] | None:
    if not charges or charges.get("MonetaryValue") in (None, ""):
        return None
    return Decimal(str(charges["MonetaryValue"])), charges.get("CurrencyCode") or "USD"


def _days(rated: Mapping[str, Any]) -> int | None:
    summary = ((rated.get("TimeInTransit") or {}).get("ServiceSummary") or {}).get("EstimatedArrival") or {}
    value = summary.get("BusinessDaysInTransit") or (rated.get("GuaranteedDelivery") or {}).get("BusinessDaysInTransit")
    try:
        days = int(str(value))
    except (TypeError, ValueError):
        return None
    return days if days > 0 else None


def quotes_from(data: Mapping[str, Any], names: Mapping[str, str]) -> list[RateQuote]:
    out = []
    for rated in _listed((data.get("RateResponse") or {}).get("RatedShipment")):
        code = str((rated.get("Service") or {}).get("Code", ""))
        # The negotiated rate is the account's price when UPS sends one (§2.2), defensively:
        # a missing TotalCharges must not break the other services (§5.1).
        price = _money((rated.get("NegotiatedRateCharges") or {}).get("TotalCharge")) or _money(
            rated.get("TotalCharges")
        )
        if price is None:
            continue
        billed = rated.get("BillingWeight") or {}
        grams = None
        if billed.get("Weight"):
            factor = GRAMS_PER_POUND if (billed.get("UnitOfMeasurement") or {}).get("Code") == "LBS" else Decimal(1000)
            grams = int(Decimal(str(billed["Weight"])) * factor)
        out.append(RateQuote(code, price[0], price[1], _days(rated), names.get(code, code), billed_weight_g=grams))
    return out


def gif_to_pdf(gif: bytes) -> bytes:
    """A UPS GIF label as a portrait PDF page at most 4 x 6 in (UPS draws it landscape; §1.6
    item 3). The pixels are kept as they are (turned, not resampled: resampling a label blurs
    its barcode and costs more than the rest of the purchase); the page's resolution makes it
    print at label size."""
    from PIL import Image

    with Image.open(io.BytesIO(gif)) as image:
        page = image.convert("L")
        if page.width > page.height:
            page = page.transpose(Image.Transpose.ROTATE_270)  # a quarter turn clockwise
        out = io.BytesIO()
        page.save(out, format="PDF", resolution=max(page.width / 4, page.height / 6))
    return out.getvalue()


def label_from(data: Mapping[str, Any], request: ShipmentRequest) -> Label:
    results = data["ShipmentResponse"]["ShipmentResults"]
    packages = _listed(results.get("PackageResults"))
    images = [base64.b64decode(p["ShippingLabel"]["GraphicImage"]) for p in packages]
    fmt = str(packages[0]["ShippingLabel"]["ImageFormat"]["Code"]).upper() if packages else "GIF"
    original = b"".join(images) if fmt == "ZPL" else (images[0] if images else b"")
    printed = b""
    if fmt == "GIF" and images:
        printed = gif_to_pdf(images[0]) if len(images) == 1 else _merge_pdf([gif_to_pdf(i) for i in images])
    form = (results.get("Form") or {}).get("Image") or {}
    documents = (
        (
            Document(
                "commercial_invoice",
                str((form.get("ImageFormat") or {}).get("Code", "PDF")),
                base64.b64decode(form["GraphicImage"]),
                "letter",
            ),
        )
        if form.get("GraphicImage")
        else ()
    )
    charges = _money((results.get("NegotiatedRateCharges") or {}).get("TotalCharge")) or _money(
        (results.get("ShipmentCharges") or {}).get("TotalCharges")
    )
    number = packages[0]["TrackingNumber"] if packages else results["ShipmentIdentificationNumber"]
    return Label(
        tracking_number=number,
        label_data=original,
        label_format=fmt,
        cost=charges[0] if charges else None,
        currency=charges[1] if charges else None,
        carrier_reference=results["ShipmentIdentificationNumber"],
        print_data=printed,
        print_format="PDF" if printed else "",
        documents=documents,
        piece_tracking_numbers=tuple(p["TrackingNumber"] for p in packages),
        service=request.service,
    )


def _merge_pdf(pages: list[bytes]) -> bytes:
    from PIL import Image

    images = [Image.open(io.BytesIO(p)) for p in pages]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=300)
    return out.getvalue()


def _when(activity: Mapping[str, Any]) -> datetime:
    """An activity's time: its GMT date and time when UPS gives them, else the local time
    shifted by its offset (the time is "HHMMSS", the date "YYYYMMDD")."""
    if activity.get("gmtDate") and activity.get("gmtTime"):
        return datetime.strptime(f"{activity['gmtDate']} {activity['gmtTime']}", "%Y%m%d %H:%M:%S").replace(tzinfo=UTC)
    local = datetime.strptime(f"{activity['date']}{activity.get('time', '000000')}", "%Y%m%d%H%M%S")
    offset = str(activity.get("gmtOffset") or "+00:00")
    sign = -1 if offset.startswith("-") else 1
    hours, _, minutes = offset.lstrip("+-").partition(":")
    return (local - sign * timedelta(hours=int(hours or 0), minutes=int(minutes or 0))).replace(tzinfo=UTC)


def status_of(status: Mapping[str, Any]) -> str:
    code = str(status.get("code", ""))
    return CODES.get(code) or TYPES.get(str(status.get("type", "")), "unknown")


def track_result(number: str, data: Mapping[str, Any]) -> TrackingResult:
    shipments = _listed((data.get("trackResponse") or {}).get("shipment"))
    shipment = shipments[0] if shipments else {}
    packages = _listed(shipment.get("package"))
    if not packages:  # "not found" comes as HTTP 200 with warnings (§2.2)
        warnings = "; ".join(f"{w.get('code', '')}: {w.get('message', '')}" for w in _listed(shipment.get("warnings")))
        return TrackingResult(number, "unknown", found=False, message=warnings or "UPS has no tracking for this number")
    package = packages[0]
    events = []
    for activity in _listed(package.get("activity")):
        status = activity.get("status") or {}
        address = (activity.get("location") or {}).get("address") or {}
        code = str(status.get("code", ""))
        events.append(
            TrackingEvent(
                occurred_at=_when(activity),
                status=status_of(status),
                description=status.get("description", ""),
                location=", ".join(x for x in (address.get("city"), address.get("countryCode")) if x),
                code=code,
                reason=REASONS.get(code, ""),
            )
        )
    delivery = next(
        (d.get("date") for d in _listed(package.get("deliveryDate")) if d.get("type") in ("SDD", "RDD")), None
    )
    estimated = datetime.strptime(delivery, "%Y%m%d").date() if delivery else None
    return latest_result(number, events, estimated_delivery=estimated)


def void_ok(data: Mapping[str, Any]) -> bool:
    status = ((data.get("VoidShipmentResponse") or {}).get("SummaryResult") or {}).get("Status") or {}
    return str(status.get("Code")) == "1"
