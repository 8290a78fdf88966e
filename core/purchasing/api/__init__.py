"""REST endpoints of purchasing, one module per document; all on the blueprint `blp`."""

from __future__ import annotations

from core.http import Blueprint

blp = Blueprint(
    "purchasing",
    __name__,
    url_prefix="/api/v1",
    description="Stocking requests, replenishment, purchase orders, receiving with QC, returns to "
    "suppliers and supplier scorecards",
)

from core.purchasing.api import orders, receiving, replenishment, requests, settings  # noqa: E402, F401 - routes
