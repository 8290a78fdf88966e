"""The reconciler rebuilds every balance from the ledger and the reservation rows: it finds
drift exactly, repairs it, leaves other tenants alone, and runs from the CLI and as a job."""

from __future__ import annotations

import uuid
from decimal import Decimal

from click.testing import CliRunner
from sqlalchemy import select, text

from core import jobs
from core.db import session, system_session
from core.inventory import service as inv
from core.inventory.service import Doc, Line
from core.inventory.service.reconcile import verify
from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import key, snapshot, stock, warehouse


def _corrupt(sql: str, **params) -> None:
    """Damage a balance behind the service's back (as the database owner would)."""
    with system_session() as s:
        s.execute(text(sql), params)


def _setup(tenant):
    sku, wh = approved_sku(tenant), warehouse(tenant)
    stock(tenant, sku, wh, 10, "2.00")
    with tenant.scope():
        inv.reserve(Doc("sales_order", uuid.uuid4()), [Line("1", sku, wh, 3)], key=key())
    return sku, wh


def test_verify_finds_exactly_the_drift_and_fix_repairs_it(tenant_a, tenant_b):
    sku, wh = _setup(tenant_a)
    lost_sku = approved_sku(tenant_a)
    stock(tenant_a, lost_sku, wh, 4, "1.00")
    b_sku, b_wh = _setup(tenant_b)
    with tenant_a.scope():
        assert verify().ok
    _corrupt(
        "UPDATE inventory_balances SET on_hand = on_hand + 5, reserved = reserved - 1, "
        "stock_value = stock_value + 1 WHERE sku_id = :s AND warehouse_id = :w",
        s=sku,
        w=wh,
    )
    _corrupt("DELETE FROM inventory_balances WHERE sku_id = :s", s=lost_sku)
    _corrupt("UPDATE inventory_balances SET qc_pending = 7 WHERE sku_id = :s", s=b_sku)

    with tenant_a.scope():
        report = verify()
    found = {(d.sku_id, d.field): (d.stored, d.expected) for d in report.drifts}
    assert found == {
        (sku, "on_hand"): (15, 10),
        (sku, "reserved"): (2, 3),
        (sku, "stock_value"): (Decimal("21.00"), Decimal("20.00")),
        (lost_sku, "on_hand"): (0, 4),
        (lost_sku, "stock_value"): (Decimal(0), Decimal("4.00")),
    }
    assert not report.fixed and snapshot(tenant_a, sku, wh)["on_hand"] == 15  # reporting changes nothing

    with tenant_a.scope():
        fixed = verify(fix=True)
    assert fixed.fixed and len(fixed.drifts) == 5
    assert snapshot(tenant_a, sku, wh) == {
        "on_hand": 10,
        "reserved": 3,
        "available": 7,
        "qc_pending": 0,
        "unsellable": 0,
        "inbound_ordered": 0,
        "in_transit": 0,
    }
    assert snapshot(tenant_a, lost_sku, wh)["on_hand"] == 4
    with tenant_a.scope():
        assert verify().ok
        from core.events import OutboxEvent

        repaired = (
            session.execute(select(OutboxEvent).where(OutboxEvent.name == "stock.drift_repaired")).scalars().all()
        )
        assert len(repaired) == 1 and len(repaired[0].payload["drifts"]) == 5
    with tenant_b.scope():  # tenant B's drift is B's: untouched by A's repair
        assert [d.field for d in verify().drifts] == ["qc_pending"]
        verify(fix=True)


def test_cli_reports_drift_with_exit_status_and_repairs_with_fix(app, tenant_a, monkeypatch):
    import core.cli

    monkeypatch.setattr(core.cli, "_services", lambda overrides=None: app.config)  # the app is configured
    sku, wh = _setup(tenant_a)
    runner = CliRunner()
    ok = runner.invoke(core.cli.main, ["inventory", "verify", "--tenant", str(tenant_a.id)])
    assert ok.exit_code == 0 and "0 drift(s): ok" in ok.output
    _corrupt("UPDATE inventory_balances SET unsellable = 2 WHERE sku_id = :s", s=sku)
    bad = runner.invoke(core.cli.main, ["inventory", "verify", "--tenant", str(tenant_a.id)])
    assert bad.exit_code == 1 and "unsellable: stored 2, ledger and reservations say 0" in bad.output
    fix = runner.invoke(core.cli.main, ["inventory", "verify", "--fix", "--tenant", str(tenant_a.id)])
    assert fix.exit_code == 0 and "repaired" in fix.output
    assert snapshot(tenant_a, sku, wh)["unsellable"] == 0


def test_scheduled_job_repairs_and_records_what_it_found(tenant_a):
    sku, wh = _setup(tenant_a)
    _corrupt("UPDATE inventory_balances SET in_transit = 9 WHERE sku_id = :s", s=sku)
    with tenant_a.scope():
        job = jobs.enqueue("inventory.verify")
        job_id = job.id
    with tenant_a.scope():
        row = session.execute(select(jobs.Job).where(jobs.Job.id == job_id)).scalar_one()
        assert row.status == "succeeded", row.error
        assert [(d["field"], d["stored"], d["expected"]) for d in row.result["drifts"]] == [("in_transit", "9", "0")]
    assert snapshot(tenant_a, sku, wh)["in_transit"] == 0
    assert "inventory.verify" in jobs._periodic
