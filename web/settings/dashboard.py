"""Dashboard cards of the settings section."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from tenants import service as tenants
from web.dashboard import Card, card


@card("settings:read")
def people() -> list[Card]:
    users, keys = tenants.people_counts()
    return [
        Card(_("Active users"), users, url=url_for("web.settings.users")),
        Card(_("API keys in use"), keys, url=url_for("web.settings.api_keys")),
    ]
