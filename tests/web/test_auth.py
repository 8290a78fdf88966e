"""Sign-up, login, logout and the guards every portal page has."""

from __future__ import annotations

import secrets

from tests.web.conftest import PASSWORD, PortalClient, add_user, visible_text


def _signup_form(**overrides):
    data = {
        "company": "Lotus Trading",
        "name": "Li Hua",
        "email": f"li-{secrets.token_hex(4)}@example.test",
        "password": "a long enough password",
        "currency": "USD",
        "timezone": "Europe/Berlin",
        "locale": "en",
    }
    data.update(overrides)
    return data


def test_signup_creates_the_company_and_logs_the_owner_in(anonymous, tenant_a, tenant_b):
    form = _signup_form()
    resp = anonymous.post("/signup", form)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    page = anonymous.text("/")
    assert "Welcome to Tradelane, Lotus Trading." in page
    assert "Lotus Trading" in page and form["email"] in page
    assert tenant_a.name not in page and tenant_b.name not in page
    settings = anonymous.get("/settings/").get_data(as_text=True)
    assert 'value="USD"' in settings and 'value="Europe/Berlin"' in settings


def test_signup_errors_name_the_field_and_keep_the_input(anonymous, tenant_a):
    resp = anonymous.post("/signup", _signup_form(email="not-an-address", password="short", currency="XYZ"))
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert 'value="Lotus Trading"' in body and 'value="not-an-address"' in body
    assert 'value="short"' not in body  # a password is never echoed back
    text = visible_text(body)
    assert "enter a valid e-mail address" in text
    assert "use at least 10 characters" in text
    assert "XYZ is not an ISO 4217 currency code" in text
    # Taken e-mail addresses are refused, whichever tenant has them.
    resp = anonymous.post("/signup", _signup_form(email=tenant_a.owner_email))
    assert resp.status_code == 422
    assert "this e-mail address is already registered" in visible_text(resp.get_data(as_text=True))


def test_login_and_logout(anonymous, tenant_a, tenant_b):
    resp = anonymous.get("/settings/users")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=/settings/users")
    resp = anonymous.post(
        "/login", {"email": tenant_a.owner_email, "password": "wrong password", "next": "/settings/users"}
    )
    assert resp.status_code == 401
    body = resp.get_data(as_text=True)
    assert "e-mail or password is incorrect" in visible_text(body)
    assert f'value="{tenant_a.owner_email}"' in body
    resp = anonymous.post(
        "/login", {"email": tenant_a.owner_email, "password": tenant_a.password, "next": "/settings/users"}
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/settings/users"
    users = anonymous.text("/settings/users")
    assert tenant_a.owner_email in users and tenant_b.owner_email not in users

    assert anonymous.client.get("/logout").status_code == 405  # logging out is a POST
    resp = anonymous.post("/logout")
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    assert "You are logged out." in anonymous.text("/login")
    assert anonymous.get("/").status_code == 302


def test_next_never_leaves_the_site(anonymous, tenant_a):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        resp = anonymous.post("/login", {"email": tenant_a.owner_email, "password": tenant_a.password, "next": target})
        assert resp.status_code == 302 and resp.headers["Location"] == "/", target


def test_forms_without_csrf_token_are_refused(anonymous, portal, tenant_a):
    resp = anonymous.post("/login", {"email": tenant_a.owner_email, "password": tenant_a.password}, csrf=False)
    assert resp.status_code == 400
    assert "CSRF token is missing" in visible_text(resp.get_data(as_text=True))
    assert anonymous.get("/").status_code == 302  # not logged in

    owner = portal(tenant_a)
    resp = owner.post(
        "/settings/",
        {"name": "Hijacked", "functional_currency": "CNY", "timezone": "Asia/Shanghai", "default_locale": "en"},
        csrf=False,
    )
    assert resp.status_code == 400
    resp = owner.post("/settings/", {"name": "Hijacked", "csrf_token": "forged"})
    assert resp.status_code == 400
    assert "Hijacked" not in owner.text("/settings/")
    assert owner.post("/logout", csrf=False).status_code == 400
    assert owner.get("/").status_code == 200


def test_deactivated_user_is_logged_out_and_cannot_log_in(app, portal, tenant_a):
    email = add_user(tenant_a, "operations")
    staff = PortalClient(app)
    staff.login(email, PASSWORD)
    assert staff.get("/jobs/").status_code == 200
    owner = portal(tenant_a)
    with tenant_a.scope():
        from sqlalchemy import select

        from core.db import session
        from tenants.models import User

        user_id = session.execute(select(User.id).where(User.email == email)).scalar_one()
    assert owner.post(f"/settings/users/{user_id}/active", {"active": "0"}).status_code == 302
    assert staff.get("/jobs/").status_code == 302
    assert staff.post("/login", {"email": email, "password": PASSWORD}).status_code == 401


def test_htmx_requests_of_an_expired_session_redirect_the_whole_page(anonymous):
    resp = anonymous.get("/jobs/", headers={"HX-Request": "true"})
    assert resp.status_code == 204 and resp.headers["HX-Redirect"].startswith("/login")
