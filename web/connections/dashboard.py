"""Dashboard cards of connections: their health, syncs that failed, pushes that were refused."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.db import session, utcnow
from core.sync.models import SyncPush, SyncRun
from tenants.models import PluginConnection
from web.dashboard import Card, card


@card("connections:read")
def connection_health() -> list[Card]:
    rows = dict(
        session.execute(
            select(PluginConnection.status, func.count())
            .where(PluginConnection.enabled.is_(True))
            .group_by(PluginConnection.status)
        ).all()
    )
    ok, errors = rows.get("ok", 0), rows.get("error", 0)
    return [
        Card(_("Connections OK"), ok, url=url_for("web.connections.index"), tone="good" if ok else ""),
        Card(
            _("Connections with errors"),
            errors,
            url=url_for("web.connections.index", status="error"),
            tone="bad" if errors else "",
        ),
    ]


@card("connections:read")
def sync_problems() -> list[Card] | None:
    failed_runs = session.execute(
        select(func.count())
        .select_from(SyncRun)
        .where(SyncRun.status.in_(("failed", "interrupted")), SyncRun.started_at >= utcnow() - timedelta(hours=24))
    ).scalar_one()
    failed_pushes = session.execute(
        select(func.count())
        .select_from(SyncPush)
        .where(SyncPush.status.in_(("failed", "partial")), SyncPush.updated_at >= utcnow() - timedelta(hours=24))
    ).scalar_one()
    if not failed_runs and not failed_pushes:
        return None
    return [
        Card(
            _("Failed syncs (24 h)"),
            failed_runs,
            url=url_for("web.connections.runs", status="failed"),
            tone="bad" if failed_runs else "",
        ),
        Card(
            _("Refused pushes (24 h)"),
            failed_pushes,
            url=url_for("web.connections.pushes"),
            tone="bad" if failed_pushes else "",
        ),
    ]
