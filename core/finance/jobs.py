"""Finance's background jobs, on the `finance` queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.finance import posting_jobs  # noqa: F401 - registers posting's job (docs/accounting.md)
from core.jobs import JobContext, job, periodic
from core.messages import Msg


@job("finance.revalue", queue="finance", max_attempts=3)
def revalue(ctx: JobContext, period: str) -> dict[str, Any]:
    """Revalue a period's foreign monetary balances at its closing rate, reversed on the first
    day of the next period (reference finance.md §2.5)."""
    from core.finance.service.revaluation import revalue as run

    ctx.progress(10, Msg("jobs.revaluing", period=period))
    return run(period)


@job("finance.month_end", queue="finance", max_attempts=3)
def month_end(ctx: JobContext) -> dict[str, Any]:
    """Daily: once a month is over, revalue it (if it is open, holds foreign balances and was
    not revalued yet)."""
    from core.finance.service.revaluation import revalue_last_month

    return revalue_last_month()


@job("finance.fetch_rates", queue="finance", max_attempts=3, backoff=(60, 600, 3600))
def fetch_rates(ctx: JobContext) -> dict[str, Any]:
    """Daily: fetch the tenant's rate feed (ECB format) when one is set."""
    from core.finance.service.fxrates import fetch_feed

    done = fetch_feed()
    return done.to_json() if done else {"skipped": "no rate feed is set"}


@job("finance.verify", queue="finance", max_attempts=1, timeout=3600)
def verify(ctx: JobContext) -> dict[str, Any]:
    """Nightly: prove the books (as `tradelane finance verify`); the job records what it found."""
    from core.finance.service.verify import verify as run

    return run().to_json()


periodic("finance.month_end", timedelta(days=1))
periodic("finance.fetch_rates", timedelta(days=1))
periodic("finance.verify", timedelta(days=1))

# Settlement matching registers its job with the others.
from core.finance.settlements import jobs as _settlement_jobs  # noqa: E402, F401
