"""The posting run's job, on the `finance` queue (docs/accounting.md)."""

from __future__ import annotations

import uuid
from typing import Any

from core.jobs import JobContext, job


# Many attempts: a throttled or interrupted run is tried again until it is done, each attempt
# resuming where the last one stopped (results are committed voucher by voucher).
@job("finance.post_vouchers", queue="finance", max_attempts=50, backoff=(5, 30, 60, 120, 300), timeout=7200)
def post_vouchers(ctx: JobContext, run_id: str) -> dict[str, Any]:
    """Post a run's vouchers to its accounting target, in order, exactly once."""
    from core.finance import posting

    return posting.execute(uuid.UUID(run_id), progress=ctx.progress)
