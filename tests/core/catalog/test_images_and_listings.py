"""Product images (uploaded files per tenant, or URLs) and channel listing mappings."""

from __future__ import annotations

import io
import struct
import zlib

import pytest

from core.catalog import service
from core.config import instance_dir
from tests.core.catalog.factories import approved_kit, approved_sku
from tests.support import body


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"\x00\xff\x00\x00"  # one red pixel
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def upload(tenant, product_id, data, name="photo.png", **form):
    return tenant.api.request(
        "POST",
        f"products/{product_id}/images",
        None,
        data={"file": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data",
    )


def test_uploaded_images_are_stored_per_tenant_and_served_only_to_it(tenants):
    a, b = tenants
    product = body(a.api.post("products", {"title_en": "Lamp"}))
    pid, sku_id = product["id"], product["skus"][0]["id"]
    resp = upload(a, pid, png_bytes(), name="../../etc/passwd.png", sku_id=sku_id)
    assert resp.status_code == 201, body(resp)
    image = body(resp)
    assert image["kind"] == "upload" and image["content_type"] == "image/png" and image["sku_id"] == sku_id
    assert image["filename"] == "passwd.png"
    stored = list((instance_dir() / "uploads" / str(a.id) / "catalog").iterdir())
    assert [p.name for p in stored] == [f"{image['id'].replace('-', '')}.png"]

    resp = a.api.get(image["url"])
    assert resp.status_code == 200 and resp.data == png_bytes()
    assert resp.headers["Content-Type"] == "image/png" and resp.headers["X-Content-Type-Options"] == "nosniff"
    assert b.api.get(image["url"]).status_code == 404

    resp = a.api.post(f"products/{pid}/image-urls", {"url": "https://cdn.example.com/lamp.jpg"})
    assert resp.status_code == 201 and body(resp)["url"] == "https://cdn.example.com/lamp.jpg"
    assert a.api.post(f"products/{pid}/image-urls", {"url": "javascript:alert(1)"}).status_code == 422
    assert [i["kind"] for i in body(a.api.get(f"products/{pid}"))["images"]] == ["upload", "url"]

    # Only images: the file's bytes decide, not its name.
    resp = upload(a, pid, b"<svg onload=alert(1)>", name="x.png")
    assert resp.status_code == 422 and "PNG, JPEG, GIF or WebP" in body(resp)["errors"]["file"][0]
    assert upload(b, pid, png_bytes()).status_code == 404

    # Deleting removes the file after the commit.
    assert a.api.delete(f"products/{pid}/images/{image['id']}").status_code == 204
    assert not stored[0].exists()
    assert a.api.get(image["url"]).status_code == 404

    # Images are content: fixed once the product is submitted.
    a.api.post(f"products/{pid}/submit", {})
    resp = upload(a, pid, png_bytes())
    assert resp.status_code == 409 and "it is submitted" in body(resp)["message"]


def test_a_failed_request_leaves_no_file_behind(tenant_a, monkeypatch):
    from core.catalog import images

    product = body(tenant_a.api.post("products", {"title_en": "Vase"}))
    folder = instance_dir() / "uploads" / str(tenant_a.id) / "catalog"
    before = set(folder.iterdir()) if folder.exists() else set()

    def boom(*_a, **_k):
        raise RuntimeError("event store down")

    monkeypatch.setattr(images, "emit", boom)
    with pytest.raises(RuntimeError):
        upload(tenant_a, product["id"], png_bytes())
    after = set(folder.iterdir()) if folder.exists() else set()
    assert after == before
    assert body(tenant_a.api.get(f"products/{product['id']}"))["images"] == []


def _connection(tenant, name="Shop"):
    resp = tenant.api.post(
        "connections",
        {
            "kind": "channel",
            "plugin": "dummy",
            "display_name": name,
            "settings": {"shop": "s", "api_token": "good-token"},
        },
    )
    assert resp.status_code == 201, body(resp)
    return body(resp)["id"]


def test_listing_mappings_resolve_seller_skus_to_skus_packs_and_bundles(tenants):
    a, b = tenants
    shop, other_shop = _connection(a), _connection(a, "Second shop")
    cup = approved_sku(a, "CUP")
    lid = approved_sku(a, "LID")
    bundle = approved_kit(a, {cup: 2, lid: 1}, code="CUP-SET")

    resp = a.api.post(
        "listing-mappings", {"connection_id": shop, "seller_sku": "AMZ-CUP-3PK", "sku_id": str(cup), "quantity": 3}
    )
    assert resp.status_code == 201, body(resp)
    mapping = body(resp)
    assert mapping["sku_code"] == "CUP" and mapping["quantity"] == 3
    assert (
        a.api.post(
            "listing-mappings", {"connection_id": shop, "seller_sku": "AMZ-SET", "sku_id": str(bundle)}
        ).status_code
        == 201
    )

    with a.scope():
        pack = service.resolve_listing(shop, "AMZ-CUP-3PK")
        assert (pack.sku_id, pack.quantity, pack.kit_type) == (cup, 3, None)
        kit = service.resolve_listing(shop, "AMZ-SET")
        assert kit.sku_id == bundle and kit.kit_type == "virtual"
        assert service.kit_components(kit.sku_id) == [(cup, 2), (lid, 1)]
        # Per connection: the other shop has no such mapping, but a seller SKU equal to a SKU
        # code resolves one for one.
        assert service.resolve_listing(other_shop, "AMZ-CUP-3PK") is None
        same = service.resolve_listing(other_shop, "LID")
        assert same.sku_id == lid and same.quantity == 1 and same.mapping_id is None

    resp = a.api.get(f"listing-mappings/resolve?connection_id={shop}&seller_sku=AMZ-SET")
    assert body(resp)["components"] == [
        {"sku_id": str(cup), "sku_code": "CUP", "quantity": 2},
        {"sku_id": str(lid), "sku_code": "LID", "quantity": 1},
    ]
    assert a.api.get(f"listing-mappings/resolve?connection_id={shop}&seller_sku=NOPE").status_code == 404

    # One mapping per seller SKU and connection; bad references name their field.
    resp = a.api.post("listing-mappings", {"connection_id": shop, "seller_sku": "AMZ-SET", "sku_id": str(cup)})
    assert resp.status_code == 409 and "already mapped to SKU CUP-SET" in body(resp)["message"]
    b_shop = _connection(b)
    b_sku = approved_sku(b, "B-CUP")
    resp = a.api.post(
        "listing-mappings", {"connection_id": b_shop, "seller_sku": "X", "sku_id": str(b_sku), "quantity": 0}
    )
    errors = body(resp)["errors"]
    assert resp.status_code == 422
    assert set(errors) == {"connection_id", "sku_id", "quantity"}

    # Remap, list, delete; tenant B sees none of it.
    resp = a.api.patch(f"listing-mappings/{mapping['id']}", {"quantity": 6})
    assert body(resp)["quantity"] == 6
    assert [m["seller_sku"] for m in body(a.api.get(f"listing-mappings?connection_id={shop}"))] == [
        "AMZ-CUP-3PK",
        "AMZ-SET",
    ]
    assert body(b.api.get("listing-mappings")) == []
    assert b.api.get(f"listing-mappings/resolve?connection_id={shop}&seller_sku=AMZ-SET").status_code == 404
    assert a.api.delete(f"listing-mappings/{mapping['id']}").status_code == 204
    names = [e["name"] for e in body(a.api.get("events?entity_type=listing_mapping"))]
    assert sorted(names) == ["listing.mapped", "listing.mapped", "listing.remapped", "listing.unmapped"]

    # Operations staff map listings but cannot edit products.
    ops = a.client_with_roles("operations")
    assert (
        ops.post("listing-mappings", {"connection_id": shop, "seller_sku": "OPS-1", "sku_id": str(lid)}).status_code
        == 201
    )
    assert ops.post("products", {"title_en": "x"}).status_code == 403
