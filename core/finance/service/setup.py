"""Setting finance up for a tenant: the chart of accounts from a template, and the settings.

Set-up happens once, by hand (`POST /finance/setup`) or, when the first business event
arrives, with the template that fits the tenant's language (Chinese for zh, English
otherwise), so no event ever waits for someone to set finance up.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from core.db import session, uuid7
from core.errors import Conflict, ValidationError
from core.finance.charts import TEMPLATES, parent_code
from core.finance.models import CHARTS, Account, FinanceSettings
from core.messages import Msg
from tenants.service import functional_currency, tenant_facts  # noqa: F401 - finance.service exports them


def find_settings() -> FinanceSettings | None:
    return session.execute(select(FinanceSettings)).scalar_one_or_none()


def settings() -> FinanceSettings:
    """The tenant's finance settings, setting finance up with the default chart on first use."""
    row = find_settings()
    if row is None:
        row = set_up(default_chart())
    return row


def default_chart() -> str:
    return "cn" if tenant_facts().locale.lower().startswith("zh") else "en"


def set_up(chart: str, **options: Any) -> FinanceSettings:
    """Copy the chart template `chart` ("cn" or "en") into the tenant's accounts and write the
    settings. Refused once finance is set up (the chart is then the tenant's own)."""
    if chart not in CHARTS:
        raise ValidationError.field("chart", Msg("one_of", choices=", ".join(CHARTS)))
    if find_settings() is not None:
        raise Conflict(Msg("finance.already_set_up"), {"chart": [Msg("finance.chosen_at_set_up")]})
    functional = functional_currency()
    row = FinanceSettings(
        chart=chart,
        reversal_style="red",
        landed_cost_basis="weight",
        facilitator_tax_channels=["amazon", "aliexpress"],
        fee_estimates={"amazon": "15", "aliexpress": "8", "shopify": "3", "woocommerce": "3"},
        rate_feed_url="",
    )
    for key, value in options.items():
        setattr(row, key, value)
    session.add(row)
    ids: dict[str, uuid.UUID] = {}
    for t in TEMPLATES[chart]:
        currency = functional if t.currency == "functional" else t.currency
        if t.currency not in (None, "functional") and t.currency == functional:
            continue  # the foreign bank account of a tenant whose functional currency it is
        acc = Account(
            id=uuid7(),
            code=t.code,
            name=t.name,
            type=t.type,
            parent_id=ids.get(parent_code(t.code) or ""),
            currency=currency,
            role=t.role,
            monetary=t.monetary,
            sub_per=t.sub_per,
            active=True,
        )
        ids[t.code] = acc.id
        session.add(acc)
    session.flush()
    return row
