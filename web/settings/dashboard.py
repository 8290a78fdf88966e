"""Dashboard cards of the settings section."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.db import session
from tenants.models import ApiKey, User
from web.dashboard import Card, card


@card("settings:read")
def people() -> list[Card]:
    users = session.execute(select(func.count()).select_from(User).where(User.active.is_(True))).scalar_one()
    keys = session.execute(select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))).scalar_one()
    return [
        Card(_("Active users"), users, url=url_for("web.settings.users")),
        Card(_("API keys in use"), keys, url=url_for("web.settings.api_keys")),
    ]
