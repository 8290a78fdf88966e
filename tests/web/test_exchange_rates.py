"""Settings → Exchange rates as staff use it, with two tenants present: setting a rate (an
error beside its field, nothing saved), listing and filtering, deleting, asking which rate
applies, roles, and the page in Chinese."""

from __future__ import annotations

import re

from tests.web.conftest import visible_text

PAGE = "/settings/exchange-rates"


def _set(client, **values):
    data = {"base": "USD", "quote": "CNY", "date": "2026-11-20", "rate": "7.1", "note": "", **values}
    return client.post(PAGE, data)


def _error_beside(markup: str, name: str) -> list[str]:
    block = re.search(
        r'class="field has-error[^"]*">((?:(?!class="field).)*?name="' + name + r'"(?:(?!class="field).)*)',
        markup,
        re.DOTALL,
    )
    return re.findall(r'<p class="error"[^>]*>([^<]+)</p>', block.group(1)) if block else []


def test_staff_set_list_filter_and_delete_rates_of_their_own_tenant(portal, tenant_a, tenant_b):
    owner = portal(tenant_a)
    assert "No exchange rates yet." in owner.text(PAGE)
    resp = _set(owner, note="BOC 中间价")
    assert resp.status_code == 302
    page = owner.text(resp.headers["Location"])
    assert "USD/CNY of 2026-11-20 is 7.1." in page
    assert "Nov 20, 2026 USD/CNY 7.1000000000 Entered by hand BOC 中间价" in page
    assert _set(owner, base="EUR", rate="7.8", date="2026-11-19").status_code == 302
    assert _set(portal(tenant_b), rate="6.5").status_code == 302

    everything = owner.text(PAGE)
    assert "EUR/CNY" in everything and "6.5" not in everything
    usd = owner.text(f"{PAGE}?base=USD&quote=CNY&from=2026-11-01&to=2026-11-30")
    assert "USD/CNY" in usd and "EUR/CNY" not in usd
    assert "No exchange rates yet." in owner.text(f"{PAGE}?from=2026-11-21")

    # Which rate applies: found as stored, inverted, or not at all (named by pair and day).
    found = owner.text(f"{PAGE}?base=USD&quote=CNY&date=2026-11-25&lookup=1")
    assert "On Nov 25, 2026 one USD is 7.1000000000 CNY (the rate of Nov 20, 2026)." in found
    inverse = owner.text(f"{PAGE}?base=CNY&quote=EUR&date=2026-11-20&lookup=1")
    assert "(the inverse of EUR/CNY)" in inverse
    missing = owner.text(f"{PAGE}?base=GBP&quote=CNY&date=2026-11-20&lookup=1")
    assert "no rate for GBP to CNY on 2026-11-20 or in the 31 days before" in missing

    markup = owner.get(PAGE).get_data(as_text=True)
    rate_id = re.search(r'action="/settings/exchange-rates/([0-9a-f-]{36})/delete"', markup).group(1)
    other = portal(tenant_b)
    assert other.post(f"{PAGE}/{rate_id}/delete").status_code == 404  # another tenant's: not there
    assert owner.post(f"{PAGE}/{rate_id}/delete").status_code == 302
    left = owner.text(PAGE)
    assert "The rate of USD/CNY of 2026-11-20 is deleted." in left
    assert "USD/CNY 7.1000000000" not in left and "Nov 19, 2026 EUR/CNY 7.8000000000" in left


def test_a_bad_rate_is_shown_beside_its_field_and_nothing_is_saved(portal, tenant_a):
    owner = portal(tenant_a)
    resp = _set(owner, rate="-2", quote="usd", date="2026-02-30")
    assert resp.status_code == 422
    markup = resp.get_data(as_text=True)
    assert _error_beside(markup, "rate") == ["must be above zero"]
    assert _error_beside(markup, "quote") == ["must differ from base: a currency is always worth 1 of itself"]
    assert _error_beside(markup, "date") == ["&#39;2026-02-30&#39; is not a date (YYYY-MM-DD)"]
    assert 'value="-2"' in markup  # what was typed is kept
    assert "No exchange rates yet." in visible_text(markup)


def test_roles_decide_who_reads_and_who_changes_rates(portal, tenant_a):
    _set(portal(tenant_a))
    viewer = portal(tenant_a, "viewer")
    assert "USD/CNY" in viewer.text(PAGE) and "Set a rate" not in viewer.text(PAGE)
    assert _set(viewer, rate="9").status_code == 403
    finance = portal(tenant_a, "finance")
    assert _set(finance, base="EUR", rate="7.8").status_code == 302
    assert portal(tenant_a, "warehouse").get(PAGE).status_code == 403
    # The order settings page no longer takes rates; it points here.
    settings = portal(tenant_a).get("/orders/settings").get_data(as_text=True)
    assert "fx_rates" not in settings and f'href="{PAGE}"' in settings


def test_the_page_in_chinese(portal, tenant_a):
    owner = portal(tenant_a)
    owner.post("/locale", {"locale": "zh_CN", "next": PAGE})
    page = owner.text(PAGE)
    assert "汇率" in page and "设置汇率" in page and "还没有汇率。" in page
    missing = owner.text(f"{PAGE}?base=GBP&quote=CNY&date=2026-11-20&lookup=1")
    assert "没有 GBP 兑 CNY 在 2026-11-20 或之前 31 天内的汇率" in missing
