"""QuickBooks Online: vouchers posted as JournalEntry objects (shared/reference/finance.md §4.2).

Exactly once: every create carries QBO's `requestid`, derived from the connection and the
voucher's reference, so the client may send it again after a timeout and QBO answers the first
response; core also looks the voucher up by DocNumber (`find_voucher`) before resending one
whose earlier send may have been performed. A voucher in a foreign currency posts in it
(`CurrencyRef`, `ExchangeRate`); one mixing currencies or rates is split (mapping.py). OAuth 2
with rotating refresh tokens (the newest is stored at once); `minorversion=75`; faults read
from 200 bodies too; 429 honoured.
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookimpl
from core.ports import (
    PACING_SETTING,
    AccountingTarget,
    Operation,
    PostResult,
    RemoteRejected,
    SettingField,
    Voucher,
)
from plugins.accounting.quickbooks import mapping
from plugins.accounting.quickbooks.client import PRODUCTION, TOKEN_URL, QuickBooksClient


class QuickBooksTarget(AccountingTarget):
    name = "quickbooks"
    display_name = "QuickBooks Online"
    client_class = QuickBooksClient
    mapping_kinds = ("customer", "supplier", "department")
    required_mappings = ("customer", "supplier")
    operations = {
        **AccountingTarget.operations,
        "post_voucher": Operation(idempotent=False, idempotency_key=True),
    }
    settings = (
        SettingField(
            "base_url",
            "API URL",
            type="url",
            default=PRODUCTION,
            help="https://sandbox-quickbooks.api.intuit.com to test",
        ),
        SettingField("token_url", "Token URL", type="url", default=TOKEN_URL),
        SettingField("realm_id", "Company ID (realmId)"),
        SettingField("client_id", "Client ID", secret=True),
        SettingField("client_secret", "Client secret", secret=True),
        SettingField("refresh_token", "Refresh token", secret=True, help="Rotates; Tradelane keeps the newest"),
        SettingField(
            "clearing_account",
            "Currency clearing account",
            required=False,
            help="QuickBooks account id balancing each part of a voucher split by currency or rate",
        ),
        PACING_SETTING,
    )

    def check_connection(self) -> str:
        realm = self.client.realm
        info = self.client.get(f"companyinfo/{realm}").get("CompanyInfo") or {}
        return f"{info.get('CompanyName') or 'QuickBooks company'} ({realm})"

    def _clearing(self) -> str:
        return str(self.ctx.settings.get("clearing_account") or "").strip()

    def _find_number(self, number: str) -> dict[str, Any] | None:
        escaped = number.replace("'", "\\'")
        found = self.client.query(f"select * from JournalEntry where DocNumber = '{escaped}'").get("JournalEntry")
        return found[0] if found else None

    @staticmethod
    def _joined(entries: list[dict[str, Any]], voucher: Voucher) -> PostResult:
        """One entry's result, or a split voucher's: its entries' ids, its reference as number."""
        if len(entries) == 1:
            return PostResult(
                external_id=str(entries[0].get("Id") or ""), number=str(entries[0].get("DocNumber") or "")
            )
        ids = ",".join(str(e.get("Id") or "") for e in entries)
        return PostResult(external_id=ids, number=voucher.reference[: mapping.DOC_NUMBER_MAX])

    def find_voucher(self, voucher: Voucher) -> PostResult | None:
        try:
            bodies = mapping.journal_entries(voucher, self._clearing())
        except RemoteRejected:
            bodies = [{"DocNumber": mapping.doc_number(voucher)}]
        found = [self._find_number(b["DocNumber"]) for b in bodies]
        # A split voucher counts as posted once all its entries are there; post_voucher sends
        # the missing ones (the ones there answer their requestid or their DocNumber).
        return self._joined(found, voucher) if all(found) else None  # type: ignore[arg-type]

    def post_voucher(self, voucher: Voucher) -> PostResult:
        if not voucher.balanced:
            raise RemoteRejected(f"the voucher does not balance: {voucher.total_debit} / {voucher.total_credit}")
        bodies = mapping.journal_entries(voucher, self._clearing())
        done: list[dict[str, Any]] = []
        for i, body in enumerate(bodies):
            rid = mapping.request_id(self.ctx.connection_id, voucher, i, len(bodies))
            try:
                data = self.client.create("journalentry", body, rid)
            except RemoteRejected as exc:
                # 6140 on a part of a split voucher: that part was posted by an earlier try.
                entry = self._find_number(body["DocNumber"]) if len(bodies) > 1 and "6140" in str(exc) else None
                if entry is None:
                    if done:
                        posted = ", ".join(f"{e.get('DocNumber')} (Id {e.get('Id')})" for e in done)
                        raise RemoteRejected(f"{exc}; entries of this voucher already in QuickBooks: {posted}") from exc
                    raise
                data = {"JournalEntry": entry}
            entry = data.get("JournalEntry") if isinstance(data, dict) else None
            if not entry:
                raise RemoteRejected("QuickBooks answered without a JournalEntry")
            done.append(entry)
        return self._joined(done, voucher)

    def list_codes(self, kind: str) -> list[tuple[str, str]]:
        entity = {"account": "Account", "customer": "Customer", "supplier": "Vendor", "department": "Department"}.get(
            kind
        )
        if entity is None:
            return []
        rows = self.client.query(f"select * from {entity} maxresults 1000").get(entity) or []
        return [
            (str(r.get("Id")), str(r.get("FullyQualifiedName") or r.get("DisplayName") or r.get("Name"))) for r in rows
        ]

    def list_accounts(self) -> list[tuple[str, str]]:
        return self.list_codes("account")


@hookimpl
def register_accounting_targets() -> list[type[AccountingTarget]]:
    return [QuickBooksTarget]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from plugins.accounting.quickbooks.emulator import QuickBooksEmulator

    return {"quickbooks": QuickBooksEmulator()}
