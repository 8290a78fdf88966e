"""Xero passes AccountingContract against its emulator, and the wire rules of finance.md §4.3:
xero-tenant-id, Idempotency-Key replays, 60 calls a minute and 5 in flight obeyed from the
answers, MS-JSON dates, ValidationException messages, base-currency journals for foreign vouchers."""

from __future__ import annotations

import json
import threading
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.ports import RemoteRejected, Voucher, VoucherLine
from core.testing import VirtualClock, make_context
from core.testing.accounting import AccountingContract, AccountingHarness, post_like_core
from core.testing.emulator import RecordingTransport
from plugins.accounting.xero.emulator import XeroEmulator
from plugins.accounting.xero.plugin import XeroTarget

BASE = "https://xero.test"


class XeroHarness(AccountingHarness):
    accounts = {"bank": "090", "receivable": "610", "revenue": "200", "expense": "404"}
    bad_account = "999"

    def __init__(self) -> None:
        self.clock = VirtualClock()
        self.emulator = XeroEmulator(clock=self.clock)
        self.transport = RecordingTransport(httpx.WSGITransport(app=self.emulator))
        self.saved: list[dict[str, str]] = []
        self.adapter = self.make(self.emulator.connection_settings(BASE))

    def make(self, values: dict[str, Any]) -> XeroTarget:
        ctx = make_context(XeroTarget, values, transport=self.transport, clock=self.clock)
        ctx.save_credentials = self.saved.append
        return XeroTarget(ctx)

    def entries(self, reference: str) -> list[dict[str, Any]]:
        return [
            {
                "id": j["ManualJournalID"],
                "lines": [(ln["AccountCode"], Decimal(str(ln["LineAmount"]))) for ln in j["JournalLines"]],
            }
            for j in self.emulator.journals.values()
            if j["Narration"].startswith(reference + " ")
        ]

    def lose_next_answer(self) -> None:
        self.emulator.fail_next("/ManualJournals", method="PUT", lose="after")

    def adapter_with_bad_credentials(self) -> XeroTarget:
        return self.make({**self.emulator.connection_settings(BASE), "client_secret": "wrong"})

    def secrets(self) -> list[str]:
        return [s.reveal() for s in self.adapter.ctx.credentials.values()]


class TestXero(AccountingContract):
    @pytest.fixture
    def harness(self) -> XeroHarness:
        return XeroHarness()

    def test_every_call_names_the_organisation_and_creates_carry_a_key(self, harness: XeroHarness) -> None:
        voucher = self.sale(harness)
        post_like_core(harness.adapter, voucher)
        api = [r for r in harness.transport.requests if "/api.xro/" in r.url.path]
        assert api and all(
            r.headers["xero-tenant-id"] == harness.emulator.connection_settings(BASE)["xero_tenant_id"] for r in api
        )
        puts = [r for r in api if r.method == "PUT"]
        key = puts[0].headers["Idempotency-Key"]
        assert len(key) <= 128 and key.isascii()
        before = harness.emulator.created
        harness.adapter.post_voucher(voucher)  # a retried job: the same key, Xero replays
        assert harness.emulator.created == before
        assert [r.headers["Idempotency-Key"] for r in harness.transport.requests if r.method == "PUT"] == [key, key]

    def test_the_minute_limit_is_obeyed_from_the_answers(self, harness: XeroHarness) -> None:
        for i in range(70):
            post_like_core(harness.adapter, self.sale(harness, f"{i + 1}.00"))
        assert harness.emulator.created == 70
        statuses = harness.transport.statuses()
        assert statuses.count(429) <= 2, "the client paces itself to 60 a minute"
        assert harness.clock.monotonic() >= 60, "70 calls took at least a minute"

    def test_five_in_flight_at_most(self, harness: XeroHarness) -> None:
        harness.adapter.check_connection()
        errors: list[BaseException] = []

        def post(i: int) -> None:
            try:
                post_like_core(harness.adapter, self.sale(harness, f"{i + 1}.00"))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=post, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and harness.emulator.created == 12
        assert harness.emulator.max_in_flight_seen <= 5

    def test_dates_come_back_as_ms_json(self, harness: XeroHarness) -> None:
        post_like_core(harness.adapter, self.sale(harness))
        journal = next(iter(harness.emulator.journals.values()))
        assert journal["Date"].startswith("/Date(") and journal["Date"].endswith("+0000)/")

    def test_an_unbalanced_journal_is_refused_with_xeros_words(self, harness: XeroHarness) -> None:
        from dataclasses import replace

        v = self.sale(harness)
        bad = replace(v, lines=(v.lines[0], replace(v.lines[1], credit=Decimal("99.00"))))
        with pytest.raises(RemoteRejected, match="balance"):
            harness.adapter.post_voucher(bad)


# -- foreign currency (finance.md §4.3: manual journals are in the base currency) --------------


def usd(account: str, debit: str, credit: str, rate: str, memo: str) -> VoucherLine:
    amount = Decimal(debit or credit)
    value = (amount * Decimal(rate)).quantize(Decimal("0.01"))
    return VoucherLine(
        account,
        value if debit else Decimal(0),
        value if credit else Decimal(0),
        "CNY",
        memo,
        amount_foreign=amount.quantize(Decimal("0.0001")),  # as the ledger keeps it
        foreign_currency="USD",
        rate=Decimal(rate).quantize(Decimal("0.0000000001")),
    )


def test_a_foreign_voucher_posts_base_amounts_and_says_its_currency() -> None:
    """§4.3's sample: base-currency LineAmounts, the USD amount and rate in the description;
    a voucher wholly in USD says its USD total in the narration."""
    harness = XeroHarness()
    v = Voucher(
        reference="2026-03/FX-0001",
        date=date(2026, 3, 25),
        description="Sale in USD",
        currency="CNY",
        lines=(usd("610", "79.80", "", "7.15", "Receivable"), usd("200", "", "79.80", "7.15", "Revenue")),
    )
    post_like_core(harness.adapter, v)
    (journal,) = harness.emulator.journals.values()
    assert journal["Narration"] == "2026-03/FX-0001 Sale in USD (USD 79.80)"
    assert [(ln["LineAmount"], ln["Description"]) for ln in journal["JournalLines"]] == [
        (Decimal("570.57"), "Receivable (USD 79.80 @7.15)"),
        (Decimal("-570.57"), "Revenue (USD 79.80 @7.15)"),
    ]
    put = next(r for r in harness.transport.requests if r.method == "PUT")
    sent = json.loads(put.content)["ManualJournals"][0]
    assert "CurrencyCode" not in sent and "CurrencyRate" not in sent


def test_the_emulator_refuses_another_currency_and_foreign_bank_accounts() -> None:
    harness = XeroHarness()
    lines = [{"LineAmount": Decimal("10"), "AccountCode": "090"}, {"LineAmount": Decimal("-10"), "AccountCode": "200"}]
    journal = {"Narration": "x", "Date": "2026-03-25", "JournalLines": lines}
    client = harness.adapter.client
    with pytest.raises(RemoteRejected, match="base currency \\(CNY\\): CurrencyCode cannot be set"):
        client.put("ManualJournals", {"ManualJournals": [{**journal, "CurrencyCode": "USD"}]}, "k-usd")
    with pytest.raises(RemoteRejected, match="CurrencyRate cannot be set"):
        client.put("ManualJournals", {"ManualJournals": [{**journal, "CurrencyRate": Decimal("7.1")}]}, "k-rate")
    foreign_bank = [{**lines[0], "AccountCode": "092"}, lines[1]]
    with pytest.raises(RemoteRejected, match="'092' is a USD bank account"):
        client.put("ManualJournals", {"ManualJournals": [{**journal, "JournalLines": foreign_bank}]}, "k-bank")
    assert harness.emulator.created == 0
    client.put("ManualJournals", {"ManualJournals": [{**journal, "CurrencyCode": "CNY"}]}, "k-cny")
    assert harness.emulator.created == 1
