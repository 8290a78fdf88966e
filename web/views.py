"""The portal's own pages: sign-up, login, logout, language, the dashboard and your account."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import force_locale
from flask_babel import gettext as _

from core import money, ratelimit
from core.errors import DomainError, ValidationError
from core.http import login, logout
from tenants import service
from web import dashboard
from web.auth import current_user, login_required, safe_next
from web.forms import Form
from web.i18n import LOCALES, current_locale

bp = Blueprint("portal", __name__)

COMMON_CURRENCIES = ("CNY", "USD", "EUR", "GBP", "JPY", "HKD", "AUD", "CAD", "SGD", "KRW", "MXN", "BRL")


@lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    return tuple(
        sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    )


def currencies() -> list[str]:
    return [c for c in COMMON_CURRENCIES if money.is_currency(c)]


def currency_options(current: str = "") -> list[tuple[str, str]]:
    """(code, "CNY · 人民币") for a select, in the viewer's language; the current value too
    when it is not a common one."""
    from babel.numbers import get_currency_name
    from flask_babel import get_locale

    current = current.strip().upper()
    codes = currencies() + ([current] if current and current not in currencies() else [])
    return [(c, f"{c} · {get_currency_name(c, locale=get_locale())}" if money.is_currency(c) else c) for c in codes]


def timezone_options(current: str = "") -> list[tuple[str, str]]:
    zones = timezones() + ((current,) if current and current not in timezones() else ())
    return [(z, z.replace("_", " ")) for z in zones]


@bp.route("/", endpoint="dashboard")
@login_required()
def dashboard_view() -> str:
    shown, failed = dashboard.cards()
    cards = [c for c in shown if isinstance(c, dashboard.Card)]
    charts = [c for c in shown if isinstance(c, dashboard.Chart)]
    return render_template("portal/dashboard.html", cards=cards, charts=charts, failed=failed)


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> object:
    form = Form(request.form, currency="CNY", timezone="Asia/Shanghai", locale=current_locale())
    if request.method == "POST":
        try:
            ratelimit.check("signup")
            tenant, user = service.signup(
                company=form["company"],
                name=form["name"],
                email=form["email"],
                password=request.form.get("password", ""),
                currency=form["currency"],
                timezone=form["timezone"],
                locale=form["locale"],
            )
        except DomainError as exc:
            return form.failed(exc, "portal/signup.html", currencies=currency_options(), timezones=timezone_options())
        login(service.principal_for_user(user))
        with force_locale(user.locale):
            flash(_("Welcome to Tradelane, %(company)s.", company=tenant.name), "success")
        return redirect(url_for("portal.dashboard"))
    return render_template("portal/signup.html", form=form, currencies=currency_options(), timezones=timezone_options())


@bp.route("/login", methods=["GET", "POST"], endpoint="login")
def login_view() -> object:
    target = safe_next(request.values.get("next"), url_for("portal.dashboard"))
    if g.get("principal") is not None and request.method == "GET":
        return redirect(target)
    form = Form(request.form)
    if request.method == "POST":
        try:
            ratelimit.check("login")
            principal = service.authenticate(form["email"], request.form.get("password", ""))
        except DomainError as exc:
            return form.failed(exc, "portal/login.html", next=target)
        login(principal)
        return redirect(target)
    return render_template("portal/login.html", form=form, next=target)


@bp.route("/logout", methods=["POST"], endpoint="logout")
def logout_view() -> object:
    if g.get("principal") is not None:
        logout()
        flash(_("You are logged out."), "info")
    return redirect(url_for("portal.login"))


@bp.route("/locale", methods=["POST"])
def set_locale() -> object:
    """Switch language. It is remembered in the session and, for a user, on their account."""
    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        raise ValidationError.field("locale", _("Choose one of: %(locales)s", locales=", ".join(LOCALES)))
    cookie["locale"] = locale
    principal = g.get("principal")
    if principal is not None and principal.kind == "user":
        service.update_user(principal, principal.id, locale=locale)
    return redirect(safe_next(request.form.get("next"), url_for("portal.dashboard")))


@bp.route("/account", methods=["GET", "POST"])
@login_required()
def account() -> object:
    """Your profile and password. Any logged-in user may change their own password."""
    user = current_user()
    form = Form(request.form)
    if request.method == "POST":
        if user is None:
            return form.failed(
                ValidationError.field("current_password", _("API keys have no password.")),
                "portal/account.html",
                user=user,
            )
        try:
            if request.form.get("new_password", "") != request.form.get("confirm_password", ""):
                raise ValidationError.field("confirm_password", _("does not match the new password"))
            updated = service.change_password(
                user.id, request.form.get("current_password", ""), request.form.get("new_password", "")
            )
        except DomainError as exc:
            return form.failed(exc, "portal/account.html", user=user)
        # Changing the password ends every session of this user; keep this one going.
        locale = cookie.get("locale")
        login(service.principal_for_user(updated))
        if locale:
            cookie["locale"] = locale
        flash(_("Your password is changed. Other sessions of yours are logged out."), "success")
        return redirect(url_for("portal.account"))
    return render_template("portal/account.html", form=form, user=user)
