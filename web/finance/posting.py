"""Posting pages: the accounting connections with "test connection", each target's mapping
(unmapped items first), posting runs with their progress, the result per voucher with retry of
refused ones, and on each voucher where it was posted (docs/accounting.md). Every rule lives in
core.finance.posting; these views parse forms, call it and render."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import connections, jobs
from core.db import session
from core.errors import DomainError, NotFound
from core.finance import posting
from web.auth import login_required
from web.finance.views import bp
from web.forms import action_failed
from web.jobs.views import live_job
from web.pagination import paginate

KIND_LABELS = {
    "account": _l("Account"),
    "customer": _l("Customer (shop)"),
    "supplier": _l("Supplier"),
    "material": _l("Material (SKU)"),
    "department": _l("Department (warehouse)"),
    "warehouse": _l("Warehouse (the target's stock location)"),
}
# What a result row sent: a voucher, or a business document (Kingdee's SAL_OUTSTOCK, ...).
POSTED_KINDS = {
    "voucher": _l("Voucher"),
    "sales_outbound": _l("Sales outbound"),
    "sales_return": _l("Sales return"),
    "transfer": _l("Transfer"),
}
RESULT_LABELS = {
    "pending": _l("Not sent yet"),
    "posted": _l("Posted"),
    "refused": _l("Refused"),
    "waiting": _l("Waiting"),
}
RUN_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "waiting": _l("Waiting (throttled or no answer)"),
    "done": _l("Done"),
    "failed": _l("Failed"),
}
BADGES = {"posted": "active", "done": "active", "refused": "danger", "failed": "danger"}


@bp.app_template_global("voucher_postings")
def voucher_postings(voucher_id: Any) -> list[dict[str, Any]]:
    """Where a voucher was posted (for the voucher page)."""
    from core.finance.posting_api import posting_views

    return posting_views(posting.postings_of_voucher(uuid.UUID(str(voucher_id))))


@bp.route("/posting")
@login_required("finance:read")
def posting_targets() -> Any:
    targets = [(c, posting.counts(connection_id=c.id)) for c in posting.list_connections()]
    return render_template("finance/posting_targets.html", targets=targets, labels=RESULT_LABELS)


@bp.route("/posting/<uuid:connection_id>/test", methods=["POST"])
@login_required("finance:write")
def posting_test(connection_id: uuid.UUID) -> Any:
    conn = posting.connection(connection_id)
    conn = connections.test(conn.id)
    if conn.status == "ok":
        flash(_("%(name)s answered: %(account)s", name=conn.display_name, account=conn.account), "success")
    else:
        flash(
            _("%(name)s did not accept the connection: %(error)s", name=conn.display_name, error=conn.last_error),
            "error",
        )
    return redirect(request.form.get("next") or url_for(".posting_targets"))


def run_message(run: Any) -> str:
    """What a posting run is doing now, in a sentence: its real status, not what was asked."""
    if run.status == "queued":
        return _("The posting run is queued: a worker picks it up next; its progress shows below.")
    if run.status == "running":
        return _(
            "The posting run is running: %(done)s of %(total)s sent so far.",
            done=run.posted + run.refused,
            total=run.total,
        )
    if run.status == "done":
        return _(
            "The posting run is done: %(posted)s posted, %(refused)s refused of %(total)s.",
            posted=run.posted,
            refused=run.refused,
            total=run.total,
        )
    if run.status == "waiting":
        return _("The posting run is waiting and tries again by itself: %(message)s", message=run.message)
    return _("The posting run failed: %(message)s", message=run.message)


def _start(args: Any) -> date | None:
    try:
        return date.fromisoformat(args.get("start_date") or "")
    except ValueError:
        return None


@bp.route("/posting/<uuid:connection_id>", methods=["GET", "POST"])
@login_required("finance:read")
def posting_target(connection_id: uuid.UUID) -> Any:
    conn = posting.connection(connection_id)
    here = url_for(".posting_target", connection_id=conn.id)
    if request.method == "POST":
        from web.auth import can

        if not can("finance:write"):
            flash(_("Your role does not allow this (%(permission)s).", permission="finance:write"), "error")
            return redirect(here)
        action = request.form.get("action")
        run = None
        try:
            if action == "map":
                rows = []
                for key in request.form:
                    if key.startswith("code:"):
                        _prefix, kind, local = key.split(":", 2)
                        rows.append(
                            {
                                "kind": kind,
                                "local_key": local,
                                "external_code": request.form.get(key, ""),
                                "external_name": request.form.get(f"name:{kind}:{local}", ""),
                            }
                        )
                posting.set_mappings(conn.id, rows)
                flash(_("Mapping saved."), "success")
            elif action == "run":
                start = _start(request.form)
                if start is None:
                    flash(_("Give the date to post from."), "error")
                    return redirect(here)
                run = posting.start_run(conn.id, start)
            elif action == "retry_all":
                run = posting.retry(conn.id)
                flash(_("The refused vouchers are sent again."), "success")
            elif action == "retry":
                run = posting.retry_one(uuid.UUID(request.form.get("posting_id") or ""))
                flash(_("The voucher is sent again."), "success")
        except (DomainError, ValueError) as exc:
            session.rollback()
            return action_failed(exc, here) if isinstance(exc, DomainError) else redirect(here)
        session.commit()
        if action == "map":
            return redirect(here + "#mapping")
        if run is None:
            return redirect(here + "#runs")
        # Read the run again after the commit handed its job over: a worker (or the inline
        # backend) may have started or finished it already, so the message says what it is.
        session.refresh(run)
        if action == "run":
            flash(run_message(run), "error" if run.status == "failed" else "success")
        return redirect(url_for(".posting_target", connection_id=conn.id, run=run.id) + f"#run-{run.id}")
    start = _start(request.args)
    items = posting.items(conn.id, start)
    status = request.args.get("status") or None
    if status not in RESULT_LABELS:
        status = None
    results = paginate(posting.posting_query(connection_id=conn.id, status=status))
    from core.finance.posting_api import posting_views

    runs = list(session.execute(posting.list_runs(conn.id).limit(10)).scalars())
    # The run an action started (?run=), with its job's live progress; a run of another
    # connection or tenant is not shown.
    shown = _run_of(conn.id, request.args.get("run"))
    if shown is not None and shown not in runs:
        runs.insert(0, shown)
    return render_template(
        "finance/posting_target.html",
        conn=conn,
        items=items,
        unmapped=sum(1 for i in items if i.required and not i.mapped and i.vouchers),
        kinds=KIND_LABELS,
        runs=runs,
        run_labels=RUN_LABELS,
        results=results,
        result_views=posting_views(results.items),
        result_labels=RESULT_LABELS,
        posted_kinds=POSTED_KINDS,
        badges=BADGES,
        counts=posting.counts(connection_id=conn.id),
        status=status,
        start=start,
        shown=shown,
        job=live_job(shown.job_id) if shown is not None and shown.job_id else None,
        job_live=jobs.ACTIVE,
        pulls=posting.target_class(conn).pulls_requisitions,
    )


def _run_of(connection_id: uuid.UUID, value: Any) -> Any:
    try:
        run = posting.get_run(uuid.UUID(str(value))) if value else None
    except (ValueError, NotFound):
        return None
    return run if run is not None and run.connection_id == connection_id else None


# ---------------------------------------------------------------------------------------------
# Purchase requisitions pulled from the target (Kingdee's 采购申请) as stocking requests

PULL_LABELS = {"created": _l("Stocking request created"), "skipped": _l("Skipped")}


@bp.route("/posting/<uuid:connection_id>/requisitions")
@login_required("finance:read")
def posting_requisitions(connection_id: uuid.UUID) -> Any:
    """Start a pull, watch its job, and see the lines pulled with the requests they became."""
    from core.finance import posting_pull

    conn = posting.connection(connection_id)
    if not posting.target_class(conn).pulls_requisitions:
        raise NotFound("accounting connection keeping purchase requisitions", conn.id)
    # The pull an action started (?job=), else the connection's latest while it is live.
    job = live_job(request.args.get("job"))
    if job is not None and job.kind != posting_pull.JOB:
        job = None
    if job is None:
        latest = posting_pull.latest_job(conn.id)
        job = latest if latest is not None and latest.status in jobs.ACTIVE else None
    page = paginate(posting_pull.pull_query(conn.id))
    return render_template(
        "finance/posting_requisitions.html",
        conn=conn,
        page=page,
        job=job,
        job_live=jobs.ACTIVE,
        labels=PULL_LABELS,
        since=_since(request.args) or date.today(),
    )


def _since(args: Any) -> date | None:
    try:
        return date.fromisoformat(args.get("since") or "")
    except ValueError:
        return None


@bp.route("/posting/<uuid:connection_id>/requisitions/pull", methods=["POST"])
@login_required("purchasing:write")
def posting_requisitions_pull(connection_id: uuid.UUID) -> Any:
    from core.finance import posting_pull

    posting.connection(connection_id)  # another tenant's or no connection: 404, before the form is read
    here = url_for(".posting_requisitions", connection_id=connection_id)
    since = _since(request.form)
    if since is None:
        flash(_("Give the date to pull requisitions from."), "error")
        return redirect(here)
    try:
        job = posting_pull.start_pull(connection_id, since)
    except DomainError as exc:
        session.rollback()
        return action_failed(exc, here)
    session.commit()
    flash(_("Pulling the purchase requisitions: the stocking requests appear below as they are created."), "success")
    return redirect(url_for(".posting_requisitions", connection_id=connection_id, job=job.id))
