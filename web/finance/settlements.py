"""The reconciliation workspace: settlements uploaded or fetched from the channels, each with
its results per order (expected, settled, difference, reason) and its lines; differences
above a tolerance, unmatched lines, manual match and unmatch, reasons and notes, filters,
export, and closing once it balances or every difference has its reason. The rules live in
core.finance.settlements; these views parse forms, call it and render."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from core import jobs
from core.db import session
from core.errors import DomainError, ValidationError
from core.finance.settlements import matching
from core.finance.settlements import service as settlements
from core.finance.settlements.categories import CATEGORIES
from core.finance.settlements.service import MATCH_STATUSES
from web.auth import can, login_required
from web.finance.views import bp, download
from web.jobs.views import live_job
from web.messages import translate
from web.pagination import paginate

STATUS_LABELS = {
    "imported": _l("Imported, matching"),
    "matched": _l("Matched, open items"),
    "booked": _l("Booked"),
    "closed": lazy_pgettext("settlement", "Closed"),
}
MATCH_LABELS = {
    "pending": _l("Waiting"),
    "matched": _l("Matched"),
    "manual": _l("Matched by hand"),
    "unmatched": _l("Unmatched"),
    "none": _l("No order"),
}
REASON_LABELS = {
    "": _l("(no reason)"),
    "timing": _l("Timing (later or earlier settlement)"),
    "partial_refund": _l("Partial refund"),
    "reserve": _l("Reserve or hold"),
    "fx": _l("Currency conversion"),
    "fee_adjustment": _l("Fee adjusted later"),
    "tax": _l("Tax withheld by the marketplace"),
    "cross_marketplace": _l("Cross-marketplace netting"),
    "chargeback": _l("Chargeback, A-to-z claim or goodwill"),
    "split_tender": _l("Split tender"),
    "data_quality": _l("Data quality (unknown order, duplicate)"),
    "other": _l("Other (see the note)"),
}


def _require_write() -> None:
    if not can("finance:write"):
        abort(403)


def _tolerance(value: Any) -> Decimal:
    try:
        t = Decimal(str(value or "0").replace(",", "."))
    except InvalidOperation:
        return Decimal(0)
    return t if Decimal(0) <= t < Decimal(10**6) else Decimal(0)


def _shops() -> list[tuple[str, str]]:
    from tenants.service import connections_facts

    return sorted(
        ((str(f.id), f.display_name) for f in connections_facts().values() if f.kind == "channel"), key=lambda x: x[1]
    )


@bp.route("/settlements")
@login_required("finance:read")
def settlements_page() -> Any:
    return _list_page()


def _list_page(problems: list[str] | None = None, status: int = 200) -> Any:
    page = paginate(settlements.settlement_query())
    return (
        render_template(
            "finance/settlements.html",
            page=page,
            statuses=STATUS_LABELS,
            shops=_shops(),
            problems=problems or [],
            shop_names=dict(_shops()),
            form=request.form if problems else {},
            accepted=ACCEPTED,
        ),
        status,
    )


@bp.route("/settlements/export")
@login_required("finance:read")
def settlements_export() -> Any:
    """Every settlement of the list, newest first, its total to the currency's minor unit."""
    from core.money import round_money
    from web import exports

    shops = dict(_shops())
    columns = [
        _("Settlement"),
        _("Shop"),
        _("Period"),
        _("Deposit date"),
        _("Total"),
        _("Currency"),
        _("Lines"),
        _("Unmatched"),
        _("Status"),
    ]

    def period(s: Any) -> str:
        start, end = (x.date().isoformat() if x else "" for x in (s.start_at, s.end_at))
        return f"{start} – {end}" if start or end else ""

    return exports.respond(
        "settlements",
        columns,
        exports.rows_of(settlements.settlement_query()),
        lambda s: (
            s.external_id,
            shops.get(str(s.connection_id), s.channel),
            period(s),
            s.deposit_date,
            round_money(s.total, s.currency) if s.total is not None else None,
            s.currency,
            s.line_count,
            s.unmatched_count,
            str(STATUS_LABELS.get(s.status, s.status)),
        ),
    )


@bp.route("/settlements/upload", methods=["POST"])
@login_required("finance:read")
def settlements_upload() -> Any:
    _require_write()
    upload = request.files.get("file")
    form = request.form
    try:
        if upload is None or not upload.filename:
            raise ValidationError.field("file", _("Choose the settlement report file."))
        stream = _report_stream(upload.stream)
        amount = None
        if form.get("deposit_amount"):
            try:
                amount = Decimal(form["deposit_amount"].replace(",", "."))
            except InvalidOperation:
                raise ValidationError.field("deposit_amount", _("Enter the amount that reached the bank.")) from None
        done = settlements.import_amazon(
            stream,
            connection_id=form.get("connection_id") or None,
            filename=upload.filename,
            locale=form.get("locale") or None,
            deposit_currency=form.get("deposit_currency") or None,
            deposit_amount=amount,
        )
    except ValidationError as exc:
        session.rollback()
        problems = [p for msgs in exc.errors.values() for p in (msgs if isinstance(msgs, list) else [msgs])]
        return _list_page([exc.message, *problems], 422)
    if done.created:
        flash(
            _(
                "Settlement %(id)s imported with %(n)s lines.",
                id=done.settlement.external_id,
                n=done.settlement.line_count,
            ),
            "success",
        )
    else:
        flash(
            _("Settlement %(id)s was imported before; nothing new was stored.", id=done.settlement.external_id), "info"
        )
    job = settlements.match_job(done.settlement.id)
    return redirect(url_for(".settlement_detail", settlement_id=done.settlement.id, job=job.id if job else None))


ACCEPTED = _l(
    "Accepted: Amazon's settlement report, Flat File V2 (tab-delimited text, as downloaded or "
    "gzip-compressed as the Reports API serves it). Shopify Payments and PayPal payouts are "
    "fetched from their APIs."
)


def _report_stream(stream: Any) -> Any:
    """The upload as the Amazon Flat File V2 parser reads it: plain, or gzip-compressed (the
    form `getReportDocument` serves, reference finance.md §3.1). Other files are refused with
    the formats accepted: XLSX or ZIP, the XML report Amazon removed, a PDF, a comma CSV."""
    import gzip

    head = stream.read(512)
    stream.seek(0)  # an upload is spooled, so it can be read again from the start
    if head[:2] == b"\x1f\x8b":
        stream = gzip.GzipFile(fileobj=stream)
        try:
            head = stream.read(512)
            stream.seek(0)
        except (OSError, EOFError):
            raise ValidationError.field("file", _("The file is not a readable gzip file.")) from None
    refused = None
    if head[:4] == b"PK\x03\x04":
        refused = _("XLSX and ZIP files are not accepted.")
    elif head.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] == b"<":
        refused = _("The XML settlement report (removed by Amazon) is not accepted.")
    elif head[:5] == b"%PDF-":
        refused = _("PDF statements are not accepted.")
    else:
        first = head.split(b"\n", 1)[0]
        if b"\t" not in first and b"," in first:
            refused = _("Comma-separated files are not accepted.")
    if refused:
        raise ValidationError.field("file", f"{refused} {ACCEPTED}")
    return stream


def _lines_filters() -> dict[str, Any]:
    args = request.args
    return {
        "match_status": args.get("match_status") if args.get("match_status") in MATCH_STATUSES else None,
        "category": args.get("category") if args.get("category") in CATEGORIES else None,
        "known": False if args.get("known") == "no" else None,
    }


@bp.route("/settlements/<uuid:settlement_id>")
@login_required("finance:read")
def settlement_detail(settlement_id: uuid.UUID) -> Any:
    s = settlements.get_settlement(settlement_id)
    args = request.args
    view = "lines" if args.get("view") == "lines" else "orders"
    tolerance = _tolerance(args.get("tolerance"))
    open_only = args.get("open_only") == "1"
    if view == "lines":
        page = paginate(settlements.line_query(settlement_id, **_lines_filters()))
    else:
        page = paginate(matching.result_query(settlement_id, open_only=open_only, tolerance=tolerance))
    return render_template(
        "finance/settlement.html",
        s=s,
        view=view,
        page=page,
        args=args,
        tolerance=tolerance,
        open_only=open_only,
        categories=settlements.category_totals(settlement_id),
        statuses=STATUS_LABELS,
        match_labels=MATCH_LABELS,
        reasons=REASON_LABELS,
        category_names=CATEGORIES,
        shop_names=dict(_shops()),
        job=live_job(args.get("job")),
        job_live=jobs.ACTIVE,
    )


@bp.route("/settlements/<uuid:settlement_id>/export")
@login_required("finance:read")
def settlement_export(settlement_id: uuid.UUID) -> Any:
    s = settlements.get_settlement(settlement_id)
    open_only = request.args.get("open_only") == "1"
    rows = session.execute(
        matching.result_query(settlement_id, open_only=open_only, tolerance=_tolerance(request.args.get("tolerance")))
    ).scalars()
    cols = ["order", "currency", "expected", "earlier", "settled", "fees", "difference", "reason", "note"]
    table = (
        cols,
        [
            [r.external_order_id, r.currency, r.expected, r.earlier, r.settled, r.fees, r.difference, r.reason, r.note]
            for r in rows
        ],
    )
    return download(table, f"settlement-{s.external_id}")


def _back(settlement_id: uuid.UUID, **extra: Any) -> Any:
    keep = {k[5:]: v for k, v in request.form.items() if k.startswith("back_")}
    return redirect(url_for(".settlement_detail", settlement_id=settlement_id, **keep, **extra))


def _act(settlement_id: uuid.UUID, action: Any, done: str) -> Any:
    """Run `action` on the settlement; when it starts a job, the page shows its progress."""
    _require_write()
    settlements.get_settlement(settlement_id)  # another tenant's or no settlement: 404, before the form is read
    try:
        started = action()
    except DomainError as exc:
        session.rollback()
        flash(translate(exc.message), "error")
        return _back(settlement_id)
    flash(done, "success")
    return _back(settlement_id, **({"job": started.id} if isinstance(started, jobs.Job) else {}))


@bp.route("/settlements/<uuid:settlement_id>/lines/<uuid:line_id>/match", methods=["POST"])
@login_required("finance:read")
def settlement_match_line(settlement_id: uuid.UUID, line_id: uuid.UUID) -> Any:
    def run() -> None:
        order_id = matching.find_order(request.form.get("order", ""))
        if order_id is None:
            raise ValidationError.field("order", _("No order has that number or channel order id."))
        matching.match_line(settlement_id, line_id, order_id, request.form.get("note", ""))

    return _act(settlement_id, run, _("The line is matched to the order."))


@bp.route("/settlements/<uuid:settlement_id>/lines/<uuid:line_id>/unmatch", methods=["POST"])
@login_required("finance:read")
def settlement_unmatch_line(settlement_id: uuid.UUID, line_id: uuid.UUID) -> Any:
    return _act(
        settlement_id,
        lambda: matching.unmatch_line(settlement_id, line_id, request.form.get("note", "")),
        _("The line is no longer matched."),
    )


@bp.route("/settlements/<uuid:settlement_id>/orders/<uuid:result_id>", methods=["POST"])
@login_required("finance:read")
def settlement_explain(settlement_id: uuid.UUID, result_id: uuid.UUID) -> Any:
    return _act(
        settlement_id,
        lambda: matching.explain(
            settlement_id, result_id, reason=request.form.get("reason", ""), note=request.form.get("note", "")
        ),
        _("Reason and note saved."),
    )


@bp.route("/settlements/<uuid:settlement_id>/close", methods=["POST"])
@login_required("finance:read")
def settlement_close(settlement_id: uuid.UUID) -> Any:
    return _act(
        settlement_id,
        lambda: matching.close(settlement_id, _tolerance(request.form.get("tolerance"))),
        _("The settlement is closed."),
    )


@bp.route("/settlements/<uuid:settlement_id>/rematch", methods=["POST"])
@login_required("finance:read")
def settlement_rematch(settlement_id: uuid.UUID) -> Any:
    return _act(
        settlement_id,
        lambda: settlements.enqueue_match(settlement_id),
        _("Matching runs again; the page shows its results when it is done."),
    )
