"""Finance's one REST blueprint, defined apart so the ledger's endpoints (`core.finance.api`)
and the settlements' (`core.finance.settlements.api`) can both add to it without importing
each other."""

from __future__ import annotations

from core.http import Blueprint

blp = Blueprint(
    "finance",
    __name__,
    url_prefix="/api/v1/finance",
    description="The ledger: chart of accounts, periods, vouchers fed by business events, reports",
)
