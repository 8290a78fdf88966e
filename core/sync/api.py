"""REST endpoints of the channel sync: rules per connection, "sync now", sync runs with live
progress, listings and what they publish, stock pushes, push-back records, webhook receipts
and subscriptions; and the public webhook receiver `POST /webhooks/<channel>/<connection>`."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, g, jsonify, request
from flask.views import MethodView

from core.http import Blueprint, paged, public, requires
from core.sync import rules, service, webhooks
from core.sync.models import SyncRun
from core.sync.schemas import (
    ListingStockSchema,
    StockPushInSchema,
    SyncJobSchema,
    SyncPushQuerySchema,
    SyncPushSchema,
    SyncRunQuerySchema,
    SyncRunSchema,
    SyncSettingsInSchema,
    SyncSettingsSchema,
    WebhookReceiptSchema,
    WebhookSubscriptionSchema,
)
from core.tenancy import Actor, actor_context, tenant_context

API = "/api/v1"
blp = Blueprint("sync", __name__, description="Channel sync: orders in, shipments and stock out, webhooks")


def _settings_out(connection_id: uuid.UUID) -> dict[str, Any]:
    conn = service.channel_connection(connection_id)
    settings = service.settings_for(conn.id)
    state = service.state_for(conn.id)
    out = {name: getattr(settings, name) for name in rules.FIELDS}
    out["connection_id"] = conn.id
    out["webhook_url"] = state.webhook_url if state else None
    out["webhook_topics"] = state.webhook_topics if state else None
    out["high_water"] = state.high_water if state else None
    out["window_in_progress"] = (
        {"start": state.window_start.isoformat(), "end": state.window_end.isoformat(), "pages_done": state.window_pages}
        if state and state.window_end and state.window_start
        else None
    )
    return out


def _run_out(run: SyncRun) -> dict[str, Any]:
    out = {c: getattr(run, c) for c in SyncRunSchema().fields if hasattr(run, c)}
    out["progress"], out["progress_message"] = service.run_progress(run)
    return out


def _job_out(job: Any) -> tuple[dict[str, Any], int]:
    return {"job_id": job.id, "status": job.status}, 202


@blp.route(f"{API}/connections/<uuid:connection_id>/sync-settings")
class SyncSettingsView(MethodView):
    @blp.response(200, SyncSettingsSchema)
    @requires("connections:read")
    def get(self, connection_id: uuid.UUID) -> Any:
        """The connection's sync rules and where its order sync stands."""
        return _settings_out(connection_id)

    @blp.arguments(SyncSettingsInSchema(partial=True))
    @blp.response(200, SyncSettingsSchema)
    @requires("connections:write")
    def patch(self, data: dict[str, Any], connection_id: uuid.UUID) -> Any:
        """Change some rules. Changed stock rules publish the new quantities at once."""
        if data.get("warehouse_ids") is not None:
            data["warehouse_ids"] = [str(w) for w in data["warehouse_ids"]]
        service.update_settings(connection_id, **data)
        return _settings_out(connection_id)


@blp.route(f"{API}/connections/<uuid:connection_id>/sync", methods=["POST"])
@blp.response(202, SyncJobSchema)
@requires("connections:sync")
def sync_now(connection_id: uuid.UUID) -> Any:
    """Sync the connection's orders now. Pressed twice, one sync is queued; follow it at
    `GET /jobs/{job_id}` or in the connection's sync runs."""
    return _job_out(service.request_sync(connection_id, trigger="manual"))


@blp.route(f"{API}/connections/<uuid:connection_id>/sync-runs")
@blp.response(200, SyncRunSchema(many=True))
@blp.paginate()
@requires("connections:read")
def connection_runs(connection_id: uuid.UUID, pagination_parameters: Any) -> Any:
    """The connection's sync runs, newest first."""
    conn = service.channel_connection(connection_id)
    return [_run_out(r) for r in paged(service.runs_query(connection_id=conn.id), pagination_parameters)]


@blp.route(f"{API}/sync/runs")
@blp.arguments(SyncRunQuerySchema, location="query")
@blp.response(200, SyncRunSchema(many=True))
@blp.paginate()
@requires("connections:read")
def runs(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Sync runs of every connection, newest first; filter by connection and status."""
    return [_run_out(r) for r in paged(service.runs_query(**args), pagination_parameters)]


@blp.route(f"{API}/sync/runs/<uuid:run_id>")
@blp.response(200, SyncRunSchema)
@requires("connections:read")
def run(run_id: uuid.UUID) -> Any:
    """One run, with its progress while it runs and its errors."""
    return _run_out(service.get_run(run_id))


@blp.route(f"{API}/connections/<uuid:connection_id>/listings")
@blp.response(200, ListingStockSchema(many=True))
@blp.paginate()
@requires("connections:read")
def listings(connection_id: uuid.UUID, pagination_parameters: Any) -> Any:
    """The connection's listings (mapped, or seen on its orders) with the quantity each
    publishes under the connection's rules, and what was last pushed."""
    items = service.listing_stock(connection_id)
    pagination_parameters.item_count = len(items)
    first = pagination_parameters.first_item
    return items[first : first + pagination_parameters.page_size]


@blp.route(f"{API}/connections/<uuid:connection_id>/push-stock", methods=["POST"])
@blp.arguments(StockPushInSchema)
@blp.response(202, SyncJobSchema)
@requires("connections:sync")
def push_stock(data: dict[str, Any], connection_id: uuid.UUID) -> Any:
    """Publish listing quantities now (every listing unless `force` is false)."""
    return _job_out(service.request_stock_push(connection_id, force=data["force"]))


@blp.route(f"{API}/sync/pushes")
@blp.arguments(SyncPushQuerySchema, location="query")
@blp.response(200, SyncPushSchema(many=True))
@blp.paginate()
@requires("connections:read")
def pushes(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Shipment confirmations and stock pushes, newest first, failures included."""
    return paged(service.pushes_query(**args), pagination_parameters)


@blp.route(f"{API}/sync/pushes/<uuid:push_id>/retry", methods=["POST"])
@blp.response(202, SyncJobSchema)
@requires("connections:sync")
def retry_push(push_id: uuid.UUID) -> Any:
    """Run a failed push again."""
    return _job_out(service.retry_push(push_id))


@blp.route(f"{API}/connections/<uuid:connection_id>/webhooks")
@blp.response(200, WebhookReceiptSchema(many=True))
@blp.paginate()
@requires("connections:read")
def webhook_receipts(connection_id: uuid.UUID, pagination_parameters: Any) -> Any:
    """Verified webhook deliveries and what became of them, newest first."""
    conn = service.channel_connection(connection_id)
    return paged(service.webhooks_query(conn.id), pagination_parameters)


@blp.route(f"{API}/connections/<uuid:connection_id>/webhooks/subscribe", methods=["POST"])
@blp.response(200, WebhookSubscriptionSchema)
@requires("connections:write")
def subscribe(connection_id: uuid.UUID) -> Any:
    """Ask the channel to send order webhooks to this deployment's public URL."""
    return service.subscribe_webhooks(connection_id, current_app.config["PUBLIC_URL"])


@blp.route("/webhooks/<channel>/<uuid:connection_id>", methods=["POST"])
@public
def receive_webhook(channel: str, connection_id: uuid.UUID) -> Any:
    """A channel's order webhook. The signature is checked over the raw body: 401 and nothing
    stored when it does not verify. A repeated delivery answers `duplicate`."""
    tenant_id = webhooks.tenant_of(channel, connection_id)
    g._contexts.enter_context(tenant_context(tenant_id))
    g._contexts.enter_context(actor_context(Actor("system", None, f"webhook:{channel}")))
    return jsonify(webhooks.receive(connection_id, dict(request.headers), request.get_data())), 200
