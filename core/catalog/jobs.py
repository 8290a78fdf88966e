"""Background jobs of the catalogue."""

from __future__ import annotations

from typing import Any

from core.catalog import transfer
from core.jobs import JobContext, job


@job("catalog.import_products", max_attempts=1, timeout=3600)
def import_products(ctx: JobContext, key: str, filename: str) -> dict[str, Any]:
    """Import a large product file. A rejected file is an outcome, not a failure: the result
    lists its problems and nothing is imported."""
    return transfer.run_import_job(ctx, key, filename)
