"""Background jobs of shipping: label batches on the `labels` queue, and the periodic tracking
of open shipments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.db import session
from core.jobs import JobContext, job, periodic
from core.messages import Msg
from core.shipping.service import batches, tracking


@job("shipping.buy_labels", queue="labels", max_attempts=3, timeout=7200)
def buy_labels(ctx: JobContext, batch_id: str) -> dict[str, Any]:
    return batches.run(ctx, batch_id)


@job("shipping.track", queue="labels", max_attempts=1, timeout=1800)
def track(ctx: JobContext) -> dict[str, Any]:
    """Poll the tenant's open shipments that are due, in batches of 500."""
    total = {"asked": 0, "events": 0, "delivered": 0, "failed": 0}
    while True:
        due = tracking.due(limit=500)
        if not due:
            return total
        counts = tracking.track(due)
        ctx.progress(0, Msg("jobs.shipments_asked", count=total["asked"] + counts["asked"]))
        session.commit()
        for key, value in counts.items():
            total[key] += value
        if counts["asked"] == 0:
            return total


periodic("shipping.track", timedelta(minutes=30))
