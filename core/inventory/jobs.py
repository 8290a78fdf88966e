"""Inventory's background jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.jobs import JobContext, job, periodic
from core.messages import Msg


@job("inventory.verify", max_attempts=1, timeout=3600)
def verify_balances(ctx: JobContext, fix: bool = True) -> dict[str, Any]:
    """Nightly: rebuild every balance from the ledger and reservations, repairing drift (each
    repair is logged and announced as `stock.drift_repaired`)."""
    from core.inventory.service.reconcile import verify

    ctx.progress(10, Msg("jobs.recomputing_balances"))
    return verify(fix=fix).to_json()


periodic("inventory.verify", timedelta(days=1))
