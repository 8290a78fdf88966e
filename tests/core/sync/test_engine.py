"""The order sync's own rules: windows and their overlap, the cursor saved only with committed
orders, resuming, errors recorded with the channel's words, refused credentials, "sync now"
deduplicated, and the schedule."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update

from core import connections
from core.db import session, system_session, utcnow
from core.sync.jobs import due_connections
from core.sync.models import SyncState
from tests.core.sync.helpers import LIST_PATHS
from tests.support import body


def test_windows_overlap_by_the_connections_setting_and_resync_nothing(tenant_a, connect):
    channel = connect(tenant_a, "shopify")
    channel.generate(5)
    channel.settle()
    assert tenant_a.api.patch(f"connections/{channel.conn}/sync-settings", {"overlap_seconds": 120}).status_code == 200
    first = channel.sync()
    channel.settle(3)
    second = channel.sync()
    assert (first["orders_created"], second["orders_created"], second["orders_unchanged"]) == (5, 0, 0)
    assert second["window_start"] == _iso(first["window_end"], -120)
    state = body(tenant_a.api.get(f"connections/{channel.conn}/sync-settings"))
    assert state["high_water"] == second["window_end"] and state["window_in_progress"] is None


def _iso(value: str, seconds: int) -> str:
    from datetime import datetime

    return (datetime.fromisoformat(value) + timedelta(seconds=seconds)).isoformat()


def test_a_window_that_keeps_failing_keeps_its_committed_pages_and_resumes_after(tenant_a, connect, undispatched):
    channel = connect(tenant_a, "shopify")
    seeded = set(channel.generate(600, hours=12))  # three pages of 250
    failing = channel.emulator.fail_next(LIST_PATHS["shopify"], skip=1, times=10_000)
    channel.settle()
    run = channel.sync()
    # Page 1 went in; every attempt of the job then continued at page 2, and failed there.
    assert run["status"] == "failed" and run["attempts"] == 4, run
    assert run["orders_created"] == 250 and run["error"] == "TransientError: Shopify 500: Internal Server Error"
    assert channel.order_count() == 250
    conn = body(tenant_a.api.get(f"connections/{channel.conn}"))
    assert conn["status"] == "error" and conn["last_error"] == run["error"]
    progress = body(tenant_a.api.get(f"connections/{channel.conn}/sync-settings"))["window_in_progress"]
    assert progress["pages_done"] == 1

    channel.emulator.fail_rules.remove(failing)
    resumed = channel.sync()
    assert resumed["status"] == "succeeded" and resumed["resumed"] is True
    assert resumed["orders_created"] == 350 and resumed["window_start"] == run["window_start"]
    assert {o.external_order_id for o in channel.orders()} == seeded and channel.order_count() == 600
    assert body(tenant_a.api.get(f"connections/{channel.conn}"))["status"] == "ok"


def test_an_order_whose_lines_cannot_be_read_is_reported_and_the_rest_imported(tenant_a, connect):
    channel = connect(tenant_a, "amazon", fba_share=0)
    first, *rest = channel.generate(4)
    channel.emulator.fail_next(f"/orders/v0/orders/{first}/orderItems", status=400)
    channel.settle()
    run = channel.sync()
    assert run["status"] == "succeeded"
    assert (run["orders_created"], run["orders_rejected"], run["error_count"]) == (3, 1, 1)
    (error,) = run["errors"]
    assert error["order"] == first and error["message"].startswith("lines could not be fetched: RemoteRejected")
    assert {o.external_order_id for o in channel.orders()} == set(rest)


def test_refused_credentials_mark_the_connection_and_pause_the_schedule_until_fixed(tenant_a, connect):
    channel = connect(tenant_a, "shopify")
    good = channel.emulator.connection_settings(channel.base_url)["access_token"]
    assert (
        tenant_a.api.patch(
            f"connections/{channel.conn}", {"settings": {"access_token": "shpat_wrong-token-123"}}
        ).status_code
        == 200
    )
    run = channel.sync()
    assert run["status"] == "failed" and run["attempts"] == 1  # not retried: the seller must act
    assert run["error"].startswith("AuthError") and "shpat_wrong-token-123" not in str(run)
    conn = body(tenant_a.api.get(f"connections/{channel.conn}"))
    assert conn["status"] == "error" and conn["last_error"].startswith("AuthError")

    def due() -> bool:
        with tenant_a.scope():  # as if the last run started an hour ago
            session.execute(
                update(SyncState)
                .where(SyncState.connection_id == channel.connection_id)
                .values(last_started_at=utcnow() - timedelta(hours=1))
            )
        with system_session() as s:
            return any(args["connection_id"] == channel.conn for _, args in due_connections(s))

    assert not due()
    assert tenant_a.api.patch(f"connections/{channel.conn}", {"settings": {"access_token": good}}).status_code == 200
    assert due()
    assert channel.sync()["status"] == "succeeded"
    assert body(tenant_a.api.get(f"connections/{channel.conn}"))["status"] == "ok"


def test_sync_now_pressed_twice_queues_one_sync(tenant_a, connect, held):
    channel = connect(tenant_a, "woocommerce")
    channel.generate(3)
    channel.settle()
    first = tenant_a.api.post(f"connections/{channel.conn}/sync")
    second = tenant_a.api.post(f"connections/{channel.conn}/sync")
    assert first.status_code == second.status_code == 202
    assert body(first)["job_id"] == body(second)["job_id"] and body(first)["status"] == "queued"
    assert len(held.submitted) == 1
    held.run_all()
    (run,) = body(tenant_a.api.get(f"connections/{channel.conn}/sync-runs"))
    assert run["orders_created"] == 3 and str(run["job_id"]) == body(first)["job_id"]
    job = body(tenant_a.api.get(f"jobs/{body(first)['job_id']}"))
    assert job["status"] == "succeeded" and job["message"].startswith("page 1: 3 orders, 3 new")


def test_the_schedule_syncs_each_connection_when_its_interval_has_passed(tenant_a, tenant_b, connect):
    a, b = connect(tenant_a, "shopify"), connect(tenant_b, "aliexpress")
    manual = connect(tenant_a, "woocommerce")
    assert tenant_a.api.patch(f"connections/{manual.conn}/sync-settings", {"interval_minutes": 0}).status_code == 200
    off = connect(tenant_b, "amazon")
    assert tenant_b.api.patch(f"connections/{off.conn}", {"enabled": False}).status_code == 200

    def due() -> dict[str, uuid.UUID]:
        with system_session() as s:
            return {args["connection_id"]: tenant for tenant, args in due_connections(s)}

    found = due()
    assert found[a.conn] == tenant_a.id and found[b.conn] == tenant_b.id
    assert manual.conn not in found and off.conn not in found
    a.settle()
    assert a.sync()["status"] == "succeeded"
    assert a.conn not in due()  # just ran; due again after its 15 minutes
    assert tenant_a.api.patch(f"connections/{a.conn}/sync-settings", {"interval_minutes": 1}).status_code == 200
    with tenant_a.scope():
        session.execute(
            update(SyncState)
            .where(SyncState.connection_id == a.connection_id)
            .values(last_started_at=utcnow() - timedelta(minutes=2))
        )
    assert a.conn in due()


def test_a_disabled_connection_does_not_sync(tenant_a, connect):
    channel = connect(tenant_a, "shopify")
    assert tenant_a.api.patch(f"connections/{channel.conn}", {"enabled": False}).status_code == 200
    resp = tenant_a.api.post(f"connections/{channel.conn}/sync")
    assert resp.status_code == 409 and "disabled" in body(resp)["message"]
    assert body(tenant_a.api.get(f"connections/{channel.conn}/sync-runs")) == []


def test_recorded_errors_never_carry_credentials():
    from core.ports import RemoteRejected, Secret

    class Adapter:
        class ctx:  # noqa: N801 - mirrors adapter.ctx
            credentials = {"token": Secret("s3cr3t-value"), "pin": Secret("42")}

    text = connections.describe(RemoteRejected("refused request ?token=s3cr3t-value for 42 units"), Adapter())
    assert text == "RemoteRejected: refused request ?token=*** for 42 units"


def test_a_window_listed_again_fetches_no_lines_of_orders_already_imported(tenant_a, connect):
    """Amazon lists orders without their items; getOrderItems is rate-limited to one call every
    two seconds. Orders whose version is already here are not fetched again; a changed one is."""
    channel = connect(tenant_a, "amazon", fba_share=0)
    ids = channel.generate(6, hours=6)
    channel.settle()
    assert channel.sync()["orders_created"] == 6
    with tenant_a.scope():  # the window starts over, as after a restore or a widened overlap
        session.execute(
            update(SyncState)
            .where(SyncState.connection_id == channel.connection_id)
            .values(high_water=channel.clock.now() - timedelta(hours=12))
        )
    channel.emulator.change_order(ids[0], "cancel")
    channel.settle()
    calls = channel.emulator.calls
    again = channel.sync()
    assert (again["orders_created"], again["orders_updated"], again["orders_unchanged"]) == (0, 1, 5), again
    assert channel.emulator.calls - calls == again["pages"] + 1, "the order lists and the changed order's items"
    assert {o.external_order_id: o.status for o in channel.orders()}[ids[0]] == "cancelled"
