"""Vouchers of the documents that move stock: receipts and returns to suppliers, transfers,
stocktakes, scrap, requisitions, lending, kits. After each, the stock accounts equal the stock
valuation, warehouse by warehouse."""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest

from core.inventory.service import Line as StockLine
from core.inventory.service import adjustments, kits, stocktakes, transfers
from tests.core.catalog.factories import approved_kit
from tests.core.finance.helpers import shop, totals_by_root, verify, vouchers
from tests.core.inventory.helpers import warehouse
from tests.core.purchasing.helpers import approved_order, buyer, inspect, receive
from tests.support import body


@pytest.fixture
def books(tenant_a, tenant_b):
    return shop(tenant_a)


def _key() -> str:
    return f"t:{secrets.token_hex(6)}"


def test_a_receipt_books_inventory_against_grni_and_a_return_to_supplier_reverses_it(tenant_a):
    assert tenant_a.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    b = buyer(tenant_a, prices=("12.50",))
    po = approved_order(b, (10,))
    receipt = receive(b, po, 10)
    (v,) = vouchers(tenant_a, "purchase_receipt", receipt["id"])
    assert v["rule"] == "purchase.received" and v["source"]["number"] == receipt["number"]
    assert totals_by_root(v) == {"1405": Decimal("125.00"), "2202": Decimal("-125.00")}
    grni = next(ln for ln in v["lines"] if ln["account_code"] == "2202.02")
    assert grni["dims"]["supplier_id"] == str(b.supplier_id)
    inspect(b, receipt, (8, 2))  # QC moves units between buckets: no voucher
    assert len(vouchers(tenant_a, "purchase_receipt", receipt["id"])) == 1
    ret = body(
        b.api.post(
            "purchase-returns",
            {
                "purchase_order_id": po["id"],
                "reason": "scratched",
                "lines": [{"line_id": po["lines"][0]["id"], "quantity": 2}],
            },
        )
    )
    assert b.api.post(f"purchase-returns/{ret['id']}/ship", {}).status_code == 200
    (back,) = vouchers(tenant_a, "purchase_return", ret["id"])
    assert totals_by_root(back) == {"2202": Decimal("25.00"), "1405": Decimal("-25.00")}
    report = verify(tenant_a)
    assert report["ok"] is True, report


def test_a_transfer_moves_value_through_in_transit_and_a_shortfall_waits_as_a_loss(books):
    dst = warehouse(books.tenant, f"FBA-{secrets.token_hex(2)}")
    with books.tenant.scope():
        t = transfers.create_transfer(
            source_warehouse_id=books.wh, destination_warehouse_id=dst, lines=[{"sku_id": books.tee, "quantity": 5}]
        )
        transfers.allocate(t.id, "transfer")
    with books.tenant.scope():
        transfers.ship(t.id, "transfer", carrier="SF", tracking_number="SF1")
    with books.tenant.scope():
        transfers.receive(
            t.id, "transfer", [transfers.Receipt(books.tee, 4)], key=_key(), complete=True, shortfall_reason="lost"
        )
    out, arrived = vouchers(books.tenant, "transfer", t.id)
    assert totals_by_root(out) == {"1402": Decimal("60.00"), "1405": Decimal("-60.00")}
    assert next(ln for ln in out["lines"] if ln["account_code"].startswith("1402"))["dims"]["warehouse_id"] == str(dst)
    assert totals_by_root(arrived) == {"1405": Decimal("48.00"), "1901": Decimal("12.00"), "1402": Decimal("-60.00")}
    assert verify(books.tenant)["ok"] is True


def test_stocktake_gain_and_loss_go_through_pending_gains_and_losses(books):
    with books.tenant.scope():
        st = stocktakes.create_stocktake(warehouse_id=books.wh, scope="cycle")
        stocktakes.start_counting(st.id)
        stocktakes.enter_counts(st.id, [stocktakes.Count(books.tee, 18), stocktakes.Count(books.cap, 21)])
    with books.tenant.scope():
        stocktakes.post_stocktake(st.id)
    (v,) = vouchers(books.tenant, "stocktake", st.id)
    net = totals_by_root(v)
    assert net == {"1405": Decimal("-19.00"), "1901": Decimal("19.00")}  # -2 x 12 + 1 x 5
    assert verify(books.tenant)["ok"] is True


def test_scrap_requisition_and_lending_each_post_to_their_own_account(books):
    with books.tenant.scope():
        adjustments.scrap([StockLine("1", books.tee, books.wh, 1)], key=_key(), reason="broken")
        adjustments.requisition([StockLine("1", books.cap, books.wh, 2)], key=_key(), reason="photos")
        loan = adjustments.borrow_out(
            sku_id=books.tee, warehouse_id=books.wh, quantity=3, borrower="studio", key=_key()
        )
    with books.tenant.scope():
        adjustments.borrow_return(loan.id, quantity=1, key=_key())
    with books.tenant.scope():
        adjustments.close_borrowing(loan.id, reason="kept by the studio")
    found = {}
    for v in body(books.api.get("finance/vouchers?page_size=100")):
        if v["rule"] == "stock.adjusted":
            found.setdefault(v["memo"].split()[0], []).append(totals_by_root(v))
    assert found["报废"] == [{"6711": Decimal("12.00"), "1405": Decimal("-12.00")}]
    assert found["领用"] == [{"6601": Decimal("10.00"), "1405": Decimal("-10.00")}]
    assert found["借出"] == [{"1221": Decimal("36.00"), "1405": Decimal("-36.00")}]
    assert found["借出归还"] == [{"1405": Decimal("12.00"), "1221": Decimal("-12.00")}]
    assert found["借出核销"] == [{"1901": Decimal("24.00"), "1221": Decimal("-24.00")}]
    assert verify(books.tenant)["ok"] is True


def test_kit_assembly_moves_value_between_skus_of_one_warehouse(books):
    kit = approved_kit(books.tenant, {books.tee: 1, books.cap: 2}, kit_type="physical")
    with books.tenant.scope():
        order = kits.create_kit_order(kind="assembly", kit_sku_id=kit, warehouse_id=books.wh, quantity=2)
    with books.tenant.scope():
        kits.complete_kit_order(order.id)
    (v,) = vouchers(books.tenant, "kit_order", order.id)
    assert totals_by_root(v) == {"1405": Decimal("0.00")}
    debit = [ln for ln in v["lines"] if ln["debit"] != "0"]
    assert [(ln["dims"]["sku_id"], ln["debit"]) for ln in debit] == [(str(kit), "44.00")]
    assert verify(books.tenant)["ok"] is True


def test_verify_finds_stock_the_books_do_not_know(books):
    from tests.core.inventory.helpers import stock

    stock(books.tenant, books.tee, books.wh, 1, "99.00")  # a receipt no business event announced
    report = verify(books.tenant, replay=False)
    assert report["ok"] is False
    (problem,) = report["problems"]
    assert problem["check"] == "stock accounts equal the stock valuation" and "99.00" in problem["detail"]
