"""The ledger: vouchers booked from shipped orders' events, and the trial balance at scale.

    .venv/bin/python bench/ledger.py --orders 100000 --lines 5000000

It creates a database of its own beside DATABASE_URL (default the local test server), with one
tenant (CNY) whose finance is set up, and then:

1. Booking. `--orders` `order.shipped` events (two lines each: receivable, revenue and shipping
   income, COGS and inventory, so eight voucher lines) are written to the outbox, then booked the way the finance
   subscriber books them, a page of `--page` events per transaction
   (`core.finance.service.booking.book_events`: rule, role resolution, conversion, balancing,
   numbering, vouchers and lines in bulk, balances added to). Baseline, same run: the very
   voucher and line rows booking produced, inserted again with `core.db.bulk_insert` in pages
   of the same size (new ids and keys, no rules, no balances). Prints vouchers per second of
   both and the ratio (goal: booking at most 3x the bare insert).
2. Trial balance. The ledger is grown to `--lines` voucher lines over 24 months and 60 accounts
   (lines and their balance rows written in bulk), then `trial_balance()` of the last month is
   timed, against a baseline that sums every line (what keeping balances avoids). Goal: under
   2 s for 5 million lines.

The database is dropped at the end. On a shared machine, run it alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402

from bench.common import drop_database, own_database, start_services  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/test"


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--page", type=int, default=1000, help="events booked per transaction")
    p.add_argument("--lines", type=int, default=5_000_000, help="voucher lines for the trial balance")
    p.add_argument("--keep", action="store_true", help="keep the database")
    return p.parse_args()


def main() -> None:
    args = parse()
    url, admin, name = own_database(os.environ.get("DATABASE_URL") or DEFAULT_DB, "ledger")
    try:
        from core.db import db
        from core.migrate import upgrade

        start_services(url, "")
        upgrade(db.require_engine())
        tenant = setup()
        booking_figures(tenant, args.orders, args.page)
        trial_balance_figures(tenant, args.lines)
    finally:
        from core.db import db

        if db.engine is not None:
            db.engine.dispose()
        if not args.keep:
            drop_database(admin, name)


def setup() -> uuid.UUID:
    from core.db import unit_of_work
    from core.finance import service
    from core.tenancy import Actor, actor_context, tenant_context
    from tenants import service as tenants

    with actor_context(Actor("cli", None, "bench")), unit_of_work():
        t, _ = tenants.signup(
            company="Bench",
            email="bench@example.test",
            password="correct horse battery",
            currency="CNY",
            timezone="Asia/Shanghai",
            locale="zh_CN",
        )
    with tenant_context(t.id), actor_context(Actor("cli", None, "bench")), unit_of_work():
        service.set_up("cn")
    return t.id


def events_for(count: int, shops: list[uuid.UUID], wh: uuid.UUID, skus: list[uuid.UUID]) -> list[tuple]:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    out = []
    for i in range(count):
        order_id = uuid.uuid4()
        lines = []
        for j in range(2):
            sku = skus[(i + j) % len(skus)]
            lines.append(
                {
                    "line_id": str(uuid.uuid4()),
                    "sku_id": str(sku),
                    "sku_code": f"SKU-{(i + j) % len(skus)}",
                    "quantity": 1,
                    "item_amount": "25.00",
                    "item_tax": "0",
                    "shipping": "3.00" if j == 0 else "0",
                    "shipping_tax": "0",
                    "discount": "0",
                    "promotion": "0",
                    "cost": {"unit_cost": "11.50", "value": "11.50", "currency": "CNY", "moved": True},
                }
            )
        payload = {
            "order_id": str(order_id),
            "number": f"SO-{i:07d}",
            "channel": "amazon",
            "connection_id": str(shops[i % len(shops)]),
            "marketplace": "US",
            "currency": "CNY",
            "prices_include_tax": False,
            "warehouse_id": str(wh),
            "shipped_at": (start + timedelta(minutes=i)).isoformat(),
            "lines": lines,
        }
        out.append(("order.shipped", payload, "order", order_id))
    return out


def booking_figures(tenant_id: uuid.UUID, orders: int, page: int) -> None:
    from core import events
    from core.db import bulk_insert, session, unit_of_work
    from core.events import OutboxEvent
    from core.finance.models import Voucher, VoucherLine
    from core.finance.service.booking import book_events
    from core.tenancy import Actor, actor_context, tenant_context

    shops, wh, skus = [uuid.uuid4() for _ in range(4)], uuid.uuid4(), [uuid.uuid4() for _ in range(200)]
    with tenant_context(tenant_id), actor_context(Actor("cli", None, "bench")):
        for i in range(0, orders, 5000):
            with unit_of_work():
                events.emit_many(events_for(min(5000, orders - i), shops, wh, skus))
        with unit_of_work():
            ids = list(
                session.execute(
                    select(OutboxEvent.id).where(OutboxEvent.name == "order.shipped").order_by(OutboxEvent.id)
                ).scalars()
            )
        started = time.perf_counter()
        for i in range(0, len(ids), page):
            with unit_of_work():
                evs = list(
                    session.execute(
                        select(OutboxEvent).where(OutboxEvent.id.in_(ids[i : i + page])).order_by(OutboxEvent.id)
                    ).scalars()
                )
                book_events(evs)
        booked = time.perf_counter() - started
        # Baseline: the same rows, bulk-inserted again as they are.
        with unit_of_work():
            vouchers = [dict(r._mapping) for r in session.execute(select(Voucher.__table__))]
            lines = [dict(r._mapping) for r in session.execute(select(VoucherLine.__table__))]
        by_voucher: dict[uuid.UUID, list[dict]] = {}
        for ln in lines:
            by_voucher.setdefault(ln["voucher_id"], []).append(ln)
        started = time.perf_counter()
        for i in range(0, len(vouchers), page):
            with unit_of_work():
                vs, ls = [], []
                for v in vouchers[i : i + page]:
                    new_id = uuid.uuid4()
                    vs.append({**v, "id": new_id, "source_key": f"copy:{v['id']}", "number": f"C{v['number']}"})
                    ls += [{**ln, "id": uuid.uuid4(), "voucher_id": new_id} for ln in by_voucher[v["id"]]]
                bulk_insert(Voucher.__table__, vs)
                bulk_insert(VoucherLine.__table__, ls)
        bare = time.perf_counter() - started
    n = len(vouchers)
    rate = n / booked
    print(
        f"booking: {n} vouchers ({len(lines)} lines) from {orders} order.shipped events: {booked:.1f} s, {rate:.0f}/s"
    )
    print(f"baseline, the same rows bulk-inserted: {bare:.1f} s: {n / bare:.0f} vouchers/s")
    print(f"ratio booking / bare insert: {booked / bare:.2f} (goal <= 3)")


def trial_balance_figures(tenant_id: uuid.UUID, target_lines: int) -> None:
    """Grow the ledger to `target_lines` lines with SQL (lines and balances), then time it."""
    from core.db import db, session, unit_of_work
    from core.finance.models import Account
    from core.finance.service import trial_balance
    from core.finance.service.periods import ensure
    from core.tenancy import tenant_context

    with tenant_context(tenant_id):
        with unit_of_work():
            parents = set(session.execute(select(Account.parent_id).where(Account.parent_id.is_not(None))).scalars())
            accounts = [a for a in session.execute(select(Account.id)).scalars() if a not in parents][:60]
            periods = [ensure(2024 + (m // 12), (m % 12) + 1).id for m in range(24)]
        have = 0
        with db.require_engine().connect() as conn:
            have = conn.execute(text("SELECT count(*) FROM finance_voucher_lines")).scalar_one()
        missing = max(target_lines - have, 0)
        started = time.perf_counter()
        with db.require_engine().begin() as conn:
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            # One voucher per 10 lines, spread over the periods and accounts; balanced pairs.
            conn.execute(
                text(
                    """
                    WITH v AS (
                        INSERT INTO finance_vouchers (id, tenant_id, created_at, updated_at, period_id, number, seq,
                            status, kind, date, document_date, memo, note, source_type, source_id, source_number,
                            source_key, event_name, rule, currency, total, created_by)
                        SELECT gen_random_uuid(), :t, now(), now(), (:periods)[1 + g % 24], 'B-' || g, g,
                            'posted', 'manual', date '2024-01-01' + (g % 24) * 30, date '2024-01-01' + (g % 24) * 30,
                            'bench', '', 'manual', g::text, '', 'bench:' || g, '', '', 'CNY', 100, 'bench'
                        FROM generate_series(1, :vouchers) g
                        RETURNING id, period_id, seq
                    )
                    INSERT INTO finance_voucher_lines (id, tenant_id, created_at, updated_at, voucher_id, position,
                        period_id, date, account_id, side, value, currency, amount, rate, rate_date, kind, memo)
                    SELECT gen_random_uuid(), :t, now(), now(), v.id, p, v.period_id, date '2024-01-01',
                        (:accounts)[1 + (v.seq * 7 + p) % :n_accounts],
                        CASE WHEN p % 2 = 0 THEN 'debit' ELSE 'credit' END,
                        10, 'CNY', 10, 1, date '2024-01-01', '', ''
                    FROM v, generate_series(1, 10) p
                    """
                ),
                {
                    "t": tenant_id,
                    "periods": periods,
                    "accounts": accounts,
                    "n_accounts": len(accounts),
                    "vouchers": missing // 10,
                },
            )
            conn.execute(text("DELETE FROM finance_balances WHERE tenant_id = :t"), {"t": tenant_id})
            conn.execute(
                text(
                    """
                    INSERT INTO finance_balances (id, tenant_id, created_at, updated_at, account_id, period_id,
                        currency, debit, credit, amount)
                    SELECT gen_random_uuid(), :t, now(), now(), account_id, period_id, currency,
                        sum(CASE WHEN side = 'debit' THEN value ELSE 0 END),
                        sum(CASE WHEN side = 'credit' THEN value ELSE 0 END),
                        sum(CASE WHEN side = 'debit' THEN amount ELSE -amount END)
                    FROM finance_voucher_lines WHERE tenant_id = :t GROUP BY account_id, period_id, currency
                    """
                ),
                {"t": tenant_id},
            )
            conn.execute(text("ANALYZE finance_voucher_lines; ANALYZE finance_balances"))
            total = conn.execute(text("SELECT count(*) FROM finance_voucher_lines")).scalar_one()
        grown = time.perf_counter() - started
        print(f"ledger grown to {total} lines in {grown:.0f} s")
        with unit_of_work():
            started = time.perf_counter()
            tb = trial_balance("2025-12")
            took = time.perf_counter() - started
            assert tb.balanced, tb.totals
            started = time.perf_counter()
            session.execute(
                text(
                    "SELECT account_id, sum(CASE WHEN side = 'debit' THEN value ELSE -value END) "
                    "FROM finance_voucher_lines GROUP BY account_id"
                )
            ).all()
            scan = time.perf_counter() - started
        print(f"trial balance over {total} lines: {took:.3f} s (goal < 2 s); balanced: {tb.balanced}")
        print(f"baseline, summing every line instead: {scan:.3f} s; ratio trial balance / line sum: {took / scan:.3f}")


if __name__ == "__main__":
    main()
