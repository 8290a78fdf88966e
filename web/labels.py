"""Translated names of values that services store as codes (roles, statuses, actions)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLES = {
    "owner": _l("Owner"),
    "admin": _l("Administrator"),
    "operations": _l("Operations"),
    "purchasing": _l("Purchasing"),
    "warehouse": _l("Warehouse"),
    "finance": _l("Finance"),
    "viewer": _l("Viewer"),
}

JOB_STATUSES = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "retrying": _l("Retrying"),
    "succeeded": _l("Succeeded"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}

AUDIT_ACTIONS = {
    "create": _l("Created"),
    "update": _l("Updated"),
    "delete": _l("Deleted"),
}


def role_label(code: str) -> str:
    return str(ROLES.get(code, code))


def job_status_label(code: str) -> str:
    return str(JOB_STATUSES.get(code, code))


def audit_action_label(code: str) -> str:
    return str(AUDIT_ACTIONS.get(code, code))
