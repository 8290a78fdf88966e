"""Dated exchange rates through the API and the service, with two tenants side by side:
setting, replacing, listing, deleting, validation, roles, and `core.money.rate` reading
only the current tenant's rates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import money
from core.db import session
from core.events import OutboxEvent
from core.fx import service
from core.money import RateNotFound
from tests.support import body, pagination

DAY = date(2026, 11, 20)


def rate(tenant, base="USD", quote="CNY", on=DAY, value="7.1", **extra):
    resp = tenant.api.post("exchange-rates", {"base": base, "quote": quote, "date": str(on), "rate": value, **extra})
    assert resp.status_code == 201, body(resp)
    return body(resp)


def test_a_rate_is_set_replaced_listed_and_deleted_per_tenant(tenants):
    a, b = tenants
    first = rate(a, value="7.1", note="BOC 中间价")
    assert (first["base"], first["quote"], first["date"], first["rate"], first["source"], first["note"]) == (
        "USD",
        "CNY",
        "2026-11-20",
        "7.1000000000",
        "manual",
        "BOC 中间价",
    )
    again = rate(a, value="7.12")  # the same pair and day: replaced, not a second row
    assert again["id"] == first["id"] and again["rate"] == "7.1200000000"
    rate(a, on=DAY - timedelta(days=1), value="7.09")
    rate(a, base="EUR", value="7.7")
    rate(b, value="6.5")

    listed = a.api.get("exchange-rates")
    assert [(r["base"], r["date"], r["rate"]) for r in body(listed)] == [
        ("EUR", "2026-11-20", "7.7000000000"),
        ("USD", "2026-11-20", "7.1200000000"),
        ("USD", "2026-11-19", "7.0900000000"),
    ]
    assert pagination(listed)["total"] == 3
    usd = body(a.api.get("exchange-rates?base=USD&quote=CNY&from=2026-11-20&to=2026-11-30"))
    assert [r["rate"] for r in usd] == ["7.1200000000"]
    assert [r["base"] for r in body(a.api.get("exchange-rates?currency=EUR"))] == ["EUR"]
    page = a.api.get("exchange-rates?page=2&page_size=2")
    assert len(body(page)) == 1 and pagination(page)["total_pages"] == 2

    # The other tenant sees only its own and cannot reach this tenant's rows.
    assert [r["rate"] for r in body(b.api.get("exchange-rates"))] == ["6.5000000000"]
    assert b.api.get(f"exchange-rates/{first['id']}").status_code == 404
    assert b.api.delete(f"exchange-rates/{first['id']}").status_code == 404

    assert a.api.get(f"exchange-rates/{first['id']}").status_code == 200
    assert a.api.delete(f"exchange-rates/{first['id']}").status_code == 204
    assert a.api.get(f"exchange-rates/{first['id']}").status_code == 404
    assert [r["date"] for r in body(a.api.get("exchange-rates?base=USD"))] == ["2026-11-19"]

    with a.scope():
        names = list(session.execute(select(OutboxEvent.name).order_by(OutboxEvent.created_at)).scalars())
        deleted = session.execute(select(OutboxEvent).where(OutboxEvent.name == "exchange_rate.deleted")).scalar_one()
    assert names.count("exchange_rate.set") == 4 and deleted.payload["rate"] == "7.1200000000"


def test_bad_rates_are_refused_naming_the_field_and_nothing_is_written(tenants):
    a, _b = tenants
    cases = [
        ({"rate": "0"}, "rate"),
        ({"rate": "-7.1"}, "rate"),
        ({"rate": "7.12345678901"}, "rate"),
        ({"rate": "12345678901"}, "rate"),
        ({"rate": "1E+30"}, "rate"),
        ({"rate": "lots"}, "rate"),
        ({"base": "XYZ"}, "base"),
        ({"quote": "usd"}, "quote"),  # lower case is read as USD: the same currency as base
        ({"date": "2026-02-30"}, "date"),
        ({"date": "2099-01-01"}, "date"),
        ({"source": "guess"}, "source"),
        ({"note": "x" * 201}, "note"),
    ]
    for change, field in cases:
        data = {"base": "USD", "quote": "CNY", "date": "2026-11-20", "rate": "7.1", **change}
        resp = a.api.post("exchange-rates", data)
        assert resp.status_code == 422, (change, body(resp))
        assert field in body(resp)["errors"], (change, body(resp))
    missing = a.api.post("exchange-rates", {"base": "USD"})
    assert missing.status_code == 422 and {"quote", "date", "rate"} <= set(body(missing)["errors"])
    assert body(a.api.get("exchange-rates")) == []
    bad_query = a.api.get("exchange-rates?from=yesterday")
    assert bad_query.status_code == 422 and "from" in body(bad_query)["errors"]


def test_roles_read_and_write(tenants):
    a, _b = tenants
    rate(a)
    viewer = a.client_with_roles("viewer")
    assert viewer.get("exchange-rates").status_code == 200
    assert (
        viewer.post("exchange-rates", {"base": "USD", "quote": "CNY", "date": "2026-11-20", "rate": "7"}).status_code
        == 403
    )
    finance = a.client_with_roles("finance")
    assert (
        finance.post("exchange-rates", {"base": "EUR", "quote": "CNY", "date": "2026-11-20", "rate": "7.7"}).status_code
        == 201
    )
    assert a.client_with_roles("warehouse").get("exchange-rates").status_code == 403


def test_lookup_names_how_the_rate_was_found_and_404s_naming_the_pair_and_day(tenants):
    a, b = tenants
    rate(a, value="7.1", on=DAY - timedelta(days=2))
    rate(a, base="EUR", value="7.8")
    direct = body(a.api.get("exchange-rates/lookup?base=USD&quote=CNY&date=2026-11-20"))
    assert (direct["rate"], direct["rate_date"], direct["via"], direct["description"]) == (
        "7.1000000000",
        "2026-11-18",
        None,
        "manual USD/CNY 2026-11-18",
    )
    inverse = body(a.api.get("exchange-rates/lookup?base=CNY&quote=USD&date=2026-11-20"))
    assert inverse["rate"] == "0.1408450704" and inverse["legs"][0]["base"] == "USD"
    cross = body(a.api.get("exchange-rates/lookup?base=USD&quote=EUR&date=2026-11-20"))
    assert (cross["via"], cross["rate"]) == ("CNY", "0.9102564103")  # 7.1 / 7.8
    same = body(a.api.get("exchange-rates/lookup?base=USD&quote=USD&date=2026-11-20"))
    assert same["rate"] == "1" and same["legs"] == []

    early = a.api.get("exchange-rates/lookup?base=USD&quote=CNY&date=2026-11-17")
    assert early.status_code == 404
    assert body(early)["errors"] == {"rate": ["no rate for USD to CNY on 2026-11-17 or in the 31 days before"]}
    assert b.api.get("exchange-rates/lookup?base=USD&quote=CNY&date=2026-11-20").status_code == 404
    assert a.api.get("exchange-rates/lookup?base=USD&quote=ZZZ").status_code == 422


def test_money_rate_reads_the_current_tenants_rates_and_sees_a_rate_set_in_the_same_transaction(tenants):
    a, b = tenants
    rate(a, value="7.1")
    rate(b, value="6.5")
    with a.scope():
        assert money.rate("USD", "CNY", DAY) == Decimal("7.1")
        assert money.rate("USD", "CNY", DAY + timedelta(days=31)) == Decimal("7.1")
        with pytest.raises(RateNotFound):
            money.rate("USD", "CNY", DAY + timedelta(days=32))
        service.set_rate("USD", "CNY", DAY, "7.2")
        assert money.rate("USD", "CNY", DAY) == Decimal("7.2")  # the cached lookup was dropped
    with b.scope():
        assert money.rate("USD", "CNY", DAY) == Decimal("6.5")
        with pytest.raises(RateNotFound) as missing:
            money.rate("EUR", "CNY", DAY)
    assert "no rate for EUR to CNY on 2026-11-20" in str(missing.value)


def test_an_import_keeps_the_rates_entered_by_hand_and_is_all_or_nothing(tenants):
    a, _b = tenants
    rate(a, value="7.1")
    feed = [
        {"base": "USD", "quote": "CNY", "date": DAY, "rate": "7.05"},
        {"base": "EUR", "quote": "CNY", "date": DAY, "rate": "7.7"},
    ]
    with a.scope():
        result = service.set_rates(feed, source="feed")
        assert result.to_json() == {"created": 1, "replaced": 0, "kept": 1}
        assert money.rate("USD", "CNY", DAY) == Decimal("7.1")
        assert service.set_rates(feed, source="file", replace_manual=True).to_json() == {
            "created": 0,
            "replaced": 2,
            "kept": 0,
        }
        assert money.rate("USD", "CNY", DAY) == Decimal("7.05")
    with a.scope(), pytest.raises(Exception) as refused:
        service.set_rates([*feed, {"base": "GBP", "quote": "CNY", "date": DAY, "rate": "-1"}], source="file")
    assert refused.value.errors == {"rates.2.rate": ["must be above zero"]}
    dup = [feed[0], dict(feed[0])]
    with a.scope(), pytest.raises(Exception) as twice:
        service.set_rates(dup, source="file")
    assert list(twice.value.errors) == ["rates.1.date"]
    with a.scope():
        assert {r.base for r in session.execute(service.list_rates()).scalars()} == {"USD", "EUR"}
