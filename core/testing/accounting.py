"""AccountingContract: the behaviour every accounting target must show, as a pytest base class.

A plugin's test module subclasses it and provides one fixture, `harness`, returning an
`AccountingHarness`: the adapter under test, the target's codes to post to, a way to read back
what the target holds for a voucher reference, and a way to lose the answer of the next post
(the target performed it, the client timed out)::

    import pytest
    from core.testing.accounting import AccountingContract, AccountingHarness

    class TestMyBooks(AccountingContract):
        @pytest.fixture
        def harness(self):
            return MyBooksHarness(...)

What it checks (docs/accounting.md): connect (and bad credentials refused as AuthError), map
(the target lists its accounts), post, post again (nothing new), post after a timeout (once),
a reversal (a new entry that names the reversed one, which stays as it was), and a refusal with
the target's message. Nothing here touches Tradelane's database: the kit runs in a plugin's own
repository. `post_like_core` sends a voucher the way core's posting engine does.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from core.ports import (
    MAPPING_KINDS,
    AccountingTarget,
    AdapterError,
    AuthError,
    PostResult,
    RemoteRejected,
    Voucher,
    VoucherLine,
)


class AccountingHarness:
    """What AccountingContract needs besides the adapter."""

    adapter: AccountingTarget
    # The target's codes the contract posts to, by what they are: "bank", "receivable",
    # "revenue", "expense". And the customer a receivable line names.
    accounts: dict[str, str]
    customer: str = ""
    currency: str = "CNY"
    # An account code the target refuses (unknown to it, or not a valid code).
    bad_account: str = "9999-NOT-AN-ACCOUNT"

    def entries(self, reference: str) -> list[dict[str, Any]]:
        """The target's entries for a voucher reference, each a dict with `id` and `lines`: a
        list of (account code, net debit in the entry's currency as Decimal)."""
        raise NotImplementedError

    def lose_next_answer(self) -> None:
        """Make the target perform the next post, then lose its answer."""
        raise NotImplementedError

    def adapter_with_bad_credentials(self) -> AccountingTarget:
        raise NotImplementedError

    def secrets(self) -> list[str]:
        """Credential values that must never appear in logs."""
        return []


def post_like_core(adapter: AccountingTarget, voucher: Voucher, *, uncertain: bool = False) -> PostResult:
    """Send a voucher as core's posting engine does: when an earlier send may have been
    performed (`uncertain`), or the target declares a lookup, ask the target first."""
    op = adapter.operations["post_voucher"]
    if uncertain or op.lookup:
        found = adapter.find_voucher(voucher)
        if found is not None:
            return found
    return adapter.post_voucher(voucher)


_serial = 0


def _reference(prefix: str = "CT") -> str:
    global _serial
    _serial += 1
    return f"2026-03/{prefix}-{_serial:04d}-{id(_reference) % 9973}"


class AccountingContract:
    """Subclass with a `harness` fixture returning an AccountingHarness."""

    on = date(2026, 3, 25)

    def sale(self, harness: AccountingHarness, amount: str = "100.00", reference: str | None = None) -> Voucher:
        a, value = harness.accounts, Decimal(amount)
        dims = {"customer": harness.customer} if harness.customer else {}
        ref = reference or _reference()
        return Voucher(
            reference=ref,
            number=ref.split("/")[-1],
            date=self.on,
            description=f"Sale {ref}",
            currency=harness.currency,
            lines=(
                VoucherLine(a["receivable"], value, Decimal(0), harness.currency, "Receivable", dimensions=dims),
                VoucherLine(a["revenue"], Decimal(0), value, harness.currency, "Revenue"),
            ),
        )

    def reversal_of(self, voucher: Voucher, external_id: str) -> Voucher:
        """红字冲销: the same sides with negative amounts, naming what it reverses."""
        ref = _reference("RV")
        return replace(
            voucher,
            reference=ref,
            number=ref.split("/")[-1],
            description=f"Reversal of {voucher.reference}",
            lines=tuple(replace(ln, debit=-ln.debit, credit=-ln.credit) for ln in voucher.lines),
            reverses=voucher.reference,
            reverses_external_id=external_id,
        )

    @staticmethod
    def net(entry: dict[str, Any]) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for account, value in entry["lines"]:
            out[account] = out.get(account, Decimal(0)) + Decimal(value)
        return {k: v for k, v in out.items() if v != 0}

    # -- connect and map ---------------------------------------------------------------------

    def test_metadata(self, harness: AccountingHarness) -> None:
        cls = type(harness.adapter)
        assert cls.kind == "accounting" and cls.name and cls.display_name
        assert set(cls.mapping_kinds) <= set(MAPPING_KINDS) - {"account"}
        assert set(cls.required_mappings) <= set(cls.mapping_kinds)
        op = cls.operations["post_voucher"]
        assert op.idempotency_key or op.lookup or cls.find_voucher is not AccountingTarget.find_voucher, (
            "posting must carry the target's idempotency key or be looked up before it is sent again"
        )

    def test_connect(self, harness: AccountingHarness) -> None:
        described = harness.adapter.check_connection()
        assert isinstance(described, str) and described

    def test_bad_credentials_are_an_auth_error(self, harness: AccountingHarness) -> None:
        try:
            bad = harness.adapter_with_bad_credentials()
        except NotImplementedError:
            pytest.skip("this target has no credentials")
        with pytest.raises(AuthError):
            bad.check_connection()

    def test_map_lists_the_targets_accounts(self, harness: AccountingHarness) -> None:
        post_like_core(harness.adapter, self.sale(harness))  # a file-based target knows accounts once used
        codes = {code for code, _ in harness.adapter.list_codes("account")}
        assert {harness.accounts["receivable"], harness.accounts["revenue"]} <= codes

    # -- post --------------------------------------------------------------------------------

    def test_post(self, harness: AccountingHarness) -> None:
        voucher = self.sale(harness, "123.45")
        result = post_like_core(harness.adapter, voucher)
        assert result.external_id
        entries = harness.entries(voucher.reference)
        assert len(entries) == 1
        a = harness.accounts
        assert self.net(entries[0]) == {a["receivable"]: Decimal("123.45"), a["revenue"]: Decimal("-123.45")}

    def test_post_again_creates_nothing_new(self, harness: AccountingHarness) -> None:
        voucher = self.sale(harness)
        first = post_like_core(harness.adapter, voucher)
        again = post_like_core(harness.adapter, voucher)
        assert again.external_id == first.external_id
        assert len(harness.entries(voucher.reference)) == 1
        # Sent again after an interruption, it is found, not posted twice.
        assert post_like_core(harness.adapter, voucher, uncertain=True).external_id == first.external_id
        assert len(harness.entries(voucher.reference)) == 1

    def test_post_after_a_timeout_posts_once(self, harness: AccountingHarness) -> None:
        voucher = self.sale(harness, "77.70")
        harness.lose_next_answer()
        try:
            # The client may resend it at once when the target takes an idempotency key;
            # otherwise the lost answer surfaces and core asks before sending again.
            first: PostResult | None = post_like_core(harness.adapter, voucher)
        except AdapterError:
            first = None
        result = post_like_core(harness.adapter, voucher, uncertain=True)
        assert result.external_id
        assert first is None or first.external_id == result.external_id
        entries = harness.entries(voucher.reference)
        assert len(entries) == 1 and str(entries[0]["id"]) == str(result.external_id)

    def test_reversal_is_a_new_entry_and_the_original_stays(self, harness: AccountingHarness) -> None:
        voucher = self.sale(harness, "50.00")
        posted = post_like_core(harness.adapter, voucher)
        before = harness.entries(voucher.reference)
        reversal = self.reversal_of(voucher, posted.external_id)
        result = post_like_core(harness.adapter, reversal)
        assert result.external_id and result.external_id != posted.external_id
        assert harness.entries(voucher.reference) == before, "the posted entry was changed"
        rev = harness.entries(reversal.reference)
        assert len(rev) == 1
        together = self.net({"lines": before[0]["lines"] + rev[0]["lines"]})
        assert together == {}, f"the reversal does not cancel the entry: {together}"

    def test_refusal_carries_the_targets_message(self, harness: AccountingHarness) -> None:
        voucher = self.sale(harness)
        bad = replace(voucher, lines=(replace(voucher.lines[0], account=harness.bad_account), voucher.lines[1]))
        with pytest.raises(RemoteRejected) as refused:
            post_like_core(harness.adapter, bad)
        assert str(refused.value).strip(), "a refusal says why"
        assert harness.entries(bad.reference) == []

    def test_credentials_never_reach_the_logs(self, harness: AccountingHarness, caplog: Any) -> None:
        caplog.set_level(logging.DEBUG)
        post_like_core(harness.adapter, self.sale(harness))
        for secret in harness.secrets():
            if len(secret) >= 4:
                assert secret not in caplog.text
