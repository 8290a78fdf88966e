"""Endpoints of the platform: jobs, the audit log, installed plugins, business events."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from sqlalchemy import select, text

from core import events, jobs
from core.audit import AUDIT_KEYS, audit_query
from core.db import get_or_none, session, system_session
from core.errors import NotFound
from core.events import EventDelivery, OutboxEvent
from core.http import Blueprint, paged, public, requires
from core.platform.schemas import (
    AuditQuerySchema,
    AuditSchema,
    DeliverySchema,
    EventQuerySchema,
    EventSchema,
    HealthSchema,
    JobQuerySchema,
    JobSchema,
    PluginSchema,
)
from core.plugins import registry

blp = Blueprint("platform", __name__, url_prefix="/api/v1", description="Jobs, audit log, plugins, events")


@blp.route("/health")
@blp.response(200, HealthSchema)
@public
def health() -> Any:
    """Whether this process serves requests and reaches its database, for load balancers and
    monitors; no authentication, no tenant. (The benchmarks' baseline: bench/api_latency.py.)"""
    with system_session() as s:
        s.execute(text("SELECT 1"))
    return {"status": "ok"}


@blp.route("/jobs")
class Jobs(MethodView):
    @blp.arguments(JobQuerySchema, location="query")
    @blp.response(200, JobSchema(many=True))
    @blp.paginate(keyset=True)
    @requires("jobs:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Background jobs, newest first, with progress and outcome."""
        stmt = select(jobs.Job)
        if args.get("kind"):
            stmt = stmt.where(jobs.Job.kind == args["kind"])
        if args.get("status"):
            stmt = stmt.where(jobs.Job.status == args["status"])
        return paged(stmt, pagination_parameters, keys=(jobs.Job.created_at.desc(), jobs.Job.id.desc()))


@blp.route("/jobs/<uuid:job_id>")
class JobView(MethodView):
    @blp.response(200, JobSchema)
    @requires("jobs:read")
    def get(self, job_id: uuid.UUID) -> Any:
        row = get_or_none(jobs.Job, job_id)
        if row is None:
            raise NotFound("job", job_id)
        return row


@blp.route("/jobs/<uuid:job_id>/retry", methods=["POST"])
@blp.response(202, JobSchema)
@requires("jobs:write")
def retry_job(job_id: uuid.UUID) -> Any:
    """Run a failed job again."""
    return jobs.retry(job_id)


@blp.route("/audit")
class Audit(MethodView):
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditSchema(many=True))
    @blp.paginate(keyset=True)
    @requires("audit:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Every write: who (user or API key), what, which record, values before and after."""
        return paged(audit_query(**args), pagination_parameters, keys=AUDIT_KEYS)


@blp.route("/plugins")
class Plugins(MethodView):
    @blp.response(200, PluginSchema(many=True))
    @requires("connections:read")
    def get(self) -> Any:
        """Installed plugins, what they provide, and any that failed to load."""
        reg = registry()
        out = []
        for record in sorted(reg.records.values(), key=lambda r: (r.kind, r.name)):
            adapters = []
            for ref in record.adapters:
                kind, _, name = ref.partition(":")
                info = reg.adapters[kind][name]
                adapters.append(
                    {
                        "kind": kind,
                        "name": name,
                        "display_name": info.display_name,
                        "capabilities": sorted(info.capabilities),
                        "settings": info.settings_schema(),
                    }
                )
            out.append({**record.__dict__, "adapters": adapters})
        return out


@blp.route("/events")
class Events(MethodView):
    @blp.arguments(EventQuerySchema, location="query")
    @blp.response(200, EventSchema(many=True))
    @blp.paginate(keyset=True)
    @requires("audit:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Business events, newest first (ids are uuid7: they increase with time); filter by
        name or by the record they concern."""
        stmt = select(OutboxEvent)
        for key in ("name", "entity_type", "entity_id"):
            if args.get(key):
                stmt = stmt.where(getattr(OutboxEvent, key) == args[key])
        return paged(stmt, pagination_parameters, keys=(OutboxEvent.id.desc(),))


@blp.route("/events/failed-deliveries")
class FailedDeliveries(MethodView):
    @blp.response(200, DeliverySchema(many=True))
    @blp.paginate()
    @requires("audit:read")
    def get(self, pagination_parameters: Any) -> Any:
        """Event deliveries that failed (retrying), gave up (dead) or were parked by staff. A
        failing delivery of an ordered subscriber holds back its later events (`held_back`)."""
        stmt = (
            select(EventDelivery, OutboxEvent.name)
            .join(OutboxEvent, OutboxEvent.id == EventDelivery.event_id)
            .where(EventDelivery.status.in_(events.UNSETTLED_OR_GIVEN_UP))
            .order_by(EventDelivery.updated_at.desc())
        )
        rows = paged(stmt, pagination_parameters, scalars=False)
        ordered = events.ordered_handlers()
        return [
            {
                **{
                    c: getattr(d, c)
                    for c in ("id", "event_id", "handler", "status", "attempts", "last_error", "retry_at", "updated_at")
                },
                "event_name": name,
                "ordered": d.handler in ordered,
                "held_back": events.held_back(d),
            }
            for d, name in rows
        ]


@blp.route("/events/failed-deliveries/<uuid:delivery_id>/park", methods=["POST"])
@blp.response(200, DeliverySchema)
@requires("audit:park")
def park_delivery(delivery_id: uuid.UUID) -> Any:
    """Give up on a failing delivery (409 unless it is failing): the subscriber will not get
    the event, and an ordered subscriber goes on with the events it held back."""
    d = events.park(delivery_id)
    name = session.execute(select(OutboxEvent.name).where(OutboxEvent.id == d.event_id)).scalar_one()
    cols = ("id", "event_id", "handler", "status", "attempts", "last_error", "retry_at", "updated_at")
    return {**{c: getattr(d, c) for c in cols}, "event_name": name, "ordered": d.handler in events.ordered_handlers()}
