"""Xero: vouchers posted as ManualJournals (shared/reference/finance.md §4.3).

Exactly once: every create carries an `Idempotency-Key` derived from the connection and the
voucher's reference, so the client may send it again after a timeout and Xero answers the
first response; core also looks the voucher up by its narration (`find_voucher`) before
resending one whose earlier send may have been performed. OAuth 2 with rotating refresh tokens,
`xero-tenant-id` on every call, 60 calls a minute and 5 concurrent obeyed from the answers.
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
from plugins.accounting.xero import mapping
from plugins.accounting.xero.client import PRODUCTION, TOKEN_URL, XeroClient


class XeroTarget(AccountingTarget):
    name = "xero"
    display_name = "Xero"
    client_class = XeroClient
    mapping_kinds = ("department",)
    operations = {
        **AccountingTarget.operations,
        "post_voucher": Operation(idempotent=False, idempotency_key=True),
    }
    settings = (
        SettingField("base_url", "API URL", type="url", default=PRODUCTION),
        SettingField("token_url", "Token URL", type="url", default=TOKEN_URL),
        SettingField("xero_tenant_id", "Xero tenant id (organisation)"),
        SettingField("client_id", "Client ID", secret=True),
        SettingField("client_secret", "Client secret", secret=True),
        SettingField("refresh_token", "Refresh token", secret=True, help="Rotates; Tradelane keeps the newest"),
        PACING_SETTING,
    )

    def check_connection(self) -> str:
        orgs = self.client.get("Organisation").get("Organisations") or [{}]
        return f"{orgs[0].get('Name') or 'Xero organisation'} ({orgs[0].get('BaseCurrency') or '?'})"

    @staticmethod
    def _result(journal: dict[str, Any]) -> PostResult:
        return PostResult(external_id=str(journal.get("ManualJournalID") or ""))  # journals have no number

    def find_voucher(self, voucher: Voucher) -> PostResult | None:
        ref = voucher.reference.replace('"', "")
        found = self.client.get("ManualJournals", {"where": f'Narration.StartsWith("{ref} ")'}).get("ManualJournals")
        return self._result(found[0]) if found else None

    def post_voucher(self, voucher: Voucher) -> PostResult:
        if not voucher.balanced:
            raise RemoteRejected(f"the voucher does not balance: {voucher.total_debit} / {voucher.total_credit}")
        body = {"ManualJournals": [mapping.manual_journal(voucher)]}
        data = self.client.put("ManualJournals", body, mapping.idempotency_key(self.ctx.connection_id, voucher))
        journals = data.get("ManualJournals") if isinstance(data, dict) else None
        if not journals:
            raise RemoteRejected("Xero answered without a ManualJournal")
        return self._result(journals[0])

    def list_codes(self, kind: str) -> list[tuple[str, str]]:
        if kind == "account":
            return [(a["Code"], a["Name"]) for a in self.client.get("Accounts").get("Accounts") or [] if a.get("Code")]
        if kind == "department":
            out = []
            for cat in self.client.get("TrackingCategories").get("TrackingCategories") or []:
                for opt in cat.get("Options") or []:
                    out.append((f"{cat['Name']}:{opt['Name']}", f"{cat['Name']} / {opt['Name']}"))
            return out
        return []

    def list_accounts(self) -> list[tuple[str, str]]:
        return self.list_codes("account")


@hookimpl
def register_accounting_targets() -> list[type[AccountingTarget]]:
    return [XeroTarget]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from plugins.accounting.xero.emulator import XeroEmulator

    return {"xero": XeroEmulator()}
