"""REST endpoints of the dated exchange rates: set, list, delete, and look up the rate that
applies to a pair on a day (docs/exchange-rates.md)."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from core.errors import NotFound
from core.fx import service
from core.fx.schemas import FoundRateSchema, LookupQuerySchema, RateInSchema, RateQuerySchema, RateSchema
from core.http import Blueprint, paged, requires
from core.money import RateNotFound

blp = Blueprint("fx", __name__, url_prefix="/api/v1", description="Dated exchange rates per tenant")


@blp.route("/exchange-rates")
class Rates(MethodView):
    @blp.arguments(RateQuerySchema, location="query")
    @blp.response(200, RateSchema(many=True))
    @blp.paginate()
    @requires("finance:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Rates, newest day first: `?base=USD&quote=CNY&from=2026-11-01&to=2026-11-30`."""
        return [service.view(r) for r in paged(service.list_rates(**args), pagination_parameters)]

    @blp.arguments(RateInSchema)
    @blp.response(201, RateSchema)
    @requires("finance:write")
    def post(self, data: dict[str, Any]) -> Any:
        """Set the rate of a pair for a day; an existing rate of that pair and day is replaced."""
        row = service.set_rate(
            data["base"], data["quote"], data["date"], data["rate"], source=data["source"], note=data["note"]
        )
        return service.view(row)


@blp.route("/exchange-rates/lookup")
@blp.arguments(LookupQuerySchema, location="query")
@blp.response(200, FoundRateSchema)
@requires("finance:read")
def lookup(args: dict[str, Any]) -> Any:
    """The rate Tradelane uses for a pair on a day, and the stored rates it comes from;
    404 naming the pair and the day when none is known."""
    try:
        found = service.find(args["base"], args["quote"], args.get("date"))
    except RateNotFound as missing:
        unknown = NotFound("exchange rate", f"{missing.base}/{missing.quote} on {missing.on.isoformat()}")
        unknown.errors = {"rate": [missing.message]}
        raise unknown from None
    return service.found_view(found)


@blp.route("/exchange-rates/<uuid:rate_id>")
class Rate(MethodView):
    @blp.response(200, RateSchema)
    @requires("finance:read")
    def get(self, rate_id: uuid.UUID) -> Any:
        return service.view(service.get_rate(rate_id))

    @blp.response(204)
    @requires("finance:write")
    def delete(self, rate_id: uuid.UUID) -> None:
        """Delete a rate. Documents that used it keep the rate they recorded."""
        service.delete_rate(rate_id)
