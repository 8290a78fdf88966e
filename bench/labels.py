"""Labels for N orders through the `labels` queue, against a carrier emulator.

    .venv/bin/python bench/labels.py --orders 1000

One tenant, one warehouse in China with stock, N allocated orders to the US, and a carrier
connection to the ShipBox emulator (tests/core/shipping/carrier.py: rates for four services,
real PDF labels; the four carriers' own emulators replace it once they land) reached in
process through httpx.WSGITransport. One label batch for all N orders runs on the `labels`
queue (the in-process worker): per order the shipment is prepared, every service is quoted,
the tenant's rules choose, the claim is committed, the label bought and stored, the order
marked printed and `shipment.label_bought` written, each order in a transaction of its own.

Baseline, same run: the same N orders' calls made straight to the adapter (one quote and one
create_label each, same emulator, no database). The ratio says what the batch adds over the
carrier calls it cannot avoid. Memory: peak RSS before and after the batch, and the RSS growth
between the first and last tenth of the batch (flat means no per-order leak).
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.common import drop_database, own_database  # noqa: E402


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument(
        "--database", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    )
    args = parser.parse_args()
    url, admin, name = own_database(args.database, "labels")
    try:
        run(url, args.orders)
    finally:
        from core.db import db

        if db.engine is not None:
            db.engine.dispose()
        drop_database(admin, name)


def run(url: str, n: int) -> None:
    from bench.common import ENCRYPTION_KEY
    from core import connections, events
    from core.app import init_services
    from core.config import load_config
    from core.db import db, unit_of_work
    from core.migrate import upgrade
    from core.plugins import registry
    from core.ports import Address, ConnectionContext, Parcel, Secret, ShipmentRequest
    from core.tenancy import Actor, actor_context, tenant_context
    from tests.core.shipping import carrier
    from tests.fixtures import dummy_plugin

    init_services(
        load_config(
            {
                "DATABASE_URL": url,
                "REDIS_URL": None,
                "JOBS_INLINE": True,
                "SECRET_KEY": "bench",
                "TRADELANE_ENCRYPTION_KEY": ENCRYPTION_KEY,
                "TRADELANE_PLUGINS": "none",
            }
        )
    )
    from bench.common import NoDispatch

    events._dispatcher = NoDispatch()  # type: ignore[assignment]
    registry().register(carrier, name="shipbox", kind="carrier")
    registry().register(dummy_plugin, name="dummy", kind="channel")
    upgrade(db.require_engine())
    base_url = "http://shipbox-bench.test"
    emulator = carrier.ShipBoxEmulator()
    emulator.LIMITS = {"api": (10**9, 10**9)}
    connections.route(base_url, transport=httpx.WSGITransport(app=emulator))

    with actor_context(Actor("cli", None, "bench")):
        tenant_id, order_ids, conn_id = setup(n, base_url, emulator)
        print(f"{n} allocated orders ready")

        # Baseline: the same calls straight to the adapter.
        ctx = ConnectionContext(
            connection_id="bench",
            tenant_id=str(tenant_id),
            settings={"base_url": base_url},
            credentials={"api_key": Secret(emulator.api_key)},
            state={},
            transport=httpx.WSGITransport(app=emulator),
        )
        adapter = carrier.ShipBox(ctx)
        t0 = time.perf_counter()
        for i in range(n):
            req = ShipmentRequest(
                f"BASE-{i}",
                "",
                Address(country="CN"),
                Address(country="US"),
                (Parcel(500, Decimal(30), Decimal(20), Decimal(10)),),
            )
            quotes = adapter.quote(req)
            adapter.create_label(
                ShipmentRequest(
                    req.reference, min(quotes, key=lambda q: q.amount).service, req.ship_from, req.ship_to, req.parcels
                )
            )
        baseline = time.perf_counter() - t0
        adapter.close()

        with tenant_context(tenant_id):
            from core.shipping import service as shipping

            before = rss_mb()
            samples: list[float] = []
            original = shipping.buy_label

            def sampled(*a, **kw):  # type: ignore[no-untyped-def]
                samples.append(rss_mb())
                return original(*a, **kw)

            import core.shipping.service.batches as batches

            batches.shipments.buy_label = sampled  # type: ignore[assignment]
            t0 = time.perf_counter()
            with unit_of_work():
                batch_id = shipping.start_batch([str(x) for x in order_ids]).id
            from core import jobs

            jobs.backend().wait_idle(timeout=36000)
            elapsed = time.perf_counter() - t0
            batches.shipments.buy_label = original  # type: ignore[assignment]
            with unit_of_work():
                summary = shipping.batch_view(shipping.get_batch(batch_id))["summary"]
    tenth = max(1, len(samples) // 10)
    growth = (sum(samples[-tenth:]) / tenth) - (sum(samples[:tenth]) / tenth) if samples else 0.0
    print(f"batch: {summary}")
    print(f"labels queue: {n / elapsed:.1f} labels/s ({elapsed:.1f} s)")
    print(f"adapter alone: {n / baseline:.1f} labels/s ({baseline:.1f} s)")
    print(f"ratio (batch time / adapter time): {elapsed / baseline:.2f}  (goal: at most 1.25)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"RSS: {before:.0f} MB before the batch, {growth:+.1f} MB from its first tenth to its last; peak {peak:.0f} MB"
    )
    print(f"carrier emulator sold {len(emulator.labels)} labels (expected {2 * n}: the baseline's and the batch's)")


def setup(n: int, base_url: str, emulator) -> tuple[uuid.UUID, list[uuid.UUID], uuid.UUID]:  # type: ignore[no-untyped-def]
    from core.catalog import service as catalog
    from core.db import unit_of_work
    from core.inventory import service as inventory
    from core.inventory.service import Doc, Line
    from core.inventory.service.warehouses import create_warehouse
    from core.money import Money
    from core.orders import service as orders
    from core.tenancy import tenant_context
    from tenants import service as tenants
    from tests.core.orders.helpers import APPROVE_ALL, channel_order, line

    with unit_of_work():
        tenant, _ = tenants.signup(company="Bench Co", email="bench@example.test", password="bench password 1")
    with tenant_context(tenant.id):
        with unit_of_work():
            product = catalog.create_product(
                {
                    "title_en": "Bench tee",
                    "skus": [
                        {
                            "code": "TEE",
                            "gross_weight_g": 250,
                            "net_weight_g": 220,
                            "customs": {
                                "hs_code": "610910",
                                "origin_country": "CN",
                                "name_en": "Cotton T-shirt",
                                "declared_value": {"amount": "8", "currency": "USD"},
                            },
                        }
                    ],
                }
            )
            catalog.submit_product(product.id)
            catalog.approve_product(product.id)
            wh = create_warehouse(
                code="SZ", name="Shenzhen", type="domestic", country="CN", address_line1="1 Rd", city="Shenzhen"
            )
            sku_id = product.skus[0].id
            inventory.receive_purchase(
                Doc("bench", uuid.uuid4()),
                [Line("1", sku_id, wh.id, n * 2, Money(Decimal(10), "CNY"))],
                key="bench",
                qc=False,
            )
            orders.update_settings(review_rules=APPROVE_ALL)
            channel = tenants.create_connection(
                kind="channel",
                plugin="dummy",
                display_name="Bench shop",
                settings={"shop": "s", "api_token": "good-token"},
            )
            conn = tenants.create_connection(
                kind="carrier",
                plugin="shipbox",
                display_name="ShipBox",
                settings=emulator.connection_settings(base_url),
            )
        ids = []
        for start in range(0, n, 200):
            with unit_of_work():
                for _ in range(start, min(n, start + 200)):
                    ids.append(
                        orders.upsert_from_channel(
                            channel.id, channel_order(line("TEE", 2), ext=secrets.token_hex(6))
                        ).order_id
                    )
    return tenant.id, ids, conn.id


if __name__ == "__main__":
    main()
