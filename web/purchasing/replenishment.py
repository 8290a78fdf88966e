"""Replenishment page: the latest run's suggestions with their arithmetic, running the job,
and accepting or dismissing a suggestion."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import jobs
from core.errors import DomainError
from core.purchasing.service import SUGGESTION_STATUSES
from core.purchasing.service import replenishment as service
from web.auth import login_required
from web.jobs.views import live_job
from web.pagination import paginate
from web.purchasing.views import bp, page_names, run_action, transition_failed


@bp.route("/replenishment")
@login_required("purchasing:read")
def replenishment() -> str:
    status = request.args.get("status", "open")
    status = status if status in SUGGESTION_STATUSES else None
    latest = service.latest_run()
    page = paginate(service.suggestion_query(status=status))
    names = page_names(
        [s.sku_id for s in page.items], [s.warehouse_id for s in page.items], [s.supplier_id for s in page.items]
    )
    rows = [(s, service.inputs_of(s)) for s in page.items]
    active = service.active_run()
    # The run's progress where it was started: the job the run action named, or a run queued
    # or running from elsewhere (the nightly schedule, another user).
    job = live_job(request.args.get("job") or (active.job_id if active else None))
    return render_template(
        "purchasing/replenishment.html",
        page=page,
        rows=rows,
        names=names,
        latest=latest,
        active=active,
        job=job,
        job_live=jobs.ACTIVE,
        status=status,
        statuses=SUGGESTION_STATUSES,
        round4=service.round4,
    )


@bp.route("/replenishment/run", methods=["POST"])
@login_required("purchasing:write")
def replenishment_run() -> Any:
    try:
        run = service.start_run()
    except DomainError as exc:
        return transition_failed(exc, url_for(".replenishment"))
    flash(_("Replenishment is running over all SKUs; the suggestions appear here when it is done."), "success")
    return redirect(url_for(".replenishment", job=run.job_id))


@bp.route("/replenishment/<uuid:suggestion_id>/accept", methods=["POST"])
@login_required("purchasing:write")
def replenishment_accept(suggestion_id: uuid.UUID) -> Any:
    service.get_suggestion(suggestion_id)
    try:
        req = service.accept_suggestion(suggestion_id, quantity=request.form.get("quantity") or None)
    except DomainError as exc:
        return transition_failed(exc, url_for(".replenishment"))
    flash(_("Stocking request %(number)s submitted for approval.", number=req.number), "success")
    return redirect(url_for(".replenishment"))


@bp.route("/replenishment/<uuid:suggestion_id>/dismiss", methods=["POST"])
@login_required("purchasing:write")
def replenishment_dismiss(suggestion_id: uuid.UUID) -> Any:
    service.get_suggestion(suggestion_id)
    return run_action(
        lambda: service.dismiss_suggestion(suggestion_id), url_for(".replenishment"), _("Suggestion dismissed.")
    )
