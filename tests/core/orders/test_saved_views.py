"""Saved order views are personal: any reader of orders keeps their own, and nobody but their
owner sees or deletes them. Shared views are the team's and need orders:write to create or
delete (docs/api.md, "Saved order views")."""

from __future__ import annotations

from tests.support import body


def test_a_viewer_keeps_personal_views_and_touches_nobody_elses(tenant_a, tenant_b):
    viewer, other_viewer = tenant_a.client_with_roles("viewer"), tenant_a.client_with_roles("viewer", "finance")
    mine = body(viewer.post("order-views", {"name": "Mine", "filters": {"status": "on_hold"}}))
    theirs = body(other_viewer.post("order-views", {"name": "Theirs", "filters": {"country": "US"}}))
    shared = body(tenant_a.api.post("order-views", {"name": "Team", "filters": {}, "shared": True}))
    assert [v["name"] for v in body(viewer.get("order-views"))] == ["Mine", "Team"]
    # Another user's personal view does not exist for the viewer.
    assert viewer.get(f"order-views/{theirs['id']}").status_code == 404
    assert viewer.delete(f"order-views/{theirs['id']}").status_code == 404
    # A shared view is read by all and deleted only with orders:write.
    assert viewer.get(f"order-views/{shared['id']}").status_code == 200
    refused = viewer.delete(f"order-views/{shared['id']}")
    assert refused.status_code == 403 and "orders:write" in body(refused)["message"]
    # Another tenant sees none of them.
    stranger = tenant_b.client_with_roles("owner")
    for view in (mine, theirs, shared):
        assert stranger.get(f"order-views/{view['id']}").status_code == 404
        assert stranger.delete(f"order-views/{view['id']}").status_code == 404
    assert body(stranger.get("order-views")) == []
    # Everything is still there, and the viewer can delete their own.
    assert other_viewer.get(f"order-views/{theirs['id']}").status_code == 200
    assert tenant_a.api.get(f"order-views/{shared['id']}").status_code == 200
    assert viewer.delete(f"order-views/{mine['id']}").status_code == 204
