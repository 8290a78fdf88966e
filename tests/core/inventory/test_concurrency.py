"""Four OS processes reserve, release, ship and restock the same few hot SKUs thousands of
times on PostgreSQL. Afterwards nothing is oversold, no bucket is negative, every counter
equals its recomputation from reservation rows and ledger, and what the workers saw succeed
is exactly what the books say happened."""

from __future__ import annotations

import multiprocessing
import random
import uuid
from collections import Counter
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.db import session
from core.inventory import service as inv
from core.inventory.service import Doc, Line
from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import stock, warehouse

WORKERS = 4
OPS_PER_WORKER = 600
OPENING = 40  # units per SKU and warehouse at the start: few enough that reservations run short
SHARED_KEYS = 25


class NoDispatch:
    def nudge(self, tenant_id) -> None:
        return None


def worker(config: dict, tenant_id: str, pairs: list[tuple[str, str]], seed: int, out: multiprocessing.Queue) -> None:
    from sqlalchemy.exc import OperationalError

    from core import events
    from core.app import create_app
    from core.db import unit_of_work
    from core.money import Money
    from core.tenancy import Actor, actor_context, tenant_context

    create_app(config)
    # Events stay in the outbox: consuming them is a worker's job, not what this test proves.
    events._dispatcher = NoDispatch()
    rng = random.Random(seed)
    pairs_u = [(uuid.UUID(s), uuid.UUID(w)) for s, w in pairs]
    held: list[Doc] = []
    tally: Counter = Counter()

    @contextmanager
    def tx():
        with tenant_context(uuid.UUID(tenant_id)), actor_context(Actor("cli", None, f"worker {seed}")), unit_of_work():
            yield

    for i in range(OPS_PER_WORKER):
        roll = rng.random()
        try:
            with tx():
                if roll < 0.45 or not held:
                    doc = Doc("sales_order", uuid.uuid4(), f"W{seed}-{i}")
                    chosen = rng.sample(pairs_u, rng.randint(1, 3))
                    lines = [Line(str(n), sku, wh, rng.randint(1, 4)) for n, (sku, wh) in enumerate(chosen)]
                    key = f"reserve:{doc.id}"
                    p = inv.reserve(doc, lines, key=key)
                    if rng.random() < 0.1:  # a retried job: same key, nothing moves twice
                        again = inv.reserve(doc, lines, key=key)
                        tally["replayed"] += int(again.replayed and again.operation_id == p.operation_id)
                    held.append(doc)
                    tally["reserves"] += 1
                    tally["reserved_units"] += p.quantity
                elif roll < 0.65:
                    doc = held.pop(rng.randrange(len(held)))
                    p = inv.release(doc, key=f"release:{doc.id}")
                    tally["released_units"] += p.quantity
                elif roll < 0.90:
                    doc = held.pop(rng.randrange(len(held)))
                    p = inv.ship(doc, key=f"ship:{doc.id}")
                    tally["shipped_units"] += p.quantity
                else:
                    sku, wh = rng.choice(pairs_u)
                    qty = rng.randint(5, 20)
                    inv.receive_purchase(
                        Doc("test_receipt", uuid.uuid4()),
                        [Line("1", sku, wh, qty, Money(Decimal("3.00"), "CNY"))],
                        key=f"restock:{seed}:{i}",
                        qc=False,
                    )
                    tally["restocked_units"] += qty
        except inv.InsufficientStock:
            tally["short"] += 1
        except OperationalError as exc:  # would mean a lock-order bug
            tally["deadlocks" if "deadlock" in str(exc).lower() else "operational_errors"] += 1

    # Every worker races to reserve the same documents under the same keys.
    shared = []
    for j in range(SHARED_KEYS):
        sku, wh = pairs_u[j % len(pairs_u)]
        try:
            with tx():
                p = inv.reserve(Doc("shared_order", f"shared-{j}"), [Line("1", sku, wh, 1)], key=f"shared:{j}")
                shared.append((j, p.replayed, str(p.operation_id)))
        except inv.InsufficientStock:
            shared.append((j, None, None))
    out.put({"tally": dict(tally), "held": [d.id for d in held], "shared": shared})


@pytest.mark.slow
def test_processes_hammering_hot_skus_never_oversell(app, tenant_a, tenant_b, database_url):
    from core.inventory.models import Reservation, StockBalance, StockMovement
    from core.inventory.service.reconcile import verify

    skus = [approved_sku(tenant_a) for _ in range(3)]
    whs = [warehouse(tenant_a), warehouse(tenant_a)]
    pairs = [(s, w) for s in skus for w in whs]
    for s, w in pairs:
        stock(tenant_a, s, w, OPENING, "2.00")
    # Tenant B's identical-looking stock must be untouched by all of it.
    b_sku, b_wh = approved_sku(tenant_b), warehouse(tenant_b)
    stock(tenant_b, b_sku, b_wh, 60)

    config = {k: app.config[k] for k in ("SECRET_KEY", "TRADELANE_ENCRYPTION_KEY")}
    config.update(DATABASE_URL=database_url, REDIS_URL=None, JOBS_INLINE=False, TESTING=True)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=worker, args=(config, str(tenant_a.id), [(str(s), str(w)) for s, w in pairs], n, out))
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
    assert tally["reserves"] > 400 and tally["short"] > 50, tally  # real contention, both outcomes
    assert tally["replayed"] > 0, tally

    with tenant_a.scope():
        report = verify()
        assert report.ok, report.drifts
        rows = session.execute(select(StockBalance).where(StockBalance.sku_id.in_(skus))).scalars().all()
        for b in rows:
            assert b.on_hand >= 0 and b.reserved >= 0 and b.reserved <= b.on_hand
            assert min(b.qc_pending, b.unsellable, b.inbound_ordered, b.in_transit) >= 0
        on_hand = sum(b.on_hand for b in rows)
        reserved = sum(b.reserved for b in rows)
        shipped = session.execute(
            select(func.coalesce(func.sum(StockMovement.quantity), 0)).where(StockMovement.kind == "order_shipment")
        ).scalar_one()
        # Units: what came in is on the shelf or went to customers; nothing was invented.
        assert shipped == tally["shipped_units"]
        assert on_hand + shipped == OPENING * len(pairs) + tally["restocked_units"]
        # What the workers still hold is exactly what is reserved (plus the shared race).
        shared_rows = session.execute(
            select(func.count()).select_from(Reservation).where(Reservation.doc_type == "shared_order")
        ).scalar_one()
        held_docs = [d for r in results for d in r["held"]]
        held_units = session.execute(
            select(
                func.coalesce(func.sum(Reservation.quantity - Reservation.released - Reservation.consumed), 0)
            ).where(Reservation.doc_type == "sales_order", Reservation.doc_id.in_(held_docs))
        ).scalar_one()
        assert reserved == held_units + shared_rows
        assert tally["reserved_units"] == tally["released_units"] + tally["shipped_units"] + held_units

    # The same key reserved once, however many processes raced for it.
    for j in range(SHARED_KEYS):
        outcomes = [s for r in results for s in r["shared"] if s[0] == j]
        firsts = [o for o in outcomes if o[1] is False]
        assert len(firsts) <= 1
        if firsts:
            assert all(o[2] == firsts[0][2] for o in outcomes if o[1] is not None)
    assert shared_rows == sum(
        1 for j in range(SHARED_KEYS) if any(s[1] is False for r in results for s in r["shared"] if s[0] == j)
    )

    with tenant_b.scope():
        assert inv.get_buckets(b_sku, b_wh).on_hand == 60
