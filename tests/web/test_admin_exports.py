"""Exports of the jobs list, the audit log and the sync runs: the list's filters, the tenant's
own rows only, names and results in the reader's words, CSV with the BOM and the page's
headers, XLSX that opens; times in the tenant's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core import jobs
from core.db import session, utcnow
from core.sync.models import SyncRun
from tests.core.orders.helpers import connection
from tests.web.conftest import export_csv, export_xlsx, table_headers

FAIL = {"value": False}


@jobs.job("web-test.export-job", max_attempts=1)
def export_job(ctx, source: str) -> dict:
    if FAIL["value"]:
        raise RuntimeError(f"{source} is not a spreadsheet")
    return {"imported": 3}


def _enqueue(tenant, source: str, fail: bool) -> None:
    FAIL["value"] = fail
    with tenant.scope():
        jobs.enqueue("web-test.export-job", source=source)
    FAIL["value"] = False


def test_jobs_export_follows_the_status_filter(portal, tenant_a, tenant_b):
    _enqueue(tenant_a, "orders.csv", fail=True)
    _enqueue(tenant_a, "stock.csv", fail=False)
    _enqueue(tenant_b, "secret-of-b.csv", fail=True)
    client = portal(tenant_a)
    page = client.get("/jobs/?status=failed").get_data(as_text=True)
    assert "/jobs/export?format=csv&amp;status=failed" in page
    rows = export_csv(client.get("/jobs/export?format=csv&status=failed"))
    assert rows[0] == ["Job", "Status", "Progress", "Result", "Started by", "Created at", "Attempts"]
    assert [(r[1], r[3]) for r in rows[1:]] == [("Failed", "orders.csv is not a spreadsheet")]  # as the list shows it
    sheet = export_xlsx(client.get("/jobs/export?format=xlsx&kind=web-test.export-job"))
    assert sorted(r[1] for r in sheet[1:]) == ["Failed", "Succeeded"]
    done = next(r for r in sheet[1:] if r[1] == "Succeeded")
    assert done[2] == 100 and "3" in done[3] and isinstance(done[5], datetime)


def test_audit_export_follows_the_filters_in_local_time(portal, tenant_a, tenant_b):
    owner = portal(tenant_a)
    owner.post(
        "/settings/users/new", {"email": "auditexp@example.test", "password": "long enough pw", "roles": ["viewer"]}
    )
    portal(tenant_b).post(
        "/settings/users/new", {"email": "b-exp@example.test", "password": "long enough pw", "roles": ["viewer"]}
    )
    page = owner.get("/audit/?entity_type=users&action=create").get_data(as_text=True)
    assert "/audit/export?format=csv" in page
    rows = export_csv(
        owner.get(f"/audit/export?format=csv&entity_type=users&action=create&actor={tenant_a.owner_email}")
    )
    assert rows[0] == table_headers(page, "audit") == ["When", "Who", "What", "Changes"]
    (when, who, what, changes), *more = rows[1:]
    assert more == [] and who == tenant_a.owner_email and "auditexp@example.test" in changes
    # The tenants' time zone is Asia/Shanghai: the time is written as the page shows it.
    local = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert abs(local - datetime.now(UTC)) < timedelta(minutes=5)
    sheet = export_xlsx(owner.get("/audit/export?format=xlsx"))
    text = " ".join(str(c) for r in sheet for c in r)
    assert "auditexp@example.test" in text and "b-exp@example.test" not in text


def _run(tenant, conn, status: str, **fields) -> None:
    with tenant.scope():
        session.add(
            SyncRun(connection_id=conn, trigger="manual", status=status, started_at=utcnow(), errors=[], **fields)
        )


def test_sync_runs_export_follows_the_status_and_the_connection(portal, tenant_a, tenant_b):
    first, second = connection(tenant_a, "Run shop A1"), connection(tenant_a, "Run shop A2")
    _run(tenant_a, first, "succeeded", pages=2, orders_created=5, duration_ms=1234)
    _run(tenant_a, first, "failed", error="TransientError: shop 500")
    _run(tenant_a, second, "succeeded", orders_created=1)
    _run(tenant_b, connection(tenant_b, "Run shop B"), "succeeded", orders_created=9)
    client = portal(tenant_a)
    assert "/connections/runs/export?format=csv" in client.get("/connections/runs").get_data(as_text=True)
    assert f"/connections/runs/export?format=csv&amp;connection_id={first}" in client.get(
        f"/connections/{first}/runs"
    ).get_data(as_text=True)
    rows = export_csv(client.get("/connections/runs/export?format=csv&status=succeeded"))
    assert rows[0][:4] == ["Started", "Connection", "Trigger", "Status"]
    assert sorted((r[1], r[5]) for r in rows[1:]) == [("Run shop A1", "5"), ("Run shop A2", "1")]
    sheet = export_xlsx(client.get(f"/connections/runs/export?format=xlsx&connection_id={first}"))
    assert sorted((r[3], r[9] or "") for r in sheet[1:]) == [("Failed", "TransientError: shop 500"), ("Succeeded", "")]
    assert any(float(r[8]) == 1.2 for r in sheet[1:])  # seconds, a number
