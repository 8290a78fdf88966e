"""PayPal's wire through the emulator (reference finance.md §3.3): the client-credentials
token, Transaction Search read page by page to `total_pages` in windows of at most 31 days,
the 3-hour search lag as the end of what is read, throttling and PayPal's error shape."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from core.ports import AuthError, RetryPolicy
from core.testing import VirtualClock, make_context
from core.testing.emulator import RecordingTransport
from plugins.payments.paypal.client import MAX_WINDOW, windows
from plugins.payments.paypal.emulator import PayPalEmulator
from plugins.payments.paypal.mapping import parse_time
from plugins.payments.paypal.plugin import PayPalAdapter

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def env():
    clock = VirtualClock(NOW)
    emulator = PayPalEmulator(seed=3, clock=clock)
    transport = RecordingTransport(httpx.WSGITransport(app=emulator))
    values = {**emulator.connection_settings("http://paypal.test"), "orders_connection_id": "shop"}
    ctx = make_context(PayPalAdapter, values, transport=transport, clock=clock, retry=RetryPolicy(attempts=3))
    adapter = PayPalAdapter(ctx)
    yield adapter, emulator, transport, clock
    adapter.close()


def searches(transport):
    return [r for r in transport.requests if r.url.path == "/v1/reporting/transactions"]


def test_the_token_is_fetched_once_with_basic_credentials_and_reused(env):
    adapter, emulator, transport, _clock = env
    assert adapter.check_connection() == f"PayPal account {emulator.account_number}"
    adapter.list_payouts((NOW - timedelta(days=2)).date())
    tokens = [r for r in transport.requests if r.url.path == "/v1/oauth2/token"]
    assert len(tokens) == 1
    pair = base64.b64decode(tokens[0].headers["Authorization"][6:]).decode()
    assert pair == f"{emulator.client_id}:{emulator.client_secret}"
    assert tokens[0].content == b"grant_type=client_credentials"
    assert all(r.headers["Authorization"].startswith("Bearer A21AA") for r in searches(transport))


def test_an_expired_token_is_renewed_once_and_refused_credentials_raise(env):
    adapter, emulator, transport, _clock = env
    adapter.check_connection()
    emulator.expire_tokens()
    adapter.check_connection()
    assert len([r for r in transport.requests if r.url.path == "/v1/oauth2/token"]) == 2
    emulator.client_secret = "changed"
    emulator.expire_tokens()
    with pytest.raises(AuthError, match="PayPal 401"):
        adapter.check_connection()  # the renewal was refused too: the original refusal stands
    adapter.ctx.state.clear()
    with pytest.raises(AuthError, match="invalid_client: Client Authentication failed"):
        adapter.check_connection()


def test_a_long_range_is_read_in_windows_of_at_most_31_days_every_page_to_total_pages(env):
    adapter, emulator, transport, _clock = env
    start = NOW - timedelta(days=80)
    for i in range(1200):  # three 500-row pages in the busiest window
        emulator.pay("10.00", "USD", invoice_id=f"WC-{i}", custom_field=str(i), at=start + timedelta(minutes=i * 3))
    emulator.pay("10.00", "USD", invoice_id="WC-last", custom_field="9999", at=start + timedelta(days=70))
    pages = list(adapter.client.search(start.replace(hour=0, minute=0), adapter.window_end()))
    ids = [i["transaction_info"]["transaction_id"] for p in pages for i in p["transaction_details"]]
    assert len(ids) == len(set(ids)) == 1201
    sent = searches(transport)
    spans = []
    for r in sent:
        lo, hi = parse_time(r.url.params["start_date"]), parse_time(r.url.params["end_date"])
        assert hi - lo < MAX_WINDOW and r.url.params["page_size"] == "500"
        spans.append((lo, hi, int(r.url.params["page"])))
    assert len({(lo, hi) for lo, hi, _ in spans}) == 3  # 80 days: 31 + 31 + 18
    assert [p for lo, _hi, p in spans if lo == spans[0][0]] == [1, 2, 3]
    # Windows follow each other to the second, so nothing falls between them or into two.
    bounds = sorted({(lo, hi) for lo, hi, _ in spans})
    assert all(b[0] == a[1] + timedelta(seconds=1) for a, b in zip(bounds, bounds[1:], strict=False))


def test_windows_cut_a_range_into_31_day_pieces():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cut = list(windows(start, start + timedelta(days=63)))
    assert [hi - lo for lo, hi in cut] == [MAX_WINDOW, MAX_WINDOW, timedelta(days=1)]
    assert list(windows(start, start)) == []


def test_the_emulator_refuses_a_range_over_31_days_in_paypals_error_shape(env):
    adapter, emulator, _transport, _clock = env
    token = adapter.client.access_token()
    client = httpx.Client(transport=httpx.WSGITransport(app=emulator), base_url="http://paypal.test")
    resp = client.get(
        "/v1/reporting/transactions",
        params={"start_date": "2026-09-01T00:00:00+0000", "end_date": "2026-10-15T00:00:00+0000"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 400
    data = resp.json()
    assert data["name"] == "INVALID_REQUEST" and data["debug_id"]
    assert data["details"][0]["issue"] == "Date range is greater than 31 days"
    unauthorised = client.get("/v1/reporting/transactions", params={"start_date": "x", "end_date": "y"})
    assert unauthorised.status_code == 401 and unauthorised.json()["error"] == "invalid_token"


def test_the_search_lag_ends_what_is_read_at_the_last_day_shown_whole(env):
    adapter, emulator, transport, clock = env
    today = NOW.replace(hour=0, minute=0)
    emulator.pay("20.00", "USD", invoice_id="WC-1", custom_field="1", at=today - timedelta(hours=2))
    emulator.pay("30.00", "USD", invoice_id="WC-2", custom_field="2", at=today + timedelta(hours=1))
    payouts = adapter.list_payouts((NOW - timedelta(days=3)).date())
    assert [p.paid_on for p in payouts] == [(today - timedelta(days=1)).date()]  # today is not over
    assert parse_time(searches(transport)[-1].url.params["end_date"]) == today - timedelta(seconds=1)
    # 01:00 the next day: today ended only an hour ago, inside the 3-hour lag.
    clock.advance(hours=13)
    assert [p.paid_on for p in adapter.list_payouts((NOW - timedelta(days=3)).date())] == [
        (today - timedelta(days=1)).date()
    ]
    clock.advance(hours=2)
    assert [p.net for p in adapter.list_payouts((NOW - timedelta(days=3)).date())][-1] == Decimal("30.00") - (
        Decimal("30.00") * Decimal("0.0349") + Decimal("0.49")
    ).quantize(Decimal("0.01"))


def test_the_emulator_hides_transactions_younger_than_three_hours(env):
    adapter, emulator, _transport, clock = env
    emulator.pay("5.00", "USD", invoice_id="WC-9", custom_field="9", at=NOW - timedelta(hours=1))
    (page,) = list(adapter.client.search(NOW - timedelta(days=1), NOW))
    assert page["transaction_details"] == [] and page["total_pages"] == 0
    clock.advance(hours=2, minutes=1)
    (page,) = list(adapter.client.search(NOW - timedelta(days=1), NOW))
    assert len(page["transaction_details"]) == 1


def test_a_throttled_or_failing_page_is_sent_again_by_the_one_retry_layer(env):
    adapter, emulator, transport, _clock = env
    emulator.pay("10.00", "USD", invoice_id="WC-1", custom_field="1", at=NOW - timedelta(days=1))
    emulator.fail_next("/v1/reporting/transactions", status=503)
    emulator.faults.throttle_every = 3
    (payout,) = adapter.list_payouts((NOW - timedelta(days=2)).date())
    assert payout.net == Decimal("9.16")
    statuses = transport.statuses()
    assert 503 in statuses and 429 in statuses


def test_optional_filters_blank_the_balances(env):
    adapter, emulator, _transport, _clock = env
    tid = emulator.pay("10.00", "USD", invoice_id="WC-1", custom_field="1", at=NOW - timedelta(days=1))
    token = adapter.client.access_token()
    client = httpx.Client(transport=httpx.WSGITransport(app=emulator), base_url="http://paypal.test")
    params = {"start_date": "2026-11-28T00:00:00+0000", "end_date": "2026-11-30T00:00:00+0000"}
    auth = {"Authorization": f"Bearer {token}"}
    plain = client.get("/v1/reporting/transactions", params=params, headers=auth).json()
    assert plain["transaction_details"][0]["transaction_info"]["ending_balance"]["value"] == "9.16"
    filtered = client.get("/v1/reporting/transactions", params={**params, "transaction_id": tid}, headers=auth).json()
    assert "ending_balance" not in filtered["transaction_details"][0]["transaction_info"]
