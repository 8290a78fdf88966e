"""Dashboard cards of the jobs section."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core import jobs
from core.db import session, utcnow
from web.dashboard import Card, card


@card("jobs:read")
def job_cards() -> list[Card]:
    running = session.execute(
        select(func.count()).select_from(jobs.Job).where(jobs.Job.status == "running")
    ).scalar_one()
    failed = session.execute(
        select(func.count())
        .select_from(jobs.Job)
        .where(jobs.Job.status == "failed", jobs.Job.finished_at >= utcnow() - timedelta(hours=24))
    ).scalar_one()
    return [
        Card(_("Jobs running"), running, url=url_for("web.jobs.index", status="running")),
        Card(
            _("Jobs failed (24 h)"),
            failed,
            url=url_for("web.jobs.index", status="failed"),
            tone="bad" if failed else "",
        ),
    ]
