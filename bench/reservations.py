"""Reservations under contention: N processes x M reservations on K hot SKUs, on PostgreSQL.

    .venv/bin/python bench/reservations.py --processes 4 --reservations 2000 --skus 3

It creates a database of its own beside DATABASE_URL (default the local test server), with one
tenant, K approved SKUs stocked in one warehouse with fewer units than the processes will ask
for, so the last reservations find the shelf empty and must be refused. Each process calls
`inventory.reserve()` M times, one order (`--lines` lines on random hot SKUs) per transaction,
exactly as the orders capability does: idempotency key, conditional UPDATE of the balance,
reservation rows, the outbox event. Events stay in the outbox (dispatching is the consumers'
work, not the reservation's).

Baseline, same run, same processes, same connection pool: the bare minimum a counter needs,
one conditional single-row `UPDATE counters SET reserved = reserved + 1 WHERE id = :k AND
on_hand - reserved >= 1` per transaction on a plain table of K rows.

Prints reservations per second (granted and refused), the oversell count (units granted
beyond stock, plus balances whose reserved exceeds on_hand; must be 0), the drift the
reconciler finds (must be 0) and the ratio to the baseline. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.common import NoDispatch, bench_server, drop_database, machine_load, own_database  # noqa: E402

SECRETS = {"SECRET_KEY": "bench-secret", "TRADELANE_ENCRYPTION_KEY": "aADf7Xrw0bOYO9214ZDDjcnw24WdGbL1QmnWxyFUiME="}


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--processes", type=int, default=4)
    p.add_argument("--reservations", type=int, default=2000, help="per process")
    p.add_argument("--skus", type=int, default=3, help="hot SKUs")
    p.add_argument("--lines", type=int, default=1, help="lines per reserved order")
    p.add_argument(
        "--supply", type=float, default=0.8, help="units in stock as a share of the units all processes ask for"
    )
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a server of yours (default: one of the benchmark's own, with autovacuum on)",
    )
    p.add_argument("--keep", action="store_true", help="keep the benchmark database")
    return p.parse_args()


def start_app(url: str) -> None:
    from core import events
    from core.app import create_app

    create_app({"DATABASE_URL": url, "REDIS_URL": None, "JOBS_INLINE": False, **SECRETS})
    events._dispatcher = NoDispatch()  # type: ignore[assignment]


def setup(url: str, skus: int, units_per_sku: int) -> tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    from core.catalog import service as catalog
    from core.db import db, unit_of_work
    from core.inventory.service import Doc, Line, receive_purchase
    from core.inventory.service.warehouses import create_warehouse
    from core.migrate import upgrade
    from core.money import Money
    from core.tenancy import Actor, actor_context, tenant_context
    from tenants import service as tenants

    start_app(url)
    upgrade(db.require_engine())
    with actor_context(Actor("cli", None, "bench")):
        with unit_of_work():
            tenant, _ = tenants.signup(
                company="Bench Co",
                email=f"bench-{uuid.uuid4().hex[:8]}@example.test",
                password="bench password 1",
                currency="CNY",
                timezone="Asia/Shanghai",
                locale="en",
            )
            tenant_id = tenant.id
        with tenant_context(tenant_id), unit_of_work():
            wh = create_warehouse(code="HOT", name="Hot warehouse", type="domestic", country="CN").id
            sku_ids = []
            for n in range(skus):
                product = catalog.create_product(
                    {"title_en": f"Hot item {n}", "skus": [{"code": f"HOT-{n}", "gross_weight_g": 100}]}
                )
                catalog.submit_product(product.id)
                catalog.approve_product(product.id)
                sku_ids.append(product.skus[0].id)
            receive_purchase(
                Doc("bench_receipt", "opening"),
                [Line(str(n), s, wh, units_per_sku, Money(Decimal("3.50"), "CNY")) for n, s in enumerate(sku_ids)],
                key="bench:opening",
                qc=False,
            )
    return tenant_id, wh, sku_ids


def reserve_worker(
    url: str, tenant_id: str, wh: str, skus: list[str], count: int, lines: int, seed: int, barrier: Any, out: Any
) -> None:
    from core.db import unit_of_work
    from core.inventory.service import Doc, InsufficientStock, Line, reserve
    from core.tenancy import Actor, actor_context, tenant_context

    start_app(url)
    rng = random.Random(seed)
    tid, wh_id, sku_ids = uuid.UUID(tenant_id), uuid.UUID(wh), [uuid.UUID(s) for s in skus]
    granted: dict[str, int] = {s: 0 for s in skus}
    refused = errors = 0
    barrier.wait()
    t0 = time.perf_counter()
    for i in range(count):
        doc = Doc("sales_order", uuid.uuid4())
        chosen = rng.sample(sku_ids, min(lines, len(sku_ids)))
        try:
            with tenant_context(tid), actor_context(Actor("cli", None, "bench")), unit_of_work():
                reserve(doc, [Line(str(n), s, wh_id, 1) for n, s in enumerate(chosen)], key=f"bench:{seed}:{i}")
            for s in chosen:
                granted[str(s)] += 1
        except InsufficientStock:
            refused += 1
        except Exception:  # noqa: BLE001 - counted and reported, never hidden
            errors += 1
    out.put({"seconds": time.perf_counter() - t0, "granted": granted, "refused": refused, "errors": errors})


def baseline_worker(url: str, skus: int, count: int, seed: int, barrier: Any, out: Any) -> None:
    engine = create_engine(url, pool_size=1)
    rng = random.Random(seed)
    granted = refused = 0
    barrier.wait()
    t0 = time.perf_counter()
    with engine.connect() as conn:
        for _ in range(count):
            with conn.begin():
                n = conn.execute(
                    text("UPDATE bench_counters SET reserved = reserved + 1 WHERE id = :k AND on_hand - reserved >= 1"),
                    {"k": rng.randrange(skus)},
                ).rowcount
            granted, refused = granted + n, refused + (1 - n)
    out.put({"seconds": time.perf_counter() - t0, "granted": granted, "refused": refused})


def run(target: Any, args_for: Any, processes: int) -> tuple[list[dict[str, Any]], float]:
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(processes + 1), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args_for(n), barrier, out)) for n in range(processes)]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    results = [out.get() for _ in procs]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    return results, wall


def main() -> None:
    args = parse()
    with bench_server(args.database_url) as server:
        measure(args, server)


def measure(args: argparse.Namespace, server: str) -> None:
    asked = args.processes * args.reservations * args.lines
    units = max(1, int(asked * args.supply / args.skus))
    url, admin, name = own_database(server, "reservations")
    try:
        tenant_id, wh, sku_ids = setup(url, args.skus, units)
        print(
            f"{args.processes} processes x {args.reservations} reservations of {args.lines} line(s) "
            f"on {args.skus} hot SKUs, {units} units each ({asked} units asked for)"
        )

        print(f"  {machine_load()}", flush=True)
        results, wall = run(
            reserve_worker,
            lambda n: (url, str(tenant_id), str(wh), [str(s) for s in sku_ids], args.reservations, args.lines, n),
            args.processes,
        )
        attempts = args.processes * args.reservations
        refused = sum(r["refused"] for r in results)
        errors = sum(r["errors"] for r in results)
        granted = {s: sum(r["granted"][s] for r in results) for s in map(str, sku_ids)}
        rate = attempts / wall

        from sqlalchemy import select

        from core.db import session, unit_of_work
        from core.inventory.models import StockBalance
        from core.inventory.service.reconcile import verify
        from core.tenancy import tenant_context

        with tenant_context(tenant_id), unit_of_work():
            balances = {str(b.sku_id): b for b in session.execute(select(StockBalance)).scalars()}
            drift = len(verify().drifts)
            oversold = sum(max(0, granted[s] - units) for s in granted)
            oversold += sum(max(0, b.reserved - b.on_hand) for b in balances.values())
            # What the processes were told they got is exactly what the books hold.
            drift += sum(1 for s, b in balances.items() if b.reserved != granted[s])

        with create_engine(url).begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE bench_counters (id int PRIMARY KEY, on_hand int NOT NULL, "
                    "reserved int NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand))"
                )
            )
            conn.execute(
                text("INSERT INTO bench_counters SELECT g, :u, 0 FROM generate_series(0, :k - 1) g"),
                {"u": units, "k": args.skus},
            )
        base, base_wall = run(baseline_worker, lambda n: (url, args.skus, args.reservations, n), args.processes)
        base_rate = attempts / base_wall
        print(f"  {machine_load()} (after the baseline)", flush=True)

        print(
            f"reservations: {rate:,.0f}/s  ({attempts} attempts in {wall:.2f} s: "
            f"{sum(granted.values())} lines granted, {refused} orders refused for lack of stock, {errors} errors)"
        )
        print(f"oversold units: {oversold}")
        print(f"reconciler drift: {drift}")
        print(
            f"baseline (bare conditional single-row UPDATE per transaction): {base_rate:,.0f}/s "
            f"({sum(b['granted'] for b in base)} granted, {sum(b['refused'] for b in base)} refused)"
        )
        print(f"ratio to baseline: {rate / base_rate:.3f} (baseline is {base_rate / rate:.1f}x faster)")
        if oversold or drift or errors:
            raise SystemExit(1)
    finally:
        from core.db import db

        if db.engine is not None:
            db.engine.dispose()
        if args.keep:
            admin.dispose()
        else:
            drop_database(admin, name)


if __name__ == "__main__":
    main()
