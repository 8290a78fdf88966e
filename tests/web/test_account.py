"""Your account: any logged-in user changes their own password."""

from __future__ import annotations

from tests.web.conftest import PASSWORD, PortalClient, visible_text


def test_change_password(app, portal, tenant_a):
    viewer = portal(tenant_a, "viewer")
    email = viewer.email
    elsewhere = PortalClient(app)
    elsewhere.login(email, PASSWORD)
    resp = viewer.post(
        "/account",
        {"current_password": "wrong", "new_password": "new password 123", "confirm_password": "new password 123"},
    )
    assert resp.status_code == 422 and "is incorrect" in visible_text(resp.get_data(as_text=True))
    resp = viewer.post(
        "/account",
        {"current_password": PASSWORD, "new_password": "new password 123", "confirm_password": "another one 123"},
    )
    assert resp.status_code == 422 and "does not match the new password" in visible_text(resp.get_data(as_text=True))
    resp = viewer.post(
        "/account",
        {"current_password": PASSWORD, "new_password": "new password 123", "confirm_password": "new password 123"},
    )
    assert resp.status_code == 302
    assert "Your password is changed." in viewer.text("/account")  # this session goes on
    assert elsewhere.get("/").status_code == 302  # the other one ended
    assert PortalClient(app).post("/login", {"email": email, "password": PASSWORD}).status_code == 401
    PortalClient(app).login(email, "new password 123")
