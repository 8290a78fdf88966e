from tests.support import body


def test_signup_login_me(app, tenant_a):
    resp = tenant_a.api.get("me")
    assert resp.status_code == 200, body(resp)
    assert body(resp)["tenant"]["name"] == "Tenant A"
