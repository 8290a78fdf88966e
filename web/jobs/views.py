"""Jobs: the list with a status filter, live progress while a job runs, and retrying a
failed job. Reads `core.jobs.Job` rows, which the tenant filter scopes to the caller."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core import jobs
from core.db import get_or_none, session
from core.errors import DomainError, NotFound
from web.auth import login_required
from web.forms import action_failed
from web.labels import JOB_STATUSES
from web.pagination import paginate

bp = Blueprint("jobs", __name__, url_prefix="/jobs", template_folder="templates")

# While a job is in one of these states its row and detail refresh themselves.
LIVE = jobs.ACTIVE


def _job(job_id: uuid.UUID) -> jobs.Job:
    row = get_or_none(jobs.Job, job_id)
    if row is None:
        raise NotFound("job", job_id)
    return row


def _filtered() -> tuple[str, str, Any]:
    """The list's status and kind filters, and the jobs they select, newest first."""
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    stmt = select(jobs.Job).order_by(jobs.Job.created_at.desc(), jobs.Job.id.desc())
    if status in JOB_STATUSES:
        stmt = stmt.where(jobs.Job.status == status)
    if kind:
        stmt = stmt.where(jobs.Job.kind == kind)
    return status, kind, stmt


@bp.route("/")
@login_required("jobs:read")
def index() -> str:
    status, kind, stmt = _filtered()
    kinds = session.execute(select(jobs.Job.kind).distinct().order_by(jobs.Job.kind)).scalars().all()
    return render_template("jobs/index.html", page=paginate(stmt), status=status, kind=kind, kinds=kinds, live=LIVE)


@bp.route("/export")
@login_required("jobs:read")
def index_export() -> Any:
    """The jobs the list's filters select: names, results and who started them in the reader's
    words, as the list shows them."""
    from web import exports
    from web.labels import job_error, job_kind_label, job_status_label, result_rows, started_by_label
    from web.messages import translate

    def result(job: jobs.Job) -> str:
        if job.status == "failed":
            return translate(job_error(job.error))
        return "; ".join(f"{label}: {value}" for label, value in result_rows(job.result, job.kind))

    columns = [_("Job"), _("Status"), _("Progress"), _("Result"), _("Started by"), _("Created at"), _("Attempts")]
    return exports.respond(
        "jobs",
        columns,
        exports.rows_of(_filtered()[2]),
        lambda job: (
            job_kind_label(job.kind),
            job_status_label(job.status),
            job.progress,
            result(job),
            started_by_label(job.created_by),
            job.created_at,
            job.attempts,
        ),
    )


@bp.route("/<uuid:job_id>")
@login_required("jobs:read")
def detail(job_id: uuid.UUID) -> str:
    return render_template("jobs/detail.html", job=_job(job_id), live=LIVE)


@bp.route("/<uuid:job_id>/row")
@login_required("jobs:read")
def row(job_id: uuid.UUID) -> str:
    """One list row, polled by htmx while the job is live."""
    return render_template("jobs/_row.html", job=_job(job_id), live=LIVE)


@bp.route("/<uuid:job_id>/status")
@login_required("jobs:read")
def status_panel(job_id: uuid.UUID) -> str:
    """The detail page's status panel, polled by htmx while the job is live."""
    return render_template("jobs/_status.html", job=_job(job_id), live=LIVE)


@bp.route("/<uuid:job_id>/live")
@login_required("jobs:read")
def live(job_id: uuid.UUID) -> Any:
    """The progress panel shown where a job was started (`jobs/_live.html`), polled while the
    job is live; the answer that finds it done also triggers `job-done` on the page, so lists
    that show what the job changed reload (`data-refresh-on-job`, static/js/portal.js)."""
    job = _job(job_id)
    html = render_template("jobs/_live.html", job=job, live=LIVE)
    headers = {} if job.status in LIVE else {"HX-Trigger": "job-done"}
    return html, 200, headers


def live_job(job_id: Any) -> jobs.Job | None:
    """The job named by a page's `?job=` (None for none, a malformed id or another tenant's)."""
    try:
        return get_or_none(jobs.Job, uuid.UUID(str(job_id))) if job_id else None
    except ValueError:
        return None


@bp.route("/<uuid:job_id>/retry", methods=["POST"])
@login_required("jobs:write")
def retry(job_id: uuid.UUID) -> object:
    try:
        jobs.retry(job_id)
    except DomainError as exc:
        return action_failed(exc, url_for("web.jobs.detail", job_id=job_id))
    flash(_("The job is queued again."), "success")
    return redirect(url_for("web.jobs.detail", job_id=job_id))
