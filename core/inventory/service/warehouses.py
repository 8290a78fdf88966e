"""Warehouses, their bins, and per-SKU settings (safety stock, home bin)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from core import events
from core.db import get_or_none, session, uuid7
from core.errors import Conflict, NotFound, ValidationError
from core.inventory.events import WarehouseCreated, WarehouseUpdated
from core.inventory.models import WAREHOUSE_TYPES, Location, SkuSetting, Warehouse
from core.inventory.service import skus
from core.inventory.service.engine import check_safety, ensure_balances
from core.messages import Msg
from core.validation import COUNTRIES

ADDRESS_FIELDS = (
    "contact_name",
    "company",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
)
EDITABLE = (
    "code",
    "name",
    "type",
    "operator",
    "marketplace",
    "connection_id",
    "priority",
    "active",
    "country",
    "note",
    *ADDRESS_FIELDS,
)


def list_warehouses(*, active: bool | None = None, type: str | None = None, q: str | None = None) -> Any:  # noqa: A002
    stmt = select(Warehouse).order_by(Warehouse.priority, Warehouse.code)
    if active is not None:
        stmt = stmt.where(Warehouse.active.is_(active))
    if type:
        stmt = stmt.where(Warehouse.type == type)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(Warehouse.code.ilike(like) | Warehouse.name.ilike(like))
    return stmt


def get_warehouse(warehouse_id: uuid.UUID | str) -> Warehouse:
    wh = get_or_none(Warehouse, warehouse_id)
    if wh is None:
        raise NotFound("warehouse", warehouse_id)
    return wh


def _validate(wh: Warehouse) -> None:
    errors: dict[str, list[str]] = {}
    if not (wh.code or "").strip():
        errors["code"] = [Msg("required")]
    if not (wh.name or "").strip():
        errors["name"] = [Msg("required")]
    if wh.type not in WAREHOUSE_TYPES:
        errors["type"] = [Msg("one_of", choices=", ".join(WAREHOUSE_TYPES))]
    if wh.country not in COUNTRIES:
        errors["country"] = [Msg("stock.country_code")]
    if wh.type == "platform" and not wh.marketplace:
        errors["marketplace"] = [Msg("stock.platform_marketplace")]
    if wh.connection_id is not None:
        from tenants.service import connection_facts

        # Without autoflush: flushing the changed warehouse first would send a connection id
        # that names nothing to the foreign key (a 409) instead of this answer.
        with session.no_autoflush:
            if connection_facts(wh.connection_id) is None:
                errors["connection_id"] = [Msg("stock.no_such_connection")]
    if errors:
        raise ValidationError(errors)
    clash = session.execute(select(Warehouse.id).where(Warehouse.code == wh.code, Warehouse.id != wh.id)).first()
    if clash:
        raise Conflict(Msg("inventory.warehouse_with_code_already", code=wh.code), {"code": [Msg("already_used")]})


def create_warehouse(**data: Any) -> Warehouse:
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationError({k: [Msg("unknown_field")] for k in unknown})
    wh = Warehouse(id=uuid7(), **{"priority": 100, "active": True, **data})
    if isinstance(wh.country, str):
        wh.country = wh.country.upper()
    _validate(wh)
    session.add(wh)
    session.flush()
    events.emit(
        "warehouse.created",
        WarehouseCreated(warehouse_id=wh.id, code=wh.code, type=wh.type, country=wh.country),
        entity_type="warehouse",
        entity_id=wh.id,
    )
    return wh


def update_warehouse(warehouse_id: uuid.UUID, **changes: Any) -> Warehouse:
    wh = get_warehouse(warehouse_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({k: [Msg("unknown_field")] for k in unknown})
    for name, value in changes.items():
        setattr(wh, name, value.upper() if name == "country" and isinstance(value, str) else value)
    _validate(wh)
    session.flush()
    events.emit(
        "warehouse.updated",
        WarehouseUpdated(warehouse_id=wh.id, changed=tuple(sorted(changes))),
        entity_type="warehouse",
        entity_id=wh.id,
    )
    return wh


# ---------------------------------------------------------------------------------------------
# Bins


def list_locations(warehouse_id: uuid.UUID, *, active: bool | None = None) -> Any:
    get_warehouse(warehouse_id)
    stmt = select(Location).where(Location.warehouse_id == warehouse_id).order_by(Location.code)
    if active is not None:
        stmt = stmt.where(Location.active.is_(active))
    return stmt


def get_location(location_id: uuid.UUID) -> Location:
    loc = get_or_none(Location, location_id)
    if loc is None:
        raise NotFound("location", location_id)
    return loc


def _check_location_code(loc: Location) -> None:
    if not (loc.code or "").strip():
        raise ValidationError.field("code", Msg("required"))
    clash = session.execute(
        select(Location.id).where(
            Location.warehouse_id == loc.warehouse_id, Location.code == loc.code, Location.id != loc.id
        )
    ).first()
    if clash:
        raise Conflict(Msg("inventory.bin_already_exists_in", code=loc.code), {"code": [Msg("already_used")]})


def create_location(warehouse_id: uuid.UUID, *, code: str, name: str = "", active: bool = True) -> Location:
    get_warehouse(warehouse_id)
    loc = Location(id=uuid7(), warehouse_id=warehouse_id, code=code.strip(), name=name, active=active)
    _check_location_code(loc)
    session.add(loc)
    session.flush()
    return loc


def update_location(location_id: uuid.UUID, **changes: Any) -> Location:
    loc = get_location(location_id)
    for name in ("code", "name", "active"):
        if name in changes:
            setattr(loc, name, changes[name].strip() if name == "code" else changes[name])
    _check_location_code(loc)
    session.flush()
    return loc


# ---------------------------------------------------------------------------------------------
# Per-SKU settings


def get_setting(sku_id: uuid.UUID, warehouse_id: uuid.UUID) -> SkuSetting | None:
    return session.execute(
        select(SkuSetting).where(SkuSetting.sku_id == sku_id, SkuSetting.warehouse_id == warehouse_id)
    ).scalar_one_or_none()


_UNSET: Any = object()


def set_sku_setting(
    sku_id: uuid.UUID,
    warehouse_id: uuid.UUID,
    *,
    safety_stock: int | None = None,
    location_id: uuid.UUID | None = _UNSET,
) -> SkuSetting:
    """Set the safety stock and/or the home bin of a SKU in a warehouse."""
    skus.check_stockable([sku_id])
    get_warehouse(warehouse_id)
    if safety_stock is not None and (
        isinstance(safety_stock, bool) or not isinstance(safety_stock, int) or safety_stock < 0
    ):
        raise ValidationError.field("safety_stock", Msg("whole_number_zero_or_more"))
    if location_id is not _UNSET and location_id is not None:
        if get_location(location_id).warehouse_id != warehouse_id:
            raise ValidationError.field("location_id", Msg("stock.bin_not_in_warehouse"))
    setting = get_setting(sku_id, warehouse_id)
    if setting is None:
        setting = SkuSetting(sku_id=sku_id, warehouse_id=warehouse_id, safety_stock=0)
        session.add(setting)
    if safety_stock is not None:
        setting.safety_stock = safety_stock
    if location_id is not _UNSET:
        setting.location_id = location_id
    session.flush()
    ensure_balances([(sku_id, warehouse_id)])
    check_safety([(sku_id, warehouse_id)])
    return setting
