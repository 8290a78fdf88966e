"""QuickBooks Online passes AccountingContract against its emulator, and the wire rules of
finance.md §4.2: rotating refresh tokens kept, requestid replays, DocNumber lookups, faults in
200 bodies, 429, minorversion, AR lines without a customer refused; vouchers in a foreign
currency posted in it (CurrencyRef, ExchangeRate), and mixed ones split per currency and rate."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.ports import AuthError, RateLimited, RemoteRejected, Voucher, VoucherLine
from core.testing import VirtualClock, make_context
from core.testing.accounting import AccountingContract, AccountingHarness, post_like_core
from core.testing.emulator import RecordingTransport
from plugins.accounting.quickbooks.emulator import QuickBooksEmulator
from plugins.accounting.quickbooks.plugin import QuickBooksTarget

BASE = "https://qbo.test"


class QuickBooksHarness(AccountingHarness):
    accounts = {"bank": "35", "receivable": "84", "revenue": "79", "expense": "90"}
    customer = "58"
    bad_account = "9999"

    def __init__(self) -> None:
        self.clock = VirtualClock()
        self.emulator = QuickBooksEmulator(clock=self.clock)
        self.transport = RecordingTransport(httpx.WSGITransport(app=self.emulator))
        self.saved: list[dict[str, str]] = []
        self.adapter = self.make(self.emulator.connection_settings(BASE))

    def make(self, values: dict[str, Any]) -> QuickBooksTarget:
        ctx = make_context(QuickBooksTarget, values, transport=self.transport, clock=self.clock)
        ctx.save_credentials = self.saved.append
        return QuickBooksTarget(ctx)

    def entries(self, reference: str) -> list[dict[str, Any]]:
        out = []
        for entry in self.emulator.entries.values():
            if entry["DocNumber"] == reference[:21]:
                lines = []
                for line in entry["Line"]:
                    d = line["JournalEntryLineDetail"]
                    amount = Decimal(str(line["Amount"]))
                    lines.append((d["AccountRef"]["value"], amount if d["PostingType"] == "Debit" else -amount))
                out.append({"id": entry["Id"], "lines": lines})
        return out

    def lose_next_answer(self) -> None:
        self.emulator.fail_next("/journalentry", method="POST", lose="after")

    def adapter_with_bad_credentials(self) -> QuickBooksTarget:
        return self.make({**self.emulator.connection_settings(BASE), "refresh_token": "revoked"})

    def secrets(self) -> list[str]:
        return [s.reveal() for s in self.adapter.ctx.credentials.values()]


class TestQuickBooks(AccountingContract):
    @pytest.fixture
    def harness(self) -> QuickBooksHarness:
        return QuickBooksHarness()

    def test_refresh_tokens_rotate_and_the_newest_is_kept(self, harness: QuickBooksHarness) -> None:
        first = harness.adapter.ctx.credentials["refresh_token"].reveal()
        harness.adapter.check_connection()
        assert harness.saved and harness.saved[-1]["refresh_token"] != first
        assert harness.adapter.ctx.credentials["refresh_token"].reveal() == harness.saved[-1]["refresh_token"]
        # An hour later the access token is renewed with the newest refresh token; the old one
        # is refused by QBO now.
        harness.clock.advance(3700)
        harness.adapter.check_connection()
        assert len(harness.saved) == 2
        stale = harness.make({**harness.emulator.connection_settings(BASE), "refresh_token": first})
        with pytest.raises(AuthError):
            stale.check_connection()

    def test_requestid_and_minorversion_on_every_create(self, harness: QuickBooksHarness) -> None:
        voucher = self.sale(harness)
        post_like_core(harness.adapter, voucher)
        creates = [r for r in harness.transport.requests if r.method == "POST" and "journalentry" in r.url.path]
        assert creates and all(r.url.params["minorversion"] == "75" and r.url.params["requestid"] for r in creates)
        # The same voucher sent again (a retried job) carries the same requestid: QBO replays.
        before = harness.emulator.created
        harness.adapter.post_voucher(voucher)
        again = [r for r in harness.transport.requests if r.method == "POST" and "journalentry" in r.url.path]
        assert again[-1].url.params["requestid"] == creates[0].url.params["requestid"]
        assert harness.emulator.created == before

    def test_a_fault_in_a_200_body_is_not_a_success(self, harness: QuickBooksHarness) -> None:
        harness.emulator.fault_in_200()
        voucher = self.sale(harness)
        result = post_like_core(harness.adapter, voucher)  # a SystemFault: resent with its requestid
        assert result.external_id and len(harness.entries(voucher.reference)) == 1

    def test_a_receivable_line_without_a_customer_is_refused_with_qbos_words(self, harness: QuickBooksHarness) -> None:
        harness.customer = ""
        with pytest.raises(RemoteRejected, match="must select a customer"):
            post_like_core(harness.adapter, self.sale(harness))

    def test_429_is_a_throttle_for_the_job_to_wait_out(self, harness: QuickBooksHarness) -> None:
        """QBO asks for 60 s: longer than the client sleeps through, so it surfaces as
        RateLimited (the run marks the voucher waiting) and nothing was created."""
        harness.adapter.check_connection()
        harness.emulator.faults.throttle_every = 1
        voucher = self.sale(harness)
        with pytest.raises(RateLimited) as throttled:
            post_like_core(harness.adapter, voucher)
        assert throttled.value.retry_after == 60 and harness.entries(voucher.reference) == []
        harness.emulator.faults.throttle_every = 0
        harness.clock.advance(60)
        assert post_like_core(harness.adapter, voucher, uncertain=True).external_id
        assert len(harness.entries(voucher.reference)) == 1

    def test_old_minor_versions_are_refused_by_the_emulator(self, harness: QuickBooksHarness) -> None:
        harness.adapter.check_connection()
        token = harness.adapter.ctx.state["qbo_token"]["access_token"]
        client = httpx.Client(transport=harness.transport, base_url=BASE)
        resp = client.get(
            "/v3/company/9130350000000000/companyinfo/1?minorversion=65", headers={"Authorization": f"Bearer {token}"}
        )
        assert resp.status_code == 400 and "minorversion" in resp.text


# -- foreign currency (finance.md §4.2 Multicurrency) -------------------------------------------

ON = date(2026, 3, 25)


def usd(account: str, debit: str, credit: str, rate: str, memo: str, **dims: str) -> VoucherLine:
    """A line booked in USD at `rate`: its functional (CNY) value and its USD amount."""
    amount = Decimal(debit or credit)
    value = (amount * Decimal(rate)).quantize(Decimal("0.01"))
    return VoucherLine(
        account,
        value if debit else Decimal(0),
        value if credit else Decimal(0),
        "CNY",
        memo,
        amount_foreign=amount,
        foreign_currency="USD",
        dimensions=dims,
        rate=Decimal(rate),
    )


def voucher(reference: str, *lines: VoucherLine) -> Voucher:
    return Voucher(reference=reference, date=ON, description=f"Voucher {reference}", currency="CNY", lines=lines)


def settlement(reference: str) -> Voucher:
    """§4.1's example: a USD payout at 7.15 clears a USD receivable booked at 7.10; the
    difference is an FX gain in CNY. Two rates and two currencies: QBO needs three entries."""
    return voucher(
        reference,
        usd("36", "79.80", "", "7.15", "Payout"),
        usd("97", "", "79.80", "7.10", "Clear Amazon receivable", customer="58"),
        VoucherLine("92", Decimal(0), Decimal("3.99"), "CNY", "FX gain"),
    )


def with_clearing(harness: QuickBooksHarness) -> QuickBooksTarget:
    return harness.make({**harness.emulator.connection_settings(BASE), "clearing_account": "98"})


def entries_of(harness: QuickBooksHarness, reference: str) -> list[dict[str, Any]]:
    return [e for e in harness.emulator.entries.values() if e["DocNumber"].startswith(reference[:19])]


def test_a_voucher_in_one_foreign_currency_posts_in_it_with_its_rate() -> None:
    harness = QuickBooksHarness()
    v = voucher(
        "2026-03/FX-0001",
        usd("97", "100.00", "", "7.1234", "Receivable", customer="58"),
        usd("79", "", "100.00", "7.1234", "Revenue"),
    )
    result = post_like_core(harness.adapter, v)
    (entry,) = entries_of(harness, v.reference)
    assert result.external_id == entry["Id"] and result.number == v.reference
    assert entry["CurrencyRef"]["value"] == "USD" and Decimal(str(entry["ExchangeRate"])) == Decimal("7.1234")
    assert [Decimal(str(line["Amount"])) for line in entry["Line"]] == [Decimal("100.00")] * 2
    # QBO's home amounts are the functional values Tradelane booked.
    assert [line["HomeAmount"] for line in entry["Line"]] == [ln.debit or ln.credit for ln in v.lines]
    creates = [r for r in harness.transport.requests if r.method == "POST" and "journalentry" in r.url.path]
    sent = json.loads(creates[-1].content)
    assert sent["CurrencyRef"] == {"value": "USD"} and sent["ExchangeRate"] == 7.1234


def test_the_emulator_checks_the_currency_fields() -> None:
    harness = QuickBooksHarness()
    # A home-currency entry on the USD receivable: QBO keeps that account in USD.
    home = voucher(
        "2026-03/FX-0002",
        VoucherLine("97", Decimal("710"), Decimal(0), "CNY", "Receivable", dimensions={"customer": "58"}),
        VoucherLine("79", Decimal(0), Decimal("710"), "CNY", "Revenue"),
    )
    with pytest.raises(RemoteRejected, match="is in USD; a transaction in CNY"):
        harness.adapter.post_voucher(home)
    client = harness.adapter.client
    body = {
        "DocNumber": "FX-RATE",
        "CurrencyRef": {"value": "USD"},
        "Line": [
            {
                "DetailType": "JournalEntryLineDetail",
                "Amount": Decimal("5"),
                "JournalEntryLineDetail": {"PostingType": side, "AccountRef": {"value": account}},
            }
            for side, account in (("Debit", "36"), ("Credit", "79"))
        ],
    }
    with pytest.raises(RemoteRejected, match="ExchangeRate is required"):
        client.create("journalentry", body, "rid-no-rate")
    with pytest.raises(RemoteRejected, match="Currency XYZ not found"):
        client.create("journalentry", {**body, "CurrencyRef": {"value": "XYZ"}, "ExchangeRate": 1}, "rid-xyz")
    assert harness.emulator.created == 0


def test_a_voucher_mixing_currencies_needs_the_clearing_account() -> None:
    harness = QuickBooksHarness()
    with pytest.raises(RemoteRejected, match="set clearing_account"):
        post_like_core(harness.adapter, settlement("2026-03/FX-0003"))
    assert harness.emulator.created == 0


def test_a_voucher_mixing_currencies_and_rates_is_split_and_each_part_balances() -> None:
    harness = QuickBooksHarness()
    adapter = with_clearing(harness)
    v = settlement("2026-03/FX-0004")
    result = post_like_core(adapter, v)
    entries = entries_of(harness, v.reference)
    assert [e["DocNumber"] for e in entries] == [f"{v.reference}~{i}" for i in (1, 2, 3)]
    assert result.external_id == ",".join(e["Id"] for e in entries)
    assert [(e["CurrencyRef"]["value"], Decimal(str(e["ExchangeRate"]))) for e in entries] == [
        ("USD", Decimal("7.15")),
        ("USD", Decimal("7.1")),
        ("CNY", Decimal(1)),
    ]
    home: dict[str, Decimal] = {}
    for e in entries:
        signed = [(ln, 1 if ln["JournalEntryLineDetail"]["PostingType"] == "Debit" else -1) for ln in e["Line"]]
        assert sum(Decimal(str(ln["Amount"])) * s for ln, s in signed) == 0  # balanced in its currency
        for ln, s in signed:
            account = ln["JournalEntryLineDetail"]["AccountRef"]["value"]
            home[account] = home.get(account, Decimal(0)) + ln["HomeAmount"] * s
    # Every account gets the functional value Tradelane booked; the clearing account nets to 0.
    assert home == {"36": Decimal("570.57"), "97": Decimal("-566.58"), "92": Decimal("-3.99"), "98": Decimal(0)}
    # Sent again (a retried job): the requestids replay, nothing new.
    assert adapter.post_voucher(v).external_id == result.external_id
    assert post_like_core(adapter, v, uncertain=True).external_id == result.external_id
    assert harness.emulator.created == 3


def test_a_split_voucher_whose_answer_was_lost_midway_posts_each_part_once() -> None:
    harness = QuickBooksHarness()
    adapter = with_clearing(harness)
    v = settlement("2026-03/FX-0005")
    adapter.check_connection()
    harness.emulator.fail_next("/journalentry", method="POST", lose="after")
    # The first part's answer is lost: the client sends it again with its requestid.
    assert adapter.post_voucher(v).external_id.count(",") == 2
    assert harness.emulator.created == 3
    assert post_like_core(adapter, v, uncertain=True).external_id.count(",") == 2
    # Even with QBO's requestid memory gone, the part already there is found by its DocNumber.
    harness.emulator.request_ids.clear()
    assert adapter.post_voucher(v).external_id.count(",") == 2
    assert harness.emulator.created == 3 and len(entries_of(harness, v.reference)) == 3
