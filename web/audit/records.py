"""What the audit log's rows are about, for people: a record type's name, a link to the page of
the record, and each change as "field: before → after" in words and local times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from core.messages import Msg, parse
from web.messages import field_label, term, translate

# table -> (name, page endpoint, its argument); tables without a page of their own have none.
RECORDS: dict[str, tuple[Any, str | None, str | None]] = {
    "catalog_products": (_l("Product"), "web.catalog.index_detail", "product_id"),
    "catalog_skus": (_l("SKU"), "web.catalog.skus_edit", "sku_id"),
    "catalog_categories": (_l("Category"), None, None),
    "catalog_listing_mappings": (_l("Listing mapping"), None, None),
    "catalog_kit_components": (_l("Kit component"), None, None),
    "catalog_product_images": (_l("Product image"), None, None),
    "suppliers": (_l("Supplier"), "web.suppliers.index_detail", "supplier_id"),
    "supplier_prices": (_l("Supplier price"), None, None),
    "supplier_contacts": (_l("Supplier contact"), None, None),
    "purchase_orders": (_l("Purchase order"), "web.purchasing.index_detail", "order_id"),
    "purchase_order_lines": (_l("Purchase order line"), None, None),
    "purchase_order_trackings": (_l("Purchase order tracking"), None, None),
    "purchase_receipts": (_l("Receipt"), "web.purchasing.receiving_detail", "receipt_id"),
    "purchase_receipt_lines": (_l("Receipt line"), None, None),
    "purchase_returns": (_l("Return to supplier"), "web.purchasing.returns_detail", "return_id"),
    "purchasing_stocking_requests": (_l("Stocking request"), "web.purchasing.requests_detail", "request_id"),
    "purchasing_replenishment_runs": (_l("Replenishment run"), None, None),
    "purchasing_replenishment_suggestions": (_l("Replenishment suggestion"), None, None),
    "purchasing_settings": (_l("Purchasing settings"), None, None),
    "inventory_warehouses": (_l("Warehouse"), "web.inventory.warehouses_detail", "warehouse_id"),
    "inventory_locations": (_l("Bin"), None, None),
    "inventory_transfers": (_l("Transfer"), "web.inventory.transfers_detail", "transfer_id"),
    "inventory_transfer_lines": (_l("Transfer line"), None, None),
    "inventory_stocktakes": (_l("Stocktake"), "web.inventory.stocktakes_detail", "stocktake_id"),
    "inventory_sku_settings": (_l("Stock settings of a SKU"), None, None),
    "inventory_borrowings": (_l("Borrowing"), None, None),
    "inventory_kit_orders": (_l("Kit order"), None, None),
    "orders": (_l("Order"), "web.orders.detail", "order_id"),
    "order_lines": (_l("Order line"), None, None),
    "order_holds": (_l("Order hold"), None, None),
    "order_refunds": (_l("Refund"), None, None),
    "order_returns": (_l("Customer return"), None, None),
    "order_shipments": (_l("Order shipment"), None, None),
    "order_settings": (_l("Order settings"), None, None),
    "shipping_shipments": (_l("Shipment"), "web.shipping.detail", "shipment_id"),
    "shipping_label_batches": (_l("Label batch"), "web.shipping.batch", "batch_id"),
    "shipping_settings": (_l("Shipping settings"), None, None),
    "finance_vouchers": (_l("Voucher"), "web.finance.voucher", "voucher_id"),
    "finance_accounts": (_l("Account"), "web.finance.accounts_detail", "account_id"),
    "finance_bills": (_l("Supplier bill"), "web.finance.bills_detail", "bill_id"),
    "finance_payments": (_l("Payment"), "web.finance.payments_detail", "payment_id"),
    "finance_settings": (_l("Finance settings"), None, None),
    "fx_rates": (_l("Exchange rate"), None, None),
    "plugin_connections": (_l("Connection"), "web.connections.index_detail", "connection_id"),
    "sync_settings": (_l("Sync and stock rules"), None, None),
    "users": (_l("User"), "web.settings.users_edit", "user_id"),
    "api_keys": (_l("API key"), None, None),
    "tenants": (_l("Company"), None, None),
    "catalog_settings": (_l("Code patterns"), "web.catalog.settings", None),
    "purchase_return_lines": (_l("Return to supplier line"), None, None),
    "inventory_stocktake_lines": (_l("Stocktake line"), None, None),
    "inventory_transfer_boxes": (_l("Transfer box"), None, None),
    "order_views": (_l("Saved view"), None, None),
    "shipping_parcels": (_l("Parcel"), None, None),
    "shipping_labels": (_l("Shipping label"), None, None),
    "shipping_customs_documents": (_l("Customs document"), None, None),
    "finance_expenses": (_l("Expense document"), "web.finance.expense_detail", "expense_id"),
    "finance_expense_lines": (_l("Expense document line"), None, None),
    "finance_bill_lines": (_l("Supplier bill line"), None, None),
    "finance_payment_allocations": (_l("Payment allocation"), None, None),
    "finance_landed_costs": (_l("Landed cost"), None, None),
    "finance_periods": (_l("Accounting period"), "web.finance.periods_page", None),
    "finance_rules": (_l("Voucher rule"), "web.finance.rules_page", None),
    "finance_account_mappings": (_l("Account mapping"), "web.finance.rules_page", None),
    "finance_posting_mappings": (_l("Posting mapping"), None, None),
    "finance_settlements": (_l("Settlement"), "web.finance.settlement_detail", "settlement_id"),
    "finance_channel_refunds": (_l("Channel refund"), None, None),
    "finance_unbooked_events": (_l("Event not booked"), "web.finance.unbooked", None),
}

# Columns that say nothing to a reader on their own (ids, bookkeeping).
QUIET = {"id", "tenant_id", "created_at", "updated_at", "version", "position"}
SUMMARY_FIELDS = 3  # a row shows this many changes; the rest open on demand


def record_label(table: str) -> str:
    found = RECORDS.get(table)
    return str(found[0]) if found else table.replace("_", " ")


def record_url(table: str, entity_id: str) -> str | None:
    found = RECORDS.get(table)
    if not found or not found[1]:
        return None
    try:
        # A record without a page of its own (settings, rules) links to the page that shows it.
        return url_for(found[1], **({found[2]: entity_id} if found[2] else {}))
    except (BuildError, ValueError):
        return None


def show(value: Any) -> str:
    """A stored value in words: local times, Yes/No, — for nothing, short lists."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] in ("T", " "):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                from web.portal import when_text

                return when_text(moment)  # as the row's own time reads: one format on the page
        except ValueError:
            pass
    if isinstance(value, (list, tuple)):
        return ", ".join(show(v) for v in value[:8]) + (" …" if len(value) > 8 else "")
    if isinstance(value, dict):
        return ", ".join(f"{field_label(str(k))}: {show(v)}" for k, v in list(value.items())[:6])
    text = term(str(value))
    coded = parse(text)
    if isinstance(coded, Msg):  # a stored service message (a hold's reason): in the reader's words
        text = translate(coded)
    return text if len(text) <= 80 else text[:79] + "…"


# Stored codes read by the name of the message parameter that names them (web.messages
# PARAMETERS, which sections extend): a column of that name, or one listed here.
COLUMN_PARAMETERS = {
    ("order_holds", "type"): "hold_type",
    ("order_holds", "source"): "hold_source",
    ("orders", "status"): "order_status",
}


def _reader(table: str, column: str) -> Any:
    from web.messages import PARAMETERS

    return PARAMETERS.get(COLUMN_PARAMETERS.get((table, column), column))


def _shown(value: Any, reader: Any) -> str:
    if reader is not None and isinstance(value, str) and value:
        return str(reader(value))
    return show(value)


def changes(entry: Any) -> list[tuple[str, str | None, str | None]]:
    """(field label, before, after) per field: every changed field of an update; the filled
    fields of a creation (after only) or a deletion (before only); ids and bookkeeping left out."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(after) + [k for k in before if k not in after]
    rows = []
    for key in keys:
        if key in QUIET or (key.endswith("_id") and entry.action != "update"):
            continue
        old, new = before.get(key), after.get(key)
        if entry.action == "create" and new in (None, "", [], {}):
            continue
        if entry.action == "update" and old == new:
            continue
        reader = _reader(entry.entity_type, key)  # a hold type, a channel: in the reader's words
        rows.append(
            (
                field_label(key),
                _shown(old, reader) if entry.before is not None else None,
                _shown(new, reader) if entry.after is not None else None,
            )
        )
    return rows
