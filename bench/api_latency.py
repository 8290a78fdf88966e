"""API and portal latency on a large tenant, over real HTTP through gunicorn.

    .venv/bin/python bench/api_latency.py --orders 100000 [--clients 16] [--requests 320]

It creates a database of its own (on a PostgreSQL server of its own with autovacuum on, unless
--database-url names one), one tenant with a Shopify connection and --skus approved SKUs
stocked in two warehouses (the order ingest benchmark's setup), and fills it with --orders
orders and their lines by the fast path: COPY of generated rows into the order tables
(bench/order_ingest.py's `copy_page`; no rules, stock, audit or events), with a spread of
statuses. Then `ANALYZE`, as after any bulk load, and gunicorn serves the app
(`core.app:create_app()`, --workers processes of --threads threads).

--clients concurrent clients (threads, one HTTP connection each) send --requests requests to
each of these, one after the other, and the p50 and p99 of their latencies are printed:

- baseline: `GET /api/v1/health` (gunicorn, Flask, one `SELECT 1`): the floor of the stack;
- the order list through the API with an API key: default filters, a status filter, a search
  by order number (prefix) and one by buyer e-mail, the 2nd page, the 500th page (by cursor);
- the portal with a session cookie: the order list, an order's page, the stock page, the
  dashboard.

Each request of a search or an order page asks for another order, so no answer is the cached
one of the last request. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.common import (  # noqa: E402
    ENCRYPTION_KEY,
    bench_server,
    drop_database,
    machine_load,
    own_database,
    start_services,
)
from bench.order_ingest import copy_page, generate, pages, setup  # noqa: E402

PASSWORD = "bench password 1"
EMAIL = "bench@example.test"
# Orders' statuses, as a tenant's mix looks after a while: most shipped or delivered.
STATUS_MIX = (
    ("delivered", 45),
    ("shipped", 30),
    ("allocated", 12),
    ("awaiting_shipment", 5),
    ("pending_review", 3),
    ("on_hold", 2),
    ("cancelled", 3),
)


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=100_000, help="orders of the tenant (default 100,000)")
    p.add_argument("--skus", type=int, default=1_000)
    p.add_argument("--clients", type=int, default=16, help="concurrent clients")
    p.add_argument("--requests", type=int, default=320, help="requests per endpoint")
    p.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    p.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    p.add_argument("--deep-page", type=int, default=500, help="the deep page, reached by cursor")
    p.add_argument("--days", type=int, default=90, help="the orders were bought over the last N days")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a server of yours (default: one of the benchmark's own, with autovacuum on)",
    )
    p.add_argument("--keep", action="store_true", help="keep the benchmark database")
    p.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE) of the order list's queries")
    return p.parse_args()


def status_of(seed: int) -> Callable[[int], str]:
    statuses = [s for s, weight in STATUS_MIX for _ in range(weight)]
    rnd = random.Random(seed)
    return lambda n: statuses[rnd.randrange(len(statuses))]


def fill(url: str, tenant_id: uuid.UUID, conn_id: uuid.UUID, codes: list[str], args: argparse.Namespace) -> float:
    """The tenant's orders by COPY; returns the seconds it took."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    start = time.perf_counter()
    with psycopg.connect(dsn) as pg:
        sku_ids = dict(pg.execute("SELECT code, id FROM catalog_skus").fetchall())
        status, n = status_of(args.seed), 0
        # Bought over the last --days up to now, so that the dashboard's recent days hold orders.
        step = timedelta(days=args.days) / args.orders
        start_at = datetime.now(UTC) - timedelta(days=args.days)
        orders = generate(args.orders, codes, args.seed, start=start_at, step=step)
        for page in pages(((conn_id, o) for o in orders), 5_000):
            with pg.cursor() as cur:
                copy_page(cur, page, tenant_id=tenant_id, sku_ids=sku_ids, first=n + 1, status=status)
            n += len(page)
            pg.commit()
            if n % 100_000 == 0:
                print(f"  {n:>9,} orders  {n / (time.perf_counter() - start):8.0f}/s", flush=True)
        pg.execute("ANALYZE")
    return time.perf_counter() - start


def sales_sums(tenant_id: uuid.UUID, days: int) -> float:
    """The dashboard's per-day sums for the orders COPY wrote (which, bypassing Tradelane,
    marked no day stale): every day marked and recomputed, as the first read after an import
    would; returns the seconds it took."""
    from core.db import unit_of_work, utcnow
    from core.orders.service import reports
    from core.tenancy import tenant_context

    start = time.perf_counter()
    with tenant_context(tenant_id), unit_of_work():
        today = utcnow().date()
        reports.mark_stale(today - timedelta(days=back) for back in range(days + 1))
        reports.refresh()
    return time.perf_counter() - start


def api_key(tenant_id: uuid.UUID) -> str:
    from sqlalchemy import select

    from core.db import session, unit_of_work
    from core.tenancy import Actor, actor_context, tenant_context
    from tenants import service
    from tenants.models import User

    with tenant_context(tenant_id), actor_context(Actor("cli", None, "bench")), unit_of_work():
        user_id = session.execute(select(User.id).where(User.email == EMAIL)).scalar_one()
        owner = service.Principal(tenant_id=tenant_id, kind="user", id=user_id, label=EMAIL, roles=("owner",))
        return service.create_api_key(owner, name="bench", roles=["owner"])[1]


class Gunicorn:
    """`gunicorn 'core.app:create_app()'` on a free port, configured by the environment."""

    def __init__(self, url: str, args: argparse.Namespace) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "TRADELANE_ENCRYPTION_KEY": ENCRYPTION_KEY,
            "TRADELANE_PLUGINS": "shopify",
            "TRADELANE_INSTANCE_DIR": os.path.join(os.environ.get("TMPDIR", "/tmp"), f"tl-bench-{os.getpid()}"),
            "TRADELANE_LOGIN_RATE_LIMIT": "1000/60",
        }
        env.pop("REDIS_URL", None)
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        command = [gunicorn, "core.app:create_app()", "--workers", str(args.workers), "--threads", str(args.threads)]
        command += ["--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "120"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.5)
        raise SystemExit("gunicorn did not answer within 2 minutes")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def session_cookie(base: str) -> str:
    """The portal's session cookie of the owner (logged in through the API)."""
    resp = httpx.post(f"{base}/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}, timeout=30)
    resp.raise_for_status()
    match = re.search(r"(?:^|,\s*)session=([^;]+)", resp.headers.get("set-cookie", ""))
    if not match:
        raise SystemExit("no session cookie on login")
    return match.group(1)


def measure(base: str, paths: Callable[[int], str], headers: dict[str, str], args: argparse.Namespace) -> list[float]:
    """--requests GETs of paths(i) by --clients threads, one connection each; the latencies
    in seconds. A response other than 200 stops the run."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(args.requests))
    failures: list[str] = []

    def client() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            http.get(paths(0))  # a warm connection
            while not failures:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                start = time.perf_counter()
                resp = http.get(paths(i))
                took = time.perf_counter() - start
                if resp.status_code != 200:
                    failures.append(f"GET {paths(i)}: {resp.status_code} {resp.text[:300]}")
                with lock:
                    latencies.append(took)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(failures[0])
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def deep_cursor(base: str, headers: dict[str, str], page: int) -> str:
    """The URL of the order list's `page`-th page (25 a page), found by following its cursors."""
    path = "/api/v1/orders"
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        for _ in range(page - 1):
            resp = http.get(path)
            resp.raise_for_status()
            cursor = json.loads(resp.headers["X-Pagination"])["next_cursor"]
            if cursor is None:
                raise SystemExit(f"the order list has fewer than {page} pages: use more --orders")
            path = f"/api/v1/orders?cursor={cursor}"
    return path


def explain(tenant_id: uuid.UUID) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the order list's queries (what list_total counts and
    what a page reads) as a request runs them: as the app's role, under row-level security,
    with the tenant set for the transaction. (As the owner, or a superuser, RLS does not apply
    and the plans differ: a search's ILIKE, not leakproof, may then use an index it cannot use
    under a policy.)"""
    from core.db import APP_ROLE_DEFAULT, db

    queries = {
        "default page": "SELECT * FROM orders WHERE tenant_id = :t ORDER BY purchased_at DESC, id DESC LIMIT 26",
        "status filter": "SELECT * FROM orders WHERE tenant_id = :t AND status IN ('allocated') "
        "ORDER BY purchased_at DESC, id DESC LIMIT 26",
        "bounded count": "SELECT count(*) FROM (SELECT 1 FROM orders WHERE tenant_id = :t LIMIT 10001) AS c",
        "number search as an ILIKE (before orders_0003)": "SELECT * FROM orders WHERE tenant_id = :t AND "
        "(number ILIKE 'SO-00123%' OR external_order_id ILIKE 'SO-00123%' OR external_number ILIKE 'SO-00123%') "
        "ORDER BY purchased_at DESC, id DESC LIMIT 26",
        "number search as ranges (queries._id_prefix)": "SELECT * FROM orders WHERE tenant_id = :t AND "
        "((number ~>=~ 'SO-00123' AND number ~<~ 'SO-00124') OR (external_order_id ~>=~ 'SO-00123' AND "
        "external_order_id ~<~ 'SO-00124') OR (external_number ~>=~ 'SO-00123' AND external_number ~<~ 'SO-00124')) "
        "ORDER BY purchased_at DESC, id DESC LIMIT 26",
        "buyer search as an ILIKE (before orders_0006)": "SELECT * FROM orders WHERE tenant_id = :t AND "
        "(buyer_name ILIKE '%buyer123@%' OR buyer_email ILIKE '%buyer123@%' OR ship_name ILIKE '%buyer123@%') "
        "ORDER BY purchased_at DESC, id DESC LIMIT 26",
        "buyer search as a range (queries._buyer_email)": "SELECT * FROM orders WHERE tenant_id = :t AND "
        "buyer_email_lower ~>=~ 'buyer123@' AND buyer_email_lower ~<~ 'buyer123A' "
        "ORDER BY purchased_at DESC, id DESC LIMIT 26",
    }
    with db.require_engine().connect() as conn:
        for title, sql in queries.items():
            conn.execute(
                text("SELECT set_config('role', :role, true), set_config('app.tenant_id', :t, true)"),
                {"role": APP_ROLE_DEFAULT, "t": str(tenant_id)},
            )
            print(f"\nEXPLAIN {title}:")
            for (line,) in conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql), {"t": tenant_id}):
                print("  " + line[:160])
            conn.rollback()


def main() -> None:
    args = parse()
    with bench_server(args.database_url) as server:
        run(args, server)


def run(args: argparse.Namespace, server: str) -> None:
    url, admin, name = own_database(server, "api")
    gunicorn = None
    try:
        from core.db import db
        from core.migrate import upgrade

        start_services(url, "shopify")
        upgrade(db.require_engine())
        print(f"setting up: {args.skus:,} SKUs in 2 warehouses ...", flush=True)
        tenant_id, (conn_id,), codes = setup(SimpleNamespace(shops=1, skus=args.skus))
        print(f"filling: {args.orders:,} orders by COPY ...", flush=True)
        took = fill(url, tenant_id, conn_id, codes, args)
        print(f"  {args.orders / took:,.0f} orders/s, then ANALYZE", flush=True)
        took = sales_sums(tenant_id, args.days)
        print(f"  the dashboard's sales sums of {args.days + 1} days computed in {took:.1f} s", flush=True)
        key = api_key(tenant_id)
        with db.require_engine().connect() as conn:
            order_ids = [str(i) for (i,) in conn.execute(text("SELECT id FROM orders ORDER BY random() LIMIT 1000"))]
            sku_id = conn.execute(text("SELECT id FROM catalog_skus LIMIT 1")).scalar_one()
        db.engine.dispose()

        print(f"gunicorn: {args.workers} workers x {args.threads} threads ...", flush=True)
        gunicorn = Gunicorn(url, args)
        api = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
        portal = {"Cookie": f"session={session_cookie(gunicorn.base)}"}
        deep = deep_cursor(gunicorn.base, api, args.deep_page)
        rnd = random.Random(args.seed)
        numbers = [f"SO-{rnd.randint(1, args.orders):07d}" for _ in range(args.requests + 1)]
        buyers = [f"buyer{rnd.randrange(args.orders)}@example.com" for _ in range(args.requests + 1)]

        def same(path: str) -> Callable[[int], str]:
            return lambda i: path

        cases: list[tuple[str, Callable[[int], str], dict[str, str]]] = [
            ("baseline: GET /api/v1/health", same("/api/v1/health"), {}),
            ("API order list, default", same("/api/v1/orders"), api),
            ("API order list, status=allocated", same("/api/v1/orders?status=allocated"), api),
            ("API search by order number", lambda i: f"/api/v1/orders?q={numbers[i]}", api),
            ("API search by buyer e-mail", lambda i: f"/api/v1/orders?buyer={buyers[i]}", api),
            ("API order list, page 2", same("/api/v1/orders?page=2"), api),
            (f"API order list, page {args.deep_page} (cursor)", same(deep), api),
            ("API order", lambda i: f"/api/v1/orders/{order_ids[i % len(order_ids)]}", api),
            ("portal order list", same("/orders/"), portal),
            ("portal order page", lambda i: f"/orders/{order_ids[i % len(order_ids)]}", portal),
            ("portal stock page", same("/inventory/"), portal),
            ("portal SKU ledger", same(f"/inventory/ledger/{sku_id}"), portal),
            ("portal dashboard", same("/"), portal),
        ]
        print(f"measuring: {args.clients} clients, {args.requests} requests each case", flush=True)
        print(f"  {machine_load()}", flush=True)
        results = []
        for title, paths, headers in cases:
            latencies = measure(gunicorn.base, paths, headers, args)
            results.append((title, latencies))
            p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
            print(f"  {title:<40} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms", flush=True)
        base50 = percentile(results[0][1], 50)
        print()
        print(f"tenant: {args.orders:,} orders; {args.clients} clients; {args.requests} requests per line")
        print(f"{'':<40} {'p50 ms':>8} {'p99 ms':>8} {'p50 / baseline':>15}")
        for title, latencies in results:
            p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
            print(f"{title:<40} {p50 * 1000:>8.1f} {p99 * 1000:>8.1f} {p50 / base50:>14.1f}x")
        print(f"machine: {machine_load()} (at the end)")
        if args.explain:
            explain(tenant_id)
    finally:
        if gunicorn is not None:
            gunicorn.stop()
        from core.db import db

        if db.engine is not None:
            db.engine.dispose()
        if args.keep:
            print(f"kept the database {name}")
            admin.dispose()
        else:
            drop_database(admin, name)


if __name__ == "__main__":
    main()
