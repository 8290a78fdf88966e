"""Request and response schemas of the suppliers API, and the views of rows they dump."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from core.http import Schema
from core.suppliers.models import (
    COMPANY_TYPES,
    PAYMENT_METHODS,
    SETTLEMENT_MODES,
    SUPPLIER_KINDS,
    SUPPLIER_STATUSES,
    Supplier,
    SupplierContact,
    SupplierPrice,
)


class FinanceInSchema(Schema):
    __model__ = Supplier

    payment_method = fields.String(allow_none=True, validate=validate.OneOf(PAYMENT_METHODS))
    account_name = fields.String()
    bank_name = fields.String()
    account_number = fields.String(
        allow_none=True, load_only=True, metadata={"description": "Stored encrypted; responses show only its last 4"}
    )
    currency = fields.String(metadata={"description": "ISO 4217; defaults to the tenant's currency"})
    settlement_mode = fields.String(validate=validate.OneOf(SETTLEMENT_MODES))
    settlement_days = fields.Integer(allow_none=True, metadata={"description": "Days of credit (periodic mode)"})


class FinanceSchema(Schema):
    payment_method = fields.String(allow_none=True)
    account_name = fields.String()
    bank_name = fields.String()
    account_number = fields.String(allow_none=True, metadata={"description": 'Masked, e.g. "**** 1234"'})
    currency = fields.String()
    settlement_mode = fields.String()
    settlement_days = fields.Integer(allow_none=True)


class ContactInSchema(Schema):
    __model__ = SupplierContact

    name = fields.String()
    title = fields.String()
    phone = fields.String()
    email = fields.String()
    wechat = fields.String()
    qq = fields.String()
    is_primary = fields.Boolean()
    note = fields.String()


class ContactSchema(ContactInSchema):
    id = fields.UUID()
    position = fields.Integer()


class SupplierInSchema(Schema):
    __model__ = Supplier

    kind = fields.String(
        validate=validate.OneOf(SUPPLIER_KINDS), metadata={"description": "supplier (供货商) or merchant (商家)"}
    )
    name = fields.String()
    name_en = fields.String()
    country = fields.String(allow_none=True, metadata={"description": "ISO 3166 alpha-2"})
    province = fields.String()
    city = fields.String()
    address = fields.String()
    postcode = fields.String()
    registration_date = fields.Date(allow_none=True)
    company_type = fields.String(allow_none=True, validate=validate.OneOf(COMPANY_TYPES))
    website = fields.String()
    note = fields.String()
    finance = fields.Nested(FinanceInSchema)


class SupplierCreateSchema(SupplierInSchema):
    name = fields.String(required=True)
    contacts = fields.List(fields.Nested(ContactInSchema))


class SupplierSchema(Schema):
    id = fields.UUID()
    code = fields.String(allow_none=True)
    kind = fields.String()
    status = fields.String(metadata={"description": " | ".join(SUPPLIER_STATUSES)})
    name = fields.String()
    name_en = fields.String()
    country = fields.String(allow_none=True)
    province = fields.String()
    city = fields.String()
    address = fields.String()
    postcode = fields.String()
    registration_date = fields.Date(allow_none=True)
    company_type = fields.String(allow_none=True)
    website = fields.String()
    note = fields.String()
    finance = fields.Nested(FinanceSchema)
    contacts = fields.List(fields.Nested(ContactSchema))
    rejection_reason = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    submitted_by = fields.String(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    reviewed_by = fields.String(allow_none=True)
    disabled_at = fields.DateTime(allow_none=True)
    disabled_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class SupplierQuerySchema(Schema):
    q = fields.String(metadata={"description": "Name (zh/en) or code"})
    status = fields.List(fields.String(validate=validate.OneOf(SUPPLIER_STATUSES)))
    kind = fields.String(validate=validate.OneOf(SUPPLIER_KINDS))


class PriceInSchema(Schema):
    __model__ = SupplierPrice

    price = fields.Decimal(as_string=True, required=True)
    currency = fields.String(
        load_default=None, allow_none=True, metadata={"description": "Defaults to the supplier's currency"}
    )
    moq = fields.Integer(load_default=1, metadata={"description": "Minimum order quantity"})
    lead_time_days = fields.Integer(load_default=0)
    note = fields.String(load_default="")


class PriceSchema(Schema):
    supplier_id = fields.UUID()
    supplier_code = fields.String(allow_none=True)
    supplier_name = fields.String()
    sku_id = fields.UUID()
    sku_code = fields.String(allow_none=True)
    price = fields.Decimal(as_string=True)
    currency = fields.String()
    moq = fields.Integer()
    lead_time_days = fields.Integer()
    note = fields.String()
    updated_at = fields.DateTime()


class PriceQuerySchema(Schema):
    sku_id = fields.UUID()
    supplier_id = fields.UUID()


def supplier_view(supplier: Supplier) -> dict[str, Any]:
    from core.suppliers.service import masked_account

    out = {k: getattr(supplier, k) for k in SupplierSchema._declared_fields if k not in ("finance", "contacts")}
    out["finance"] = {
        "payment_method": supplier.payment_method,
        "account_name": supplier.account_name,
        "bank_name": supplier.bank_name,
        "account_number": masked_account(supplier),
        "currency": supplier.currency,
        "settlement_mode": supplier.settlement_mode,
        "settlement_days": supplier.settlement_days,
    }
    out["contacts"] = [contact_view(c) for c in supplier.contacts]
    return out


def contact_view(contact: SupplierContact) -> dict[str, Any]:
    return {k: getattr(contact, k) for k in ContactSchema._declared_fields}


def price_view(row: SupplierPrice, supplier: Supplier, sku_code: str | None) -> dict[str, Any]:
    return {
        "supplier_id": row.supplier_id,
        "supplier_code": supplier.code,
        "supplier_name": supplier.name,
        "sku_id": row.sku_id,
        "sku_code": sku_code,
        "price": row.price,
        "currency": row.currency,
        "moq": row.moq,
        "lead_time_days": row.lead_time_days,
        "note": row.note,
        "updated_at": row.updated_at,
    }
