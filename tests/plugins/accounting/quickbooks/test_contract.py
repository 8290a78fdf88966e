"""QuickBooks Online passes AccountingContract against its emulator, and the wire rules of
finance.md §4.2: rotating refresh tokens kept, requestid replays, DocNumber lookups, faults in
200 bodies, 429, minorversion, AR lines without a customer refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.ports import AuthError, RateLimited, RemoteRejected
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
