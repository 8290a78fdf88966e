"""Settlements: one Amazon Flat File V2 report imported and matched to the orders it pays.

    .venv/bin/python bench/settlements.py --lines 1000000 --orders 200000

It runs on a PostgreSQL server of its own with autovacuum on (bench/common.py; or
`--database-url`), in a database of its own, with one
tenant (CNY) whose finance is set up, an Amazon connection and `--orders` shipped USD orders of
it already in the database (COPYed in: they are the setting, not the work measured). The report
is written to a temporary file: per order its principal, shipping, tax, commission and FBA fee
rows, a refund (principal, commission returned, refund fee) for one order in twenty,
promotions, facilitator tax withheld, and every so often storage fees, advertising, reserves
and reimbursements, until `--lines` detail rows.

Measured, same run:
1. **Import**: the upload's path (`import_amazon`: streamed, parsed by header name, every line
   categorised and stored in batches), one transaction, as the API runs it.
2. **Match**: the `finance.match_settlement` job's work (`matching.match`): every line matched
   to its order, the reconciliation row per order written, the settlement booked.
3. **Baseline**: `COPY` of the same file into a plain table of text columns (the floor for
   moving these bytes into PostgreSQL).
Memory: the process's resident set is sampled every 0.2 s while importing and matching;
printed are its size before, its peak and the growth (the file is never held whole).

Prints the figures and the ratio of import + match to the COPY. Goal: under 60 s for a million
lines, memory flat. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bench_server, drop_database, machine_load, own_database, start_services  # noqa: E402

START = datetime(2026, 10, 1, tzinfo=UTC)


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lines", type=int, default=1_000_000, help="detail rows of the report")
    p.add_argument("--orders", type=int, default=200_000, help="shipped orders in the database")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--keep", action="store_true", help="keep the database")
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a server of yours (autovacuum on); default: a server of the benchmark's own",
    )
    return p.parse_args()


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Sampler:
    """The resident set, sampled in a thread while a block runs."""

    def __init__(self) -> None:
        self.before = rss_mb()
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def setup(n_orders: int, url: str) -> tuple[uuid.UUID, uuid.UUID, list[tuple]]:
    """The tenant, its Amazon connection and the shipped orders (external id, goods, shipping,
    tax, refunded)."""
    import psycopg

    from core.db import unit_of_work, uuid7
    from core.finance import service as finance
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
                locale="zh_CN",
            )
        with tenant_context(tenant.id), unit_of_work():
            finance.set_up("cn")
            conn = tenants.create_connection(
                kind="channel",
                plugin="amazon",
                display_name="Amazon US",
                settings={
                    "client_id": "amzn1.application-oa2-client.bench",
                    "client_secret": "bench",
                    "refresh_token": "Atzr|bench",
                    "seller_id": "A2BENCH",
                    "marketplace_id": "ATVPDKIKX0DER",
                },
            )
            conn_id = conn.id
    rng = random.Random(1)
    orders: list[tuple] = []
    cols = (
        "id, tenant_id, created_at, updated_at, number, channel, connection_id, marketplace, external_order_id, "
        "external_number, external_status, channel_status, channel_digest, purchased_at, fulfilment, status, "
        "buyer_name, buyer_email, buyer_phone, ship_name, ship_company, ship_line1, ship_line2, ship_line3, "
        "ship_city, ship_state, ship_postal_code, ship_country, ship_phone, ship_email, address_source, "
        "shipping_service, currency, prices_include_tax, goods_amount, tax_amount, shipping_amount, "
        "discount_amount, total, refunded_amount, buyer_remarks, seller_note, tags, review_note, cancel_reason, "
        "stock_reserved, stock_events, shipped_at"
    )
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    now = datetime.now(UTC)
    with psycopg.connect(dsn) as pg, pg.cursor() as cur:
        with cur.copy(f"COPY orders ({cols}) FROM STDIN") as cp:
            for i in range(n_orders):
                ext = f"111-{i:07d}-{rng.randint(0, 9999999):07d}"
                goods = Decimal(rng.randint(800, 9000)) / 100
                ship = Decimal("4.99") if i % 3 == 0 else Decimal(0)
                tax = (goods * Decimal("0.08")).quantize(Decimal("0.01"))
                refunded = (goods / 2).quantize(Decimal("0.01")) if i % 20 == 0 else Decimal(0)
                total = goods + ship + tax
                orders.append((ext, goods, ship, tax, refunded))
                when = START + timedelta(seconds=i * 5)
                status = "partially_refunded" if refunded else "shipped"
                cp.write_row(
                    (
                        uuid7(),
                        tenant.id,
                        now,
                        now,
                        f"SO-{i:07d}",
                        "amazon",
                        conn_id,
                        "US",
                        ext,
                        "",
                        "Shipped",
                        "shipped",
                        "",
                        when,
                        "merchant",
                        status,
                        "Buyer",
                        "",
                        "",
                        "Buyer",
                        "",
                        "1 Main St",
                        "",
                        "",
                        "Springfield",
                        "IL",
                        "62701",
                        "US",
                        "",
                        "",
                        "channel",
                        "Std",
                        "USD",
                        False,
                        goods,
                        tax,
                        ship,
                        Decimal(0),
                        total,
                        refunded,
                        "",
                        "",
                        "[]",
                        "",
                        "",
                        False,
                        0,
                        when,
                    )
                )
        pg.commit()
        pg.execute("ANALYZE orders")
    return tenant.id, conn_id, orders


def write_report(path: str, orders: list[tuple], n_lines: int, seed: int) -> tuple[str, int]:
    """The report, written a line at a time; returns its settlement id and detail rows."""
    from core.testing import settlements as v2

    sid = "24681357900"
    body_path = path + ".body"
    total, rows, k = Decimal(0), 0, 0
    posted = date(2026, 10, 10)
    with open(body_path, "w", encoding="utf-8", newline="") as out:

        def put(row: dict) -> None:
            nonlocal total, rows
            out.write(v2.detail_line(sid, row))
            total += Decimal(row["amount"])
            rows += 1

        while rows < n_lines:
            ext, goods, ship, tax, refunded = orders[k % len(orders)]
            i = k
            k += 1
            last = {}
            for last in v2.order_rows(
                ext,
                sku=f"SKU-{i % 5000:04d}",
                principal=goods,
                shipping=ship,
                tax=tax,
                commission=-(goods * Decimal("0.15")).quantize(Decimal("0.01")),
                fba_fee="-3.22" if i % 2 else "0",
                posted=posted,
                item_code=f"{i:014d}",
            ):
                put(last)
            if i % 7 == 0:  # the marketplace remits the tax (facilitator): it nets to zero here
                put(
                    {
                        **last,
                        "amount-type": "ItemWithheldTax",
                        "amount-description": "MarketplaceFacilitatorTax-Principal",
                        "amount": -tax,
                    }
                )
            if refunded:
                for r in v2.refund_rows(
                    ext,
                    f"amzn1:adj:{i}",
                    sku=f"SKU-{i % 5000:04d}",
                    principal=-refunded,
                    commission_back="1.00",
                    refund_commission="-0.20",
                    posted=posted,
                ):
                    put(r)
            if i % 500 == 0:
                put(v2.other_row("Storage Fee", "-12.40", **{"posted-date": posted}))
                put(
                    v2.other_row(
                        "TransactionTotalAmount",
                        "-55.00",
                        amount_type="Cost of Advertising",
                        transaction_type="ServiceFee",
                    )
                )
                put(
                    v2.other_row(
                        "WAREHOUSE_DAMAGE",
                        "8.10",
                        amount_type="FBA Inventory Reimbursement",
                        transaction_type="Adjustment",
                        sku=f"SKU-{i % 5000:04d}",
                    )
                )
            if i % 5000 == 0:
                put(v2.other_row("Current Reserve Amount", "-250.00"))
                put(v2.other_row("Previous Reserve Amount Balance", "240.00"))
    with open(path, "w", encoding="utf-8", newline="") as out, open(body_path, encoding="utf-8") as body:
        head = v2.lines_v2(
            sid, [], start=START, end=START + timedelta(days=14), deposit=START + timedelta(days=15), total=total
        )
        out.write(next(head))
        out.write(next(head))
        while chunk := body.read(1 << 20):
            out.write(chunk)
    os.unlink(body_path)
    return sid, rows


def run_import(tenant_id: uuid.UUID, conn_id: uuid.UUID, path: str) -> tuple[float, uuid.UUID]:
    from core.db import unit_of_work
    from core.finance.settlements import service
    from core.finance.settlements.service import import_amazon
    from core.tenancy import Actor, actor_context, tenant_context

    # The import would queue the matching job; the bench runs that job's work itself, timed.
    service._enqueue_match = lambda row: None  # type: ignore[assignment]
    start = time.perf_counter()
    with tenant_context(tenant_id), actor_context(Actor("cli", None, "bench")), unit_of_work():
        with open(path, "rb") as f:
            done = import_amazon(f, connection_id=conn_id, filename="bench.txt")
        sid = done.settlement.id
    return time.perf_counter() - start, sid


def run_match(tenant_id: uuid.UUID, settlement_id: uuid.UUID) -> tuple[float, dict]:
    from core.db import unit_of_work
    from core.finance.settlements.matching import match
    from core.tenancy import Actor, actor_context, tenant_context

    start = time.perf_counter()
    with tenant_context(tenant_id), actor_context(Actor("cli", None, "bench")), unit_of_work():
        result = match(settlement_id)
    return time.perf_counter() - start, result


def run_copy(url: str, path: str) -> float:
    import psycopg

    from core.testing.settlements import COLUMNS

    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    cols = ", ".join(f'"{c}" text' for c in COLUMNS)
    with psycopg.connect(dsn) as pg:
        pg.execute(f"CREATE TABLE bench_settlement_copy ({cols})")
        pg.commit()
        start = time.perf_counter()
        with pg.cursor() as cur, open(path, "rb") as f:
            f.readline()  # the header
            with cur.copy("COPY bench_settlement_copy FROM STDIN") as cp:
                while chunk := f.read(1 << 20):
                    cp.write(chunk)
        pg.commit()
        return time.perf_counter() - start


def main() -> None:
    args = parse()
    with bench_server(args.database_url) as server:
        run(args, server)


def run(args: argparse.Namespace, server: str) -> None:
    url, admin, name = own_database(server, "settlements")
    tmp = tempfile.mkdtemp(prefix="tl-bench-settlements-")
    path = os.path.join(tmp, "settlement.txt")
    try:
        from core.db import db
        from core.migrate import upgrade

        start_services(url, "")
        upgrade(db.require_engine())
        t0 = time.perf_counter()
        tenant_id, conn_id, orders = setup(args.orders, url)
        sid, rows = write_report(path, orders, args.lines, args.seed)
        size = os.path.getsize(path)
        del orders
        print(
            f"setup: {args.orders:,} orders, report {sid} of {rows:,} lines ({size / 2**20:.0f} MB) "
            f"in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        copy_s = run_copy(url, path)
        print(f"COPY baseline       {copy_s:8.2f} s   {rows / copy_s:10,.0f} lines/s", flush=True)
        with Sampler() as mem:
            if os.environ.get("BENCH_PROFILE"):  # where the time goes, for whoever tunes this
                import cProfile

                prof = cProfile.Profile()
                prof.enable()
            import_s, settlement_id = run_import(tenant_id, conn_id, path)
            print(f"import (parse+store){import_s:8.2f} s   {rows / import_s:10,.0f} lines/s", flush=True)
            match_s, result = run_match(tenant_id, settlement_id)
            if os.environ.get("BENCH_PROFILE"):
                import pstats

                prof.disable()
                pstats.Stats(prof).sort_stats("cumtime").print_stats(25)
            print(f"match + reconcile   {match_s:8.2f} s   {rows / match_s:10,.0f} lines/s   {result}", flush=True)
        total = import_s + match_s
        print(f"import + match      {total:8.2f} s   ratio to COPY {total / copy_s:.1f} x   (goal < 60 s)")
        print(
            f"memory (RSS)        before {mem.before:.0f} MB, peak {mem.peak:.0f} MB, "
            f"growth {mem.peak - mem.before:.0f} MB for a {size / 2**20:.0f} MB file"
        )
        print(machine_load())
    finally:
        from core.db import db

        if db.engine is not None:
            db.engine.dispose()
        for f in Path(tmp).glob("*"):
            f.unlink()
        os.rmdir(tmp)
        if not args.keep:
            drop_database(admin, name)


if __name__ == "__main__":
    main()
