"""The sync API: roles, validation that names the field, another tenant's ids, pagination,
runs with their counts, webhook subscriptions, and the OpenAPI description."""

from __future__ import annotations

import json

from tests.support import body, pagination


def test_roles_decide_who_reads_syncs_and_changes_rules(tenant_a, connect):
    channel = connect(tenant_a, "shopify")
    path = f"connections/{channel.conn}"
    viewer = tenant_a.client_with_roles("viewer")
    operations = tenant_a.client_with_roles("operations")
    warehouse = tenant_a.client_with_roles("warehouse")
    assert viewer.get(f"{path}/sync-settings").status_code == 200
    assert viewer.get(f"{path}/sync-runs").status_code == 200
    assert viewer.post(f"{path}/sync").status_code == 403
    assert viewer.patch(f"{path}/sync-settings", {"stock_buffer": 2}).status_code == 403
    assert operations.post(f"{path}/sync").status_code == 202  # connections:sync
    assert operations.post(f"{path}/push-stock", {}).status_code == 202
    assert operations.patch(f"{path}/sync-settings", {"stock_buffer": 2}).status_code == 403
    assert operations.post(f"{path}/webhooks/subscribe").status_code == 403
    assert warehouse.get(f"{path}/sync-runs").status_code == 403
    assert warehouse.get("sync/runs").status_code == 403


def test_bad_rules_are_refused_naming_each_field(tenant_a, connect):
    channel = connect(tenant_a, "woocommerce")
    path = f"connections/{channel.conn}/sync-settings"
    resp = tenant_a.api.patch(path, {"stock_percent": 150, "interval_minutes": -1, "overlap": 5})
    assert resp.status_code == 422
    assert {"stock_percent", "interval_minutes", "overlap"} <= set(body(resp)["errors"])
    assert tenant_a.api.patch(path, {"stock_maximum": "many"}).status_code == 422
    assert tenant_a.api.patch(path, {"warehouse_ids": ["not-an-id"]}).status_code == 422
    ok = tenant_a.api.patch(path, {"stock_maximum": 20, "zero_out_level": 2, "interval_minutes": 0})
    assert ok.status_code == 200
    rules = body(tenant_a.api.get(path))
    assert (rules["stock_maximum"], rules["zero_out_level"], rules["interval_minutes"], rules["stock_percent"]) == (
        20,
        2,
        0,
        100,
    )
    assert body(tenant_a.api.patch(path, {"stock_maximum": None}))["stock_maximum"] is None


def test_another_tenants_connection_and_runs_are_not_found(tenant_a, tenant_b, connect):
    theirs = connect(tenant_b, "shopify")
    theirs.generate(2)
    theirs.settle()
    run = theirs.sync()
    for path in (
        f"connections/{theirs.conn}/sync-settings",
        f"connections/{theirs.conn}/sync-runs",
        f"connections/{theirs.conn}/listings",
        f"connections/{theirs.conn}/webhooks",
        f"sync/runs/{run['id']}",
    ):
        assert tenant_a.api.get(path).status_code == 404, path
    assert tenant_a.api.post(f"connections/{theirs.conn}/sync").status_code == 404
    assert tenant_a.api.patch(f"connections/{theirs.conn}/sync-settings", {"stock_buffer": 9}).status_code == 404
    assert body(tenant_a.api.get("sync/runs")) == []
    assert body(tenant_b.api.get(f"connections/{theirs.conn}/sync-settings"))["stock_buffer"] == 0


def test_runs_list_with_their_counts_newest_first_and_paginated(tenant_a, connect):
    shop, woo = connect(tenant_a, "shopify"), connect(tenant_a, "woocommerce")
    shop.generate(4)
    woo.generate(2)
    shop.settle()
    woo.settle()
    first = shop.sync()
    woo.sync()
    shop.settle()
    shop.sync()
    resp = tenant_a.api.get("sync/runs?page_size=2")
    assert pagination(resp)["total"] == 3 and len(body(resp)) == 2
    runs = body(tenant_a.api.get(f"sync/runs?connection_id={shop.conn}"))
    assert [r["orders_created"] for r in runs] == [0, 4]
    detail = body(tenant_a.api.get(f"sync/runs/{first['id']}"))
    assert detail["status"] == "succeeded" and detail["progress"] == 100 and detail["pages"] == 1
    assert detail["window_start"] < detail["window_end"] and detail["duration_ms"] >= detail["store_ms"]
    assert body(tenant_a.api.get("sync/runs?status=failed")) == []
    assert tenant_a.api.get("sync/runs?status=exploded").status_code == 422


def test_webhooks_are_subscribed_at_the_public_url(app, tenant_a, connect):
    shop = connect(tenant_a, "shopify")
    for _ in range(2):  # safe to repeat
        resp = tenant_a.api.post(f"connections/{shop.conn}/webhooks/subscribe")
        assert resp.status_code == 200, body(resp)
    url = f"{app.config['PUBLIC_URL']}/webhooks/shopify/{shop.conn}"
    assert body(resp)["webhook_url"] == url
    subscribed = sorted((s["topic"], s["address"]) for s in shop.emulator.subscriptions)
    assert subscribed == [("orders/create", url), ("orders/updated", url)]
    assert body(tenant_a.api.get(f"connections/{shop.conn}/sync-settings"))["webhook_url"] == url
    amazon = connect(tenant_a, "amazon")
    refused = tenant_a.api.post(f"connections/{amazon.conn}/webhooks/subscribe")
    assert refused.status_code == 409 and "cannot subscribe" in body(refused)["message"]


def test_openapi_describes_the_sync_endpoints_and_the_webhook_receiver(app):
    spec = json.loads(app.test_client().get("/api/v1/openapi.json").data)
    for path in (
        "/api/v1/connections/{connection_id}/sync",
        "/api/v1/connections/{connection_id}/sync-settings",
        "/api/v1/sync/runs",
        "/api/v1/sync/pushes",
        "/api/v1/connections/{connection_id}/listings",
        "/webhooks/{channel}/{connection_id}",
    ):
        assert path in spec["paths"], path
