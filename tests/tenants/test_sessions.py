"""Ending a session ends it on the server: a copy of the cookie taken before logout, a password
change or deactivation neither reads nor writes afterwards."""

from __future__ import annotations

from tests.support import body


def _logged_in(app, email, password):
    client = app.test_client()
    resp = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert resp.status_code == 200, body(resp)
    return client, body(resp)["csrf_token"]


def _copy(app, client):
    """Another client holding the same session cookie (a stolen or synced copy)."""
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def _reads(client):
    return client.get("/api/v1/me").status_code


def _writes(client, token):
    resp = client.post("/api/v1/order-views", json={"name": "probe", "filters": {}}, headers={"X-CSRFToken": token})
    return resp.status_code


def test_logout_ends_every_copy_of_the_cookie(app, tenant_a):
    client, token = _logged_in(app, tenant_a.owner_email, tenant_a.password)
    copy = _copy(app, client)
    assert _reads(copy) == 200, "the copy works like the original until logout"
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token}).status_code == 204
    assert _reads(client) == 401
    assert _reads(copy) == 401
    assert _writes(copy, token) == 401
    again, _ = _logged_in(app, tenant_a.owner_email, tenant_a.password)
    assert _reads(again) == 200 and _reads(copy) == 401, "logging in again does not revive the old cookie"


def test_portal_logout_ends_every_copy_of_the_cookie(app, tenant_a):
    from tests.web.conftest import CSRF_RE, PortalClient

    browser = PortalClient(app)
    browser.login(tenant_a.owner_email, tenant_a.password)
    stolen = PortalClient(app)
    stolen.client.set_cookie("session", browser.client.get_cookie("session").value)
    page = stolen.get("/account")
    assert page.status_code == 200
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    assert browser.post("/logout").status_code == 302
    assert stolen.get("/account").headers["Location"].startswith("/login")
    change = stolen.post(
        "/account",
        {"csrf_token": token, "current_password": tenant_a.password, "new_password": "taken over 123"},
        csrf=False,
    )
    assert change.status_code == 400, "its CSRF token died with the session"
    assert _reads(_copy(app, stolen.client)) == 401
    _logged_in(app, tenant_a.owner_email, tenant_a.password)  # the password did not change


def test_a_password_change_ends_copies_of_the_old_cookie(app, tenant_a):
    client, token = _logged_in(app, tenant_a.owner_email, tenant_a.password)
    copy = _copy(app, client)
    resp = client.post(
        "/api/v1/me/password",
        json={"current_password": tenant_a.password, "new_password": "another long one"},
        headers={"X-CSRFToken": token},
    )
    assert resp.status_code == 204
    assert _reads(client) == 200, "the session that changed it goes on with a new cookie"
    assert _reads(copy) == 401 and _writes(copy, token) == 401


def test_deactivation_ends_every_session_for_good(app, tenant_a):
    tenant_a.api.post("users", {"email": "leaving@example.test", "password": "long enough pw", "roles": ["operations"]})
    client, token = _logged_in(app, "leaving@example.test", "long enough pw")
    copy = _copy(app, client)
    kept = _copy(app, client)  # used again only after reactivation (a 401 may clear a client's cookie)
    user_id = body(client.get("/api/v1/me"))["user"]["id"]
    assert tenant_a.api.patch(f"users/{user_id}", {"active": False}).status_code == 200
    assert _reads(client) == 401 and _reads(copy) == 401 and _writes(copy, token) == 401
    assert tenant_a.api.patch(f"users/{user_id}", {"active": True}).status_code == 200
    assert _reads(copy) == 401, "reactivation does not revive the cookies of before"
    assert _reads(kept) == 401 and _writes(kept, token) == 401, "nor a copy that was not used meanwhile"
