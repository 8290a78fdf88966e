"""Purchasing pages as buyers and warehouse staff use them: stocking requests and their
approval, orders from requests, approval, receiving with QC, labels, returns, replenishment,
scorecards, settings and the review queues on the dashboard; in English and Chinese, with two
tenants."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.core.inventory.helpers import key, stock
from tests.core.purchasing.helpers import approved_order, buyer, inspect, receive
from tests.web.conftest import visible_text

SOON = (date.today() + timedelta(days=20)).isoformat()


def _location(resp, pattern: str) -> str:
    assert resp.status_code == 302, visible_text(resp.get_data(as_text=True))[:600]
    match = re.search(pattern, resp.headers["Location"])
    assert match, resp.headers["Location"]
    return match.group(1)


def test_from_stocking_request_to_stock_on_hand(tenants, portal):
    a, b = tenants
    buy = buyer(a)
    owner = portal(a)

    # A request with mistakes is shown again with the mistakes beside the fields.
    resp = owner.post(
        "/purchasing/requests/new",
        {"sku_id": "NO-SUCH-SKU", "quantity": "0", "needed_by": SOON, "warehouse_id": str(buy.warehouse_id)},
    )
    assert resp.status_code == 422
    page = visible_text(resp.get_data(as_text=True))
    assert "no such SKU" in page and "must be at least 1" in page

    resp = owner.post(
        "/purchasing/requests/new",
        {
            "sku_id": buy.codes[0],
            "quantity": "120",
            "needed_by": SOON,
            "warehouse_id": str(buy.warehouse_id),
            "supplier_id": str(buy.supplier_id),
        },
    )
    rid = _location(resp, r"/purchasing/requests/([0-9a-f-]{36})")
    page = owner.text(f"/purchasing/requests/{rid}")
    assert "Awaiting approval" in page and buy.codes[0] in page and "120" in page
    assert buy.codes[0] in owner.text("/purchasing/requests?status=submitted")
    owner.post(f"/purchasing/requests/{rid}/do/approve", {})
    assert "Approved" in owner.text(f"/purchasing/requests/{rid}")
    # Approving twice names the state.
    owner.post(f"/purchasing/requests/{rid}/do/approve", {})
    assert "Not possible while it is Approved." in owner.text(f"/purchasing/requests/{rid}")

    resp = owner.post("/purchasing/requests/order", {"request_ids": rid})
    oid = _location(resp, r"/purchasing/orders/([0-9a-f-]{36})")
    page = owner.text(f"/purchasing/orders/{oid}")
    assert "Draft" in page and "CN¥1,500.00" in page  # 120 x 12.50

    owner.post(f"/purchasing/orders/{oid}/do/approve", {})
    page = owner.text(f"/purchasing/orders/{oid}")
    assert "Approved" in page and "Inbound 120" in page

    # Receive 10 of 120, inspect them with one failure.
    resp = owner.post(f"/purchasing/orders/{oid}/receive", {"lines.0.quantity": "10", "tracking_number": "SF-1"})
    gid = _location(resp, r"/purchasing/receiving/([0-9a-f-]{36})")
    page = owner.text(f"/purchasing/receiving/{gid}")
    assert "Awaiting QC" in page and "Quality check" in page
    resp = owner.post(
        f"/purchasing/receiving/{gid}/inspect",
        {
            "lines.0.sample_size": "10",
            "lines.0.passed_quantity": "9",
            "lines.0.failed_quantity": "1",
            "lines.0.defect_reasons": "",
            "lines.0.location_id": str(buy.bin_id),
        },
    )
    assert resp.status_code == 422
    assert "say what was wrong with the failed units" in visible_text(resp.get_data(as_text=True))
    resp = owner.post(
        f"/purchasing/receiving/{gid}/inspect",
        {
            "lines.0.sample_size": "10",
            "lines.0.passed_quantity": "9",
            "lines.0.failed_quantity": "1",
            "lines.0.defect_reasons": "cracked lid",
            "lines.0.location_id": str(buy.bin_id),
        },
    )
    assert resp.status_code == 302
    page = owner.text(f"/purchasing/receiving/{gid}")
    assert "Inspected" in page and "cracked lid" in page
    page = owner.text(f"/purchasing/orders/{oid}")
    assert "On hand 9 · In QC 0 · Unsellable 1 · Inbound 110" in page and "Partially received" in page

    labels = owner.get(f"/purchasing/receiving/{gid}/labels.pdf")
    assert labels.status_code == 200 and labels.mimetype == "application/pdf"
    assert len(re.findall(rb"/Type /Page\b", labels.data)) == 9

    # The failed unit goes back to the supplier.
    resp = owner.post(f"/purchasing/returns/new/{oid}", {"lines.0.quantity": "1", "reason": "cracked"})
    tid = _location(resp, r"/purchasing/returns/([0-9a-f-]{36})")
    owner.post(f"/purchasing/returns/{tid}/do/ship", {"carrier": "SF", "tracking_number": "R-1"})
    assert "Shipped" in owner.text(f"/purchasing/returns/{tid}")
    assert "Unsellable 0" in owner.text(f"/purchasing/orders/{oid}")

    # Tenant B sees none of it.
    other = portal(b)
    for path in (
        f"/purchasing/orders/{oid}",
        f"/purchasing/requests/{rid}",
        f"/purchasing/receiving/{gid}",
        f"/purchasing/returns/{tid}",
        f"/purchasing/receiving/{gid}/labels.pdf",
    ):
        assert other.get(path).status_code == 404, path
    assert buy.codes[0] not in other.text("/purchasing/requests")
    assert other.post(f"/purchasing/orders/{oid}/do/cancel", {}).status_code == 404


def test_a_new_order_form_names_bad_lines_by_row(tenant_a, portal):
    buy = buyer(tenant_a)
    owner = portal(tenant_a)
    assert "New purchase order" in owner.text("/purchasing/orders/new")
    resp = owner.post(
        "/purchasing/orders/new",
        {
            "supplier_id": str(buy.supplier_id),
            "warehouse_id": str(buy.warehouse_id),
            "lines.0.sku_id": buy.codes[0],
            "lines.0.quantity": "5",
            "lines.2.sku_id": buy.codes[1],
            "lines.2.quantity": "-1",
        },
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    # The error sits in the third row, the one that was wrong (rows 2 of the service's view).
    assert re.search(r'name="lines\.2\.quantity"[^>]*>\s*<p class="error">must be at least 1', html)
    resp = owner.post(
        "/purchasing/orders/new",
        {
            "supplier_id": str(buy.supplier_id),
            "warehouse_id": str(buy.warehouse_id),
            "lines.0.sku_id": buy.codes[0],
            "lines.0.quantity": "5",
            "lines.0.unit_price": "11",
            "lines.3.sku_id": buy.codes[1],
            "lines.3.quantity": "2",
        },
    )
    oid = _location(resp, r"/purchasing/orders/([0-9a-f-]{36})")
    page = owner.text(f"/purchasing/orders/{oid}")
    assert "CN¥55.00" in page and "CN¥16.00" in page  # 5 x 11 (entered), 2 x 8 (the supplier's quote)


def test_a_draft_is_edited_line_by_line(tenant_a, portal):
    from tests.core.purchasing.helpers import order

    buy = buyer(tenant_a)
    po = order(buy, (5, 2))
    owner = portal(tenant_a)
    html = owner.get(f"/purchasing/orders/{po['id']}/edit").get_data(as_text=True)
    assert f'value="{buy.codes[0]}"' in html and 'value="12.5"' in html
    resp = owner.post(
        f"/purchasing/orders/{po['id']}/edit",
        {
            "lines.0.id": po["lines"][0]["id"],
            "lines.0.sku_id": buy.codes[0],
            "lines.0.quantity": "8",
            "lines.0.unit_price": "12",
            "lines.1.id": po["lines"][1]["id"],  # the second row emptied: dropped
            "expected_date": "",
            "supplier_reference": "Q-7",
            "note": "",
        },
    )
    assert resp.status_code == 302
    page = owner.text(f"/purchasing/orders/{po['id']}")
    assert "CN¥96.00" in page and buy.codes[1] not in page and "Q-7" in page
    tenant_a.api.post(f"purchase-orders/{po['id']}/approve")
    resp = owner.post(f"/purchasing/orders/{po['id']}/edit", {"lines.0.sku_id": buy.codes[0], "lines.0.quantity": "1"})
    assert resp.status_code == 302
    assert "Not possible while it is Approved." in owner.text(f"/purchasing/orders/{po['id']}")


def test_scanning_at_the_dock_finds_the_order(tenant_a, portal):
    buy = buyer(tenant_a)
    po = approved_order(buy, (30,))
    tenant_a.api.post(f"purchase-orders/{po['id']}/trackings", {"tracking_number": "YT777"})
    staff = portal(tenant_a, "warehouse")
    resp = staff.get("/purchasing/receiving?code=yt777")
    assert resp.status_code == 302 and f"/purchasing/orders/{po['id']}/receive" in resp.headers["Location"]
    assert "tracking=yt777" in resp.headers["Location"]
    resp = staff.get("/purchasing/receiving?code=NOTHING")
    assert resp.status_code == 302
    assert "No purchase order or tracking number NOTHING." in staff.text("/purchasing/receiving")
    # Warehouse staff receive but do not buy.
    assert staff.get("/purchasing/orders/new").status_code == 403
    assert "New purchase order" not in staff.text("/purchasing/")
    assert staff.post(f"/purchasing/orders/{po['id']}/do/approve", {}).status_code == 403


def test_over_receipt_is_refused_beside_the_line(tenant_a, portal):
    buy = buyer(tenant_a)
    po = approved_order(buy, (10,))
    owner = portal(tenant_a)
    resp = owner.post(f"/purchasing/orders/{po['id']}/receive", {"lines.0.quantity": "11"})
    assert resp.status_code == 422
    assert "at most 10 more can be received" in visible_text(resp.get_data(as_text=True))
    assert buy.buckets()["qc_pending"] == 0


def test_replenishment_page_shows_the_arithmetic_and_accepts(tenant_a, portal):
    from core.inventory import service as inv
    from core.inventory.service import Doc, Line

    buy = buyer(tenant_a)
    stock(tenant_a, buy.skus[0], buy.warehouse_id, 5)
    with tenant_a.scope():
        import uuid

        inv.ship(
            Doc("sales_order", uuid.uuid4(), "SO-1"), [Line("1", buy.skus[0], buy.warehouse_id, 4)], key=key("ship")
        )
    owner = portal(tenant_a)
    assert "No run yet." in owner.text("/purchasing/replenishment")
    started = owner.post("/purchasing/replenishment/run", {})
    job_id = _location(started, r"/purchasing/replenishment\?job=([0-9a-f-]{36})")
    # The run's progress is shown where it was started, and the job it names is the run's.
    html = owner.get(f"/purchasing/replenishment?job={job_id}").get_data(as_text=True)
    assert f'id="job-live-{job_id}"' in html and f"/jobs/{job_id}" in html
    page = owner.text("/purchasing/replenishment")
    # A new SKU (on sale since today) that shipped 4: 4 a day in every window.
    assert buy.codes[0] in page and "Daily sales = (0.5 × 4.0000 + 0.3 × 4.0000 + 0.2 × 4.0000) ÷ 1 = 4.0000." in page
    html = owner.get("/purchasing/replenishment").get_data(as_text=True)
    sid = re.search(r"/purchasing/replenishment/([0-9a-f-]{36})/accept", html).group(1)
    owner.post(f"/purchasing/replenishment/{sid}/accept", {"quantity": "100"})
    page = owner.text("/purchasing/requests?status=submitted")
    assert buy.codes[0] in page and "100" in page and "(suggested)" in page


def test_dashboard_shows_the_review_queues(tenants, portal):
    from core.suppliers import service as suppliers

    a, b = tenants
    buy = buyer(a)
    with a.scope():
        draft = suppliers.create_supplier({"name": "Pending supplier"})
        suppliers.submit_supplier(draft.id)
    a.api.post(
        "stocking-requests",
        {"sku_id": str(buy.skus[0]), "warehouse_id": str(buy.warehouse_id), "quantity": 5, "needed_by": SOON},
    )
    po = approved_order(buy, (3,))
    receive(buy, po, 3)
    page = portal(a).text("/")
    assert "Stocking requests awaiting approval 1" in page
    assert "Suppliers awaiting review 1" in page and "Products awaiting review 0" in page
    assert "Receipts awaiting QC 1" in page and "Purchase orders awaiting approval 0" in page
    assert "Stocking requests awaiting approval 0" in portal(b).text("/")
    # Warehouse staff see the QC queue, not the approvals.
    staff = portal(a, "warehouse").text("/")
    assert "Receipts awaiting QC 1" in staff and "awaiting approval" not in staff


def test_scorecards_and_settings(tenant_a, portal):
    buy = buyer(tenant_a)
    po = approved_order(buy, (20,))
    inspect(buy, receive(buy, po, 20), (19, 1))
    owner = portal(tenant_a)
    page = owner.text("/purchasing/scorecards")
    assert "100.0 %" in page and "5.0 %" in page  # on time, 1 of 20 failed

    resp = owner.post(
        "/purchasing/settings",
        {
            "weight_7d": "0",
            "weight_14d": "0",
            "weight_30d": "0",
            "safety_days": "7",
            "purchase_cycle_days": "14",
            "default_lead_time_days": "15",
            "second_approval_threshold": "",
            "receipt_tolerance_percent": "0",
        },
    )
    assert resp.status_code == 422
    assert "at least one of the 7, 14 and 30-day weights must be above zero" in visible_text(
        resp.get_data(as_text=True)
    )
    resp = owner.post(
        "/purchasing/settings",
        {
            "weight_7d": "0.6",
            "weight_14d": "0.3",
            "weight_30d": "0.1",
            "safety_days": "10",
            "purchase_cycle_days": "14",
            "default_lead_time_days": "15",
            "second_approval_threshold": "50000",
            "receipt_tolerance_percent": "3",
        },
    )
    assert resp.status_code == 302
    html = owner.get("/purchasing/settings").get_data(as_text=True)
    assert 'value="10"' in html and 'value="50000"' in html and 'value="0.6"' in html
    assert portal(tenant_a, "viewer").post("/purchasing/settings", {"safety_days": "1"}).status_code == 403


def test_chinese_pages(tenant_a, portal):
    buy = buyer(tenant_a)
    approved_order(buy, (5,))
    zh = portal(tenant_a)
    zh.post("/locale", {"locale": "zh_CN"})
    page = zh.text("/purchasing/")
    assert "采购单" in page and "新建采购单" in page and "已审核" in page
    assert "备货申请" in zh.text("/purchasing/requests")
    assert "补货建议" in zh.text("/purchasing/replenishment")
