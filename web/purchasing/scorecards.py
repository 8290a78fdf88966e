"""Supplier scorecards and the purchasing settings."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import DomainError
from core.purchasing.service import scorecard
from core.purchasing.service import settings as service
from core.purchasing.service.common import functional_currency
from web.auth import login_required
from web.forms import Form
from web.pagination import paginate
from web.purchasing.views import bp, num


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/scorecards")
@login_required("purchasing:read")
def scorecards() -> str:
    since, until = _day(request.args.get("since")), _day(request.args.get("until"))
    page = paginate(scorecard.suppliers_with_receipts_query(since, until))
    cards = scorecard.scorecards(page.items, since=since, until=until)
    return render_template(
        "purchasing/scorecards.html", page=page, cards=[cards[i] for i in page.items], since=since, until=until
    )


@bp.route("/scorecards/export")
@login_required("purchasing:read")
def scorecards_export() -> Any:
    """The scorecards of the suppliers that delivered in the chosen period; rates as
    percentages and the lead time in days, as numbers."""
    from web import exports

    since, until = _day(request.args.get("since")), _day(request.args.get("until"))

    def to_cards(chunk: list[Any]) -> list[Any]:
        cards = scorecard.scorecards(chunk, since=since, until=until)
        return [cards[i] for i in chunk]

    def pct(value: Any) -> Any:
        return None if value is None else (value * 100).quantize(type(value)("0.1"))

    columns = [
        _("Supplier"),
        _("Purchase orders"),
        _("Receipts"),
        _("Units"),
        f"{_('On time')} (%)",
        f"{_('Defect rate')} (%)",
        _("Average lead time"),
    ]
    return exports.respond(
        "supplier-scorecards",
        columns,
        exports.views_of(scorecard.suppliers_with_receipts_query(since, until), to_cards),
        lambda c: (
            c.supplier,
            c.purchase_orders,
            c.receipts,
            c.units_received,
            pct(c.on_time_rate),
            pct(c.defect_rate),
            c.average_lead_time_days,
        ),
    )


def _settings_form() -> Form:
    row = service.get_settings()
    return Form(request.form, **{k: num(v) if v is not None else "" for k, v in service.as_dict(row).items()})


def _render_settings(form: Form) -> str:
    return render_template("purchasing/settings.html", form=form, functional=functional_currency())


@bp.route("/settings", methods=["GET"])
@login_required("purchasing:read")
def settings() -> str:
    return _render_settings(_settings_form())


@bp.route("/settings", methods=["POST"], endpoint="settings_save")
@login_required("purchasing:write")
def save_settings() -> Any:
    form = _settings_form()
    try:
        service.update_settings(
            **{k: form[k] if form[k] != "" or k != "second_approval_threshold" else None for k in service.EDITABLE}
        )
    except DomainError as exc:
        form.fail(exc)
        return _render_settings(form), exc.status_code
    flash(_("Purchasing settings saved."), "success")
    return redirect(url_for(".settings"))
