"""Product images: uploaded files kept per tenant under the instance directory, or URLs.

Files live at `<instance>/uploads/<tenant_id>/catalog/<image id>.<ext>`. The name is ours and
the type is read from the file's first bytes, never from the client's filename or header, and
only raster formats are accepted (an SVG can carry script). A file written for a transaction
that never commits is removed again, and a deleted image's file goes only once the deletion commits.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlparse

from sqlalchemy import event
from sqlalchemy.orm import Session

from core import validation as f
from core.catalog.events import ProductImageAdded, ProductImageRemoved
from core.catalog.models import Product, ProductImage
from core.config import instance_dir
from core.db import session, uuid7
from core.errors import ValidationError
from core.events import emit
from core.messages import Msg
from core.tenancy import current_tenant_id

MAX_BYTES = 10 * 1024 * 1024
MAX_IMAGES = 50
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)


def _sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def tenant_root(tenant_id: uuid.UUID | None = None) -> Path:
    return instance_dir() / "uploads" / str(tenant_id or current_tenant_id())


def file_path(image: ProductImage) -> Path:
    if not image.storage_key:
        raise ValueError(Msg("catalog.image_is_url"))
    return tenant_root(image.tenant_id) / image.storage_key


def add_upload(
    product: Product, stream: BinaryIO, filename: str | None, sku_id: uuid.UUID | None = None
) -> ProductImage:
    """Store an uploaded image of a product (the caller checked the product is editable)."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError.field("file", Msg("catalog.image_larger_than_mb", megabytes=MAX_BYTES // (1024 * 1024)))
    if not data:
        raise ValidationError.field("file", Msg("catalog.file_empty"))
    kind = _sniff(data[:16])
    if kind is None:
        raise ValidationError.field("file", Msg("catalog.image_type"))
    content_type, ext = kind
    image = _new_image(product, sku_id)
    image.storage_key = f"catalog/{image.id.hex}.{ext}"
    image.content_type, image.size_bytes = content_type, len(data)
    image.filename = os.path.basename((filename or "").replace("\\", "/"))[:200]
    path = tenant_root() / image.storage_key
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    session().info.setdefault("catalog_files_written", []).append(path)
    _added(product, image)
    return image


def add_url(product: Product, url: str, sku_id: uuid.UUID | None = None) -> ProductImage:
    errors = f.Errors()
    url = f.text(errors, "url", url, max_len=2000, required=True)
    parsed = urlparse(url)
    if url and (parsed.scheme not in ("http", "https") or not parsed.netloc):
        errors.add("url", Msg("catalog.http_address"))
    errors.raise_if_any()
    image = _new_image(product, sku_id)
    image.url = url
    _added(product, image)
    return image


def _new_image(product: Product, sku_id: uuid.UUID | None) -> ProductImage:
    if len(product.images) >= MAX_IMAGES:
        raise ValidationError.field("file", Msg("catalog.product_has_at_most", max_images=MAX_IMAGES))
    if sku_id is not None and sku_id not in {s.id for s in product.skus}:
        raise ValidationError.field("sku_id", Msg("catalog.not_sku_this_product", sku_id=sku_id))
    return ProductImage(
        id=uuid7(), sku_id=sku_id, filename="", position=max((i.position for i in product.images), default=0) + 1
    )


def _added(product: Product, image: ProductImage) -> None:
    product.images.append(image)
    session.flush()
    emit(
        "product.image_added",
        ProductImageAdded(product_id=product.id, image_id=image.id, sku_id=image.sku_id),
        entity_type="product",
        entity_id=product.id,
    )


def remove(product: Product, image: ProductImage) -> None:
    forget_file(image)
    product.images.remove(image)
    session.flush()
    emit(
        "product.image_removed",
        ProductImageRemoved(product_id=product.id, image_id=image.id),
        entity_type="product",
        entity_id=product.id,
    )


def forget_file(image: ProductImage) -> None:
    """Delete the image's file once the transaction that removes its row commits."""
    if image.storage_key:
        session().info.setdefault("catalog_files_removed", []).append(file_path(image))


@event.listens_for(Session, "after_commit")
def _after_commit(s: Session) -> None:
    s.info.pop("catalog_files_written", None)
    for path in s.info.pop("catalog_files_removed", []):
        Path(path).unlink(missing_ok=True)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(s: Session, transaction: Any) -> None:
    # Files still listed when the outermost transaction ends were never committed (a rollback,
    # or a session closed by an unexpected error): remove them.
    if transaction.parent is not None:
        return
    s.info.pop("catalog_files_removed", None)
    for path in s.info.pop("catalog_files_written", []):
        Path(path).unlink(missing_ok=True)


def image_url(image: ProductImage) -> str:
    if image.url:
        return image.url
    return f"/api/v1/products/{image.product_id}/images/{image.id}/file"


def describe(image: ProductImage) -> dict[str, Any]:
    return {
        "id": image.id,
        "sku_id": image.sku_id,
        "position": image.position,
        "url": image_url(image),
        "kind": "upload" if image.storage_key else "url",
        "content_type": image.content_type,
        "size_bytes": image.size_bytes,
        "filename": image.filename,
    }
