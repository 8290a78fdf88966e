"""REST endpoints of suppliers: records and their review, contacts and per-SKU prices."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from core.catalog import service as catalog
from core.catalog.schemas import ReasonOptionalSchema, ReasonRequiredSchema
from core.db import session
from core.http import Blueprint, paged, requires
from core.suppliers import service
from core.suppliers.models import Supplier
from core.suppliers.schemas import (
    ContactInSchema,
    ContactSchema,
    PriceInSchema,
    PriceQuerySchema,
    PriceSchema,
    SupplierCreateSchema,
    SupplierInSchema,
    SupplierQuerySchema,
    SupplierSchema,
    contact_view,
    price_view,
    supplier_view,
)

blp = Blueprint(
    "suppliers",
    __name__,
    url_prefix="/api/v1",
    description="Suppliers and merchants, their review, contacts and per-SKU prices",
)


@blp.route("/suppliers")
class Suppliers(MethodView):
    @blp.arguments(SupplierQuerySchema, location="query")
    @blp.response(200, SupplierSchema(many=True))
    @blp.paginate()
    @requires("suppliers:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Search suppliers by name or code, status and kind. The review queue is `?status=submitted`."""
        return [supplier_view(s) for s in paged(service.supplier_query(**args), pagination_parameters)]

    @blp.arguments(SupplierCreateSchema)
    @blp.response(201, SupplierSchema)
    @requires("suppliers:write")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a supplier in draft. The receiving account is stored encrypted and shown masked."""
        return supplier_view(service.create_supplier(data))


@blp.route("/suppliers/<uuid:supplier_id>")
class SupplierView(MethodView):
    @blp.response(200, SupplierSchema)
    @requires("suppliers:read")
    def get(self, supplier_id: uuid.UUID) -> Any:
        return supplier_view(service.get_supplier(supplier_id))

    @blp.arguments(SupplierInSchema)
    @blp.response(200, SupplierSchema)
    @requires("suppliers:write")
    def patch(self, data: dict[str, Any], supplier_id: uuid.UUID) -> Any:
        """Change the basic or finance details of a draft or rejected supplier."""
        return supplier_view(service.update_supplier(supplier_id, data))

    @blp.response(204)
    @requires("suppliers:write")
    def delete(self, supplier_id: uuid.UUID) -> None:
        """Delete a supplier that was never approved."""
        service.delete_supplier(supplier_id)


def _transition(name: str, func: Any, permission: str, doc: str, schema: Any = None) -> None:
    if schema is None:

        def view(supplier_id: uuid.UUID) -> Any:
            return supplier_view(func(supplier_id))
    else:

        def view(data: dict[str, Any], supplier_id: uuid.UUID) -> Any:  # type: ignore[misc]
            return supplier_view(func(supplier_id, data["reason"]))

    view.__name__ = f"supplier_{name}"
    view.__doc__ = doc
    decorated = blp.response(200, SupplierSchema)(requires(permission)(view))
    if schema is not None:
        decorated = blp.arguments(schema)(decorated)
    blp.route(f"/suppliers/<uuid:supplier_id>/{name}", methods=["POST"], endpoint=f"supplier_{name}")(decorated)


_transition("submit", service.submit_supplier, "suppliers:write", "Send a draft or rejected supplier for review.")
_transition("withdraw", service.withdraw_supplier, "suppliers:write", "Take a submitted supplier back to draft.")
_transition(
    "approve",
    service.approve_supplier,
    "suppliers:approve",
    "Approve a submitted supplier; the first approval assigns its code.",
)
_transition(
    "reject",
    service.reject_supplier,
    "suppliers:approve",
    "Reject a submitted supplier with a reason.",
    ReasonRequiredSchema,
)
_transition(
    "revise",
    service.revise_supplier,
    "suppliers:write",
    "Reopen an approved supplier for changes; it cannot be used until approved again.",
)
_transition(
    "disable",
    service.disable_supplier,
    "suppliers:approve",
    "Disable an approved supplier: it can no longer be used on purchase orders.",
    ReasonOptionalSchema,
)
_transition("enable", service.enable_supplier, "suppliers:approve", "Enable a disabled supplier again.")


@blp.route("/suppliers/<uuid:supplier_id>/contacts")
class Contacts(MethodView):
    @blp.response(200, ContactSchema(many=True))
    @requires("suppliers:read")
    def get(self, supplier_id: uuid.UUID) -> Any:
        return [contact_view(c) for c in service.get_supplier(supplier_id).contacts]

    @blp.arguments(ContactInSchema)
    @blp.response(201, ContactSchema)
    @requires("suppliers:write")
    def post(self, data: dict[str, Any], supplier_id: uuid.UUID) -> Any:
        """Add a contact (at any time; contacts are not part of the review)."""
        return contact_view(service.add_contact(supplier_id, data))


@blp.route("/suppliers/<uuid:supplier_id>/contacts/<uuid:contact_id>")
class ContactView(MethodView):
    @blp.arguments(ContactInSchema)
    @blp.response(200, ContactSchema)
    @requires("suppliers:write")
    def patch(self, data: dict[str, Any], supplier_id: uuid.UUID, contact_id: uuid.UUID) -> Any:
        return contact_view(service.update_contact(supplier_id, contact_id, data))

    @blp.response(204)
    @requires("suppliers:write")
    def delete(self, supplier_id: uuid.UUID, contact_id: uuid.UUID) -> None:
        service.delete_contact(supplier_id, contact_id)


def _prices_out(rows: list[Any]) -> list[dict[str, Any]]:
    codes = {i: sku.code for i, sku in catalog.sku_facts({r.sku_id for r in rows}).items()}
    suppliers = {
        s.id: s
        for s in session.execute(select(Supplier).where(Supplier.id.in_({r.supplier_id for r in rows}))).scalars()
    }
    return [price_view(r, suppliers[r.supplier_id], codes.get(r.sku_id)) for r in rows]


@blp.route("/suppliers/<uuid:supplier_id>/prices", methods=["GET"])
@blp.response(200, PriceSchema(many=True))
@blp.paginate()
@requires("suppliers:read")
def supplier_prices(supplier_id: uuid.UUID, pagination_parameters: Any) -> Any:
    """The supplier's quotes per SKU."""
    service.get_supplier(supplier_id)
    return _prices_out(paged(service.price_query(supplier_id=supplier_id), pagination_parameters))


@blp.route("/suppliers/<uuid:supplier_id>/prices/<uuid:sku_id>")
class PriceView(MethodView):
    @blp.response(200, PriceSchema)
    @requires("suppliers:read")
    def get(self, supplier_id: uuid.UUID, sku_id: uuid.UUID) -> Any:
        service.get_supplier(supplier_id)
        row = service.supplier_price(supplier_id, sku_id)
        if row is None:
            from core.errors import NotFound

            raise NotFound("supplier price for SKU", sku_id)
        return _prices_out([row])[0]

    @blp.arguments(PriceInSchema)
    @blp.response(200, PriceSchema)
    @requires("suppliers:write")
    def put(self, data: dict[str, Any], supplier_id: uuid.UUID, sku_id: uuid.UUID) -> Any:
        """Set the supplier's quote for a SKU: unit price, minimum order quantity, lead time."""
        return _prices_out([service.set_price(supplier_id, sku_id, **data)])[0]

    @blp.response(204)
    @requires("suppliers:write")
    def delete(self, supplier_id: uuid.UUID, sku_id: uuid.UUID) -> None:
        service.delete_price(supplier_id, sku_id)


@blp.route("/supplier-prices", methods=["GET"])
@blp.arguments(PriceQuerySchema, location="query")
@blp.response(200, PriceSchema(many=True))
@blp.paginate()
@requires("suppliers:read")
def all_prices(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Quotes across suppliers, cheapest first: `?sku_id=` compares the suppliers of a SKU."""
    return _prices_out(paged(service.price_query(**args), pagination_parameters))
