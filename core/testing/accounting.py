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
the target's message. For a target that takes business documents (`document_kinds`), the same
for each kind its harness connection turns on: posted once, posted again (nothing new), after
a timeout (once), refused with the target's message; the document tests skip for other
targets. Nothing here touches Tradelane's database: the kit runs in a plugin's own
repository. `post_like_core` sends a voucher the way core's posting engine does,
`post_document_like_core` a document.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from core.ports import (
    BUSINESS_DOCUMENT_KINDS,
    MAPPING_KINDS,
    AccountingTarget,
    AdapterError,
    AuthError,
    BusinessDocument,
    DocumentLine,
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

    # -- business documents (targets with `document_kinds` only) ------------------------------
    # The target's codes documents name: "customer", "material", "warehouse", "to_warehouse".
    document_codes: dict[str, str] = {}
    bad_material: str = "NO-SUCH-MATERIAL"

    def documents(self, kind: str, reference: str) -> list[dict[str, Any]]:
        """The target's documents of a kind for a reference, each a dict with `id` and
        `lines`: a list of (material code, quantity)."""
        raise NotImplementedError

    def lose_next_document_answer(self) -> None:
        """Make the target save the next document, then lose its answer."""
        raise NotImplementedError


def post_like_core(adapter: AccountingTarget, voucher: Voucher, *, uncertain: bool = False) -> PostResult:
    """Send a voucher as core's posting engine does: when an earlier send may have been
    performed (`uncertain`), or the target declares a lookup, ask the target first."""
    op = adapter.operations["post_voucher"]
    if uncertain or op.lookup:
        found = adapter.find_voucher(voucher)
        if found is not None:
            return found
    return adapter.post_voucher(voucher)


def post_document_like_core(
    adapter: AccountingTarget, document: BusinessDocument, *, uncertain: bool = False
) -> PostResult:
    """Send a business document as core's posting engine does (see `post_like_core`)."""
    op = adapter.operations["post_document"]
    if uncertain or op.lookup:
        found = adapter.find_document(document)
        if found is not None:
            return found
    return adapter.post_document(document)


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

    # -- business documents ------------------------------------------------------------------

    def document(self, harness: AccountingHarness, kind: str, material: str | None = None) -> BusinessDocument:
        c = harness.document_codes
        ref = _reference(kind.upper()[:3])
        line = DocumentLine(
            material=material or c["material"],
            quantity=3,
            warehouse=c["warehouse"],
            to_warehouse=c.get("to_warehouse", "") if kind == "transfer" else "",
            unit_price=None if kind == "transfer" else Decimal("19.90"),
        )
        return BusinessDocument(
            kind=kind,
            reference=ref,
            number=ref.split("/")[-1],
            date=self.on,
            lines=(line,),
            customer="" if kind == "transfer" else c.get("customer", ""),
            currency="" if kind == "transfer" else harness.currency,
            description=f"{kind} {ref}",
        )

    @staticmethod
    def document_kinds_on(harness: AccountingHarness) -> tuple[str, ...]:
        cls = type(harness.adapter)
        if not cls.document_kinds:
            pytest.skip("this target takes no business documents")
        kinds = cls.documents_on(harness.adapter.ctx.settings)
        assert kinds, "the harness connection turns no document kind on"
        return kinds

    def test_document_metadata(self, harness: AccountingHarness) -> None:
        cls = type(harness.adapter)
        kinds = self.document_kinds_on(harness)
        assert set(cls.document_kinds) <= set(BUSINESS_DOCUMENT_KINDS) and set(kinds) <= set(cls.document_kinds)
        op = cls.operations["post_document"]
        assert op.idempotency_key or op.lookup or cls.find_document is not AccountingTarget.find_document, (
            "posting a document must carry an idempotency key or be looked up before it is sent again"
        )

    def test_each_document_posts_once_and_again_nothing_new(self, harness: AccountingHarness) -> None:
        for kind in self.document_kinds_on(harness):
            document = self.document(harness, kind)
            first = post_document_like_core(harness.adapter, document)
            assert first.external_id
            found = harness.documents(kind, document.reference)
            assert len(found) == 1 and found[0]["lines"] == [(harness.document_codes["material"], 3)], found
            assert post_document_like_core(harness.adapter, document).external_id == first.external_id
            again = post_document_like_core(harness.adapter, document, uncertain=True)
            assert again.external_id == first.external_id
            assert len(harness.documents(kind, document.reference)) == 1

    def test_a_document_after_a_timeout_posts_once(self, harness: AccountingHarness) -> None:
        for kind in self.document_kinds_on(harness):
            document = self.document(harness, kind)
            harness.lose_next_document_answer()
            try:
                first: PostResult | None = post_document_like_core(harness.adapter, document)
            except AdapterError:
                first = None
            result = post_document_like_core(harness.adapter, document, uncertain=True)
            assert first is None or first.external_id == result.external_id
            found = harness.documents(kind, document.reference)
            assert len(found) == 1 and str(found[0]["id"]) == str(result.external_id)

    def test_a_refused_document_carries_the_targets_message(self, harness: AccountingHarness) -> None:
        for kind in self.document_kinds_on(harness):
            document = self.document(harness, kind, material=harness.bad_material)
            with pytest.raises(RemoteRejected) as refused:
                post_document_like_core(harness.adapter, document)
            assert str(refused.value).strip()
            assert harness.documents(kind, document.reference) == []
