"""Small helpers every purchasing use case shares: who is acting, the tenant's calendar and
currency, row locks, labels of SKUs and warehouses for messages and payloads."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.db import session, utcnow
from core.errors import NotFound
from core.tenancy import current_actor, current_tenant_id

T = TypeVar("T")


def scale(value: Decimal, places: int) -> Decimal:
    """A value as its column stores it (Numeric scale `places`), so what a write returns reads
    the same as what a later read returns."""
    return value.quantize(Decimal(1).scaleb(-places))


def actor_label() -> str:
    return str(current_actor())[:200]


def actor_identity() -> str:
    """Who is acting, as a stable "kind:id" (labels can be renamed; ids cannot). An API key a
    user created acts for that user, so one person cannot approve twice by switching from the
    portal to their key."""
    actor = current_actor()
    if actor.kind == "api_key" and actor.id:
        from tenants.models import ApiKey

        creator = session.execute(select(ApiKey.created_by).where(ApiKey.id == uuid.UUID(actor.id))).scalar()
        if creator is not None:
            return f"user:{creator}"
    return f"{actor.kind}:{actor.id or actor.label}"[:200]


def _tenant() -> Any:
    from tenants.models import Tenant

    cache = session().info.setdefault("purchasing.tenant", {})
    tid = current_tenant_id()
    if tid not in cache:
        row = session.execute(select(Tenant.functional_currency, Tenant.timezone).where(Tenant.id == tid)).one()
        cache[tid] = (row.functional_currency, row.timezone)
    return cache[tid]


def functional_currency() -> str:
    return _tenant()[0]


def tenant_zone() -> ZoneInfo:
    try:
        return ZoneInfo(_tenant()[1])
    except Exception:  # noqa: BLE001 - an unknown zone name falls back to UTC rather than failing a receipt
        return ZoneInfo("UTC")


def local_date(moment: datetime | None = None) -> date:
    """The calendar date of `moment` (default now) in the tenant's time zone."""
    return (moment or utcnow()).astimezone(tenant_zone()).date()


def as_uuid(value: Any, entity: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise NotFound(entity, value) from None


def locked(model: type[T], ident: Any, entity: str) -> T:
    """The row, locked until the transaction ends, so two concurrent actions on one document
    run one after the other and the second sees the first's outcome."""
    row = session.execute(select(model).where(model.id == as_uuid(ident, entity))  # type: ignore[attr-defined]
                          .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        raise NotFound(entity, ident)
    return row


def get(model: type[T], ident: Any, entity: str) -> T:
    row = session.execute(select(model).where(model.id == as_uuid(ident, entity))).scalar_one_or_none()  # type: ignore[attr-defined]
    if row is None:
        raise NotFound(entity, ident)
    return row


def sku_names(sku_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    """(code, product title) per SKU, for documents, payloads and labels."""
    from core.catalog.models import Product, Sku

    ids = set(sku_ids)
    if not ids:
        return {}
    rows = session.execute(select(Sku.id, Sku.code, Sku.options, Product.title_en, Product.title_zh)
                           .join(Product, Product.id == Sku.product_id).where(Sku.id.in_(ids))).all()
    out = {}
    for sku_id, code, options, title_en, title_zh in rows:
        title = title_en or title_zh or ""
        variant = " / ".join(str(v) for v in (options or {}).values())
        out[sku_id] = (code or str(sku_id), f"{title} ({variant})" if variant and title else (title or variant))
    return out


def sku_code(sku_id: uuid.UUID) -> str:
    return sku_names([sku_id]).get(sku_id, (str(sku_id), ""))[0]


def warehouse_codes(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    from core.inventory.models import Warehouse

    ids = set(ids)
    if not ids:
        return {}
    return dict(session.execute(select(Warehouse.id, Warehouse.code).where(Warehouse.id.in_(ids))).all())


def supplier_labels(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    from core.suppliers.models import Supplier

    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {sid: f"{code} {name}" if code else name for sid, code, name in
            session.execute(select(Supplier.id, Supplier.code, Supplier.name).where(Supplier.id.in_(ids))).all()}


def require_destination(warehouse_id: Any) -> Any:
    """An active warehouse of the tenant that goods can be bought into."""
    from core.errors import ValidationError
    from core.inventory.models import Warehouse

    try:
        ident = as_uuid(warehouse_id, "warehouse")
    except NotFound:
        raise ValidationError.field("warehouse_id", "is not a warehouse id") from None
    wh = session.execute(select(Warehouse).where(Warehouse.id == ident)).scalar_one_or_none()
    if wh is None:
        raise ValidationError.field("warehouse_id", "no such warehouse")
    if not wh.active:
        raise ValidationError.field("warehouse_id", f"warehouse {wh.code} is inactive")
    if wh.type == "virtual":
        raise ValidationError.field("warehouse_id", f"warehouse {wh.code} is virtual; goods cannot be delivered there")
    return wh
