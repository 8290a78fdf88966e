"""Settings of the catalogue: the code patterns of SPUs and SKUs."""

from __future__ import annotations

from sqlalchemy import select

from core import validation as f
from core.catalog import codes
from core.catalog.models import CatalogSettings
from core.db import session


def get_settings() -> CatalogSettings:
    row = session.execute(select(CatalogSettings)).scalar_one_or_none()
    return row if row is not None else CatalogSettings(spu_pattern="SPU{seq:6}", sku_pattern="{spu}-{variant}")


def update_settings(*, spu_pattern: str | None = None, sku_pattern: str | None = None) -> CatalogSettings:
    errors = f.Errors()
    for field, value, kind in (("spu_pattern", spu_pattern, "spu"), ("sku_pattern", sku_pattern, "sku")):
        if value is not None:
            problem = codes.check_pattern(value.strip(), kind)
            if problem:
                errors.add(field, problem)
    errors.raise_if_any()
    row = session.execute(select(CatalogSettings)).scalar_one_or_none()
    if row is None:
        row = get_settings()
        session.add(row)
    if spu_pattern is not None:
        row.spu_pattern = spu_pattern.strip()
    if sku_pattern is not None:
        row.sku_pattern = sku_pattern.strip()
    session.flush()
    return row
