"""Expense documents (费用单): entered as drafts with lines linked to shops, SKUs, orders and first
legs, refused naming the field, approved once and booked as one balanced voucher (once however
often the event is delivered); a forwarder's freight bill raises the first leg's landed cost;
another tenant sees none of it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.db import session
from core.events import OutboxEvent
from core.finance.service import booking
from core.inventory.service import get_buckets
from tests.core.finance.helpers import shipped, shop, sku_line, totals_by_root, verify, vouchers
from tests.core.suppliers.factories import approved_supplier
from tests.support import body, pagination


def _expense(tenant, expect=201, **data):
    payload = {"kind": "platform_fee", "vendor": "Amazon Seller Central", "reference": "FEE-1", "currency": "CNY"}
    payload = {k: v for k, v in {**payload, **data}.items() if v is not None}
    resp = tenant.api.post("finance/expenses", payload)
    assert resp.status_code == expect, body(resp)
    return body(resp)


def _approve(tenant, expense, expect=200):
    resp = tenant.api.post(f"finance/expenses/{expense['id']}/approve")
    assert resp.status_code == expect, body(resp)
    return body(resp)


def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(tenant_a):
    s = shop(tenant_a)
    cases = [
        ({"kind": "lunch"}, "kind"),
        ({"reference": ""}, "reference"),
        ({"currency": "XYZ"}, "currency"),
        ({"vendor": None}, "vendor"),
        ({"lines": []}, "lines"),
        ({"lines": [{"amount": "10.005"}]}, "lines.0.amount"),
        ({"lines": [{"amount": "0"}]}, "lines.0.amount"),
        ({"lines": [{"amount": "10", "role": "revenue"}]}, "lines.0.role"),
        ({"kind": "other", "lines": [{"amount": "10"}]}, "lines.0.role"),
        ({"kind": "ad_invoice", "lines": [{"amount": "10"}]}, "lines.0.links"),
        ({"lines": [{"amount": "10", "links": [{"type": "shipment", "id": str(s.tee)}]}]}, "lines.0.links.0.type"),
        ({"lines": [{"amount": "10", "links": [{"type": "sku", "id": str(s.conn)}]}]}, "lines.0.links.0.id"),
        ({"kind": "freight_bill", "lines": [{"amount": "10"}]}, "supplier_id"),
    ]
    base = {"lines": [{"amount": "10.00"}]}
    for change, field in cases:
        payload = {"kind": "platform_fee", "vendor": "Amazon", "reference": "R-1", "currency": "CNY", **base, **change}
        resp = s.api.post("finance/expenses", {k: v for k, v in payload.items() if v is not None})
        assert 400 <= resp.status_code < 500, (change, body(resp))
        errors = body(resp)["errors"]
        assert any(k == field or k.startswith(field + ".") for k in errors), (change, errors)
    assert body(s.api.get("finance/expenses")) == []


def test_an_approved_expense_is_one_balanced_voucher_spread_over_its_links(tenant_a, tenant_b):
    s = shop(tenant_a)
    order = shipped(s, sku_line(s, s.tee, 1, "20.00"))
    draft = _expense(
        s.tenant,
        kind="ad_invoice",
        vendor="Google Ads",
        reference="GA-2026-11",
        lines=[
            {
                "description": "November campaigns",
                "amount": "100.00",
                "links": [
                    {"type": "sku", "id": str(s.tee)},
                    {"type": "sku", "id": str(s.cap)},
                    {"type": "shop", "id": str(s.conn)},
                ],
            },
            {"description": "Order retargeting", "amount": "12.50", "links": [{"type": "order", "id": str(order.id)}]},
        ],
    )
    assert draft["status"] == "draft" and draft["total"] == "112.50" and draft["booked"] is False
    assert vouchers(s.tenant, "expense", draft["id"]) == []
    # A draft may change; the lines are replaced as a whole.
    resp = s.api.patch(f"finance/expenses/{draft['id']}", {"note": "checked against the console"})
    assert resp.status_code == 200 and body(resp)["note"] == "checked against the console"

    assert _approve(s.tenant, draft)["status"] == "approved"
    # Booked by the finance subscriber once the approval is committed.
    assert body(s.api.get(f"finance/expenses/{draft['id']}"))["booked"] is True
    (v,) = vouchers(s.tenant, "expense", draft["id"])
    assert v["rule"] == "expense.approved" and "GA-2026-11" in v["memo"]
    debit = sum(Decimal(ln["debit"]) for ln in v["lines"])
    credit = sum(Decimal(ln["credit"]) for ln in v["lines"])
    assert debit == credit == Decimal("112.50")
    assert totals_by_root(v) == {"6601": Decimal("112.50"), "2202": Decimal("0") - Decimal("112.50")}
    ads = [ln for ln in v["lines"] if ln["account_code"].startswith("6601")]
    # 100.00 over three links: the parts add up to the line (largest remainder).
    by_sku = {ln["dims"]["sku_id"]: ln["debit"] for ln in ads if ln["dims"]["sku_id"]}
    assert by_sku == {str(s.tee): "33.34", str(s.cap): "33.33"}
    shop_line = next(ln for ln in ads if not ln["dims"]["sku_id"] and not ln["dims"]["order_id"])
    assert shop_line["debit"] == "33.33" and shop_line["dims"]["shop_id"] == str(s.conn)
    order_line = next(ln for ln in ads if ln["dims"]["order_id"])
    assert order_line["debit"] == "12.50" and order_line["dims"]["shop_id"] == str(s.conn)

    # Approved is fixed: neither approved again nor changed.
    _approve(s.tenant, draft, expect=409)
    assert s.api.patch(f"finance/expenses/{draft['id']}", {"note": "x"}).status_code == 409
    assert len(vouchers(s.tenant, "expense", draft["id"])) == 1
    # The vendor's invoice is recorded once.
    again = _expense(
        s.tenant,
        expect=409,
        kind="ad_invoice",
        vendor="Google Ads",
        reference="GA-2026-11",
        lines=[{"amount": "1", "links": [{"type": "shop", "id": str(s.conn)}]}],
    )
    assert "reference" in again["errors"]
    assert verify(s.tenant)["ok"] is True

    # Another tenant sees none of it, and cannot link this tenant's documents.
    assert tenant_b.api.get(f"finance/expenses/{draft['id']}").status_code == 404
    assert tenant_b.api.post(f"finance/expenses/{draft['id']}/approve").status_code == 404
    assert tenant_b.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    assert body(tenant_b.api.get("finance/expenses")) == []
    foreign = _expense(
        tenant_b, expect=422, kind="ad_invoice", lines=[{"amount": "5", "links": [{"type": "sku", "id": str(s.tee)}]}]
    )
    assert "lines.0.links.0.id" in foreign["errors"]


def test_the_approval_event_delivered_again_books_nothing_twice(tenant_a):
    s = shop(tenant_a)
    expense = _approve(s.tenant, _expense(s.tenant, lines=[{"amount": "30.00", "role": "storage_fee"}]))
    with s.tenant.scope():
        ev = session.execute(
            select(OutboxEvent).where(OutboxEvent.name == "expense.approved", OutboxEvent.entity_id == expense["id"])
        ).scalar_one()
        first = booking.book_event(ev)
        again = booking.book_events([ev, ev])
    assert first is not None and again == [first, first]
    (v,) = vouchers(s.tenant, "expense", expense["id"])
    assert totals_by_root(v) == {"6601": Decimal("30.00"), "2202": Decimal("-30.00")}
    assert verify(s.tenant)["ok"] is True


def test_lists_filter_and_page(tenant_a):
    s = shop(tenant_a)
    for i in range(3):
        _expense(s.tenant, reference=f"FEE-{i}", lines=[{"amount": "1.00"}])
    _approve(
        s.tenant,
        _expense(
            s.tenant, kind="other", vendor="Office", reference="O-1", lines=[{"amount": "2", "role": "bank_charges"}]
        ),
    )
    resp = s.api.get("finance/expenses?page_size=2")
    assert resp.status_code == 200 and len(body(resp)) == 2 and pagination(resp)["total"] == 4
    assert [e["reference"] for e in body(s.api.get("finance/expenses?status=approved"))] == ["O-1"]
    assert len(body(s.api.get("finance/expenses?kind=platform_fee&q=FEE"))) == 3
    assert s.api.get("finance/expenses?status=booked").status_code == 422


def test_a_freight_bill_raises_the_first_legs_landed_cost(tenant_a):
    from tests.core.finance.test_landed_cost import _first_leg

    books, dest, tid = _first_leg(tenant_a)  # accrued 120 freight and 17 duty when it shipped
    forwarder = approved_supplier(
        tenant_a, finance={"currency": "CNY", "settlement_mode": "periodic", "settlement_days": 30}
    )
    with books.tenant.scope():
        before = get_buckets(books.tee, dest).stock_value
    draft = _expense(
        books.tenant,
        kind="freight_bill",
        supplier_id=str(forwarder),
        vendor=None,
        reference="FWD-77",
        lines=[
            {"description": "Ocean freight", "amount": "150.00", "links": [{"type": "first_leg", "id": str(tid)}]},
            {"amount": "17.00", "role": "duty", "links": [{"type": "first_leg", "id": str(tid)}]},
        ],
    )
    assert draft["total"] == "167.00" and draft["bill_id"] is None
    _approve(books.tenant, draft)
    approved = body(books.api.get(f"finance/expenses/{draft['id']}"))
    assert approved["bill_id"] and approved["booked"] is True
    bill = body(books.api.get(f"finance/bills/{approved['bill_id']}"))
    assert bill["kind"] == "freight" and bill["total"] == "167.00" and bill["supplier_reference"] == "FWD-77"
    by_source = {c["source"]: c for c in body(books.api.get(f"finance/landed-costs?transfer_id={tid}"))}
    assert by_source["bill"]["functional_total"] == "30.00"  # 150 freight billed against 120 accrued
    with books.tenant.scope():
        after = get_buckets(books.tee, dest).stock_value
    # Freight by weight: the tees (9 kg of 12) take 22.50 of the 30.00.
    assert after - before == Decimal("22.50")
    # Booked once, by the forwarder's bill: nothing of its own.
    assert vouchers(books.tenant, "expense", draft["id"]) == []
    assert [v["id"] for v in approved["vouchers"]] == [
        v["id"] for v in vouchers(books.tenant, "supplier_bill", bill["id"])
    ]
    assert verify(books.tenant)["ok"] is True


def test_a_freight_bill_names_the_first_leg_it_cannot_bill(tenant_a):
    from tests.core.finance.test_landed_cost import _first_leg

    books, dest, tid = _first_leg(tenant_a)
    forwarder = approved_supplier(tenant_a, finance={"currency": "CNY"})
    line = {"amount": "10.00", "links": [{"type": "first_leg", "id": str(tid)}]}
    draft = _expense(
        books.tenant, kind="freight_bill", supplier_id=str(forwarder), reference="FWD-1", currency="USD", lines=[line]
    )
    resp = books.api.post(f"finance/expenses/{draft['id']}/approve")
    assert resp.status_code == 422 and "expense_date" in body(resp)["errors"]  # no USD rate that day
    assert body(books.api.get(f"finance/expenses/{draft['id']}"))["status"] == "draft"
    assert body(books.api.get("finance/bills")) == []


def test_advertising_for_a_sku_and_an_order_counts_in_their_profit(tenant_a):
    s = shop(tenant_a)
    order = shipped(s, sku_line(s, s.tee, 1, "20.00"))
    expense = _expense(
        s.tenant,
        kind="ad_invoice",
        vendor="Meta",
        reference="META-11",
        lines=[
            {"amount": "6.00", "links": [{"type": "sku", "id": str(s.cap)}]},
            {"amount": "3.00", "links": [{"type": "order", "id": str(order.id)}]},
        ],
    )
    _approve(s.tenant, expense)
    (v,) = vouchers(s.tenant, "expense", expense["id"])
    period = f"period_from={v['period']}&period_to={v['period']}"
    by_sku = {r["key"]: r for r in body(s.api.get(f"finance/reports/profit?group=sku&{period}"))}
    assert Decimal(by_sku[str(s.cap)]["fees"]) == Decimal("6.00")
    tee = by_sku[str(s.tee)]  # the order's 3.00, on its one SKU: 20 revenue - 12 cost - 3
    assert (tee["fees"], tee["fees_source"], tee["profit"]) == ("3.00", "ledger", "5.00")
    totals = {
        g: sum(Decimal(r["profit"]) for r in body(s.api.get(f"finance/reports/profit?group={g}&{period}")))
        for g in ("order", "sku", "shop", "month")
    }
    assert len(set(totals.values())) == 1, totals


def test_with_separation_of_duties_someone_else_approves(tenant_a):
    from tests.tenants.test_separation_of_duties import _key_of

    s = shop(tenant_a)
    assert s.api.patch("tenant", {"separate_approver": True}).status_code == 200
    mine = _key_of(tenant_a, tenant_a.owner_id, tenant_a.owner_email)
    expense = _expense(s.tenant, reference="SOD-1", lines=[{"amount": "8.00"}])
    refused = mine.post(f"finance/expenses/{expense['id']}/approve")
    assert refused.status_code == 403 and "another person to approve" in body(refused)["message"]
    assert body(s.api.get(f"finance/expenses/{expense['id']}"))["status"] == "draft"
    assert vouchers(s.tenant, "expense", expense["id"]) == []

    from tenants import service as tenants

    with tenant_a.scope():
        owner = tenants.Principal(
            tenant_id=tenant_a.id, kind="user", id=tenant_a.owner_id, label=tenant_a.owner_email, roles=("owner",)
        )
        clerk = tenants.create_user(
            owner, email="books@example.test", password="a long enough password", roles=["finance"]
        )
        clerk_id = clerk.id
    other = _key_of(tenant_a, clerk_id, "books@example.test", roles=("finance",))
    assert other.post(f"finance/expenses/{expense['id']}/approve").status_code == 200
    (v,) = vouchers(s.tenant, "expense", expense["id"])
    assert totals_by_root(v) == {"6601": Decimal("8.00"), "2202": Decimal("-8.00")}


def test_refusals_carry_their_codes_beside_the_english(tenant_a):
    s = shop(tenant_a)
    payload = {"kind": "ad_invoice", "vendor": "Meta", "reference": "R-1", "currency": "JPY"}
    lines = [
        {"amount": "10.50", "role": "revenue", "links": [{"type": "sku", "id": str(s.tee)}]},
        {"amount": "10", "links": [{"type": "first_leg", "id": str(s.tee)}]},
        {"amount": "10", "links": [{"type": "order", "id": str(s.conn)}]},
        {"amount": "10"},
    ]
    resp = s.api.post("finance/expenses", {**payload, "lines": lines})
    assert resp.status_code == 422, body(resp)
    errors, codes = body(resp)["errors"], body(resp)["error_codes"]
    assert codes["lines.0.amount"] == [{"code": "finance.has_fewer_decimals", "params": {"currency": "JPY"}}]
    assert codes["lines.0.role"][0]["code"] == "one_of" and errors["lines.0.role"][0].startswith("use one of ")
    assert codes["lines.1.links.0.type"][0]["code"] == "one_of"
    assert codes["lines.2.links.0.id"] == [{"code": "finance.no_such_order", "params": {}}]
    assert codes["lines.3.links"] == [{"code": "finance.link_the_advertised", "params": {}}]
    assert errors["lines.3.links"] == ["link the shop, SKU or order the advertising was for"]

    expense = _expense(s.tenant, lines=[{"amount": "10.00"}])
    _approve(s.tenant, expense)
    again = s.api.post(f"finance/expenses/{expense['id']}/approve")
    assert again.status_code == 409 and body(again)["message_code"] == "invalid_transition_hint"
    params = body(again)["message_params"]
    assert params["entity"] == {"code": "finance.expense", "params": {"ref": expense["number"]}}
    assert params["hint"] == {"code": "finance.expense_approved_already", "params": {}}
