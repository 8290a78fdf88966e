"""Audit log: every write, who made it and what changed; and event deliveries that failed."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from core.audit import AuditEntry, audit_query
from core.db import session
from core.events import EventDelivery, OutboxEvent
from web.auth import login_required
from web.labels import AUDIT_ACTIONS
from web.pagination import paginate

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")


@bp.route("/")
@login_required("audit:read")
def index() -> str:
    filters = {key: request.args.get(key, "").strip() for key in ("entity_type", "entity_id", "actor", "action")}
    stmt = audit_query(entity_type=filters["entity_type"] or None, entity_id=filters["entity_id"] or None)
    if filters["actor"]:
        stmt = stmt.where(AuditEntry.actor_label.ilike(f"%{filters['actor']}%"))
    if filters["action"] in AUDIT_ACTIONS:
        stmt = stmt.where(AuditEntry.action == filters["action"])
    types = session.execute(select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)).scalars().all()
    return render_template("audit/index.html", page=paginate(stmt, per_page=50), filters=filters, types=types)


@bp.route("/deliveries")
@login_required("audit:read")
def deliveries() -> str:
    """Event deliveries that failed (being retried) or gave up (dead)."""
    stmt = (select(EventDelivery, OutboxEvent)
            .join(OutboxEvent, OutboxEvent.id == EventDelivery.event_id)
            .where(EventDelivery.status.in_(("failed", "dead")))
            .order_by(EventDelivery.updated_at.desc(), EventDelivery.id.desc()))
    return render_template("audit/deliveries.html", page=paginate(stmt, scalars=False))
