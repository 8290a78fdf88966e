"""Settings → Exchange rates: the tenant's dated rates (core.fx). Reading needs finance:read
and changing finance:write, as GET/POST/DELETE /api/v1/exchange-rates; the service
validates, audits and emits the events."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.errors import DomainError
from core.fx import service
from core.money import RATE_SOURCES, FxRate
from web.auth import can, login_required
from web.forms import Form, action_failed
from web.pagination import paginate
from web.settings.views import bp
from web.views import currencies

SOURCE_LABELS = {"manual": _l("Entered by hand"), "file": _l("Imported file"), "feed": _l("Scheduled feed")}
FILTERS = ("base", "quote", "from", "to", "source")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters() -> dict[str, str]:
    return {k: request.args.get(k, "").strip() for k in FILTERS}


def _render(form: Form, found: FxRate | None = None, missing: str = "", status: int = 200) -> Any:
    args = _filters()
    stmt = service.list_rates(
        base=args["base"] or None,
        quote=args["quote"] or None,
        source=args["source"] if args["source"] in RATE_SOURCES else None,
        date_from=_day(args["from"]),
        date_to=_day(args["to"]),
    )
    return render_template(
        "settings/exchange_rates.html",
        page=paginate(stmt),
        form=form,
        filters=args,
        currencies=currencies(),
        sources=[(k, str(v)) for k, v in SOURCE_LABELS.items()],
        source_labels=SOURCE_LABELS,
        functional=service.functional_currency(),
        found=found,
        missing=missing,
        editable=can("finance:write"),
    ), status


@bp.route("/exchange-rates", methods=["GET"])
@login_required("finance:read")
def exchange_rates() -> Any:
    """The rates, filtered by pair, source and days; `?lookup=1` also shows the rate that
    applies to a pair on a day."""
    functional = service.functional_currency()
    form = Form(None, base="USD" if functional != "USD" else "EUR", quote=functional, date=service.local_date())
    found, missing = None, ""
    if request.args.get("lookup"):
        args = _filters()
        try:
            found = service.find(args["base"], args["quote"], request.args.get("date", ""))
        except DomainError as exc:  # no rate known (named by pair and day), or a bad code or day
            missing = exc.message
    return _render(form, found, missing)


@bp.route("/exchange-rates", methods=["POST"], endpoint="exchange_rates_save")
@login_required("finance:write")
def save_exchange_rate() -> Any:
    form = Form(request.form)
    try:
        row = service.set_rate(form["base"], form["quote"], form["date"], form["rate"], note=form["note"])
    except DomainError as exc:
        form.fail(exc)
        html, _status = _render(form)
        return html, exc.status_code
    flash(
        _(
            "%(base)s/%(quote)s of %(date)s is %(rate)s.",
            base=row.base,
            quote=row.quote,
            date=row.rate_date.isoformat(),
            rate=_plain(row.rate),
        ),
        "success",
    )
    return redirect(url_for(".exchange_rates", base=row.base, quote=row.quote))


@bp.route("/exchange-rates/<uuid:rate_id>/delete", methods=["POST"])
@login_required("finance:write")
def exchange_rates_delete(rate_id: uuid.UUID) -> Any:
    try:
        row = service.delete_rate(rate_id)
    except DomainError as exc:
        return action_failed(exc, url_for(".exchange_rates"))
    flash(
        _("The rate of %(base)s/%(quote)s of %(date)s is deleted.", base=row.base, quote=row.quote, date=row.rate_date),
        "success",
    )
    return redirect(url_for(".exchange_rates"))


def _plain(value: Any) -> str:
    """A stored rate as people write it: 7.1000000000 -> 7.1."""
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text
