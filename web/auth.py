"""Who may see a portal page.

core.http has already resolved `g.principal` (from the session cookie) and entered the
tenant context; portal views only decide what to do with an anonymous or unauthorised caller.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Response, g, redirect, request, url_for
from flask_babel import gettext as _

from core.errors import PermissionDenied


def login_required(permission: str | None = None) -> Callable:
    """Portal view decorator: anonymous callers go to the login page (and come back after),
    callers whose roles lack `permission` ("orders:read") get the 403 page."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = g.get("principal")
            if principal is None:
                target = url_for("portal.login", next=request.full_path.rstrip("?"))
                if request.headers.get("HX-Request"):
                    # htmx would swap the login page into a fragment; send the browser there.
                    return Response(status=204, headers={"HX-Redirect": target})
                return redirect(target)
            if permission and not principal.can(permission):
                raise PermissionDenied(_("Your role does not allow this (%(permission)s).", permission=permission))
            return view(*args, **kwargs)

        wrapper.tradelane_permission = permission or "authenticated"  # type: ignore[attr-defined]
        return wrapper

    return decorate


def can(permission: str) -> bool:
    """For templates and views: does the current caller hold `permission`?"""
    principal = g.get("principal")
    return principal is not None and principal.can(permission)


def current_tenant() -> Any:
    """The logged-in caller's tenant row, read once per request."""
    if "portal_tenant" not in g:
        from tenants.service import current_tenant as load

        g.portal_tenant = load()
    return g.portal_tenant


def current_user() -> Any:
    """The logged-in user's row (None for API keys), read once per request."""
    principal = g.get("principal")
    if principal is None or principal.kind != "user":
        return None
    if "portal_user" not in g:
        from tenants.service import get_user

        g.portal_user = get_user(principal.id)
    return g.portal_user


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: `next` must never send a user to another host."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
