"""Purchasing settings: replenishment inputs, the second-approval threshold, the receipt tolerance."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from core.http import requires
from core.purchasing.api import blp
from core.purchasing.schemas import PurchasingSettingsInSchema, PurchasingSettingsSchema
from core.purchasing.service import settings
from core.purchasing.service.common import functional_currency


def _view(row: Any) -> dict[str, Any]:
    return {**settings.as_dict(row), "functional_currency": functional_currency()}


@blp.route("/purchasing/settings")
class Settings(MethodView):
    @blp.response(200, PurchasingSettingsSchema)
    @requires("purchasing:read")
    def get(self) -> Any:
        return _view(settings.get_settings())

    @blp.arguments(PurchasingSettingsInSchema)
    @blp.response(200, PurchasingSettingsSchema)
    @requires("purchasing:write")
    def patch(self, data: dict[str, Any]) -> Any:
        """Change the weights of the 7/14/30-day sales averages, safety days, purchase cycle,
        default lead time, the second-approval threshold and the over-receipt tolerance."""
        return _view(settings.update_settings(**data))
