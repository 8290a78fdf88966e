"""The beancount target passes AccountingContract, and every file it writes passes
beancount's own loader and checks (the `beancount` package from PyPI: the oracle)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data

from core.ports import OutcomeUnknown, Voucher, VoucherLine
from core.testing import make_context
from core.testing.accounting import AccountingContract, AccountingHarness, post_like_core
from plugins.accounting.beancount import mapping
from plugins.accounting.beancount.plugin import BeancountTarget


def check(path: Path) -> list[Any]:
    """bean-check: load the file with beancount's own loader and validations; its errors."""
    entries, errors, _ = loader.load_file(str(path))
    return errors


class BeancountHarness(AccountingHarness):
    accounts = {
        "bank": "Assets:Bank:USD",
        "receivable": "Assets:Receivable:Amazon-US",
        "revenue": "Income:Sales",
        "expense": "Expenses:Fees",
    }
    customer = "AMZ-US"
    bad_account = "Sales without a root"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.adapter = BeancountTarget(make_context(BeancountTarget, {"path": str(path)}))
        self._lose = False
        original = self.adapter.client.append

        def append(text: str) -> None:
            original(text)
            if self._lose:
                self._lose = False
                raise OutcomeUnknown("the write was performed; its answer was lost")

        self.adapter.client.append = append

    def entries(self, reference: str) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        entries, errors, _ = loader.load_file(str(self.path))
        assert not errors, errors
        out = []
        for e in entries:
            if isinstance(e, data.Transaction) and e.meta.get("ref") == reference:
                own = mapping.link(reference)
                lines = [(p.account, p.units.number * (p.price.number if p.price else 1)) for p in e.postings]
                out.append({"id": own if own in e.links else sorted(e.links)[0], "lines": lines})
        return out

    def lose_next_answer(self) -> None:
        self._lose = True


class TestBeancount(AccountingContract):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> BeancountHarness:
        return BeancountHarness(tmp_path / "books.beancount")

    def test_the_file_passes_beancounts_checks(self, harness: BeancountHarness) -> None:
        usd = Voucher(
            reference="2026-03/记-0042",
            number="记-0042",
            date=date(2026, 3, 25),
            description='Amazon US settlement "12948507001" payout',
            currency="CNY",
            source_event="0190-event",
            lines=(
                VoucherLine(
                    "Assets:Bank:USD",
                    Decimal("570.57"),
                    Decimal(0),
                    "CNY",
                    "Payout",
                    amount_foreign=Decimal("79.80"),
                    foreign_currency="USD",
                    rate=Decimal("7.15"),
                ),
                VoucherLine(
                    "Assets:Receivable:Amazon-US",
                    Decimal(0),
                    Decimal("566.58"),
                    "CNY",
                    "Clear receivable",
                    amount_foreign=Decimal("79.80"),
                    foreign_currency="USD",
                    rate=Decimal("7.10"),
                    dimensions={"customer": "AMZ-US"},
                ),
                VoucherLine("Income:FX-Gain", Decimal(0), Decimal("3.99"), "CNY", "FX gain"),
            ),
        )
        result = post_like_core(harness.adapter, usd)
        red = TestBeancount().reversal_of(usd, result.external_id)
        post_like_core(harness.adapter, red)
        assert check(harness.path) == []
        text = harness.path.read_text()
        assert "79.80 USD @@ 570.57 CNY" in text and "price USD 7.15 CNY" in text
        entries, _, options = loader.load_file(str(harness.path))
        assert options["operating_currency"] == ["CNY"]
        txns = [e for e in entries if isinstance(e, data.Transaction)]
        assert [t.meta["voucher"] for t in txns] == ["记-0042", red.number]
        assert txns[1].meta["reverses"] == "2026-03/记-0042" and (txns[0].links & txns[1].links)
        assert {p.account for p in txns[0].postings} == {
            "Assets:Bank:USD",
            "Assets:Receivable:Amazon-US",
            "Income:FX-Gain",
        }

    def test_an_unbalanced_file_would_fail_the_check(self, harness: BeancountHarness) -> None:
        """The oracle can fail: a transaction that does not balance is reported by it."""
        post_like_core(harness.adapter, TestBeancount().sale(harness))
        with open(harness.path, "a") as fh:
            fh.write('\n2026-03-26 * "broken"\n  Assets:Receivable:Amazon-US  1.00 CNY\n  Income:Sales  -2.00 CNY\n')
        assert any("does not balance" in str(e.message) for e in check(harness.path))

    def test_an_unbalanced_voucher_is_refused(self, harness: BeancountHarness) -> None:
        v = TestBeancount().sale(harness)
        bad = replace(v, lines=(v.lines[0], replace(v.lines[1], credit=Decimal("99.00"))))
        with pytest.raises(Exception, match="does not balance"):
            harness.adapter.post_voucher(bad)
