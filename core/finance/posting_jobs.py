"""The posting run's job and the requisition pull's, on the `finance` queue (docs/accounting.md)."""

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


# A failed read (the target away) is tried again a few times; each line is pulled once whatever
# the attempts (posting_pull.py).
@job("finance.pull_requisitions", queue="finance", max_attempts=3, backoff=(30, 120), timeout=1800)
def pull_requisitions(ctx: JobContext, connection_id: str, since: str) -> dict[str, Any]:
    """Pull a target's purchase requisitions from `since` as stocking requests, each line once."""
    from datetime import date

    from core.finance import posting_pull

    pulled = posting_pull.pull_requisitions(uuid.UUID(connection_id), date.fromisoformat(since), progress=ctx.progress)
    return posting_pull.pull_summary(pulled)
