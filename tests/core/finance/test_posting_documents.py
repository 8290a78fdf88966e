"""Business documents posted to Kingdee beside the vouchers, through the API, with two tenants
present: a shipped order becomes a sales outbound (SAL_OUTSTOCK), a received return a sales
return (SAL_RETURNSTOCK), a shipped transfer a direct transfer (STK_TransferDirect); each once,
whatever re-deliveries, runs and timeouts happen; nothing while the connection keeps them off;
in the site's own form when its form id is overridden."""

from __future__ import annotations

import secrets
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core import connections
from core.finance.posting_demo import nearest
from core.inventory.service import transfers
from core.orders import service as orders
from plugins.accounting.kingdee.emulator import ACCOUNTS, KingdeeEmulator
from tests.core.finance.helpers import Shop, shipped, shop, sku_line
from tests.core.inventory.helpers import warehouse
from tests.support import body

START = date(2000, 1, 1).isoformat()
ALL_ON = {"documents_sales_outbound": True, "documents_sales_return": True, "documents_transfer": True}


@pytest.fixture
def site() -> Any:
    """A Kingdee site of this test's own, reached by its URL."""
    emulator = KingdeeEmulator()
    base = f"http://kingdee-{secrets.token_hex(3)}.test"
    connections.route(base, transport=httpx.WSGITransport(app=emulator))
    emulator.base = base
    yield emulator
    connections.unroute(base)


def kingdee(tenant: Any, site: KingdeeEmulator, name: str = "Kingdee", **settings: Any) -> str:
    resp = tenant.api.post(
        "connections",
        {
            "kind": "accounting",
            "plugin": "kingdee",
            "display_name": name,
            "settings": {**site.connection_settings(site.base), **settings},
        },
    )
    assert resp.status_code == 201, body(resp)
    return body(resp)["id"]


def map_all(s: Shop, conn: str, fba: uuid.UUID | None = None) -> None:
    """Accounts to the site's chart; the shop, the SKUs, the warehouses to its codes."""
    codes = {
        ("material", str(s.tee)): "TEE-01",
        ("material", str(s.cap)): "CAP-01",
        ("warehouse", str(s.wh)): "CK001",
        ("department", str(s.wh)): "SZ",
        ("customer", str(s.conn)): "AMZ-US",
    }
    if fba is not None:
        codes[("warehouse", str(fba))] = "CK003"
        codes[("department", str(fba))] = "USW"
    rows = [{"kind": kind, "local_key": key, "external_code": code} for (kind, key), code in codes.items()]
    items = body(s.api.get(f"finance/posting/targets/{conn}/mappings"))
    rows += [
        {"kind": "account", "local_key": i["local_key"], "external_code": nearest(i["local_key"], ACCOUNTS)}
        for i in items
        if i["kind"] == "account"
    ]
    resp = s.api.put(f"finance/posting/targets/{conn}/mappings", {"mappings": rows})
    assert resp.status_code == 200, body(resp)


def run(tenant: Any, conn: str) -> dict[str, Any]:
    resp = tenant.api.post(f"finance/posting/targets/{conn}/runs", {"start_date": START})
    assert resp.status_code == 202, body(resp)
    return body(tenant.api.get(f"finance/posting/runs/{body(resp)['id']}"))


def documents(tenant: Any, conn: str) -> list[dict[str, Any]]:
    resp = tenant.api.get(f"finance/posting/results?connection_id={conn}&page_size=100")
    assert resp.status_code == 200, body(resp)
    return [r for r in body(resp) if r["kind"] != "voucher"]


def ship_transfer(s: Shop, to: uuid.UUID, qty: int = 5) -> Any:
    with s.tenant.scope():
        t = transfers.create_transfer(
            source_warehouse_id=s.wh, destination_warehouse_id=to, lines=[{"sku_id": s.tee, "quantity": qty}]
        )
        transfers.allocate(t.id, "transfer")
    with s.tenant.scope():
        transfers.ship(t.id, "transfer", carrier="SF", tracking_number="SF1")
    return t


def receive_return(s: Shop, order: Any, qty: int = 1) -> Any:
    line_id = str(order.lines[0].id)
    with s.tenant.scope():
        rma = orders.create_return(order.id, lines=[{"line_id": line_id, "quantity": qty}], reason="size")
    with s.tenant.scope():
        orders.receive_return(rma.id, inspection=[{"line_id": line_id, "restock": qty, "damaged": 0}])
    return rma


def test_each_document_posts_once_from_its_event(tenant_a, tenant_b, site):
    s = shop(tenant_a)
    fba = warehouse(tenant_a, f"FBA-{secrets.token_hex(2)}")
    order = shipped(s, sku_line(s, s.tee, 2, "30.00"), sku_line(s, s.cap, 1, "9.50"))
    rma = receive_return(s, order)
    t = ship_transfer(s, fba)
    conn = kingdee(tenant_a, site, **ALL_ON)
    map_all(s, conn, fba)
    first = run(tenant_a, conn)
    assert first["status"] == "done" and first["refused"] == 0, first
    posted = {d["kind"]: d for d in documents(tenant_a, conn)}
    assert set(posted) == {"sales_outbound", "sales_return", "transfer"}
    assert all(d["status"] == "posted" and d["event_id"] and d["voucher_id"] is None for d in posted.values())

    out = site.documents["SAL_OUTSTOCK"][int(posted["sales_outbound"]["external_id"])]
    assert out["FDocumentStatus"] == "C" and out["FBillNo"] == posted["sales_outbound"]["external_number"]
    assert out["FCustomerID"] == {"FNumber": "AMZ-US"} and out["FNote"] == posted["sales_outbound"]["reference"]
    assert posted["sales_outbound"]["reference"].startswith(f"{order.number}/")
    lines = sorted((e["FMaterialID"]["FNumber"], e["FRealQty"], Decimal(str(e["FTaxPrice"]))) for e in out["FEntity"])
    assert lines == [("CAP-01", 1, Decimal("9.50")), ("TEE-01", 2, Decimal("30.00"))]
    assert all(e["FStockID"] == {"FNumber": "CK001"} for e in out["FEntity"])

    back = site.documents["SAL_RETURNSTOCK"][int(posted["sales_return"]["external_id"])]
    assert back["FRetcustId"] == {"FNumber": "AMZ-US"} and back["FDocumentStatus"] == "C"
    assert posted["sales_return"]["reference"].startswith(f"{rma.number}/")
    [entry] = back["FEntity"]
    assert (entry["FMaterialId"], entry["FRealQty"], Decimal(str(entry["FTaxPrice"]))) == (
        {"FNumber": "TEE-01"},
        1,
        Decimal("30.00"),
    )

    moved = site.documents["STK_TransferDirect"][int(posted["transfer"]["external_id"])]
    [entry] = moved["FBillEntry"]
    assert (entry["FSrcStockId"], entry["FDestStockId"], entry["FQty"]) == (
        {"FNumber": "CK001"},
        {"FNumber": "CK003"},
        5,
    )
    assert posted["transfer"]["reference"].startswith(f"{t.number}/")

    # Vouchers went too, each once; the other tenant sees none of it.
    assert site.saves == first["total"] - 3 and site.document_saves == 3
    assert body(tenant_b.api.get("finance/posting/results?page_size=100")) == []


def test_redelivery_and_another_run_post_nothing_new(tenant_a, site):
    from sqlalchemy import update

    from core.db import session
    from core.events import OutboxEvent, dispatch_pending

    s = shop(tenant_a)
    shipped(s, sku_line(s, s.tee, 1, "30.00"))
    conn = kingdee(tenant_a, site, **ALL_ON)
    map_all(s, conn)
    assert run(tenant_a, conn)["status"] == "done"
    assert site.document_saves == 1
    with tenant_a.scope():  # every event delivered again
        session.execute(update(OutboxEvent).values(dispatched_at=None))
        session.commit()
        dispatch_pending(tenant_a.id)
        session.commit()
    again = run(tenant_a, conn)
    assert again["status"] == "done" and again["total"] == 0, again
    assert site.document_saves == 1 and len(site.documents["SAL_OUTSTOCK"]) == 1
    assert len(documents(tenant_a, conn)) == 1
    # The next order's voucher and document both go in the next run, beside those rows.
    vouchers_before = site.saves
    shipped(s, sku_line(s, s.tee, 1, "30.00"))
    third = run(tenant_a, conn)
    assert third["status"] == "done" and third["posted"] == third["total"] >= 2, third
    assert site.document_saves == 2 and site.saves > vouchers_before


def test_a_document_whose_answer_was_lost_is_found_then_posted_once(tenant_a, site):
    s = shop(tenant_a)
    shipped(s, sku_line(s, s.tee, 1, "30.00"))
    conn = kingdee(tenant_a, site)  # documents off: only the vouchers go
    map_all(s, conn)
    assert run(tenant_a, conn)["status"] == "done"
    assert documents(tenant_a, conn) == [] and site.documents.get("SAL_OUTSTOCK", {}) == {}, "off posts nothing"

    resp = tenant_a.api.patch(f"connections/{conn}", {"settings": {"documents_sales_outbound": True}})
    assert resp.status_code == 200, body(resp)
    site.fail_next("DynamicFormService.Save", method="POST", lose="after")  # saved, answer lost
    # The attempt that lost the answer leaves the run waiting; the job's next attempt (at once
    # here, under the in-process worker) asks Kingdee first and finds the document.
    done = run(tenant_a, conn)
    assert done["status"] == "done" and done["posted"] == 1, done
    [doc] = documents(tenant_a, conn)
    assert doc["status"] == "posted" and "interrupted" in doc["message"] and doc["attempts"] == 1, doc
    assert site.document_saves == 1 and len(site.documents["SAL_OUTSTOCK"]) == 1
    saved = site.documents["SAL_OUTSTOCK"][int(doc["external_id"])]
    assert saved["FDocumentStatus"] == "C", "found saved, then submitted and audited"


def test_the_sites_own_form_id_is_used_and_unmapped_items_refuse_the_document(tenant_a, site):
    s = shop(tenant_a)
    shipped(s, sku_line(s, s.tee, 1, "30.00"))
    site.add_form("SAL_OUTSTOCK_TL", like="SAL_OUTSTOCK", customer="FCustId")
    conn = kingdee(
        tenant_a,
        site,
        documents_sales_outbound=True,
        form_sales_outbound="SAL_OUTSTOCK_TL",
        document_fields="sales_outbound.customer=FCustId",
    )
    listed = body(tenant_a.api.get(f"finance/posting/targets/{conn}/mappings"))
    need = {(i["kind"], i["local_key"]) for i in listed if i["required"] and not i["mapped"]}
    assert ("warehouse", str(s.wh)) in need and ("material", str(s.tee)) in need, "documents need them mapped"
    map_all(s, conn)
    assert run(tenant_a, conn)["refused"] == 0
    [doc] = documents(tenant_a, conn)
    saved = site.documents["SAL_OUTSTOCK_TL"][int(doc["external_id"])]
    assert saved["FCustId"] == {"FNumber": "AMZ-US"} and "FCustomerID" not in saved
    assert site.documents.get("SAL_OUTSTOCK", {}) == {}

    # A new SKU shipped without its material mapped: the document is refused, naming it.
    with tenant_a.scope():
        from sqlalchemy import select

        from core.catalog.models import Sku
        from core.db import session

        cap = session.execute(select(Sku.code).where(Sku.id == s.cap)).scalar_one()
    resp = tenant_a.api.put(
        f"finance/posting/targets/{conn}/mappings",
        {"mappings": [{"kind": "material", "local_key": str(s.cap), "external_code": ""}]},
    )
    assert resp.status_code == 200
    shipped(s, sku_line(s, s.cap, 1, "9.50"))
    blocked = tenant_a.api.post(f"finance/posting/targets/{conn}/runs", {"start_date": START})
    assert blocked.status_code == 409 and cap in body(blocked)["message"], body(blocked)


def test_a_first_leg_to_fba_is_a_direct_transfer(tenant_a, site):
    s = shop(tenant_a)
    fba = warehouse(tenant_a, f"FBA-{secrets.token_hex(2)}", type="platform", country="US", marketplace="US")
    with s.tenant.scope():
        t = transfers.create_transfer(
            kind="first_leg",
            source_warehouse_id=s.wh,
            destination_warehouse_id=fba,
            lines=[{"sku_id": s.cap, "quantity": 4}],
            platform_reference="FBA15TEST",
        )
        transfers.set_boxes(
            t.id, [transfers.BoxPlan(Decimal(50), Decimal(40), Decimal(30), Decimal(12), {s.cap: 4}, count=1)]
        )
        transfers.allocate(t.id, "first_leg")
    with s.tenant.scope():
        transfers.ship(t.id, "first_leg", carrier="UPS", tracking_number="1Z999")
    conn = kingdee(tenant_a, site, documents_transfer=True)
    map_all(s, conn, fba)
    assert run(tenant_a, conn)["refused"] == 0
    [doc] = documents(tenant_a, conn)
    assert doc["kind"] == "transfer" and doc["status"] == "posted" and doc["reference"].startswith(f"{t.number}/")
    [entry] = site.documents["STK_TransferDirect"][int(doc["external_id"])]["FBillEntry"]
    assert (entry["FMaterialId"], entry["FQty"], entry["FDestStockId"]) == (
        {"FNumber": "CAP-01"},
        4,
        {"FNumber": "CK003"},
    )
