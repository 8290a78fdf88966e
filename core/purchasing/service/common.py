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
from core.messages import Msg
from core.tenancy import current_actor

T = TypeVar("T")


def scale(value: Decimal, places: int) -> Decimal:
    """A value as its column stores it (Numeric scale `places`), so what a write returns reads
    the same as what a later read returns."""
    return value.quantize(Decimal(1).scaleb(-places))


def actor_label() -> str:
    return str(current_actor())[:200]


def actor_identity() -> str:
    """Who is acting, as a stable "kind:id" (tenants.service.actor_identity: an API key a user
    created acts for that user, so one person cannot approve twice by switching from the
    portal to their key)."""
    from tenants.service import actor_identity as identity

    return identity()


def require_separate_approver(submitted_by: str | None, what: str) -> None:
    """403 when the tenant's separation of duties is on and the submitter approves."""
    from tenants.service import require_separate_approver as require

    require(submitted_by, what)


def functional_currency() -> str:
    from tenants.service import functional_currency

    return functional_currency()


def tenant_zone() -> ZoneInfo:
    from tenants.service import tenant_facts

    try:
        return ZoneInfo(tenant_facts().timezone)
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


def get(model: type[T], ident: Any, entity: str) -> T:
    row = session.execute(select(model).where(model.id == as_uuid(ident, entity))).scalar_one_or_none()  # type: ignore[attr-defined]
    if row is None:
        raise NotFound(entity, ident)
    return row


def sku_names(sku_ids: Iterable[uuid.UUID], chinese: bool = False) -> dict[uuid.UUID, tuple[str, str]]:
    """(code, product title) per SKU, for documents, payloads and labels (the Chinese title
    first for a Chinese reader)."""
    from core.catalog import service as catalog

    return catalog.sku_titles(sku_ids, chinese=chinese)


def sku_code(sku_id: uuid.UUID) -> str:
    return sku_names([sku_id]).get(sku_id, (str(sku_id), ""))[0]


def warehouse_codes(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    from core.inventory import service as inventory

    ids = set(ids)
    if not ids:
        return {}
    return inventory.warehouse_codes(ids)


def supplier_labels(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    from core.suppliers import service as suppliers

    return suppliers.supplier_labels(ids)


def require_destination(warehouse_id: Any) -> Any:
    """An active warehouse of the tenant that goods can be bought into."""
    from core.errors import ValidationError
    from core.inventory import service as inventory

    try:
        ident = as_uuid(warehouse_id, "warehouse")
    except NotFound:
        raise ValidationError.field("warehouse_id", Msg("purchasing.not_warehouse_id")) from None
    wh = inventory.warehouse(ident)
    if wh is None:
        raise ValidationError.field("warehouse_id", Msg("no_such_warehouse"))
    if not wh.active:
        raise ValidationError.field("warehouse_id", Msg("inventory.warehouse_inactive", code=wh.code))
    if wh.type == "virtual":
        raise ValidationError.field("warehouse_id", Msg("purchasing.warehouse_virtual_goods_cannot", code=wh.code))
    return wh
