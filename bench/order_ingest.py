"""Order ingest: normalise, persist and reserve N channel orders through the order service.

    .venv/bin/python bench/order_ingest.py --orders 100000 [--shops 2]

It creates a database of its own beside DATABASE_URL (default the local test server), with
one tenant, one channel connection per shop, a few thousand approved SKUs stocked in two
warehouses,
and an auto-review rule that approves merchant orders, so every order is imported,
approved, allocated and has its stock reserved, exactly as the sync engine drives it:
`upsert_many(connection_id, page)` per page in its own transaction. With `--shops N` the
orders are spread over N connections, each imported by a process of its own, as N sync
workers import N shops side by side (they share the SKUs, so their pages meet on the same
balance rows).

Baseline, same run: the same orders turned into the same order and line rows and bulk-loaded
with PostgreSQL COPY into copies of the two tables (no review, no stock, no audit, no
events). The ratio says what the business rules cost over the fastest way to put those rows
in the database. Events are written to the outbox, but not dispatched: consuming them is the
subscribers' work, not the import's.

Prints orders per second, the share of it the client spent on the CPU, peak memory (RSS) and
the ratio. The database is dropped at the end. With BENCH_PROFILE=1 the service run is profiled
(cProfile, the client's CPU time) and the functions that took the most time are printed after it.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from bench.common import bench_server, drop_database, machine_load, own_database, start_services  # noqa: E402

COUNTRIES = ("US", "US", "US", "GB", "DE", "FR", "CA", "AU")
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--skus", type=int, default=3_000)
    p.add_argument("--page", type=int, default=500, help="orders per upsert_many call (one transaction)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--shops",
        type=int,
        default=1,
        help="connections the orders are spread over, each imported by a process of its own",
    )
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a server of yours (default: one of the benchmark's own, with autovacuum on)",
    )
    p.add_argument("--keep", action="store_true", help="keep the benchmark database")
    p.add_argument(
        "--explain",
        action="store_true",
        help="print the plans of the page's lookups (existing orders by external id, the balance lock) at the end",
    )
    return p.parse_args()


def generate(
    n: int, codes: list[str], seed: int, shop: int = 0, start: datetime = T0, step: timedelta = timedelta(seconds=1)
) -> Iterator[Any]:
    """The same N channel orders of one shop for both runs: 1-5 lines each over the SKU pool,
    bought `step` apart from `start` on."""
    from core.ports import Address, ChannelOrder, ChannelOrderLine

    rnd = random.Random(seed * 1000 + shop)
    for i in range(n):
        lines = []
        for j, code in enumerate(rnd.sample(codes, rnd.randint(1, 5))):
            qty = rnd.randint(1, 3)
            price = Decimal(rnd.randint(500, 9999)) / 100
            lines.append(
                ChannelOrderLine(
                    external_line_id=f"{i}-{j}",
                    seller_sku=code,
                    quantity=qty,
                    unit_price=price,
                    item_tax=(price * qty * Decimal("0.08")).quantize(Decimal("0.01")),
                    shipping_price=Decimal("4.99") if j == 0 else Decimal(0),
                    title=f"Item {code}",
                )
            )
        yield ChannelOrder(
            external_order_id=f"BENCH-{shop}-{i:09d}",
            status="unshipped",
            external_status="Unshipped",
            purchased_at=start + step * i,
            updated_at=start + step * i,
            currency="USD",
            lines=tuple(lines),
            marketplace="US",
            buyer_name=f"Buyer {i}",
            buyer_email=f"buyer{i}@example.com",
            shipping_address=Address(
                name=f"Buyer {i}",
                line1=f"{i} Main St",
                city="Springfield",
                state="IL",
                postal_code="62701",
                country=rnd.choice(COUNTRIES),
            ),
            shipping_service="Standard",
        )


def pages(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    page: list[Any] = []
    for item in items:
        page.append(item)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


def shares(args: argparse.Namespace) -> list[int]:
    """How many of the orders each shop gets."""
    return [args.orders // args.shops + (1 if k < args.orders % args.shops else 0) for k in range(args.shops)]


def setup(args: argparse.Namespace) -> tuple[uuid.UUID, list[uuid.UUID], list[str]]:
    """A tenant, a Shopify connection per shop, approved SKUs stocked in two warehouses, the rules."""
    from core.catalog import service as catalog
    from core.db import unit_of_work
    from core.inventory import service as inventory
    from core.inventory.service import Doc, Line
    from core.inventory.service.warehouses import create_warehouse
    from core.money import Money
    from core.orders import service as orders
    from core.tenancy import Actor, actor_context, tenant_context
    from tenants import service as tenants

    with actor_context(Actor("cli", None, "bench")):
        with unit_of_work():
            tenant, _ = tenants.signup(
                company="Bench Co",
                email="bench@example.test",
                password="bench password 1",
                currency="CNY",
                timezone="Asia/Shanghai",
                locale="en",
            )
        with tenant_context(tenant.id):
            with unit_of_work():
                conn_ids = [
                    tenants.create_connection(
                        kind="channel",
                        plugin="shopify",
                        display_name=f"Bench shop {k}",
                        settings={"base_url": f"https://bench-{k}.myshopify.com", "access_token": "bench"},
                    ).id
                    for k in range(args.shops)
                ]
            codes: list[str] = []
            per_product = 50
            for p in range(0, args.skus, per_product):
                with unit_of_work():
                    skus = [
                        {"code": f"B{p + k:05d}", "gross_weight_g": 300} for k in range(min(per_product, args.skus - p))
                    ]
                    product = catalog.create_product({"title_en": f"Bench product {p}", "skus": skus})
                    catalog.submit_product(product.id)
                    catalog.approve_product(product.id)
                    codes.extend(s["code"] for s in skus)
            with unit_of_work():
                ids = [catalog.find_sku_by_code(c).id for c in codes]
                for code, country in (("BENCH-CN", "CN"), ("BENCH-US", "US")):
                    wh = create_warehouse(code=code, name=code, type="domestic", country=country)
                    inventory.receive_purchase(
                        Doc("bench_receipt", uuid.uuid4()),
                        [
                            Line(str(i), sku, wh.id, 1_000_000, Money(Decimal("12.50"), "CNY"))
                            for i, sku in enumerate(ids)
                        ],
                        key=f"bench:{code}",
                        qc=False,
                    )
                orders.update_settings(
                    review_rules=[{"name": "Merchant orders", "action": "approve", "fulfilment": "merchant"}],
                    auto_allocate=True,
                )
    return tenant.id, conn_ids, codes


def import_shop(
    tenant_id: uuid.UUID, conn_id: uuid.UUID, codes: list[str], count: int, shop: int, args: argparse.Namespace
) -> tuple[float, float, dict[str, int]]:
    """One shop's orders through `upsert_many`, a page per transaction. Returns wall and CPU
    seconds and the outcomes."""
    from core.db import unit_of_work
    from core.orders import service as orders
    from core.tenancy import Actor, actor_context, tenant_context

    outcomes: dict[str, int] = {}
    done = 0
    profile = None
    if os.environ.get("BENCH_PROFILE"):  # where the client's time goes, for whoever tunes this
        import cProfile

        profile = cProfile.Profile(time.process_time)  # CPU time: waits are PostgreSQL's
        profile.enable()
    start, cpu_start = time.perf_counter(), time.process_time()
    last = start
    with actor_context(Actor("job", None, "bench sync")), tenant_context(tenant_id):
        for page in pages(generate(count, codes, args.seed, shop), args.page):
            with unit_of_work():
                for r in orders.upsert_many(conn_id, page):
                    outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
            done += len(page)
            if done % (args.page * 20) == 0:
                now = time.perf_counter()
                print(
                    f"  shop {shop}: {done:>9,} orders  {done / (now - start):8.0f}/s"
                    f"  (last {args.page * 20:,}: {args.page * 20 / (now - last):6.0f}/s)",
                    flush=True,
                )
                last = now
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    if profile is not None:
        import pstats

        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumtime").print_stats(60)
    return wall, cpu, outcomes


def import_shop_in_process(url: str, *rest: Any) -> tuple[float, float, dict[str, int]]:
    """`import_shop` in a process of its own, with its own services (and engine)."""
    start_services(url, "shopify")
    return import_shop(*rest)


def run_service(
    url: str, tenant_id: uuid.UUID, conn_ids: list[uuid.UUID], codes: list[str], args: argparse.Namespace
) -> tuple[float, float, dict[str, int]]:
    """Every shop's import, side by side (a process per shop, as sync workers run them).
    Returns the wall time, the CPU time of all importing processes and the outcomes."""
    start = time.perf_counter()
    if args.shops == 1:
        results = [import_shop(tenant_id, conn_ids[0], codes, args.orders, 0, args)]
    else:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        with ProcessPoolExecutor(args.shops, mp_context=get_context("spawn")) as pool:
            futures = [
                pool.submit(import_shop_in_process, url, tenant_id, conn_id, codes, count, shop, args)
                for shop, (conn_id, count) in enumerate(zip(conn_ids, shares(args)))
            ]
            results = [f.result() for f in futures]
    outcomes: dict[str, int] = {}
    for _, _, counted in results:
        for outcome, n in counted.items():
            outcomes[outcome] = outcomes.get(outcome, 0) + n
    return time.perf_counter() - start, sum(cpu for _, cpu, _ in results), outcomes


ORDER_COLUMNS = (
    "id, tenant_id, created_at, updated_at, number, channel, connection_id, marketplace, external_order_id, "
    "external_number, external_status, channel_status, channel_digest, purchased_at, fulfilment, status, "
    "buyer_name, buyer_email, buyer_phone, ship_name, ship_company, ship_line1, ship_line2, ship_line3, "
    "ship_city, ship_state, ship_postal_code, ship_country, ship_phone, ship_email, address_source, "
    "shipping_service, currency, prices_include_tax, goods_amount, tax_amount, shipping_amount, "
    "discount_amount, total, refunded_amount, buyer_remarks, seller_note, tags, review_note, cancel_reason, "
    "stock_reserved, stock_events"
)
LINE_COLUMNS = (
    "id, tenant_id, created_at, updated_at, order_id, position, origin_line_id, external_line_id, seller_sku, "
    "title, sku_id, sku_code, units_per_item, quantity, quantity_cancelled, quantity_shipped, "
    "quantity_returned, quantity_refunded, unit_price, item_amount, item_tax, shipping, shipping_tax, "
    "discount, promotion, refunded, cost_value"
)


def copy_page(
    cur: Any,
    page: list[tuple[uuid.UUID, Any]],
    *,
    tenant_id: uuid.UUID,
    sku_ids: dict[str, uuid.UUID],
    first: int,
    tables: tuple[str, str] = ("orders", "order_lines"),
    status: Any = lambda n: "allocated",
) -> None:
    """A page of (connection id, channel order) as rows of the order and line tables, loaded
    with COPY: the fast path, with no rules, stock, audit or events. Orders are numbered from
    `first`; `status(n)` gives the n-th order's status."""
    from core.db import uuid7

    now = datetime.now(UTC)
    orders_table, lines_table = tables
    line_rows = []
    with cur.copy(f"COPY {orders_table} ({ORDER_COLUMNS}) FROM STDIN") as cp_orders:
        for n, (conn_id, o) in enumerate(page, first):
            oid = uuid7()
            a = o.shipping_address
            goods = sum((ln.unit_price * ln.quantity for ln in o.lines), Decimal(0))
            tax = sum((ln.item_tax for ln in o.lines), Decimal(0))
            ship = sum((ln.shipping_price for ln in o.lines), Decimal(0))
            cp_orders.write_row(
                (
                    oid,
                    tenant_id,
                    now,
                    now,
                    f"SO-{n:07d}",
                    "shopify",
                    conn_id,
                    o.marketplace,
                    o.external_order_id,
                    "",
                    o.external_status,
                    o.status,
                    "",
                    o.purchased_at,
                    o.fulfilment,
                    status(n),
                    o.buyer_name,
                    o.buyer_email,
                    "",
                    a.name,
                    "",
                    a.line1,
                    "",
                    "",
                    a.city,
                    a.state,
                    a.postal_code,
                    a.country,
                    "",
                    "",
                    "channel",
                    o.shipping_service,
                    o.currency,
                    False,
                    goods,
                    tax,
                    ship,
                    Decimal(0),
                    goods + tax + ship,
                    Decimal(0),
                    "",
                    "",
                    "[]",
                    "",
                    "",
                    True,
                    1,
                )
            )
            for pos, ln in enumerate(o.lines, 1):
                lid = uuid7()
                line_rows.append(
                    (
                        lid,
                        tenant_id,
                        now,
                        now,
                        oid,
                        pos,
                        lid,
                        ln.external_line_id,
                        ln.seller_sku,
                        ln.title,
                        sku_ids[ln.seller_sku],
                        ln.seller_sku,
                        1,
                        ln.quantity,
                        0,
                        0,
                        0,
                        0,
                        ln.unit_price,
                        ln.unit_price * ln.quantity,
                        ln.item_tax,
                        ln.shipping_price,
                        Decimal(0),
                        Decimal(0),
                        Decimal(0),
                        Decimal(0),
                        Decimal(0),
                    )
                )
    with cur.copy(f"COPY {lines_table} ({LINE_COLUMNS}) FROM STDIN") as cp_lines:
        for row in line_rows:
            cp_lines.write_row(row)


def run_copy(
    url: str, tenant_id: uuid.UUID, conn_ids: list[uuid.UUID], codes: list[str], args: argparse.Namespace
) -> float:
    """The same orders as rows of the two tables, loaded with COPY (the floor for this data)."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn) as pg:
        pg.execute("CREATE TABLE bench_orders (LIKE orders INCLUDING DEFAULTS INCLUDING INDEXES)")
        pg.execute("CREATE TABLE bench_order_lines (LIKE order_lines INCLUDING DEFAULTS INCLUDING INDEXES)")
        sku_ids = dict(pg.execute("SELECT code, id FROM catalog_skus").fetchall())
        pg.commit()
        start = time.perf_counter()
        n = 0
        shop_orders = (
            (conn_id, order)
            for shop, (conn_id, count) in enumerate(zip(conn_ids, shares(args)))
            for order in generate(count, codes, args.seed, shop)
        )
        for page in pages(shop_orders, args.page):
            with pg.cursor() as cur:
                copy_page(
                    cur,
                    page,
                    tenant_id=tenant_id,
                    sku_ids=sku_ids,
                    first=n + 1,
                    tables=("bench_orders", "bench_order_lines"),
                )
            n += len(page)
            pg.commit()
        return time.perf_counter() - start


def explain(tenant_id: uuid.UUID, conn_id: uuid.UUID, codes: list[str], args: argparse.Namespace) -> None:
    """EXPLAIN (ANALYZE) of what grows with the tenant: the lookup of a page's external ids
    among the orders already imported, and the lock of a page's balance rows, as the import
    runs them (the tenant filter of row-level security spelled out)."""
    from core.db import db

    page = next(pages(generate(args.orders, codes, args.seed, 0), args.page))
    ids = [o.external_order_id for o in page]
    with db.require_engine().connect() as conn:
        sku_ids = dict(conn.execute(text("SELECT code, id FROM catalog_skus")).all())
        warehouses = [w for (w,) in conn.execute(text("SELECT id FROM inventory_warehouses ORDER BY code"))]
        pairs = sorted({(sku_ids[ln.seller_sku], wh) for o in page for ln in o.lines for wh in warehouses})
        queries = {
            "existing orders of a page by external id": (
                "SELECT * FROM orders WHERE tenant_id = :t AND connection_id = :c AND parent_id IS NULL "
                "AND external_order_id = ANY(:ids) FOR UPDATE",
                {"t": tenant_id, "c": conn_id, "ids": ids},
            ),
            f"a page's balance rows locked ({len(pairs):,} pairs, as arrays)": (
                "SELECT id, on_hand, reserved FROM inventory_balances WHERE tenant_id = :t AND "
                "(sku_id, warehouse_id) IN (SELECT * FROM unnest(CAST(:s AS uuid[]), CAST(:w AS uuid[]))) "
                "ORDER BY sku_id, warehouse_id FOR UPDATE",
                {"t": tenant_id, "s": [p[0] for p in pairs], "w": [p[1] for p in pairs]},
            ),
        }
        for title, (sql, params) in queries.items():
            print(f"\nEXPLAIN {title}:")
            for (line,) in conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql), params):
                print("  " + line[:160])
            conn.rollback()


def table_sizes() -> dict[str, int]:
    """Bytes per table of the import (heap, TOAST and indexes), to measure what an order writes."""
    from core.db import db

    with db.require_engine().connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND n.nspname = 'public'"
            )
        ).all()
    return {name: int(size) for name, size in rows}


def main() -> None:
    args = parse()
    with bench_server(args.database_url) as server:
        measure(args, server)


def measure(args: argparse.Namespace, server: str) -> None:
    url, admin, name = own_database(server, "orders")
    try:
        from core.db import db
        from core.migrate import upgrade

        start_services(url, "shopify")
        upgrade(db.require_engine())
        print(f"setting up: {args.skus:,} SKUs in 2 warehouses, {args.shops} shop(s) ...", flush=True)
        tenant_id, conn_ids, codes = setup(args)
        print(f"order service: {args.orders:,} orders, pages of {args.page}, {args.shops} process(es) ...", flush=True)
        print(f"  {machine_load()}", flush=True)
        sizes_before = table_sizes()
        service_s, service_cpu, outcomes = run_service(url, tenant_id, conn_ids, codes, args)
        sizes_after = table_sizes()
        written = {t: size - sizes_before.get(t, 0) for t, size in sizes_after.items()}
        load_after = machine_load()
        rss_mb = (
            max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
        )
        with db.require_engine().connect() as conn:
            lines, reserved = conn.execute(
                text("SELECT (SELECT count(*) FROM order_lines), (SELECT count(*) FROM inventory_reservations)")
            ).one()
        print("COPY baseline ...", flush=True)
        copy_s = run_copy(url, tenant_id, conn_ids, codes, args)
        n = args.orders
        print()
        print(f"orders                {n:>12,}   ({lines:,} lines, {reserved:,} reservation rows; {outcomes})")
        print(
            f"order service         {n / service_s:>12,.0f} orders/s   {service_s:8.1f} s   ({args.shops} process(es))"
        )
        print(
            f"  client CPU          {service_cpu / service_s:>12.0%}   of one core (the rest: waiting for PostgreSQL"
            " or a core)"
        )
        print(f"COPY baseline         {n / copy_s:>12,.0f} orders/s   {copy_s:8.1f} s")
        print(f"ratio                 {service_s / copy_s:>12.1f} x the COPY time")
        print(f"peak RSS              {rss_mb:>12,.0f} MB   (of one process)")
        total = sum(written.values())
        print(f"written               {total / n:>12,.0f} bytes/order   (table and index sizes before and after)")
        for table, size in sorted(written.items(), key=lambda kv: -kv[1])[:8]:
            print(f"  {table:<28} {size / n:>8,.0f} bytes/order")
        print(f"machine               {load_after} (at the end of the service run)")
        print(f"a day of 1,000,000 orders: {1_000_000 / (n / service_s) / 60:,.1f} minutes on this machine")
        if args.explain:
            explain(tenant_id, conn_ids[0], codes, args)
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
