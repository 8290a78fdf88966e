"""Audit log: every write, who made it and what changed; and event deliveries that failed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core import events
from core.audit import AuditEntry, audit_query
from core.db import session
from core.errors import DomainError
from core.events import EventDelivery, OutboxEvent
from web.audit import records
from web.auth import current_tenant, login_required
from web.forms import action_failed
from web.labels import AUDIT_ACTIONS
from web.pagination import paginate

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")


def _filtered() -> tuple[dict[str, str], Any]:
    """The list's filters (record, actor, action, days in the tenant's time zone) and the
    entries they select."""
    keys = ("entity_type", "entity_id", "actor", "action", "since", "until")
    filters = {key: request.args.get(key, "").strip() for key in keys}
    stmt = audit_query(entity_type=filters["entity_type"] or None, entity_id=filters["entity_id"] or None)
    if filters["actor"]:
        stmt = stmt.where(AuditEntry.actor_label.ilike(f"%{filters['actor']}%"))
    if filters["action"] in AUDIT_ACTIONS:
        stmt = stmt.where(AuditEntry.action == filters["action"])
    since, until = _day(filters["since"]), _day(filters["until"])
    if since is not None:
        stmt = stmt.where(AuditEntry.created_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.created_at < until + timedelta(days=1))
    return filters, stmt


@bp.route("/")
@login_required("audit:read")
def index() -> str:
    filters, stmt = _filtered()
    types = session.execute(select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)).scalars().all()
    return render_template(
        "audit/index.html",
        page=paginate(stmt, per_page=50),
        filters=filters,
        types=sorted(types, key=records.record_label),
        records=records,
        summary=records.SUMMARY_FIELDS,
    )


@bp.route("/export")
@login_required("audit:read")
def index_export() -> Any:
    """The entries the list's filters select: when, who, what (action, record and its id) and
    every changed field as "field: before → after", in the reader's words."""
    from web import exports
    from web.labels import audit_action_label, started_by_label

    def changes(entry: AuditEntry) -> str:
        parts = []
        for label, old, new in records.changes(entry):
            if old is not None and new is not None:
                parts.append(f"{label}: {old} → {new}")
            else:
                parts.append(f"{label}: {new if new is not None else old}")
        return "; ".join(parts)

    return exports.respond(
        "audit",
        [_("When"), _("Who"), _("What"), _("Changes")],
        exports.rows_of(_filtered()[1]),
        lambda e: (
            e.created_at,
            started_by_label(e.actor_label) if e.actor_label else e.actor_type,
            f"{audit_action_label(e.action)} {records.record_label(e.entity_type)} {e.entity_id}",
            changes(e),
        ),
    )


def _day(value: str) -> datetime | None:
    """The start of a day (YYYY-MM-DD) in the tenant's time zone, or None."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(current_tenant().timezone))


@bp.route("/deliveries")
@login_required("audit:read")
def deliveries() -> str:
    """Event deliveries that failed (being retried), gave up (dead) or were parked; a failing
    delivery of an ordered subscriber says how many later events it holds back."""
    stmt = (
        select(EventDelivery, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.id == EventDelivery.event_id)
        .where(EventDelivery.status.in_(events.UNSETTLED_OR_GIVEN_UP))
        .order_by(EventDelivery.updated_at.desc(), EventDelivery.id.desc())
    )
    page = paginate(stmt, scalars=False)
    held = {d.id: events.held_back(d) for d, _ev in page.items}
    return render_template("audit/deliveries.html", page=page, held=held, ordered=events.ordered_handlers())


@bp.route("/deliveries/<uuid:delivery_id>/park", methods=["POST"])
@login_required("audit:park")
def park(delivery_id: uuid.UUID) -> Any:
    try:
        events.park(delivery_id)
    except DomainError as exc:
        return action_failed(exc, url_for(".deliveries"))
    flash(_("Delivery parked: the subscriber will not get this event; later events go on."), "success")
    return redirect(url_for(".deliveries"))
