"""Finance on the dashboard: this month's sales and profit, for the finance and owner roles
(whoever may read the books)."""

from __future__ import annotations

from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _

from web.dashboard import Card, card
from web.portal import money_text


@card("finance:read")
def sales_and_profit() -> list[Card] | None:
    from core.db import utcnow
    from core.finance.service import find_settings, tenant_facts
    from core.finance.service.reports import profit_and_loss

    if find_settings() is None:
        return None
    today = tenant_facts().local_date(utcnow())
    pnl = profit_and_loss(f"{today.year:04d}-{today.month:02d}")
    sales = sum((Decimal(x["amount"]) for x in pnl["income"] if x["code"] in ("6001", "4000")), Decimal(0))
    profit = pnl["profit"]
    url = url_for("web.finance.reports_page")
    # Money as every page writes it (Babel, to the currency's minor units): "¥7,867.50".
    return [
        Card(_("Sales this month"), money_text(sales, pnl["currency"]), url=url),
        Card(
            _("Profit this month"),
            money_text(profit, pnl["currency"]),
            url=url,
            tone="bad" if profit.startswith("-") else "good",
            hint=_("Fees estimated until settlements arrive"),
        ),
    ]
