"""Four OS processes receive against the same purchase order and race to put the same stocking
requests on orders, on PostgreSQL. Nothing is received beyond what was ordered, what the
workers saw succeed is exactly what the order, the receipts and the stock say, and each
request ends on one order only."""

from __future__ import annotations

import multiprocessing
import random
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.db import session
from tests.core.purchasing.helpers import approved_order, buyer, ok

WORKERS = 4
RECEIPTS_PER_WORKER = 60
ORDERED = 1000
SHARED_REQUESTS = 12


class NoDispatch:
    def nudge(self, tenant_id) -> None:
        return None


def worker(
    config: dict,
    tenant_id: str,
    order_id: str,
    line_id: str,
    request_ids: list[str],
    seed: int,
    out: multiprocessing.Queue,
) -> None:
    from sqlalchemy.exc import OperationalError

    from core import events
    from core.app import create_app
    from core.db import unit_of_work
    from core.errors import Conflict, ValidationError
    from core.purchasing.service import orders, receiving
    from core.tenancy import Actor, actor_context, tenant_context

    create_app(config)
    events._dispatcher = NoDispatch()  # events stay in the outbox; consuming them is not what this proves
    rng = random.Random(seed)
    tally: Counter = Counter()
    ordered_requests: list[str] = []

    @contextmanager
    def tx():
        with tenant_context(uuid.UUID(tenant_id)), actor_context(Actor("cli", None, f"worker {seed}")), unit_of_work():
            yield

    for _ in range(RECEIPTS_PER_WORKER):
        qty = rng.randint(1, 40)
        try:
            with tx():
                receiving.receive(order_id, lines=[{"line_id": line_id, "quantity": qty}])
            tally["received"] += qty
            tally["receipts"] += 1
        except ValidationError:
            tally["refused"] += 1  # over-receipt: nothing written
        except Conflict:
            tally["finished"] += 1  # the order was received in full by others
        except OperationalError as exc:
            tally["deadlocks" if "deadlock" in str(exc).lower() else "operational_errors"] += 1
    for rid in rng.sample(request_ids, len(request_ids)):
        try:
            with tx():
                made = orders.create_orders_from_requests([rid])
            ordered_requests.append(rid)
            tally["orders"] += len(made)
        except Conflict:
            tally["already_ordered"] += 1
        except OperationalError as exc:
            tally["deadlocks" if "deadlock" in str(exc).lower() else "operational_errors"] += 1
    out.put({"tally": dict(tally), "ordered": ordered_requests})


@pytest.mark.slow
def test_processes_receiving_one_order_never_over_receive(app, tenant_a, tenant_b, database_url):
    from core.inventory import service as inv
    from core.purchasing.models import PurchaseOrder, Receipt, ReceiptLine, StockingRequest

    buy = buyer(tenant_a)
    po = approved_order(buy, (ORDERED,))
    needed = (date.today() + timedelta(days=30)).isoformat()
    request_ids = []
    for _ in range(SHARED_REQUESTS):
        req = ok(
            tenant_a.api.post(
                "stocking-requests",
                {
                    "sku_id": str(buy.skus[1]),
                    "warehouse_id": str(buy.warehouse_id),
                    "quantity": 3,
                    "needed_by": needed,
                    "supplier_id": str(buy.supplier_id),
                },
            ),
            201,
        )
        ok(tenant_a.api.post(f"stocking-requests/{req['id']}/approve"))
        request_ids.append(req["id"])
    other = buyer(tenant_b)
    other_po = approved_order(other, (ORDERED,))

    config = {k: app.config[k] for k in ("SECRET_KEY", "TRADELANE_ENCRYPTION_KEY")}
    config.update(DATABASE_URL=database_url, REDIS_URL=None, JOBS_INLINE=False, TESTING=True)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=worker, args=(config, str(tenant_a.id), po["id"], po["lines"][0]["id"], request_ids, n, out))
        for n in range(WORKERS)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0

    tally = sum((Counter(r["tally"]) for r in results), Counter())
    assert tally["deadlocks"] == 0 and tally["operational_errors"] == 0, tally
    assert tally["refused"] + tally["finished"] > 0 and tally["receipts"] > 20, tally  # real contention

    with tenant_a.scope():
        order = session.execute(select(PurchaseOrder).where(PurchaseOrder.id == uuid.UUID(po["id"]))).scalar_one()
        line = order.lines[0]
        receipts = session.execute(
            select(func.count()).select_from(Receipt).where(Receipt.purchase_order_id == order.id)
        ).scalar_one()
        received = session.execute(
            select(func.coalesce(func.sum(ReceiptLine.quantity), 0)).where(
                ReceiptLine.purchase_order_line_id == line.id
            )
        ).scalar_one()
        buckets = inv.get_buckets(buy.skus[0], buy.warehouse_id)
        assert line.received_quantity == received == tally["received"] <= ORDERED
        assert receipts == tally["receipts"]
        assert buckets.qc_pending == received and buckets.inbound_ordered == ORDERED - received
        assert order.status == ("received" if received == ORDERED else "partially_received")

        # Each request is on exactly one order, and that order is the one its worker made.
        ordered = [rid for r in results for rid in r["ordered"]]
        assert sorted(ordered) == sorted(request_ids) and tally["orders"] == SHARED_REQUESTS
        assert tally["already_ordered"] == SHARED_REQUESTS * (WORKERS - 1)
        rows = (
            session.execute(select(StockingRequest).where(StockingRequest.id.in_([uuid.UUID(r) for r in request_ids])))
            .scalars()
            .all()
        )
        assert {r.status for r in rows} == {"ordered"} and len({r.purchase_order_id for r in rows}) == SHARED_REQUESTS

    with tenant_b.scope():
        assert inv.get_buckets(other.skus[0], other.warehouse_id).inbound_ordered == ORDERED
    assert ok(tenant_b.api.get(f"purchase-orders/{other_po['id']}"))["status"] == "approved"
