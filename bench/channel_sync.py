"""Channel sync end to end: N orders from one channel emulator over real HTTP into the database.

    .venv/bin/python bench/channel_sync.py --orders 50000 --channel shopify

It creates a database of its own beside DATABASE_URL (the local test server by default) with
one tenant, the emulator catalogue's SKUs approved and stocked, and a review rule that
approves merchant orders, so every order is imported, reviewed and allocated with its stock
reserved. The channel's emulator is served from a thread over HTTP on localhost with its
throttling off, and the connection's pacing off. Then the job `sync.connection` runs once,
as a worker runs it: every page listed, lines fetched where the channel lists orders
without them, each page upserted and its cursor saved in one transaction.

Where the time goes (shares of the run's wall time):
  HTTP      inside the httpx transport: request out, response read (client and emulator)
  mapping   the adapter's own work around HTTP: JSON decoding, payload -> ChannelOrder
  database  the order service's upsert of each page and its commit
  other     progress, cursor and run bookkeeping

Baseline, same run: the same window read through the adapter alone (HTTP and mapping, no
database). The ratio says what storing the orders costs over reading them. Events are written
to the outbox but not dispatched: consuming them is the subscribers' work, not the sync's.
The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.common import bench_server, drop_database, machine_load, own_database, start_services  # noqa: E402

CHANNELS = ("shopify", "woocommerce", "amazon", "aliexpress")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=50_000)
    p.add_argument("--channel", choices=CHANNELS, default="shopify")
    p.add_argument("--hours", type=float, default=72, help="orders are spread over this many hours before now")
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a server of yours (default: one of the benchmark's own, with autovacuum on)",
    )
    return p.parse_args()


class TimedTransport(httpx.BaseTransport):
    """A real HTTP transport that adds up the time spent in it, body read included."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.seconds = 0.0
        self.requests = 0
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        response = self.inner.handle_request(request)
        response.read()
        with self.lock:
            self.seconds += time.perf_counter() - start
            self.requests += 1
        return response

    def reset(self) -> tuple[float, int]:
        with self.lock:
            out = (self.seconds, self.requests)
            self.seconds, self.requests = 0.0, 0
        return out


class Ctx:
    """What the job runner hands the sync: progress (printed) and the attempt number."""

    job_id = None
    attempt = 1

    def __init__(self, total: int) -> None:
        self.total = total
        self.last = 0.0

    def progress(self, percent: int, message: str = "") -> None:
        if time.monotonic() - self.last > 10:
            self.last = time.monotonic()
            print(f"  {percent:3d}%  {message}", flush=True)


def serve(emulator: Any) -> tuple[Any, str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, emulator, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def setup(channel: str, settings: dict[str, Any]) -> tuple[uuid.UUID, uuid.UUID]:
    """A tenant with the emulator's catalogue approved and stocked, a rule approving merchant
    orders, and the channel connection."""
    from core.catalog import service as catalog
    from core.db import unit_of_work
    from core.inventory import service as inventory
    from core.inventory.service import Doc, Line
    from core.inventory.service.warehouses import create_warehouse
    from core.money import Money
    from core.orders import service as orders
    from core.tenancy import Actor, actor_context, tenant_context
    from core.testing.orders import CATALOGUE
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
        with tenant_context(tenant.id), unit_of_work():
            product = catalog.create_product(
                {
                    "title_en": "Bench catalogue",
                    "skus": [{"code": code, "gross_weight_g": 300} for code, _, _ in CATALOGUE],
                }
            )
            catalog.submit_product(product.id)
            catalog.approve_product(product.id)
            wh = create_warehouse(code="BENCH", name="Bench warehouse", type="domestic", country="CN")
            inventory.receive_purchase(
                Doc("bench_receipt", uuid.uuid4()),
                [
                    Line(str(i), sku.id, wh.id, 10_000_000, Money(Decimal("12.50"), "CNY"))
                    for i, sku in enumerate(product.skus)
                ],
                key="bench:stock",
                qc=False,
            )
            orders.update_settings(
                review_rules=[{"name": "Merchant orders", "action": "approve", "fulfilment": "merchant"}],
                auto_allocate=True,
            )
            conn = tenants.create_connection(
                kind="channel", plugin=channel, display_name="Bench channel", settings={**settings, "pacing": False}
            )
            return tenant.id, conn.id


def sync_once(tenant_id: uuid.UUID, conn_id: uuid.UUID, total: int) -> dict[str, Any]:
    from core.db import session
    from core.sync import engine
    from core.sync.models import SyncRun
    from core.tenancy import Actor, actor_context, tenant_context

    with actor_context(Actor("job", None, "job:sync.connection")), tenant_context(tenant_id):
        try:
            result = engine.run(Ctx(total), conn_id, "manual")
            run = session.get(SyncRun, uuid.UUID(result["run_id"]))
            return {**result, "remote_ms": run.remote_ms, "store_ms": run.store_ms, "duration_ms": run.duration_ms}
        finally:
            session.remove()


def read_only(tenant_id: uuid.UUID, conn_id: uuid.UUID, start: Any, end: Any) -> int:
    """The baseline: the same window read through the adapter (HTTP and mapping) and dropped."""
    from core import connections
    from core.db import session
    from core.tenancy import tenant_context

    seen, cursor = 0, None
    with tenant_context(tenant_id):
        try:
            with connections.using(conn_id, "channel") as adapter:
                while True:
                    page = adapter.list_orders(start, end, cursor)
                    for order in page.orders:
                        if not order.lines_complete:
                            adapter.fetch_order_lines(order)
                    seen += len(page.orders)
                    cursor = page.next_cursor
                    if cursor is None:
                        return seen
        finally:
            session.remove()


def main() -> None:
    args = parse()
    with bench_server(args.database_url) as server_url:
        measure(args, server_url)


def measure(args: argparse.Namespace, server_url: str) -> None:
    url, admin, name = own_database(server_url, "sync")
    server = None
    try:
        from core import connections
        from core.db import db
        from core.migrate import upgrade
        from core.plugins import registry

        start_services(url, args.channel)
        upgrade(db.require_engine())

        emulator = type(registry().emulators[args.channel])(seed=7)
        emulator.faults.throttle = False
        print(f"generating {args.orders:,} {args.channel} orders ...", flush=True)
        now = emulator.clock.now()
        emulator.generate_orders(args.orders, start=now - timedelta(hours=args.hours), end=now - timedelta(minutes=15))
        server, base_url = serve(emulator)
        transport = TimedTransport()
        connections.route(base_url, transport=transport)
        tenant_id, conn_id = setup(args.channel, emulator.connection_settings(base_url))

        print("sync ...", flush=True)
        started = time.perf_counter()
        print(f"  {machine_load()}", flush=True)
        result = sync_once(tenant_id, conn_id, args.orders)
        load_after = machine_load()
        wall = time.perf_counter() - started
        http_s, requests = transport.reset()
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with db.require_engine().connect() as conn:
            stored, lines, reserved = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM orders WHERE parent_id IS NULL), (SELECT count(*) FROM order_lines), "
                    "(SELECT count(*) FROM inventory_reservations)"
                )
            ).one()

        print("baseline: the same window read without storing ...", flush=True)
        started = time.perf_counter()
        read = read_only(tenant_id, conn_id, result["window_start"], result["window_end"])
        base_s = time.perf_counter() - started
        base_http_s, _ = transport.reset()

        mapping_s = max(result["remote_ms"] / 1000 - http_s, 0.0)
        db_s = result["store_ms"] / 1000
        other_s = max(wall - http_s - mapping_s - db_s, 0.0)
        n = result["created"]
        print()
        print(f"channel               {args.channel} (emulator over HTTP on localhost, throttling and pacing off)")
        print(
            f"orders                {n:>12,}   created of {args.orders:,} generated; {stored:,} stored,"
            f" {lines:,} lines,"
            f" {reserved:,} reservation rows; {result['pages']} pages, {requests:,} HTTP requests"
        )
        print(f"sync                  {n / wall:>12,.0f} orders/s   {wall:8.1f} s")
        for label, seconds in (
            ("  HTTP", http_s),
            ("  mapping", mapping_s),
            ("  database", db_s),
            ("  other", other_s),
        ):
            print(f"{label:<22}{seconds / wall:>12.1%}   {seconds:8.1f} s")
        print(
            f"baseline (read only)  {read / base_s:>12,.0f} orders/s   {base_s:8.1f} s"
            f"   (HTTP {base_http_s / base_s:.0%})"
        )
        print(f"ratio                 {wall / base_s:>12.1f} x the read-only time")
        print(f"peak RSS              {rss_mb:>12,.0f} MB")
        print(f"machine               {load_after} (at the end of the sync)")
        if n != args.orders or read != args.orders:
            print(f"MISMATCH: {n} created, {read} read, {args.orders} generated")
            sys.exit(1)
    finally:
        if server is not None:
            server.shutdown()
        from core.db import db

        if db.engine is not None:
            db.engine.dispose()
        drop_database(admin, name)


if __name__ == "__main__":
    main()
