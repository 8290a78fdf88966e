"""PayPal as a payment source (docs/decisions/0014-payment-sources.md): the day's transactions
of each currency balance from the Transaction Search API (shared/reference/finance.md §3.3),
as payouts finance imports, matches to the orders of the shop it pays (the connection's
`orders_connection_id`) and books like any other payout."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from core.hookspecs import hookimpl
from core.ports import PACING_SETTING, PaymentSourceAdapter, Payout, SettingField
from plugins.payments.paypal import mapping
from plugins.payments.paypal.client import PRODUCTION, PayPalClient

# §3.3: a transaction shows in Transaction Search up to 3 hours after it executed, so a day is
# read only once it ended more than 3 hours ago (§3.5 #1), and then read whole.
SEARCH_LAG = timedelta(hours=3)


class PayPalAdapter(PaymentSourceAdapter):
    name = "paypal"
    display_name = "PayPal"
    client_class = PayPalClient
    capabilities = frozenset({"payouts"})
    settings = (
        SettingField(
            "base_url",
            "API URL",
            type="url",
            default=PRODUCTION,
            help="https://api-m.sandbox.paypal.com for a sandbox app",
        ),
        SettingField("client_id", "Client ID", secret=True, help="Of a REST app with Transaction Search enabled"),
        SettingField("client_secret", "Secret", secret=True),
        SettingField(
            "orders_connection_id",
            "Shop it pays",
            type="connection",
            choices=("channel",),
            help="The shop (e.g. WooCommerce) whose orders are paid into this PayPal account",
        ),
        SettingField(
            "invoice_prefix",
            "Invoice prefix",
            required=False,
            default="",
            help="The invoice prefix of the shop's PayPal settings (WooCommerce: e.g. WC-), taken off invoice ids",
        ),
        PACING_SETTING,
    )

    def window_end(self) -> datetime:
        """The end of the last UTC day Transaction Search shows whole."""
        shown = self.ctx.clock.now() - SEARCH_LAG
        return datetime.combine(shown.astimezone(UTC).date(), time(0), UTC)

    def check_connection(self) -> str:
        end = self.ctx.clock.now() - SEARCH_LAG
        page = next(self.client.search(end - timedelta(days=1), end))  # proves Transaction Search is enabled
        return f"PayPal account {page.get('account_number') or '(no account number)'}"

    def list_payouts(self, paid_since: date) -> list[Payout]:
        start, end = datetime.combine(paid_since, time(0), UTC), self.window_end()
        if end <= start:
            return []
        account, items = "", []
        for page in self.client.search(start, end):
            account = account or str(page.get("account_number") or "")
            items.extend(page.get("transaction_details") or [])
        prefix = str(self.ctx.settings.get("invoice_prefix") or "")
        return mapping.payouts(items, account=account or self.ctx.connection_id, invoice_prefix=prefix)


@hookimpl
def register_payment_sources() -> list[type[PaymentSourceAdapter]]:
    return [PayPalAdapter]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from plugins.payments.paypal.emulator import PayPalEmulator

    return {"paypal": PayPalEmulator()}
