"""Use cases of suppliers. Plain Python: services add and flush, the door commits.

For other capabilities: `require_approved_supplier` and `supplier_price` (docs/catalog.md).

Review workflow, as for products:

    draft --submit--> submitted --approve--> approved --disable--> disabled
      ^  <--withdraw--    |                   |   ^ <--enable--------+
      |                   +--reject--> rejected|
      +----------------------revise-----------+

Basic and finance details change in draft and rejected only, because a changed receiving
account is exactly what a reviewer must see. Contacts and per-SKU prices are day-to-day data
and change at any time. The first approval assigns the supplier code (SUP-000001); only
approved suppliers can be used on purchase orders.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import or_, select

from core import validation as f
from core.catalog.service import get_sku, sku_label
from core.db import get_or_none, locked, session, utcnow
from core.errors import InvalidTransition, NotFound, ValidationError
from core.events import emit
from core.messages import Msg
from core.numbering import next_number
from core.suppliers import events
from core.suppliers.models import (
    COMPANY_TYPES,
    PAYMENT_METHODS,
    SETTLEMENT_MODES,
    SUPPLIER_KINDS,
    SUPPLIER_STATUSES,  # noqa: F401 - the portal reads the statuses here, not in the models
    Supplier,
    SupplierContact,
    SupplierPrice,
)
from core.tenancy import current_actor
from tenants.service import actor_identity, require_separate_approver

EDITABLE = ("draft", "rejected")
BASIC_TEXT = {
    "name": 200,
    "name_en": 200,
    "province": 100,
    "city": 100,
    "address": 500,
    "postcode": 20,
    "website": 500,
    "note": 5000,
}
FINANCE_TEXT = {"account_name": 200, "bank_name": 200}
CONTACT_TEXT = {"name": 200, "title": 100, "phone": 50, "email": 254, "wechat": 100, "qq": 20, "note": 500}
_ACCOUNT_RE = re.compile(r"^[A-Za-z0-9@._+\-]{4,100}$")


# ---------------------------------------------------------------------------------------------
# For other capabilities


def require_approved_supplier(supplier_id: uuid.UUID | str) -> Supplier:
    """The supplier, if it may be used on a purchase order: NotFound for unknown and other
    tenants' ids, ValidationError on field "supplier_id" naming the supplier otherwise."""
    supplier = get_supplier(supplier_id)
    if supplier.status != "approved":
        raise ValidationError.field(
            "supplier_id", Msg("suppliers.supplier_cannot_used_on", supplier=label(supplier), status=supplier.status)
        )
    return supplier


def supplier_price(supplier_id: uuid.UUID | str, sku_id: uuid.UUID | str) -> SupplierPrice | None:
    """The supplier's current quote for the SKU (price, currency, moq, lead_time_days), if any."""
    try:
        sid, kid = uuid.UUID(str(supplier_id)), uuid.UUID(str(sku_id))
    except ValueError:
        return None
    return session.execute(
        select(SupplierPrice).where(SupplierPrice.supplier_id == sid, SupplierPrice.sku_id == kid)
    ).scalar_one_or_none()


def label(supplier: Supplier) -> str:
    return f"{supplier.code} {supplier.name}" if supplier.code else supplier.name


def review_queue() -> Any:
    """Suppliers waiting for review, the longest waiting first (a statement to paginate)."""
    return supplier_query(status="submitted").order_by(None).order_by(Supplier.submitted_at, Supplier.id)


def supplier_labels(ids: Any) -> dict[uuid.UUID, str]:
    """{id: "CODE name"} of those suppliers, for other capabilities' documents and lists."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = session.execute(select(Supplier.id, Supplier.code, Supplier.name).where(Supplier.id.in_(ids))).all()
    return {sid: f"{code} {name}" if code else name for sid, code, name in rows}


def approved_choices() -> list[tuple[uuid.UUID, str, str]]:
    """(id, code, name) of every approved supplier, by name, for forms."""
    stmt = select(Supplier.id, Supplier.code, Supplier.name).where(Supplier.status == "approved")
    return [tuple(row) for row in session.execute(stmt.order_by(Supplier.name)).all()]


def approved_quotes(sku_ids: Any) -> list[SupplierPrice]:
    """Every quote of an approved supplier for those SKUs (what purchasing may buy on)."""
    ids = set(sku_ids)
    if not ids:
        return []
    return list(
        session.execute(
            select(SupplierPrice)
            .join(Supplier, Supplier.id == SupplierPrice.supplier_id)
            .where(SupplierPrice.sku_id.in_(ids), Supplier.status == "approved")
        ).scalars()
    )


def ids_by_name(among: Any) -> Any:
    """A statement selecting the ids of the suppliers among `among` (a subquery of supplier
    ids), by name, for another capability's paginated list."""
    return select(Supplier.id).where(Supplier.id.in_(among)).order_by(Supplier.name, Supplier.id)


def masked_account(supplier: Supplier) -> str | None:
    """The receiving account as every response shows it: "**** 1234"."""
    return f"**** {supplier.account_last4}" if supplier.account_last4 else None


# ---------------------------------------------------------------------------------------------
# Queries


def supplier_query(*, q: str | None = None, status: Any = None, kind: str | None = None) -> Any:
    stmt = select(Supplier)
    if q and q.strip():
        like = "%" + q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Supplier.name.ilike(like, escape="\\"),
                Supplier.name_en.ilike(like, escape="\\"),
                Supplier.code.ilike(like, escape="\\"),
            )
        )
    if status:
        stmt = stmt.where(Supplier.status.in_([status] if isinstance(status, str) else list(status)))
    if kind:
        stmt = stmt.where(Supplier.kind == kind)
    return stmt.order_by(Supplier.created_at.desc(), Supplier.id.desc())


def get_supplier(supplier_id: uuid.UUID | str) -> Supplier:
    row = get_or_none(Supplier, supplier_id)
    if row is None:
        raise NotFound("supplier", supplier_id)
    return row


def _locked(supplier_id: uuid.UUID | str) -> Supplier:
    return locked(Supplier, supplier_id, "supplier")


# ---------------------------------------------------------------------------------------------
# Editing


def create_supplier(data: dict[str, Any]) -> Supplier:
    """Create a supplier in draft, with its contacts. The currency defaults to the tenant's."""
    errors = f.Errors()
    supplier = Supplier(
        status="draft",
        kind="supplier",
        settlement_mode="prepaid",
        contacts=[],
        **{k: "" for k in (*BASIC_TEXT, *FINANCE_TEXT) if k != "name"},
    )
    if "currency" not in (data.get("finance") or {}):
        from tenants.service import current_tenant

        supplier.currency = current_tenant().functional_currency
    _apply(supplier, data, errors, creating=True)
    if "contacts" in data:
        supplier.contacts = _contacts(errors, data["contacts"])
    errors.raise_if_any()
    _ensure_name_free(supplier.name)
    session.add(supplier)
    session.flush()
    emit("supplier.created", payload(supplier), entity_type="supplier", entity_id=supplier.id)
    return supplier


def update_supplier(supplier_id: uuid.UUID | str, data: dict[str, Any]) -> Supplier:
    supplier = _locked(supplier_id)
    if supplier.status not in EDITABLE:
        hint = Msg("suppliers.only_drafts_changed")
        if supplier.status == "approved":
            hint = Msg("suppliers.only_drafts_changed_revise")
        raise InvalidTransition("supplier", supplier.status, "edit", hint)
    errors = f.Errors()
    _apply(supplier, data, errors, creating=False)
    errors.raise_if_any()
    _ensure_name_free(supplier.name, supplier.id)
    session.flush()
    emit("supplier.updated", payload(supplier), entity_type="supplier", entity_id=supplier.id)
    return supplier


def delete_supplier(supplier_id: uuid.UUID | str) -> None:
    """Delete a supplier that never got approved (an approved one is disabled instead)."""
    supplier = _locked(supplier_id)
    if supplier.status not in EDITABLE or supplier.code:
        raise InvalidTransition(
            "supplier",
            supplier.status,
            "delete",
            Msg("suppliers.only_drafts_deleted"),
        )
    body = payload(supplier)
    session.delete(supplier)
    session.flush()
    emit("supplier.deleted", body, entity_type="supplier", entity_id=supplier.id)


def _ensure_name_free(name: str, except_id: uuid.UUID | None = None) -> None:
    stmt = select(Supplier.id).where(Supplier.name == name)
    if except_id:
        stmt = stmt.where(Supplier.id != except_id)
    if session.execute(stmt.limit(1)).first():
        raise ValidationError.field("name", Msg("suppliers.supplier_named_already_exists", name=name))


def _apply(supplier: Supplier, data: dict[str, Any], errors: f.Errors, *, creating: bool) -> None:
    if "kind" in data or creating:
        supplier.kind = (
            f.choice(errors, "kind", data.get("kind", "supplier"), SUPPLIER_KINDS, required=True) or supplier.kind
        )
    for field, max_len in BASIC_TEXT.items():
        if field in data or (creating and field == "name"):
            setattr(supplier, field, f.text(errors, field, data.get(field), max_len=max_len, required=field == "name"))
    if "country" in data:
        supplier.country = f.country(errors, "country", data["country"])
    if "registration_date" in data:
        supplier.registration_date = f.a_date(errors, "registration_date", data["registration_date"])
    if "company_type" in data:
        supplier.company_type = f.choice(errors, "company_type", data["company_type"], COMPANY_TYPES)
    finance = data.get("finance")
    if finance is not None:
        if not isinstance(finance, dict):
            errors.add("finance", Msg("use_object"))
        else:
            _apply_finance(supplier, finance, errors)
    if supplier.settlement_mode == "periodic" and not supplier.settlement_days:
        if "finance.settlement_days" not in errors.errors:
            errors.add("finance.settlement_days", Msg("suppliers.settlement_days"))
    if supplier.settlement_mode != "periodic":
        supplier.settlement_days = None


def _apply_finance(supplier: Supplier, finance: dict[str, Any], errors: f.Errors) -> None:
    if "payment_method" in finance:
        supplier.payment_method = f.choice(errors, "finance.payment_method", finance["payment_method"], PAYMENT_METHODS)
    for field, max_len in FINANCE_TEXT.items():
        if field in finance:
            setattr(supplier, field, f.text(errors, f"finance.{field}", finance[field], max_len=max_len))
    if "account_number" in finance:
        _set_account(supplier, finance["account_number"], errors)
    if "currency" in finance:
        supplier.currency = (
            f.currency(errors, "finance.currency", finance["currency"], required=True) or supplier.currency
        )
    if "settlement_mode" in finance:
        supplier.settlement_mode = (
            f.choice(errors, "finance.settlement_mode", finance["settlement_mode"], SETTLEMENT_MODES, required=True)
            or supplier.settlement_mode
        )
    if "settlement_days" in finance:
        supplier.settlement_days = f.integer(
            errors, "finance.settlement_days", finance["settlement_days"], minimum=1, maximum=365
        )


def _set_account(supplier: Supplier, value: Any, errors: f.Errors) -> None:
    from tenants.secrets import encrypt_json

    if value in f.EMPTY:
        supplier.account_number_encrypted = supplier.account_last4 = None
        return
    account = re.sub(r"\s+", "", str(value))
    if not _ACCOUNT_RE.match(account):
        errors.add("finance.account_number", Msg("suppliers.account_chars"))
        return
    supplier.account_number_encrypted = encrypt_json({"account_number": account})
    supplier.account_last4 = account[-4:]


# ---------------------------------------------------------------------------------------------
# Contacts (change at any time)


def _contacts(errors: f.Errors, items: Any) -> list[SupplierContact]:
    if items in f.EMPTY:
        return []
    if not isinstance(items, list):
        errors.add("contacts", Msg("suppliers.contacts_list"))
        return []
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors.add(f"contacts.{i}", Msg("use_object"))
            continue
        contact = SupplierContact(position=i + 1, is_primary=False, **{k: "" for k in CONTACT_TEXT})
        _apply_contact(contact, item, errors, f"contacts.{i}.", creating=True)
        out.append(contact)
    if out and not any(c.is_primary for c in out):
        out[0].is_primary = True
    return out


def _apply_contact(
    contact: SupplierContact, data: dict[str, Any], errors: f.Errors, path: str = "", *, creating: bool
) -> None:
    for field, max_len in CONTACT_TEXT.items():
        if field in data or (creating and field == "name"):
            setattr(
                contact, field, f.text(errors, path + field, data.get(field), max_len=max_len, required=field == "name")
            )
    if contact.email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", contact.email):
        errors.add(path + "email", Msg("tenants.email_invalid"))
    if "is_primary" in data:
        if not isinstance(data["is_primary"], bool):
            errors.add(path + "is_primary", Msg("use_true_false"))
        else:
            contact.is_primary = data["is_primary"]


def get_contact(supplier_id: uuid.UUID, contact_id: uuid.UUID) -> SupplierContact:
    row = get_or_none(SupplierContact, contact_id)
    if row is None or row.supplier_id != supplier_id:
        raise NotFound("contact", contact_id)
    return row


def add_contact(supplier_id: uuid.UUID, data: dict[str, Any]) -> SupplierContact:
    supplier = get_supplier(supplier_id)
    errors = f.Errors()
    contact = SupplierContact(
        position=max((c.position for c in supplier.contacts), default=0) + 1,
        is_primary=not supplier.contacts,
        **{k: "" for k in CONTACT_TEXT},
    )
    _apply_contact(contact, data, errors, creating=True)
    errors.raise_if_any()
    if contact.is_primary:
        for other in supplier.contacts:
            other.is_primary = False
    supplier.contacts.append(contact)
    session.flush()
    emit(
        "supplier.contact_added",
        events.SupplierContact(supplier_id=supplier.id, contact_id=contact.id, name=contact.name),
        entity_type="supplier",
        entity_id=supplier.id,
    )
    return contact


def update_contact(supplier_id: uuid.UUID, contact_id: uuid.UUID, data: dict[str, Any]) -> SupplierContact:
    contact = get_contact(supplier_id, contact_id)
    errors = f.Errors()
    _apply_contact(contact, data, errors, creating=False)
    errors.raise_if_any()
    if data.get("is_primary") is True:
        for other in get_supplier(supplier_id).contacts:
            if other.id != contact.id:
                other.is_primary = False
    session.flush()
    emit(
        "supplier.contact_updated",
        events.SupplierContact(supplier_id=contact.supplier_id, contact_id=contact.id, name=contact.name),
        entity_type="supplier",
        entity_id=supplier_id,
    )
    return contact


def delete_contact(supplier_id: uuid.UUID, contact_id: uuid.UUID) -> None:
    contact = get_contact(supplier_id, contact_id)
    supplier = get_supplier(supplier_id)
    was_primary = contact.is_primary
    supplier.contacts.remove(contact)
    if was_primary and supplier.contacts:
        supplier.contacts[0].is_primary = True
    session.flush()
    emit(
        "supplier.contact_removed",
        events.SupplierContact(supplier_id=supplier.id, contact_id=contact.id, name=contact.name),
        entity_type="supplier",
        entity_id=supplier_id,
    )


# ---------------------------------------------------------------------------------------------
# Review workflow


def _require_status(supplier: Supplier, allowed: tuple[str, ...], action: str, hint: str = "") -> None:
    if supplier.status not in allowed:
        raise InvalidTransition("supplier", supplier.status, action, hint)


def _move(supplier: Supplier, new_status: str, event: str, **extra: Any) -> Supplier:
    supplier.status = new_status
    session.flush()
    body = events.SupplierReasoned(**_fields(supplier), **extra) if extra else payload(supplier)
    emit(event, body, entity_type="supplier", entity_id=supplier.id)
    return supplier


def submit_supplier(supplier_id: uuid.UUID | str) -> Supplier:
    supplier = _locked(supplier_id)
    _require_status(supplier, EDITABLE, "submit", Msg("suppliers.only_submittable"))
    supplier.submitted_at, supplier.submitted_by = utcnow(), str(current_actor())[:200]
    supplier.submitted_by_id = actor_identity()
    supplier.rejection_reason = None
    return _move(supplier, "submitted", "supplier.submitted")


def withdraw_supplier(supplier_id: uuid.UUID | str) -> Supplier:
    supplier = _locked(supplier_id)
    _require_status(supplier, ("submitted",), "withdraw", Msg("suppliers.only_submitted_withdrawn"))
    return _move(supplier, "draft", "supplier.withdrawn")


def approve_supplier(supplier_id: uuid.UUID | str) -> Supplier:
    """Approve a submitted supplier; the first approval assigns its code."""
    supplier = _locked(supplier_id)
    _require_status(supplier, ("submitted",), "approve", Msg("suppliers.only_submitted_approved"))
    require_separate_approver(supplier.submitted_by_id, "supplier")
    if not supplier.code:
        supplier.code = next_number("supplier", "SUP")
    supplier.reviewed_at, supplier.reviewed_by = utcnow(), str(current_actor())[:200]
    return _move(supplier, "approved", "supplier.approved")


def reject_supplier(supplier_id: uuid.UUID | str, reason: str) -> Supplier:
    supplier = _locked(supplier_id)
    _require_status(supplier, ("submitted",), "reject", Msg("suppliers.only_submitted_rejected"))
    errors = f.Errors()
    reason = f.text(errors, "reason", reason, max_len=2000, required=True)
    errors.raise_if_any()
    supplier.rejection_reason = reason
    supplier.reviewed_at, supplier.reviewed_by = utcnow(), str(current_actor())[:200]
    return _move(supplier, "rejected", "supplier.rejected", reason=reason)


def revise_supplier(supplier_id: uuid.UUID | str) -> Supplier:
    """Reopen an approved supplier for changes; it cannot be used on new purchase orders until
    approved again (it keeps its code)."""
    supplier = _locked(supplier_id)
    _require_status(supplier, ("approved",), "revise", Msg("suppliers.only_approved_revised"))
    return _move(supplier, "draft", "supplier.revised")


def disable_supplier(supplier_id: uuid.UUID | str, reason: str | None = None) -> Supplier:
    supplier = _locked(supplier_id)
    _require_status(supplier, ("approved",), "disable", Msg("suppliers.only_approved_disabled"))
    errors = f.Errors()
    reason = f.text(errors, "reason", reason, max_len=2000)
    errors.raise_if_any()
    supplier.disabled_at, supplier.disabled_reason = utcnow(), reason or None
    return _move(supplier, "disabled", "supplier.disabled", reason=reason)


def enable_supplier(supplier_id: uuid.UUID | str) -> Supplier:
    supplier = _locked(supplier_id)
    _require_status(supplier, ("disabled",), "enable", Msg("suppliers.only_disabled_enabled"))
    supplier.disabled_at = supplier.disabled_reason = None
    return _move(supplier, "approved", "supplier.enabled")


def payload(supplier: Supplier) -> events.SupplierState:
    return events.SupplierState(**_fields(supplier))


def _fields(supplier: Supplier) -> dict[str, Any]:
    return {
        "id": supplier.id,
        "code": supplier.code,
        "name": supplier.name,
        "kind": supplier.kind,
        "status": supplier.status,
        "currency": supplier.currency,
        "settlement_mode": supplier.settlement_mode,
        "settlement_days": supplier.settlement_days,
    }


# ---------------------------------------------------------------------------------------------
# Per-SKU prices (change at any time)


def price_query(*, supplier_id: uuid.UUID | None = None, sku_id: uuid.UUID | None = None) -> Any:
    stmt = select(SupplierPrice)
    if supplier_id:
        stmt = stmt.where(SupplierPrice.supplier_id == supplier_id)
    if sku_id:
        stmt = stmt.where(SupplierPrice.sku_id == sku_id)
    return stmt.order_by(SupplierPrice.price, SupplierPrice.id)


def set_price(
    supplier_id: uuid.UUID | str,
    sku_id: uuid.UUID | str,
    *,
    price: Any,
    currency: str | None = None,
    moq: Any = 1,
    lead_time_days: Any = 0,
    note: str = "",
) -> SupplierPrice:
    """Record (or replace) the supplier's quote for a SKU. The currency defaults to the
    supplier's settlement currency."""
    supplier = get_supplier(supplier_id)
    sku = get_sku(sku_id)
    errors = f.Errors()
    amount = f.decimal(errors, "price", price, places=6, required=True)
    code = f.currency(errors, "currency", currency) or supplier.currency
    moq_value = f.integer(errors, "moq", moq if moq is not None else 1, minimum=1, maximum=10_000_000)
    lead = f.integer(
        errors, "lead_time_days", lead_time_days if lead_time_days is not None else 0, minimum=0, maximum=3650
    )
    note = f.text(errors, "note", note, max_len=500)
    if sku.status == "discontinued":
        errors.add("sku_id", Msg("catalog.sku_discontinued", sku=sku_label(sku)))
    elif sku.kit_type == "virtual":
        errors.add("sku_id", Msg("suppliers.sku_virtual_kit_components", sku=sku_label(sku)))
    if supplier.status == "disabled":
        errors.add("supplier_id", Msg("suppliers.supplier_disabled", supplier=label(supplier)))
    errors.raise_if_any()
    row = supplier_price(supplier.id, sku.id)
    if row is None:
        row = SupplierPrice(supplier_id=supplier.id, sku_id=sku.id)
        session.add(row)
    row.price, row.currency, row.moq, row.lead_time_days, row.note = amount, code, moq_value, lead, note
    session.flush()
    emit("supplier_price.updated", _price_payload(row, supplier, sku), entity_type="supplier", entity_id=supplier.id)
    return row


def delete_price(supplier_id: uuid.UUID | str, sku_id: uuid.UUID | str) -> None:
    supplier = get_supplier(supplier_id)
    row = supplier_price(supplier.id, sku_id)
    if row is None:
        raise NotFound("supplier price for SKU", sku_id)
    body = _price_payload(row, supplier, get_sku(row.sku_id))
    session.delete(row)
    session.flush()
    emit("supplier_price.removed", body, entity_type="supplier", entity_id=supplier.id)


def _price_payload(row: SupplierPrice, supplier: Supplier, sku: Any) -> events.SupplierPrice:
    return events.SupplierPrice(
        supplier_id=supplier.id,
        supplier_code=supplier.code,
        sku_id=sku.id,
        sku_code=sku.code,
        price=row.price,
        currency=row.currency,
        moq=row.moq,
        lead_time_days=row.lead_time_days,
    )
