"""Saved views in the portal are personal like in the API (tests/core/orders/test_saved_views.py)."""

from __future__ import annotations


def test_the_portal_keeps_views_personal(portal, tenant_a):
    from sqlalchemy import select

    from core.db import session
    from core.orders.models import OrderView

    viewer = portal(tenant_a, "viewer")
    colleague = portal(tenant_a, "viewer")
    assert viewer.post("/orders/views", {"name": "My holds", "status": "on_hold"}).status_code == 302
    assert colleague.post("/orders/views", {"name": "Theirs", "country": "US"}).status_code == 302
    assert viewer.post("/orders/views", {"name": "Team", "shared": "on"}).status_code == 302
    with tenant_a.scope():
        views = {v.name: v for v in session.execute(select(OrderView)).scalars()}
    assert set(views) == {"My holds", "Theirs"}, "sharing needs orders:write"
    assert "Theirs" not in viewer.text("/orders/")
    assert viewer.post(f"/orders/views/{views['Theirs'].id}/delete").status_code == 404
    assert viewer.post(f"/orders/views/{views['My holds'].id}/delete").status_code == 302
    with tenant_a.scope():
        assert set(session.execute(select(OrderView.name)).scalars()) == {"Theirs"}
