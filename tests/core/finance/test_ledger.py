"""The ledger through its API: set-up, accounts, manual vouchers, reversal, periods, the
trial balance, immutability and tenant isolation."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from core.db import db
from tests.support import body, pagination


def setup_cn(tenant):
    resp = tenant.api.post("finance/setup", {"chart": "cn"})
    assert resp.status_code == 201, body(resp)
    return body(resp)


def account(tenant, code):
    resp = tenant.api.get(f"finance/accounts?q={code}&page_size=200")
    rows = [a for a in body(resp) if a["code"] == code]
    assert rows, f"no account {code}"
    return rows[0]


def manual(tenant, day, *lines, memo="adjustment", expect=201):
    resp = tenant.api.post(
        "finance/vouchers",
        {
            "date": day,
            "memo": memo,
            "lines": [dict(zip(("account", "debit", "credit"), line)) for line in lines],
        },
    )
    assert resp.status_code == expect, body(resp)
    return body(resp)


def test_setup_copies_the_chinese_chart_once(tenant_a):
    settings = setup_cn(tenant_a)
    assert settings["chart"] == "cn" and settings["functional_currency"] == "CNY"
    assert account(tenant_a, "1122")["name"] == "应收账款"
    assert account(tenant_a, "6603.01")["name"] == "财务费用—汇兑损益"
    bank = account(tenant_a, "1002.02")
    assert bank["currency"] == "USD" and bank["monetary"] is True
    again = tenant_a.api.post("finance/setup", {"chart": "en"})
    assert again.status_code == 409 and "chart" in body(again)["errors"]


def test_english_chart_and_set_up_on_first_use(tenant_b):
    resp = tenant_b.api.get("finance/settings")
    assert resp.status_code == 200
    assert body(resp)["chart"] == "en"  # the tenant's language is English
    assert account(tenant_b, "1100")["name"] == "Marketplace receivables"


def test_manual_voucher_posts_numbers_and_feeds_the_trial_balance(tenant_a):
    setup_cn(tenant_a)
    v1 = manual(tenant_a, "2026-03-05", ("4001", None, "1000.00"), ("1002.01", "1000.00", None), memo="注资")
    v2 = manual(tenant_a, "2026-03-06", ("6601.05", "35.50", None), ("1002.01", None, "35.50"))
    assert (v1["number"], v2["number"]) == ("记-0001", "记-0002")
    assert v1["status"] == "posted" and v1["period"] == "2026-03" and v1["total"] == "1000.00"
    assert [(ln["account_code"], ln["debit"], ln["credit"]) for ln in v2["lines"]] == [
        ("6601.05", "35.50", "0"),
        ("1002.01", "0", "35.50"),
    ]
    april = manual(tenant_a, "2026-04-01", ("6601.05", "1.00", None), ("1002.01", None, "1.00"))
    assert april["number"] == "记-0001" and april["period"] == "2026-04"

    tb = body(tenant_a.api.get("finance/reports/trial-balance?period=2026-03"))
    assert tb["balanced"] is True and tb["totals"]["debit"] == tb["totals"]["credit"] == "1035.50"
    rows = {r["code"]: r for r in tb["rows"]}
    assert rows["1002.01"]["closing_debit"] == "964.50"
    assert rows["1002"]["closing_debit"] == "964.50"  # the parent adds up its sub-accounts
    assert rows["4001"]["closing_credit"] == "1000.00"
    tb4 = body(tenant_a.api.get("finance/reports/trial-balance?period=2026-04"))
    rows4 = {r["code"]: r for r in tb4["rows"]}
    assert rows4["1002.01"]["opening_debit"] == "964.50" and rows4["1002.01"]["closing_debit"] == "963.50"
    assert tb4["balanced"] is True


def test_unbalanced_or_bad_vouchers_are_refused_naming_the_field_and_write_nothing(tenant_a):
    setup_cn(tenant_a)
    resp = tenant_a.api.post(
        "finance/vouchers",
        {
            "date": "2026-03-05",
            "memo": "x",
            "lines": [{"account": "6601.05", "debit": "10"}, {"account": "1002.01", "credit": "9"}],
        },
    )
    assert resp.status_code == 422 and "does not balance" in body(resp)["message"]
    resp = tenant_a.api.post(
        "finance/vouchers",
        {
            "date": "2026-03-05",
            "memo": "x",
            "lines": [{"account": "1002", "debit": "10"}, {"account": "4001", "credit": "10"}],
        },
    )
    assert resp.status_code == 422 and "sub-accounts" in body(resp)["message"]
    resp = tenant_a.api.post(
        "finance/vouchers",
        {
            "date": "2026-03-05",
            "memo": "x",
            "lines": [{"account": "9999", "debit": "10"}, {"account": "4001", "credit": "10"}],
        },
    )
    assert resp.status_code == 422 and "lines.0.account" in body(resp)["errors"]
    resp = tenant_a.api.post(
        "finance/vouchers",
        {
            "date": "2026-03-05",
            "memo": "x",
            "lines": [{"account": "6601.05", "debit": "10", "credit": "10"}, {"account": "4001", "credit": "10"}],
        },
    )
    assert resp.status_code == 422 and "lines.0" in body(resp)["errors"]
    resp = tenant_a.api.post(
        "finance/vouchers",
        {
            "date": "2026-03-05",
            "memo": "x",
            "lines": [{"account": "1002.02", "debit": "10"}, {"account": "4001", "credit": "10"}],
        },
    )
    assert resp.status_code == 422 and "USD only" in body(resp)["message"]
    assert pagination(tenant_a.api.get("finance/vouchers"))["total"] == 0


def test_a_foreign_line_without_a_rate_is_refused_naming_pair_and_date(tenant_a):
    setup_cn(tenant_a)
    resp = tenant_a.api.post(
        "finance/vouchers",
        {
            "date": "2026-03-05",
            "memo": "x",
            "lines": [
                {"account": "6601.05", "debit": "10", "currency": "EUR"},
                {"account": "1002.01", "credit": "80"},
            ],
        },
    )
    assert resp.status_code == 422
    assert "EUR/CNY on 2026-03-05" in body(resp)["message"]


def test_reversal_is_red_letter_names_the_original_and_happens_once(tenant_a):
    setup_cn(tenant_a)
    v = manual(tenant_a, "2026-03-05", ("6601.05", "35.50", None), ("1002.01", None, "35.50"))
    resp = tenant_a.api.post(f"finance/vouchers/{v['id']}/reverse", {"date": "2026-03-20"})
    assert resp.status_code == 201, body(resp)
    red = body(resp)
    assert red["kind"] == "reversal" and red["reverses_id"] == v["id"]
    assert red["memo"] == f"注销 2026年3月5日 {v['number']} 号凭证"
    assert [(ln["account_code"], ln["debit"], ln["credit"]) for ln in red["lines"]] == [
        ("6601.05", "-35.50", "0"),
        ("1002.01", "0", "-35.50"),
    ]
    assert body(tenant_a.api.get(f"finance/vouchers/{v['id']}"))["reversed_by_id"] == red["id"]
    again = tenant_a.api.post(f"finance/vouchers/{v['id']}/reverse", {})
    assert again.status_code == 409
    of_reversal = tenant_a.api.post(f"finance/vouchers/{red['id']}/reverse", {})
    assert of_reversal.status_code == 409 and "never reversed" in body(of_reversal)["message"]
    rows = {r["code"]: r for r in body(tenant_a.api.get("finance/reports/trial-balance?period=2026-03"))["rows"]}
    # Red letters net the turnover to zero instead of inflating both sides.
    assert rows["6601.05"]["debit"] == "0.00" and rows["6601.05"]["closing_debit"] == "0.00"


def test_swapped_side_reversal_when_the_tenant_chooses_it(tenant_a):
    setup_cn(tenant_a)
    assert tenant_a.api.patch("finance/settings", {"reversal_style": "swap"}).status_code == 200
    v = manual(tenant_a, "2026-03-05", ("6601.05", "10.00", None), ("1002.01", None, "10.00"))
    red = body(tenant_a.api.post(f"finance/vouchers/{v['id']}/reverse", {"date": "2026-03-06"}))
    assert [(ln["account_code"], ln["debit"], ln["credit"]) for ln in red["lines"]] == [
        ("6601.05", "0", "10.00"),
        ("1002.01", "10.00", "0"),
    ]


def test_a_document_dated_in_a_closed_period_posts_to_the_first_open_one(tenant_a):
    setup_cn(tenant_a)
    manual(tenant_a, "2026-03-05", ("6601.05", "1.00", None), ("1002.01", None, "1.00"))
    periods = {p["key"]: p for p in body(tenant_a.api.get("finance/periods"))}
    march = periods["2026-03"]
    resp = tenant_a.api.post(f"finance/periods/{march['id']}/close")
    assert resp.status_code == 200 and body(resp)["status"] == "closed"
    assert tenant_a.api.post(f"finance/periods/{march['id']}/close").status_code == 409
    late = manual(tenant_a, "2026-03-28", ("6601.05", "2.00", None), ("1002.01", None, "2.00"))
    assert late["period"] == "2026-04" and late["date"] == "2026-04-01" and late["document_date"] == "2026-03-28"
    assert "2026-03-28" in late["note"] and "2026-04" in late["note"]
    assert tenant_a.api.post(f"finance/periods/{march['id']}/reopen").status_code == 200
    back = manual(tenant_a, "2026-03-29", ("6601.05", "3.00", None), ("1002.01", None, "3.00"))
    assert back["period"] == "2026-03" and back["number"] == "记-0002"


def test_closing_and_reopening_needs_the_close_permission(tenant_a):
    setup_cn(tenant_a)
    manual(tenant_a, "2026-03-05", ("6601.05", "1.00", None), ("1002.01", None, "1.00"))
    period = body(tenant_a.api.get("finance/periods"))[0]
    viewer = tenant_a.client_with_roles("viewer")
    assert viewer.get("finance/vouchers").status_code == 200
    assert viewer.post(f"finance/periods/{period['id']}/close").status_code == 403
    assert viewer.post("finance/vouchers", {}).status_code == 403
    finance = tenant_a.client_with_roles("finance")
    assert finance.post(f"finance/periods/{period['id']}/close").status_code == 200


def test_accounts_are_added_renamed_deactivated_and_never_deleted_once_used(tenant_a):
    setup_cn(tenant_a)
    resp = tenant_a.api.post("finance/accounts", {"code": "6601.07", "name": "销售费用—包装费"})
    assert resp.status_code == 201, body(resp)
    acc = body(resp)
    assert acc["type"] == "expense" and acc["used"] is False
    assert tenant_a.api.post("finance/accounts", {"code": "6601.07", "name": "dup"}).status_code == 409
    bad = tenant_a.api.post("finance/accounts", {"code": "7777.01", "name": "orphan"})
    assert bad.status_code == 422 and "code" in body(bad)["errors"]
    manual(tenant_a, "2026-03-05", ("6601.07", "5.00", None), ("1002.01", None, "5.00"))
    renamed = tenant_a.api.patch(f"finance/accounts/{acc['id']}", {"name": "销售费用—包材"})
    assert body(renamed)["name"] == "销售费用—包材" and body(renamed)["used"] is True
    assert tenant_a.api.delete(f"finance/accounts/{acc['id']}").status_code == 409
    assert tenant_a.api.patch(f"finance/accounts/{acc['id']}", {"currency": "USD"}).status_code == 422
    assert body(tenant_a.api.patch(f"finance/accounts/{acc['id']}", {"active": False}))["active"] is False
    refused = manual(tenant_a, "2026-03-06", ("6601.07", "1.00", None), ("1002.01", None, "1.00"), expect=422)
    assert "inactive" in refused["message"]
    spare = body(tenant_a.api.post("finance/accounts", {"code": "6601.08", "name": "spare"}))
    assert tenant_a.api.delete(f"finance/accounts/{spare['id']}").status_code == 204


def test_posted_vouchers_are_immutable_even_to_raw_sql(tenant_a):
    setup_cn(tenant_a)
    v = manual(tenant_a, "2026-03-05", ("6601.05", "1.00", None), ("1002.01", None, "1.00"))
    with db.require_engine().connect() as conn:
        for sql in (
            "UPDATE finance_voucher_lines SET value = 2 WHERE voucher_id = :id",
            "DELETE FROM finance_voucher_lines WHERE voucher_id = :id",
            "UPDATE finance_vouchers SET memo = 'changed' WHERE id = :id",
            "DELETE FROM finance_vouchers WHERE id = :id",
        ):
            with pytest.raises(Exception, match="immutable"):
                with conn.begin():
                    conn.execute(text(sql), {"id": v["id"]})


def test_tenants_never_see_each_others_ledger(tenant_a, tenant_b):
    setup_cn(tenant_a)
    v = manual(tenant_a, "2026-03-05", ("6601.05", "1.00", None), ("1002.01", None, "1.00"))
    assert tenant_b.api.get(f"finance/vouchers/{v['id']}").status_code == 404
    assert tenant_b.api.post(f"finance/vouchers/{v['id']}/reverse", {}).status_code == 404
    assert pagination(tenant_b.api.get("finance/vouchers"))["total"] == 0
    acc = account(tenant_a, "6601.05")
    assert tenant_b.api.get(f"finance/accounts/{acc['id']}").status_code == 404
    tb = body(tenant_b.api.get("finance/reports/trial-balance?period=2026-03"))
    assert tb["totals"]["debit"] == "0"


def test_voucher_filters_and_drill_to_source(tenant_a):
    setup_cn(tenant_a)
    v = manual(tenant_a, "2026-03-05", ("6601.05", "1.00", None), ("1002.01", None, "1.00"))
    manual(tenant_a, "2026-04-05", ("6601.04", "1.00", None), ("1002.01", None, "1.00"))
    assert [x["id"] for x in body(tenant_a.api.get("finance/vouchers?period=2026-03"))] == [v["id"]]
    acc = account(tenant_a, "6601.04")
    assert len(body(tenant_a.api.get(f"finance/vouchers?account_id={acc['id']}"))) == 1
    assert len(body(tenant_a.api.get(f"finance/vouchers?source_type=manual&source_id={v['source']['id']}"))) == 1
    assert tenant_a.api.get("finance/vouchers?period=2026-13").status_code == 422
    assert date.fromisoformat(v["date"]) == date(2026, 3, 5)
