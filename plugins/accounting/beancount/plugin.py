"""beancount: the books exported as a beancount file (shared/reference/finance.md §5), one
transaction per voucher, appended as vouchers are posted.

Exactly once: the file is the target's state. Before each append the plugin looks the voucher's
reference up in the file (`find_voucher`, declared as the post's lookup), so a voucher whose
append was interrupted, or that is posted again, is found instead of written twice. A reversal
is a transaction of its own, linked to the one it reverses.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from core.hookspecs import hookimpl
from core.ports import (
    AccountingTarget,
    Operation,
    PostResult,
    RemoteRejected,
    SettingField,
    Voucher,
)
from plugins.accounting.beancount import mapping
from plugins.accounting.beancount.client import TXN, LedgerFile

# Per file: the references it holds (-> link, line) and how far it was read, so a lookup
# reads only what was appended since (10,000 vouchers would otherwise re-read the file 10,000
# times).
_index: dict[str, dict[str, Any]] = {}
_index_guard = threading.Lock()


class BeancountTarget(AccountingTarget):
    name = "beancount"
    display_name = "beancount"
    client_class = LedgerFile
    operations = {
        **AccountingTarget.operations,
        "post_voucher": Operation(idempotent=False, lookup="find_voucher"),
    }
    settings = (
        SettingField(
            "path", "Path of the beancount file", help="Written by the worker, e.g. /var/books/shop.beancount"
        ),
        SettingField("title", "Title", required=False, default="Tradelane"),
        SettingField(
            "opening_date", "Date accounts are opened on", required=False, default="2000-01-01", help="YYYY-MM-DD"
        ),
    )

    def check_connection(self) -> str:
        text = self.client.read()
        path = self.client.path
        if not path.parent.exists():
            raise RemoteRejected(f"the folder {path.parent} does not exist")
        return f"{path.name}: {len(TXN.findall(text))} transactions"

    # -- reading the file --------------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        key = str(self.client.path.resolve())
        with _index_guard:
            state = _index.setdefault(key, {"offset": 0, "lines": 0, "refs": {}, "opened": set(), "priced": set()})
        if self.client.size() < state["offset"]:  # the file was replaced: read it again
            state.update(offset=0, lines=0, refs={}, opened=set(), priced=set())
        raw = self.client.read_from(state["offset"])
        tail = raw.decode("utf-8")
        if tail:
            line = state["lines"]
            for chunk in tail.splitlines():
                line += 1
                if chunk.startswith("  ref: "):
                    ref = self.client.references(chunk + "\n")
                    if ref:
                        state["refs"][ref[0]] = (mapping.link(ref[0]), line - 1)
            state["opened"] |= self.client.opened(tail)
            state["priced"] |= self.client.priced(tail)
            state["offset"], state["lines"] = state["offset"] + len(raw), line
        return state

    def find_voucher(self, voucher: Voucher) -> PostResult | None:
        with self.client.lock:
            found = self._state()["refs"].get(voucher.reference)
        if found is None:
            return None
        link, line = found
        return PostResult(external_id=link, number=f"{self.client.path.name}:{line}")

    def list_accounts(self) -> list[tuple[str, str]]:
        with self.client.lock:
            return sorted((a, a) for a in self._state()["opened"])

    # -- writing -----------------------------------------------------------------------------

    def post_voucher(self, voucher: Voucher) -> PostResult:
        problems = [p for p in (mapping.account_problem(ln.account) for ln in voucher.lines) if p]
        if problems:
            raise RemoteRejected("; ".join(dict.fromkeys(problems)))
        if not voucher.balanced:
            raise RemoteRejected(
                f"the voucher does not balance: debits {voucher.total_debit}, credits {voucher.total_credit}"
            )
        with self.client.lock:
            state = self._state()
            if voucher.reference in state["refs"]:
                link, line = state["refs"][voucher.reference]
                return PostResult(external_id=link, number=f"{self.client.path.name}:{line}")
            parts = []
            if state["offset"] == 0:
                parts.append(mapping.header(voucher.currency, str(self.ctx.settings.get("title") or "Tradelane")))
            new = sorted({ln.account for ln in voucher.lines} - state["opened"])
            if new:
                parts.append(mapping.opens(new, self._opening_date()))
            for day, currency, rate in mapping.prices(voucher):
                if (day, currency) not in state["priced"]:
                    parts.append(mapping.price(day, currency, rate, voucher.currency))
                    state["priced"].add((day, currency))
            parts.append("\n")
            text = "".join(parts)
            start_line = state["lines"] + text.count("\n") + 1
            self.client.append(text + mapping.transaction(voucher))
            self._state()
        return PostResult(external_id=mapping.link(voucher.reference), number=f"{self.client.path.name}:{start_line}")

    def _opening_date(self) -> date:
        raw = str(self.ctx.settings.get("opening_date") or "2000-01-01")
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise RemoteRejected(f"opening_date {raw!r} is not a date (YYYY-MM-DD)") from None


@hookimpl
def register_accounting_targets() -> list[type[AccountingTarget]]:
    return [BeancountTarget]
