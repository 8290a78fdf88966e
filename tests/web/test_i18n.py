"""Language: explicit switch -> user's saved language -> browser -> tenant default -> English."""

from __future__ import annotations

from tenants import service
from tests.web.conftest import PASSWORD, PortalClient, add_user, visible_text


def test_browser_language_decides_for_anonymous_visitors(app):
    assert "Log in" in PortalClient(app).text("/login")
    assert "登录" in PortalClient(app, "zh-CN,zh;q=0.9,en;q=0.8").text("/login")
    assert "登录" in PortalClient(app, "zh-TW").text("/login")
    assert "Log in" in PortalClient(app, "fr-FR,en;q=0.5,zh;q=0.1").text("/login")


def test_switching_language_is_remembered_on_the_account(app, portal, tenant_a, tenant_b):
    owner = portal(tenant_a)
    assert "Dashboard" in owner.text("/")
    resp = owner.post("/locale", {"locale": "zh_CN", "next": "/jobs/?status=failed"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/jobs/?status=failed"
    page = owner.text("/")
    assert "仪表盘" in page and "退出登录" in page
    # Another device, browser asking for English: the saved choice wins.
    elsewhere = PortalClient(app, "en-US")
    elsewhere.login(tenant_a.owner_email, tenant_a.password)
    assert "仪表盘" in elsewhere.text("/")
    # Tenant B's owner is not affected.
    assert "Dashboard" in portal(tenant_b).text("/")


def test_anonymous_switch_lasts_for_the_session_and_survives_logout(app, tenant_a):
    visitor = PortalClient(app, "en")
    visitor.post("/locale", {"locale": "zh_CN", "next": "/login"})
    assert "登录" in visitor.text("/login")
    visitor.login(tenant_a.owner_email, tenant_a.password)
    # The choice made on the login page outranks the English saved at sign-up.
    assert "仪表盘" in visitor.text("/")
    visitor.post("/logout")
    assert "你已退出登录。" in visitor.text("/login")


def test_tenant_default_applies_when_nobody_chose(app, tenant_a):
    email = add_user(tenant_a, "viewer", locale=None)
    with tenant_a.scope():
        service.update_tenant(default_locale="zh_CN")
    client = PortalClient(app)  # no Accept-Language at all
    client.login(email, PASSWORD)
    assert "仪表盘" in client.text("/")
    assert "Log in" in PortalClient(app, "en").text("/login")  # not logged in: no tenant


def test_unknown_language_is_refused_with_the_field_named(portal, tenant_a):
    resp = portal(tenant_a).post("/locale", {"locale": "xx"})
    assert resp.status_code == 422
    assert "locale" in visible_text(resp.get_data(as_text=True))


def test_service_messages_are_translated(app, tenant_a):
    client = PortalClient(app, "zh-CN")
    resp = client.post("/login", {"email": tenant_a.owner_email, "password": "wrong password"})
    assert "电子邮箱或密码不正确" in visible_text(resp.get_data(as_text=True))
    resp = client.post(
        "/signup",
        {
            "company": "公司",
            "email": "x@example.test",
            "password": "short",
            "currency": "CNY",
            "timezone": "Mars/Base",
            "locale": "zh_CN",
        },
    )
    text = visible_text(resp.get_data(as_text=True))
    assert "至少 10 个字符" in text and "Mars/Base 不是 IANA 时区" in text
