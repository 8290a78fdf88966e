"""The warehouse steps between label and hand-over (拣货, 打包): pick lists batched across
orders and sorted by bin, picked quantities (a short pick holds the order with the SKU and the
quantity missing), and pack verification by scanning each unit's SKU code or barcode, with the
weight checked against the estimate (a difference beyond the tenant's tolerance is recorded)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm.attributes import flag_modified

from core import validation as f
from core.db import utcnow
from core.errors import InvalidTransition, ValidationError
from core.inventory.service import warehouses
from core.messages import Msg
from core.orders import service as orders
from core.shipping.models import Shipment
from core.shipping.service.pdf import Document
from core.shipping.service.settings import get_settings
from core.shipping.service.shipments import _locked, live_shipment, rerate


def bin_of(sku_id: str, warehouse_id: uuid.UUID | None) -> str:
    if warehouse_id is None:
        return ""
    setting = warehouses.get_setting(uuid.UUID(sku_id), warehouse_id)
    if setting is None or setting.location_id is None:
        return ""
    return warehouses.get_location(setting.location_id).code


def pick_rows(order_ids: Sequence[Any]) -> list[dict[str, Any]]:
    """One row per SKU and bin across the orders' live shipments, sorted by bin then SKU."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    errors = f.Errors()
    for i, oid in enumerate(order_ids):
        try:
            shipment = live_shipment(uuid.UUID(str(oid)))
        except ValueError:
            errors.add(f"order_ids.{i}", Msg("not_order_id"))
            continue
        if shipment is None:
            errors.add(f"order_ids.{i}", Msg("shipping.no_shipment_buy_label"))
            continue
        for parcel in shipment.parcels:
            for item in parcel.contents:
                where = bin_of(item["sku_id"], shipment.warehouse_id)
                row = rows.setdefault(
                    (where, item["sku_code"]),
                    {"bin": where, "sku_code": item["sku_code"], "title": item["title"], "quantity": 0, "orders": []},
                )
                row["quantity"] += item["quantity"]
                row["orders"].append(f"{shipment.order_number}×{item['quantity']}")
    errors.raise_if_any()
    return sorted(rows.values(), key=lambda r: (r["bin"] == "", r["bin"], r["sku_code"]))


def pick_list_pdf(order_ids: Sequence[Any]) -> bytes:
    rows = pick_rows(order_ids)
    doc = Document("Pick list")
    doc.line(f"Pick list / 拣货单 — {len(order_ids)} orders, {utcnow():%Y-%m-%d %H:%M} UTC", 13, bold=True)
    doc.line()
    doc.table(
        ["Bin / 库位", "SKU", "Product / 品名", "Qty / 数量", "Orders / 订单"],
        [[r["bin"] or "—", r["sku_code"], r["title"], str(r["quantity"]), ", ".join(r["orders"])] for r in rows],
        [0.12, 0.16, 0.32, 0.1, 0.3],
    )
    return doc.bytes()


def record_pick(shipment_id: Any, picked: Mapping[str, int]) -> Shipment:
    """Picked units per SKU code. A short pick holds the order naming each SKU and how many are
    missing (the shipment stays labelled for when the stock is found)."""
    shipment = _locked(shipment_id)
    if shipment.status not in ("draft", "labelled"):
        raise InvalidTransition(Msg("entity.shipment", ref=shipment.number), shipment.status, "record picks for")
    parcel = shipment.parcels[0]
    wanted = {c["sku_code"]: c["quantity"] for c in parcel.contents}
    errors = f.Errors()
    counts = {}
    for code, value in picked.items():
        if code not in wanted:
            errors.add(f"picked.{code}", Msg("shipping.not_in_shipment", code=code, number=shipment.number))
        else:
            counts[code] = f.integer(errors, f"picked.{code}", value, minimum=0, maximum=1_000_000) or 0
    errors.raise_if_any()
    short = []
    for item in parcel.contents:
        got = counts.get(item["sku_code"], 0)
        item["picked"] = min(got, item["quantity"])
        if got < item["quantity"]:
            short.append({"sku": item["sku_code"], "quantity": item["quantity"] - got})
    flag_modified(parcel, "contents")
    if short:
        orders.hold_order(
            shipment.order_id,
            reason="short pick: " + ", ".join(f"{s['sku']} missing {s['quantity']}" for s in short),
            type="manual",
            problems=[{"sku": s["sku"], "quantity": s["quantity"]} for s in short],
        )
    return shipment


def pack(shipment_id: Any, scans: Sequence[str], *, weight_g: Any = None) -> Shipment:
    """Check the scanned units against the parcel's contents (each scan a SKU code or barcode).
    Any difference is refused naming the SKU; a match marks the shipment packed."""
    shipment = _locked(shipment_id)
    if shipment.status != "labelled":
        raise InvalidTransition(
            Msg("entity.shipment", ref=shipment.number),
            shipment.status,
            "pack",
            Msg("shipping.buy_label_first") if shipment.status == "draft" else "",
        )
    errors = f.Errors()
    weight = f.integer(errors, "weight_g", weight_g, minimum=1, maximum=10_000_000) if weight_g is not None else None
    errors.raise_if_any()
    parcel = shipment.parcels[0]
    by_scan: dict[str, dict[str, Any]] = {}
    for item in parcel.contents:
        by_scan[item["sku_code"]] = item
        if item.get("barcode"):
            by_scan[item["barcode"]] = item
    counted: dict[str, int] = {}
    unknown = []
    for scan in scans:
        item = by_scan.get(scan.strip())
        if item is None:
            unknown.append(scan.strip())
        else:
            counted[item["sku_code"]] = counted.get(item["sku_code"], 0) + 1
    problems: dict[str, list[str]] = {}
    for code in dict.fromkeys(unknown):
        problems.setdefault("scans", []).append(Msg("shipping.not_in_parcel", code=code))
    for item in parcel.contents:
        got = counted.get(item["sku_code"], 0)
        if got != item["quantity"]:
            problems[f"skus.{item['sku_code']}"] = [
                Msg("shipping.scanned_count", sku=item["sku_code"], got=got, quantity=item["quantity"])
            ]
    if problems:
        raise ValidationError(problems, Msg("shipping.parcel_mismatch", problems=[m[0] for m in problems.values()]))
    for item in parcel.contents:
        item["packed"] = item["quantity"]
    flag_modified(parcel, "contents")
    if weight is not None:
        tolerance = get_settings().weight_tolerance_pct
        estimate = parcel.weight_g
        parcel.weight_g = weight
        if estimate and abs(weight - estimate) * 100 > tolerance * estimate:
            # Beyond the tolerance the label's price may be wrong: the carrier is asked again
            # for the weighed parcel and both prices go on the shipment for the seller to act on.
            shipment.error = f"weighed {weight} g against {estimate} g estimated (over {tolerance} %): " + _rerated(
                rerate(shipment)
            )
    shipment.status, shipment.packed_at = "packed", utcnow()
    return shipment


def _rerated(found: dict[str, Any]) -> str:
    if found.get("error"):
        return f"it could not be re-rated ({found['error']}); check the price at the carrier"
    was = f"{found['label_amount']} {found['label_currency']}" if found.get("label_amount") else "unknown"
    now = f"{found['amount']} {found['currency']}"
    if found.get("difference") is None:
        return f"re-rated at {now} (the label cost {was}): compare, and buy the label again if it is dearer"
    if Decimal(found["difference"]) <= 0:
        return f"re-rated at {now} (the label cost {was}): the label stands"
    return f"re-rated at {now} (the label cost {was}): void the label and buy it again for the weighed parcel"
