"""Background work of purchasing: the replenishment run over all SKUs (daily, and on demand)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.db import session
from core.jobs import JobContext, job, periodic
from core.purchasing.service import replenishment


@job("purchasing.replenishment", queue="default", max_attempts=2, timeout=3600)
def replenishment_run(ctx: JobContext, run_id: str | None = None) -> dict[str, Any]:
    """Compute replenishment suggestions; `run_id` is the run the API queued (the daily
    schedule passes none and gets a run of its own)."""
    try:
        run = replenishment.run_replenishment(run_id, job_id=ctx.job_id, progress=ctx.progress)
    except Exception as exc:
        session.rollback()
        if run_id is not None:
            replenishment.record_failure(run_id, f"{type(exc).__name__}: {exc}")
        raise
    return {"run_id": str(run.id), "evaluated": run.evaluated, "suggested": run.suggested}


periodic("purchasing.replenishment", timedelta(days=1))
