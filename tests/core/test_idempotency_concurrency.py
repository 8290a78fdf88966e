"""The same Idempotency-Key sent twice at once, to two real server processes sharing one
PostgreSQL, creates one object, for every kind of creating endpoint (issue 10 §1).

Each round posts one request body with one fresh key to both servers at the same instant (a
barrier releases the two client threads together). One copy creates; the other either waits
for it and replays its response or is told 409 "in progress". Then the objects are counted in
the database.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core.db import session
from core.idempotency import IdempotencyRecord
from core.inventory.service.reconcile import verify
from tests.core.inventory.helpers import snapshot, stock
from tests.core.orders.test_api import manual
from tests.core.purchasing.helpers import approved_order, buyer
from tests.servers import serving
from tests.support import TenantHandle

ROUNDS = 4


@dataclass
class Kind:
    """One creating endpoint: where to post, what, and how many objects exist now."""

    name: str
    path: str
    body: Callable[[int], dict[str, Any]]
    count: Callable[[], int]


def _rows(model: Any, *where: Any) -> Callable[[], int]:
    def count() -> int:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    return count


def _kinds(tenant: TenantHandle) -> list[Kind]:
    from core.catalog.models import Product
    from core.orders.models import Order, OrderRefund
    from core.purchasing.models import PurchaseOrder, Receipt, ReplenishmentRun, StockingRequest
    from core.suppliers.models import Supplier
    from tenants.models import ApiKey

    b = buyer(tenant)
    po = approved_order(b, (1000,))
    stock(tenant, b.skus[0], b.warehouse_id, 10)
    shipped = manual(tenant, sku=b.codes[0], qty=1)
    for action, payload in (("approve", {}), ("ship", {"carrier": "UPS", "tracking_number": "1Z-CONCURRENT"})):
        resp = tenant.api.post(f"orders/{shipped['id']}/{action}", payload)
        assert resp.status_code == 200, resp.get_json()
    line = po["lines"][0]["id"]
    return [
        Kind(
            "manual order",
            "orders",
            lambda i: {
                "currency": "USD",
                "buyer": {"name": f"Buyer {i}"},
                "shipping_address": {"country": "US", "line1": "1 Main St"},
                "lines": [{"sku": b.codes[0], "quantity": 1, "unit_price": "10.00"}],
            },
            _rows(Order),
        ),
        Kind(
            "purchase order",
            "purchase-orders",
            lambda i: {
                "supplier_id": str(b.supplier_id),
                "warehouse_id": str(b.warehouse_id),
                "lines": [{"sku_id": str(b.skus[1]), "quantity": 10 + i}],
            },
            _rows(PurchaseOrder),
        ),
        Kind(
            "goods receipt (moves stock)",
            f"purchase-orders/{po['id']}/receipts",
            lambda i: {"lines": [{"line_id": line, "quantity": 1}]},
            _rows(Receipt),
        ),
        Kind(
            "stock adjustment (moves stock)",
            "stock/adjustments",
            lambda i: {
                "kind": "opening_balance",
                "lines": [
                    {
                        "sku_id": str(b.skus[1]),
                        "warehouse_id": str(b.warehouse_id),
                        "quantity": 1,
                        "unit_cost": {"amount": "1.00", "currency": "CNY"},
                    }
                ],
            },
            lambda: snapshot(tenant, b.skus[1], b.warehouse_id)["on_hand"],
        ),
        Kind(
            "refund of an order (money)",
            f"orders/{shipped['id']}/refunds",
            lambda i: {"method": "offline", "reason": f"goodwill {i}", "amount": "0.01"},
            _rows(OrderRefund),
        ),
        Kind(
            "stocking request",
            "stocking-requests",
            lambda i: {
                "sku_id": str(b.skus[0]),
                "warehouse_id": str(b.warehouse_id),
                "quantity": 5 + i,
                "needed_by": (date.today() + timedelta(days=30)).isoformat(),
            },
            _rows(StockingRequest),
        ),
        Kind(
            "product (catalogue)",
            "products",
            lambda i: {"title_en": f"Concurrent product {i}", "skus": [{}]},
            _rows(Product),
        ),
        Kind("supplier", "suppliers", lambda i: {"name": f"Concurrent supplier {i}"}, _rows(Supplier)),
        Kind(
            "API key (holds a secret)",
            "api-keys",
            lambda i: {"name": f"robot {i}", "roles": ["viewer"]},
            _rows(ApiKey),
        ),
        Kind("job start (202)", "replenishment/runs", lambda i: {}, _rows(ReplenishmentRun)),
    ]


def _post_at_once(urls: list[str], path: str, payload: dict[str, Any], key: str, token: str) -> list[httpx.Response]:
    barrier = threading.Barrier(len(urls))
    results: list[Any] = [None] * len(urls)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key, "Content-Type": "application/json"}
    data = json.dumps(payload)

    def send(i: int, url: str) -> None:
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            try:
                results[i] = client.post(f"{url}/api/v1/{path}", content=data, headers=headers)
            except httpx.HTTPError as exc:  # reported below with the kind
                results[i] = exc

    threads = [threading.Thread(target=send, args=(i, url)) for i, url in enumerate(urls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.slow
def test_one_key_sent_twice_at_once_creates_one_object(app, database_url, tenant_a, tenant_b):
    kinds = _kinds(tenant_a)
    token = tenant_a.keys["owner"]
    failures, report, plaintexts = [], [], []
    with serving(app, database_url, count=2) as urls:
        for kind in kinds:
            with tenant_a.scope():
                before = kind.count()
            outcomes, ids = [], set()
            for i in range(ROUNDS):
                key = f"concurrent-{kind.path}-{i}"
                responses = _post_at_once(urls, kind.path, kind.body(i), key, token)
                for r in responses:
                    if isinstance(r, Exception):
                        failures.append(f"{kind.name}: {r!r}")
                        continue
                    outcomes.append(r.status_code)
                    if r.status_code >= 500 or r.status_code in (400, 422):
                        failures.append(f"{kind.name}: {r.status_code} {r.text[:300]}")
                    if kind.path == "api-keys" and r.status_code == 201:
                        if r.headers.get("Idempotent-Replayed"):
                            assert r.json()["key"].endswith("_****"), "a replay shows the key masked"
                        else:
                            plaintexts.append(r.json()["key"])
                ok = [r for r in responses if not isinstance(r, Exception) and r.status_code < 300]
                answered = {json.dumps(r.json().get("id") or r.json().get("operation_id")) for r in ok}
                if len(answered) > 1:
                    failures.append(f"{kind.name}: two different objects answered for key {key}")
                ids |= answered
            with tenant_a.scope():
                created = kind.count() - before
            report.append(f"{kind.name}: {created} created by {ROUNDS} keys sent twice each, answers {outcomes}")
            # One object per id answered (a job start answers the run already queued, if any).
            if created != len(ids):
                failures.append(f"{kind.name}: {created} objects created, {len(ids)} answered")
    print("\n".join(report))
    assert not failures, "\n".join(failures + ["", *report])
    with tenant_a.scope():
        assert verify().ok
        stored = session.execute(select(IdempotencyRecord.body)).scalars().all()
    secrets_ = [p.rsplit("_", 1)[1] for p in plaintexts]
    assert secrets_ and not [s for s in secrets_ if any(s in (b or "") for b in stored)], "a secret was stored"
