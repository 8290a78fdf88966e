"""Use cases of shipping. Other capabilities, the API and the portal use the names below; the
submodules are this package's own business."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.db import session
from core.jobs import Job
from core.shipping.models import STATUSES, TRACKING_STATUSES, LabelBatch, Shipment
from core.shipping.service.batches import (
    batch_labels,
    batch_query,
    get_batch,
    items_of,
    labels_of,
    print_file,
    summary_of,
)
from core.shipping.service.batches import retry_failed as retry_batch
from core.shipping.service.batches import start as start_batch
from core.shipping.service.picking import pack, pick_list_pdf, pick_rows, record_pick
from core.shipping.service.planner import ShippingPlanner, connected_carriers
from core.shipping.service.settings import get_settings, update_settings
from core.shipping.service.settings import view as settings_view
from core.shipping.service.shipments import (
    buy_label,
    choose,
    documents_of,
    get_document,
    get_shipment,
    hand_over,
    label_of,
    live_shipment,
    mark_label_printed,
    prepare,
    quotes_of,
    rate,
    release_claim,
    shipment_by_tracking,
    shipment_query,
    shipments_of,
    void,
)
from core.shipping.service.slips import packing_slips_pdf
from core.shipping.service.tracking import events_of, track


def quote_order(order_id: Any, *, connection_id: Any = None, service: str | None = None) -> Shipment:
    """Rate the order's shipment and choose, without buying."""
    shipment = prepare(order_id)
    if shipment.status == "draft":
        choose(shipment, rate(shipment, connection_id=connection_id, service=service))
    return shipment


def detail(shipment: Shipment) -> dict[str, Any]:
    """A shipment as the API and the portal show it."""
    label = label_of(shipment)
    return {
        **{c.key: getattr(shipment, c.key) for c in Shipment.__mapper__.column_attrs},
        "parcels": list(shipment.parcels),
        "quotes": quotes_of(shipment),
        "label": label,
        "documents": documents_of(shipment),
        "events": events_of(shipment),
    }


def batch_views(batches: list[LabelBatch], *, items: bool = False) -> list[dict[str, Any]]:
    """Batches as the API and the portal show them: progress, counts, and with `items` each
    order's outcome."""
    counts = summary_of([b.id for b in batches])
    job_ids = [b.job_id for b in batches if b.job_id]
    progress = dict(session.execute(select(Job.id, Job.progress).where(Job.id.in_(job_ids))).all()) if job_ids else {}
    return [
        {
            **{c.key: getattr(b, c.key) for c in LabelBatch.__mapper__.column_attrs},
            "progress": progress.get(b.job_id, 0),
            "summary": counts[b.id],
            **({"items": items_of(b)} if items else {}),
        }
        for b in batches
    ]


def batch_view(batch: LabelBatch) -> dict[str, Any]:
    return batch_views([batch], items=True)[0]


__all__ = [
    "STATUSES",
    "TRACKING_STATUSES",
    "ShippingPlanner",
    "batch_labels",
    "batch_query",
    "batch_view",
    "batch_views",
    "buy_label",
    "choose",
    "connected_carriers",
    "detail",
    "documents_of",
    "events_of",
    "get_batch",
    "get_document",
    "get_settings",
    "items_of",
    "get_shipment",
    "hand_over",
    "label_of",
    "shipment_by_tracking",
    "labels_of",
    "live_shipment",
    "mark_label_printed",
    "pack",
    "packing_slips_pdf",
    "pick_list_pdf",
    "pick_rows",
    "prepare",
    "print_file",
    "quote_order",
    "quotes_of",
    "rate",
    "record_pick",
    "release_claim",
    "retry_batch",
    "settings_view",
    "shipment_query",
    "shipments_of",
    "start_batch",
    "track",
    "update_settings",
    "void",
]
