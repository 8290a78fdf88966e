"""Categories: a tree kept as materialised paths (`/<id hex>/<id hex>/`)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from core import validation as f
from core.catalog.events import CategoryDeleted, CategoryState
from core.catalog.models import Category, Product
from core.db import get_or_none, session, uuid7
from core.errors import Conflict, NotFound, ValidationError
from core.events import emit
from core.messages import Msg


def list_categories() -> Any:
    return select(Category).order_by(Category.path)


def get_category(category_id: uuid.UUID | str) -> Category:
    row = get_or_none(Category, category_id)
    if row is None:
        raise NotFound("category", category_id)
    return row


def find_category_by_code(code: str) -> Category | None:
    return session.execute(select(Category).where(Category.code == (code or "").strip())).scalar_one_or_none()


def create_category(*, code: str, name_zh: str = "", name_en: str = "", parent_id: uuid.UUID | None = None) -> Category:
    errors = f.Errors()
    clean_code = f.code(errors, "code", code, max_len=32)
    if clean_code is None and "code" not in errors.errors:
        errors.add("code", Msg("required"))
    row = Category(
        id=uuid7(),
        code=clean_code or "",
        name_zh=f.text(errors, "name_zh", name_zh),
        name_en=f.text(errors, "name_en", name_en),
    )
    if not (row.name_zh or row.name_en):
        errors.add("name_zh", Msg("catalog.category_name_required"))
    parent = _parent(errors, parent_id)
    errors.raise_if_any()
    _ensure_category_code_free(row.code)
    row.parent_id = parent.id if parent else None
    row.path = (parent.path if parent else "/") + row.id.hex + "/"
    session.add(row)
    session.flush()
    emit("category.created", _category_payload(row), entity_type="category", entity_id=row.id)
    return row


def _parent(errors: f.Errors, parent_id: Any) -> Category | None:
    if parent_id in f.EMPTY:
        return None
    parent = get_or_none(Category, parent_id)
    if parent is None:
        errors.add("parent_id", Msg("catalog.no_category", parent_id=parent_id))
    return parent


def _ensure_category_code_free(code: str, except_id: uuid.UUID | None = None) -> None:
    existing = find_category_by_code(code)
    if existing is not None and existing.id != except_id:
        raise ValidationError.field("code", Msg("catalog.category_code_already_used", code=code))


def update_category(category_id: uuid.UUID, **changes: Any) -> Category:
    row = get_category(category_id)
    errors = f.Errors()
    new_code = row.code
    if "code" in changes:
        new_code = f.code(errors, "code", changes["code"], max_len=32)
        if new_code is None and "code" not in errors.errors:
            errors.add("code", Msg("required"))
    for field in ("name_zh", "name_en"):
        if field in changes:
            setattr(row, field, f.text(errors, field, changes[field]))
    parent = _parent(errors, changes.get("parent_id")) if "parent_id" in changes else None
    if parent is not None and parent.path.startswith(row.path):
        errors.add("parent_id", Msg("catalog.category_under_itself"))
    errors.raise_if_any()
    if new_code != row.code:
        _ensure_category_code_free(new_code, row.id)
        row.code = new_code
    new_parent_id = parent.id if parent else None
    if "parent_id" in changes and new_parent_id != row.parent_id:
        old_path = row.path
        new_path = (parent.path if parent else "/") + row.id.hex + "/"
        for node in session.execute(select(Category).where(Category.path.startswith(old_path))).scalars():
            node.path = new_path + node.path[len(old_path) :]
        row.parent_id = new_parent_id
    session.flush()
    emit("category.updated", _category_payload(row), entity_type="category", entity_id=row.id)
    return row


def delete_category(category_id: uuid.UUID) -> None:
    row = get_category(category_id)
    if session.execute(select(Category.id).where(Category.parent_id == row.id).limit(1)).first():
        raise Conflict(Msg("catalog.category_has_subcategories_move", code=row.code))
    if session.execute(select(Product.id).where(Product.category_id == row.id).limit(1)).first():
        raise Conflict(Msg("catalog.category_has_products_move", code=row.code))
    session.delete(row)
    session.flush()
    emit("category.deleted", CategoryDeleted(id=row.id, code=row.code), entity_type="category", entity_id=row.id)


def _category_payload(row: Category) -> CategoryState:
    return CategoryState(id=row.id, code=row.code, name_zh=row.name_zh, name_en=row.name_en, parent_id=row.parent_id)


def category_ids_under(category_id: uuid.UUID | str) -> Any:
    """A subquery of the category and all its descendants."""
    cat = get_category(category_id)
    return select(Category.id).where(Category.path.startswith(cat.path))
