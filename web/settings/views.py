"""Settings: the company (tenant), its users and its API keys. Readers with settings:read
see them; changes need settings:write. All rules live in tenants.service."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import DomainError
from tenants import roles as role_rules
from tenants import service
from web.auth import current_tenant, login_required
from web.forms import Form, action_failed
from web.labels import role_label
from web.messages import N_
from web.pagination import paginate
from web.views import currency_options, timezone_options

bp = Blueprint("settings", __name__, url_prefix="/settings", template_folder="templates")


def role_options() -> list[tuple[str, str]]:
    return [(r, role_label(r)) for r in role_rules.ROLES]


# ---------------------------------------------------------------------------------------------
# Company


def _company_form() -> Form:
    tenant = current_tenant()
    return Form(
        request.form,
        name=tenant.name,
        functional_currency=tenant.functional_currency,
        timezone=tenant.timezone,
        default_locale=tenant.default_locale,
    )


def _render_company(form: Form) -> str:
    tenant = current_tenant()
    return render_template(
        "settings/index.html",
        form=form,
        tenant=tenant,
        # what was typed stays on the list (with its error beside it), else the saved value
        currencies=currency_options(form["functional_currency"] or tenant.functional_currency),
        timezones=timezone_options(form["timezone"] or tenant.timezone),
    )


@bp.route("/", methods=["GET"])
@login_required("settings:read")
def index() -> str:
    return _render_company(_company_form())


@bp.route("/", methods=["POST"], endpoint="index_save")
@login_required("settings:write")
def save_company() -> object:
    form = _company_form()
    try:
        service.update_tenant(
            name=form["name"],
            functional_currency=form["functional_currency"],
            timezone=form["timezone"],
            default_locale=form["default_locale"],
        )
    except DomainError as exc:
        form.fail(exc)
        return _render_company(form), exc.status_code
    flash(_("Company settings saved."), "success")
    return redirect(url_for("web.settings.index"))


# What tenants.service.require_separate_approver refuses with, for the portal's catalogue.
SEPARATE_APPROVER_MESSAGES = (
    N_("you submitted this product; this company requires another person to approve it"),
    N_("you submitted this supplier; this company requires another person to approve it"),
    N_("you submitted this purchase order; this company requires another person to approve it"),
    N_("you submitted this stocking request; this company requires another person to approve it"),
    N_("you submitted this expense document; this company requires another person to approve it"),
)


@bp.route("/approvals", methods=["POST"])
@login_required("settings:write")
def index_approvals() -> object:
    """Separation of duties: approvals by another person than the submitter, or not."""
    try:
        service.update_tenant(separate_approver=request.form.get("separate_approver") == "on")
    except DomainError as exc:
        return action_failed(exc, url_for("web.settings.index"))
    flash(_("Approval rule saved."), "success")
    return redirect(url_for("web.settings.index"))


# ---------------------------------------------------------------------------------------------
# Users


@bp.route("/users")
@login_required("settings:read")
def users() -> str:
    return render_template("settings/users.html", page=paginate(service.list_users()))


@bp.route("/users/new", methods=["GET", "POST"])
@login_required("settings:write")
def users_new() -> object:
    form = Form(request.form, roles=["viewer"], locale=current_tenant().default_locale)
    if request.method == "POST":
        try:
            user = service.create_user(
                g.principal,
                email=form["email"],
                name=form["name"],
                password=request.form.get("password", ""),
                roles=form.getlist("roles"),
                locale=form["locale"] or None,
            )
        except DomainError as exc:
            return form.failed(exc, "settings/user_new.html", role_options=role_options())
        flash(_("%(email)s can now log in with the password you set.", email=user.email), "success")
        return redirect(url_for("web.settings.users"))
    return render_template("settings/user_new.html", form=form, role_options=role_options())


@bp.route("/users/<uuid:user_id>", methods=["GET", "POST"])
@login_required("settings:write")
def users_edit(user_id: uuid.UUID) -> object:
    user = service.get_user(user_id)
    form = Form(request.form, name=user.name, roles=list(user.roles))
    if request.method == "POST":
        try:
            service.update_user(g.principal, user_id, name=form["name"], roles=form.getlist("roles"))
        except DomainError as exc:
            return form.failed(
                exc, "settings/user_edit.html", user=service.get_user(user_id), role_options=role_options()
            )
        flash(_("Changes to %(email)s saved.", email=user.email), "success")
        return redirect(url_for("web.settings.users"))
    return render_template("settings/user_edit.html", form=form, user=user, role_options=role_options())


@bp.route("/users/<uuid:user_id>/active", methods=["POST"])
@login_required("settings:write")
def users_active(user_id: uuid.UUID) -> object:
    """Deactivate (their sessions end at once) or reactivate a user."""
    active = request.form.get("active") == "1"
    try:
        user = service.update_user(g.principal, user_id, active=active)
    except DomainError as exc:
        return action_failed(exc, url_for("web.settings.users"))
    if active:
        flash(_("%(email)s is active again.", email=user.email), "success")
    else:
        flash(_("%(email)s is deactivated and logged out.", email=user.email), "success")
    return redirect(url_for("web.settings.users"))


# ---------------------------------------------------------------------------------------------
# API keys


def _render_keys(form: Form, created: tuple | None = None) -> str:
    return render_template(
        "settings/api_keys.html",
        page=paginate(service.list_api_keys()),
        form=form,
        role_options=role_options(),
        created=created,
    )


@bp.route("/api-keys", methods=["GET"])
@login_required("settings:read")
def api_keys() -> str:
    return _render_keys(Form(request.form, roles=["viewer"]))


@bp.route("/api-keys", methods=["POST"], endpoint="api_keys_create")
@login_required("settings:write")
def create_api_key() -> object:
    form = Form(request.form)
    try:
        key, plaintext = service.create_api_key(g.principal, name=form["name"], roles=form.getlist("roles"))
    except DomainError as exc:
        form.fail(exc)
        return _render_keys(form), exc.status_code
    # The plaintext exists only in this response (never stored, never redirected through the
    # session), so the page is rendered directly rather than after a redirect.
    return _render_keys(Form(None, roles=["viewer"]), created=(key, plaintext))


@bp.route("/api-keys/<uuid:key_id>/revoke", methods=["POST"])
@login_required("settings:write")
def api_keys_revoke(key_id: uuid.UUID) -> object:
    try:
        key = service.revoke_api_key(g.principal, key_id)
    except DomainError as exc:
        return action_failed(exc, url_for("web.settings.api_keys"))
    flash(_("API key %(name)s is revoked; requests with it are refused from now on.", name=key.name), "success")
    return redirect(url_for("web.settings.api_keys"))


from web.settings import rates  # noqa: E402,F401 - the exchange-rates page
