"""The embedded demo's purchasing: requests, orders through their life cycle, a receipt with
failed QC units and a replenishment run, seeded through the services with stock consistent
with the ledger, on PostgreSQL (the suite's database) and on SQLite (the demo's)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from core import connections
from core.demo import seed_demo
from core.plugins import registry
from core.purchasing import demo as purchasing_demo
from core.sync import demo as sync_demo
from core.testing import VirtualClock
from tests.support import scope

ROOT = Path(__file__).resolve().parents[3]


def summary() -> dict[str, Any]:
    """What the demo tenant's purchasing holds, as JSON values (the SQLite run prints it)."""
    from core.catalog.models import Sku
    from core.db import session
    from core.inventory.models import Warehouse
    from core.inventory.service import list_buckets
    from core.inventory.service.reconcile import verify
    from core.purchasing.models import PurchaseOrder, Receipt, ReplenishmentSuggestion, StockingRequest
    from core.purchasing.service.replenishment import latest_run
    from core.purchasing.service.returns import returnable

    codes = dict(session.execute(select(Sku.id, Sku.code)).all())
    warehouses = dict(session.execute(select(Warehouse.id, Warehouse.code)).all())
    requests = [
        {
            "number": r.number,
            "status": r.status,
            "sku": codes[r.sku_id],
            "quantity": r.quantity,
            "on_order": bool(r.purchase_order_id),
            "note": r.note,
        }
        for r in session.execute(select(StockingRequest).order_by(StockingRequest.number)).scalars()
    ]
    orders = []
    for po in session.execute(select(PurchaseOrder).order_by(PurchaseOrder.number)).scalars():
        orders.append(
            {
                "number": po.number,
                "status": po.status,
                "warehouse": warehouses[po.warehouse_id],
                "sent": po.sent_at is not None,
                "confirmed": po.confirmed_at is not None,
                "supplier_reference": po.supplier_reference,
                "tracking": [t.tracking_number for t in po.trackings],
                "expected_date": po.expected_date.isoformat() if po.expected_date else None,
                "note": po.note,
                "total": str(po.total),
                "returnable": sum(returnable(po).values()),
                "lines": [
                    {
                        "sku": codes[line.sku_id],
                        "quantity": line.quantity,
                        "received": line.received_quantity,
                        "passed": line.passed_quantity,
                        "failed": line.failed_quantity,
                    }
                    for line in po.lines
                ],
            }
        )
    receipts = [
        {
            "number": r.number,
            "status": r.status,
            "tracking": r.tracking_number,
            "lines": [
                {
                    "sku": codes[rl.sku_id],
                    "quantity": rl.quantity,
                    "qc": rl.qc_status,
                    "passed": rl.passed_quantity,
                    "failed": rl.failed_quantity,
                    "reasons": rl.defect_reasons,
                    "bin": bool(rl.location_id),
                }
                for rl in r.lines
            ],
        }
        for r in session.execute(select(Receipt).order_by(Receipt.number)).scalars()
    ]
    run = latest_run()
    suggestions = (
        []
        if run is None
        else [
            {
                "sku": codes[s.sku_id],
                "warehouse": warehouses[s.warehouse_id],
                "status": s.status,
                "requested": s.requested,
                "inbound_ordered": s.inbound_ordered,
                "available": s.available,
            }
            for s in session.execute(
                select(ReplenishmentSuggestion).where(ReplenishmentSuggestion.run_id == run.id)
            ).scalars()
        ]
    )
    buckets = {
        f"{codes[b.sku_id]}@{warehouses[b.warehouse_id]}": {
            "on_hand": b.on_hand,
            "qc_pending": b.qc_pending,
            "unsellable": b.unsellable,
            "inbound_ordered": b.inbound_ordered,
        }
        for b in list_buckets()
    }
    report = verify()
    return {
        "requests": requests,
        "orders": orders,
        "receipts": receipts,
        "buckets": buckets,
        "run": None if run is None else {"status": run.status, "evaluated": run.evaluated},
        "suggestions": suggestions,
        "balances": report.balances,
        "drifts": report.to_json()["drifts"],
    }


def check(s: dict[str, Any]) -> None:
    """The demo's purchasing is in the states docs/purchasing.md promises, and stock agrees."""
    q, mugs, arrived, failed = (
        purchasing_demo.ORDER_QUANTITY,
        purchasing_demo.MUGS_ORDERED,
        purchasing_demo.MUGS_ARRIVED,
        purchasing_demo.MUGS_FAILED,
    )
    assert s["drifts"] == [] and s["balances"] > 0

    reqs = {r["number"]: r for r in s["requests"]}
    assert sorted(r["status"] for r in reqs.values()) == ["approved", "ordered", "ordered", "submitted"]
    assert all(r["note"] for r in reqs.values())
    (submitted,) = [r for r in reqs.values() if r["status"] == "submitted"]
    (to_purchase,) = [r for r in reqs.values() if r["status"] == "approved"]
    assert not submitted["on_order"] and not to_purchase["on_order"]
    assert submitted["sku"].startswith("SPU000002") and submitted["quantity"] == mugs  # the mug
    assert to_purchase["sku"].startswith("SPU000001") and to_purchase["quantity"] == q  # a T-shirt

    by_status = {po["status"]: po for po in s["orders"]}
    assert sorted(by_status) == ["approved", "draft", "partially_received", "received"]
    assert len(s["orders"]) == 4 and all(po["warehouse"] == "SZ" and po["note"] for po in s["orders"])

    draft = by_status["draft"]
    assert not draft["sent"] and draft["tracking"] == [] and draft["expected_date"] is None
    assert sorted(line["sku"] for line in draft["lines"]) == sorted(
        r["sku"] for r in reqs.values() if r["status"] == "ordered"
    )

    sent = by_status["approved"]
    assert sent["sent"] and sent["confirmed"] and sent["supplier_reference"] and len(sent["tracking"]) == 1
    assert sent["expected_date"] and all(line["received"] == 0 for line in sent["lines"])

    partial = by_status["partially_received"]
    (mug_line,) = partial["lines"]
    assert mug_line == {
        "sku": submitted["sku"],
        "quantity": mugs,
        "received": arrived,
        "passed": arrived - failed,
        "failed": failed,
    }
    assert partial["returnable"] == failed  # a return to the supplier can take the failed units

    full = by_status["received"]
    assert (
        all(
            line["received"] == line["passed"] == line["quantity"] == q and line["failed"] == 0
            for line in full["lines"]
        )
        and len(full["lines"]) == 2
    )

    assert len(s["receipts"]) == 2 and all(r["status"] == "inspected" and r["tracking"] for r in s["receipts"])
    rlines = [rl for r in s["receipts"] for rl in r["lines"]]
    assert all(rl["qc"] == "inspected" and rl["bin"] for rl in rlines)
    (with_defects,) = [rl for rl in rlines if rl["failed"]]
    assert with_defects["failed"] == failed and len(with_defects["reasons"]) == 2

    # Stock: the receipts went through QC (nothing left in it), failed mugs are unsellable, and
    # what is still to come from the approved orders is inbound.
    sz = {key.split("@")[0]: b for key, b in s["buckets"].items() if key.endswith("@SZ")}
    assert all(b["qc_pending"] == 0 for b in s["buckets"].values())
    assert {sku: b["unsellable"] for sku, b in sz.items() if b["unsellable"]} == {submitted["sku"]: failed}
    expected_inbound = {line["sku"]: q for line in sent["lines"]} | {submitted["sku"]: mugs - arrived}
    assert {sku: b["inbound_ordered"] for sku, b in sz.items() if b["inbound_ordered"]} == expected_inbound
    for line in full["lines"]:
        assert sz[line["sku"]]["on_hand"] >= q

    # The replenishment run evaluated every purchasable SKU where it has stock records, and
    # saw the open requests and the inbound orders.
    assert s["run"] == {"status": "succeeded", "evaluated": len(s["suggestions"])}
    assert {(x["sku"], x["warehouse"]) for x in s["suggestions"]} == {tuple(key.split("@")) for key in s["buckets"]}
    seen = {x["sku"]: x for x in s["suggestions"] if x["warehouse"] == "SZ"}
    assert seen[submitted["sku"]]["requested"] == mugs and seen[submitted["sku"]]["inbound_ordered"] == mugs - arrived
    assert seen[to_purchase["sku"]]["requested"] == q


def test_the_demo_seeds_purchasing_through_its_life_cycle(app):
    for name in sync_demo.CHANNELS:
        registry().emulators[name].faults.throttle = False
    connections.route(
        "http://localhost/_emulators",
        transport=httpx.WSGITransport(app=app),
        clock=VirtualClock(datetime.now(UTC)),
    )
    try:
        tenant_id, created = seed_demo(
            f"demo-{secrets.token_hex(4)}@example.test", "correct horse battery", base_url="http://localhost"
        )
    finally:
        connections.unroute("http://localhost/_emulators")
        for name in sync_demo.CHANNELS:
            registry().emulators[name].reset()
    assert created
    with scope(tenant_id):
        check(summary())


SQLITE_RUN = """
import json, sys
from core.app import create_app
from core.db import db
from core.migrate import upgrade
from core.demo import seed_demo
from tests.core.purchasing.test_demo import summary
from tests.support import scope

app = create_app({"MOUNT_EMULATORS": True, "REDIS_URL": None})
upgrade(db.require_engine(), app_role=app.config["DATABASE_APP_ROLE"])
tenant_id, created = seed_demo("demo@tradelane.local", "tradelane-demo", base_url=sys.argv[1])
with scope(tenant_id):
    print("SUMMARY " + json.dumps(summary(), default=str))
"""


def test_the_demo_seeds_purchasing_on_sqlite(tmp_path):
    # A process of its own: the demo's database is a SQLite file, and this process's engine
    # belongs to the suite's PostgreSQL database. Channels point at a closed port: the sync
    # jobs the demo queues are not what this test is about.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'tradelane.db'}", "TRADELANE_INSTANCE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_RUN, "http://127.0.0.1:9"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("SUMMARY ")]
    check(json.loads(line[len("SUMMARY ") :]))
