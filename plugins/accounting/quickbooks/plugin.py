"""QuickBooks Online: vouchers posted as JournalEntry objects (shared/reference/finance.md §4.2).

Exactly once: every create carries QBO's `requestid`, derived from the connection and the
voucher's reference, so the client may send it again after a timeout and QBO answers the first
response; core also looks the voucher up by DocNumber (`find_voucher`) before resending one
whose earlier send may have been performed. OAuth 2 with rotating refresh tokens (the newest
is stored at once); `minorversion=75`; faults read from 200 bodies too; 429 honoured.
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
        PACING_SETTING,
    )

    def check_connection(self) -> str:
        realm = self.client.realm
        info = self.client.get(f"companyinfo/{realm}").get("CompanyInfo") or {}
        return f"{info.get('CompanyName') or 'QuickBooks company'} ({realm})"

    def _entry_result(self, entry: dict[str, Any]) -> PostResult:
        return PostResult(external_id=str(entry.get("Id") or ""), number=str(entry.get("DocNumber") or ""))

    def find_voucher(self, voucher: Voucher) -> PostResult | None:
        number = mapping.doc_number(voucher).replace("'", "\\'")
        found = self.client.query(f"select * from JournalEntry where DocNumber = '{number}'").get("JournalEntry")
        return self._entry_result(found[0]) if found else None

    def post_voucher(self, voucher: Voucher) -> PostResult:
        if not voucher.balanced:
            raise RemoteRejected(f"the voucher does not balance: {voucher.total_debit} / {voucher.total_credit}")
        body = mapping.journal_entry(voucher)
        data = self.client.create("journalentry", body, mapping.request_id(self.ctx.connection_id, voucher))
        entry = data.get("JournalEntry") if isinstance(data, dict) else None
        if not entry:
            raise RemoteRejected("QuickBooks answered without a JournalEntry")
        return self._entry_result(entry)

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
