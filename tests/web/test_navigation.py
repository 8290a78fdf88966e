"""Navigation shows what a role may open and nothing else; every view checks the role."""

from __future__ import annotations

import re

from web import nav
from web.nav import NavItem


def _nav_labels(client) -> list[str]:
    body = client.get("/").get_data(as_text=True)
    sidebar = re.search(r'<nav class="sidebar".*?</nav>', body, re.DOTALL).group(0)
    return re.findall(r"<a [^>]*>([^<]+)</a>", sidebar)


def test_owner_sees_every_section_of_the_frame(portal, tenant_a, tenant_b):
    labels = _nav_labels(portal(tenant_a))
    assert labels[0] == "Dashboard"
    for label in ("Jobs", "Audit log", "Settings"):
        assert label in labels


def test_roles_decide_the_navigation(portal, tenant_a, tenant_b):
    viewer = _nav_labels(portal(tenant_a, "viewer"))
    assert "Jobs" in viewer and "Settings" not in viewer and "Audit log" not in viewer
    finance = _nav_labels(portal(tenant_a, "finance"))
    assert "Audit log" in finance and "Settings" not in finance


def test_entries_of_sections_that_do_not_exist_are_hidden(portal, tenant_a, monkeypatch):
    monkeypatch.setattr(nav, "NAV", nav.NAV + (NavItem("Ghost section", "ghost.index", "jobs:read"),))
    assert "Ghost section" not in _nav_labels(portal(tenant_a))


def test_views_refuse_roles_without_the_permission(portal, tenant_a):
    viewer = portal(tenant_a, "viewer")
    for path in ("/settings/", "/settings/users", "/settings/api-keys", "/audit/", "/audit/deliveries"):
        resp = viewer.get(path)
        assert resp.status_code == 403, path
        assert "Not allowed" in resp.get_data(as_text=True)
    warehouse = portal(tenant_a, "warehouse")
    assert warehouse.get("/jobs/").status_code == 200
    assert warehouse.get("/audit/").status_code == 403
    finance = portal(tenant_a, "finance")
    assert finance.get("/audit/").status_code == 200
    assert finance.post("/settings/", {"name": "X"}).status_code == 403


def test_settings_tabs_mark_the_current_page(portal, tenant_a):
    body = portal(tenant_a).get("/settings/users/new").get_data(as_text=True)
    tabs = re.search(r'<nav class="tabs".*?</nav>', body, re.DOTALL).group(0)
    assert re.search(r'class="active"[^>]*>Users<', tabs)
    assert not re.search(r'class="active"[^>]*>API keys<', tabs)
