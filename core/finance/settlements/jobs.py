"""Settlement jobs, on the `finance` queue."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from core.jobs import JobContext, job, periodic


@job("finance.match_settlement", queue="finance", max_attempts=5, timeout=3600)
def match_settlement(ctx: JobContext, settlement_id: str) -> dict[str, Any]:
    """Match a settlement's lines to orders, reconcile each order and, when nothing is left
    unmatched, hand the settlement to the books. Idempotent: a rerun after a crash redoes the
    same matches and rewrites the same results."""
    from core.finance.settlements.matching import match

    return match(uuid.UUID(settlement_id), progress=ctx.progress)


@job("finance.channel_refunds", queue="finance", max_attempts=3, backoff=(60, 300, 900))
def channel_refunds(ctx: JobContext) -> dict[str, Any]:
    """Every 15 minutes: refunds from the channels' finance APIs (Amazon), acted on once."""
    from core.finance.settlements.channels import fetch_refunds

    return fetch_refunds()


@job("finance.channel_settlements", queue="finance", max_attempts=3, backoff=(60, 600, 3600))
def channel_settlements(ctx: JobContext) -> dict[str, Any]:
    """Every 6 hours: settlement reports the channels offer (Amazon Reports API), imported once."""
    from core.finance.settlements.channels import fetch_reports

    return fetch_reports()


periodic("finance.channel_refunds", timedelta(minutes=15))
periodic("finance.channel_settlements", timedelta(hours=6))
