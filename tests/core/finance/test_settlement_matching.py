"""Matching settlements to orders on the finance queue, the reconciliation per order, and the
booking: a USD settlement deposited as CNY for a CNY tenant reconciles to zero difference
with the realised FX booked (reference finance.md §2.4, §1.5); a partial refund in a later
settlement of an order paid in an earlier one reconciles; an unknown order id blocks closing
until a person matches the line; reasons and notes survive another matching run."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from core.orders import service as orders
from core.testing import settlements as v2
from tests.core.finance.helpers import by_account, shipped, shop, sku_line, verify, vouchers
from tests.core.finance.settlements_helpers import report, upload
from tests.core.purchasing.helpers import local_today
from tests.support import body

FX = "6603.01"  # 财务费用—汇兑损益
COMMISSION = "6601.01"
BANK_CNY = "1002.01"


def _rate(tenant, on, value, base="USD"):
    resp = tenant.api.post("exchange-rates", {"base": base, "quote": "CNY", "date": str(on), "rate": value})
    assert resp.status_code in (200, 201), body(resp)


def _at(day, hour=8):
    return datetime.combine(day, time(hour), UTC)


@pytest.fixture
def books(tenant_a, tenant_b):
    return shop(tenant_a)


def _sku_code(books, sku):
    from tests.core.finance.helpers import _code

    with books.tenant.scope():
        return _code(sku)


def _uploaded(tenant, text, conn, **form):
    """Upload a report; the response is the import, matching runs after it commits: read again."""
    resp = upload(tenant, text, conn, **form)
    assert resp.status_code == 201, body(resp)
    return body(tenant.api.get(f"finance/settlements/{body(resp)['id']}"))


def _results(tenant, settlement_id, **q):
    query = "&".join(f"{k}={v}" for k, v in q.items())
    resp = tenant.api.get(f"finance/settlements/{settlement_id}/orders?page_size=100&{query}")
    assert resp.status_code == 200, body(resp)
    return body(resp)


def test_a_usd_settlement_deposited_as_cny_reconciles_to_zero_with_the_fx_booked(books):
    tenant, today = books.tenant, local_today()
    deposit_day = today + timedelta(days=3)
    _rate(tenant, today, "7.10")
    _rate(tenant, deposit_day, "7.15")
    order = shipped(books, sku_line(books, books.tee, 2, "50.00"), currency="USD")
    sku = _sku_code(books, books.tee)
    rows = [
        *v2.order_rows(
            order.external_order_id, sku=sku, quantity=2, principal="100.00", commission="-15.00", posted=today
        ),
    ]
    # The collection account converted the 85.00 USD into 608.60 CNY (7.16).
    sid, text = report(
        rows, start=_at(today - timedelta(days=7)), end=_at(today + timedelta(days=1)), deposit=_at(deposit_day)
    )
    resp = upload(tenant, text, books.conn, deposit_currency="CNY", deposit_amount="608.60")
    assert resp.status_code == 201, body(resp)
    s = body(tenant.api.get(f"finance/settlements/{body(resp)['id']}"))
    assert s["status"] == "booked" and s["unmatched_count"] == 0, s
    assert Decimal(s["carrying_value"]) == Decimal("710.00")

    (result,) = _results(tenant, s["id"])
    assert result["order_id"] == str(order.id)
    assert (Decimal(result["expected"]), Decimal(result["settled"]), Decimal(result["difference"])) == (
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("0"),
    )
    assert Decimal(result["fees"]) == Decimal("-15.00")

    (voucher,) = vouchers(tenant, "settlement", s["id"])
    assert voucher["status"] == "posted", voucher
    net = by_account(voucher)
    assert net[COMMISSION] == Decimal("107.25")  # 15.00 USD at the deposit day's 7.15
    assert net[BANK_CNY] == Decimal("608.60")  # what arrived, in CNY
    # Realised: 608.60 received for a receivable carried at 710.00 - 107.25 = 602.75.
    assert net[FX] == Decimal("-5.85")  # a gain, red on the debit side
    (shipment,) = vouchers(tenant, "sales_order", order.id)
    receivable = {code: v for code, v in by_account(shipment).items() if code.startswith("1122.")}
    ((ar_code, ar_value),) = receivable.items()
    assert ar_value == Decimal("710.00") and net[ar_code] == Decimal("-710.00")  # cleared, to the fen
    usd = [ln for ln in voucher["lines"] if ln["account_code"] == ar_code]
    assert sum(Decimal(ln["amount"]) * (1 if Decimal(ln["debit"]) else -1) for ln in usd) == Decimal("-100.00")
    assert verify(tenant)["ok"] is True


def test_a_partial_refund_in_a_later_settlement_reconciles_across_both(books):
    tenant, today = books.tenant, local_today()
    _rate(tenant, today, "7.10")
    order = shipped(books, sku_line(books, books.tee, 2, "50.00"), currency="USD")
    sku = _sku_code(books, books.tee)
    _, first = report(
        v2.order_rows(
            order.external_order_id, sku=sku, quantity=2, principal="100.00", commission="-15.00", posted=today
        ),
        start=_at(today - timedelta(days=14)),
        end=_at(today - timedelta(days=1)),
        deposit=_at(today),
    )
    s1 = _uploaded(tenant, first, books.conn)
    with tenant.scope():
        orders.refund(order.id, method="platform", reason="item damaged", amount="30.00", external_refund_id="R1")
    refund = v2.refund_rows(
        order.external_order_id,
        "amzn1:adj:77",
        sku=sku,
        principal="-30.00",
        commission_back="4.50",
        refund_commission="-0.90",
        posted=today,
    )
    # A fee line naming only the adjustment finds its order through the adjustment's other lines.
    orphan = {**refund[-1], "order-id": "", "amount-description": "RefundCommission", "amount": "-0.10"}
    refund.append(orphan)
    storage = v2.other_row("Storage Fee", "-3.10")
    _, second = report(
        [*refund, storage],
        start=_at(today),
        end=_at(today + timedelta(days=13)),
        deposit=_at(today + timedelta(days=14)),
    )
    s2 = _uploaded(tenant, second, books.conn)
    assert s2["status"] == "booked", s2
    (r1,) = _results(tenant, s1["id"])
    assert Decimal(r1["difference"]) == 0
    (r2,) = _results(tenant, s2["id"])
    assert (Decimal(r2["expected"]), Decimal(r2["earlier"]), Decimal(r2["settled"])) == (
        Decimal("70.00"),
        Decimal("100.00"),
        Decimal("-30.00"),
    )
    assert Decimal(r2["difference"]) == 0 and Decimal(r2["fees"]) == Decimal("3.50")
    lines = body(tenant.api.get(f"finance/settlements/{s2['id']}/lines?page_size=100"))
    assert {ln["match_status"] for ln in lines if ln["external_order_id"]} == {"matched"}
    assert sorted((ln["match_status"], ln["match_key"]) for ln in lines if not ln["external_order_id"]) == [
        ("matched", "adjustment_id"),
        ("none", ""),
    ]


def test_an_unknown_order_blocks_closing_until_matched_by_hand_and_reasons_survive_a_rerun(books):
    tenant, today = books.tenant, local_today()
    _rate(tenant, today, "7.10")
    known = shipped(books, sku_line(books, books.tee, 1, "40.00"), currency="USD")
    other = shipped(books, sku_line(books, books.cap, 1, "25.00"), currency="USD")
    sku = _sku_code(books, books.tee)
    rows = [
        *v2.order_rows(known.external_order_id, sku=sku, principal="30.00", commission="-4.50", posted=today),
        *v2.order_rows("111-9999999-9999999", sku="CAP-X", principal="25.00", commission="-3.75", posted=today),
    ]
    _, text = report(rows, start=_at(today - timedelta(days=3)), end=_at(today), deposit=_at(today))
    s = _uploaded(tenant, text, books.conn)
    assert s["status"] == "matched" and s["unmatched_count"] == 2, s  # not booked: a sale matches no order
    assert vouchers(tenant, "settlement", s["id"]) == []
    results = {r["external_order_id"]: r for r in _results(tenant, s["id"])}
    assert results["111-9999999-9999999"]["reason"] == "data_quality"
    short = results[known.external_order_id]
    assert Decimal(short["difference"]) == Decimal("10.00") and short["reason"] == "timing"

    closing = tenant.api.post(f"finance/settlements/{s['id']}/close", {})
    assert closing.status_code == 409 and "match no order" in body(closing)["message"]

    # A person gives the short one a reason and a note, and matches the unknown lines.
    resp = tenant.api.patch(
        f"finance/settlements/{s['id']}/orders/{short['id']}", {"reason": "partial_refund", "note": "goodwill $10"}
    )
    assert resp.status_code == 200 and body(resp)["reason_auto"] is False
    assert (
        tenant.api.patch(f"finance/settlements/{s['id']}/orders/{short['id']}", {"reason": "moon"}).status_code == 422
    )
    unmatched = body(tenant.api.get(f"finance/settlements/{s['id']}/lines?match_status=unmatched"))
    for ln in unmatched:
        resp = tenant.api.post(f"finance/settlements/{s['id']}/lines/{ln['id']}/match", {"order_id": str(other.id)})
        assert resp.status_code == 200, body(resp)
        assert body(resp)["match_status"] == "manual"
    bad = tenant.api.post(
        f"finance/settlements/{s['id']}/lines/{unmatched[0]['id']}/match", {"order_id": str(known.lines[0].id)}
    )
    assert bad.status_code == 422 and "order_id" in body(bad)["errors"]
    results = {r["order_id"]: r for r in _results(tenant, s["id"])}
    assert Decimal(results[str(other.id)]["difference"]) == 0 and len(results) == 2
    # A note alone leaves the reason to matching.
    noted = tenant.api.patch(
        f"finance/settlements/{s['id']}/orders/{results[str(other.id)]['id']}", {"note": "by hand"}
    )
    assert noted.status_code == 200 and body(noted)["reason_auto"] is True

    # Another run keeps the manual matches, the reason and the note.
    rerun = tenant.api.post(f"finance/settlements/{s['id']}/match")
    assert rerun.status_code == 202
    job = body(tenant.api.get(f"jobs/{body(rerun)['match_job_id']}"))
    assert job["status"] == "succeeded" and job["result"]["orders"] == 2 and job["result"]["unmatched"] == 0, job
    results = {r["order_id"]: r for r in _results(tenant, s["id"])}
    assert results[str(known.id)]["reason"] == "partial_refund" and results[str(known.id)]["note"] == "goodwill $10"
    assert Decimal(results[str(other.id)]["difference"]) == 0
    assert results[str(other.id)]["note"] == "by hand" and results[str(other.id)]["reason_auto"] is True
    after = body(tenant.api.get(f"finance/settlements/{s['id']}"))
    assert after["status"] == "booked"  # the rerun found nothing unmatched and booked it
    (voucher,) = vouchers(tenant, "settlement", s["id"])
    assert by_account(voucher)[COMMISSION] == Decimal("58.58")  # 8.25 USD at 7.10

    closed = tenant.api.post(f"finance/settlements/{s['id']}/close", {})
    assert closed.status_code == 200 and body(closed)["status"] == "closed", body(closed)
    assert len(vouchers(tenant, "settlement", s["id"])) == 1  # booked once
    again = tenant.api.post(f"finance/settlements/{s['id']}/lines/{unmatched[0]['id']}/unmatch", {})
    assert again.status_code == 409
    assert verify(tenant)["ok"] is True


def test_another_tenant_cannot_touch_a_settlement(books, tenant_b):
    tenant, today = books.tenant, local_today()
    _, text = report([v2.other_row("Storage Fee", "-3.10")], start=_at(today), end=_at(today), deposit=_at(today))
    s = body(upload(tenant, text, books.conn))
    assert tenant_b.api.get(f"finance/settlements/{s['id']}/orders").status_code == 404
    assert tenant_b.api.post(f"finance/settlements/{s['id']}/close", {}).status_code == 404
    assert tenant_b.api.post(f"finance/settlements/{s['id']}/match").status_code == 404
