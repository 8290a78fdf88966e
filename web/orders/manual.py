"""A manual or offline order (a phone or trade-fair sale, an order from another system) typed
in by staff. core.orders.service.create_order validates it and sends it down the same road as
channel orders: holds, auto-review, split rules, allocation. Needs orders:write, as
POST /api/v1/orders does."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import DomainError
from core.orders import service
from web.auth import login_required
from web.forms import Form
from web.orders.rows import attach, remap, renumber, row_numbers, split_list, with_added_row
from web.orders.views import bp

LINE_ROWS = 3  # blank line rows of a new form; "Add a line" adds more
LINE_INPUTS = ("sku", "quantity", "unit_price", "item_tax")
BUYER_INPUTS = ("name", "email", "phone")
ADDRESS_INPUTS = ("name", "company", "line1", "line2", "city", "state", "postal_code", "country", "phone", "email")
NO_SKU = str(uuid.UUID(int=0))  # a code no SKU has: the service reports it beside the line


def _sku_codes(limit: int = 1000) -> list[str]:
    """Codes of SKUs that can be sold, for the SKU inputs' suggestions."""
    from core.catalog import service as catalog

    return catalog.usable_sku_codes("sale", limit)


def _sku_id(code: str) -> str:
    from core.catalog.service import find_sku_by_code

    sku = find_sku_by_code(code)
    return str(sku.id) if sku else NO_SKU


def _lines(form: Form) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled line rows as the service's lines, and the page row each came from."""
    lines, sent = [], []
    for row in row_numbers(form, "lines"):
        values = {k: form[f"lines.{row}.{k}"] for k in LINE_INPUTS}
        if not any(values.values()):
            continue
        line: dict[str, Any] = {"quantity": values["quantity"]}
        if values["sku"]:
            line["sku_id"] = _sku_id(values["sku"])
        else:
            line["sku"] = ""  # the service asks for the code
        for key in ("unit_price", "item_tax"):
            if values[key]:
                line[key] = values[key]
        lines.append(line)
        sent.append(row)
    return lines, sent


def _data(form: Form, lines: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "currency": form["currency"],
        "external_order_id": form["external_order_id"],
        "lines": lines,
        "buyer": {k: form[f"buyer.{k}"] for k in BUYER_INPUTS if form[f"buyer.{k}"]},
        "shipping_address": {k: form[f"shipping_address.{k}"] for k in ADDRESS_INPUTS if form[f"shipping_address.{k}"]},
        "shipping_service": form["shipping_service"],
        "buyer_remarks": form["buyer_remarks"],
        "prices_include_tax": form.checked("prices_include_tax"),
    }
    for key in ("shipping", "discount", "seller_note"):
        if form[key]:
            data[key] = form[key]
    tags = split_list(form["tags"])
    if tags:
        data["tags"] = tags
    return data


def _place_errors(exc: DomainError, form: Form, sent: list[int]) -> DomainError:
    """Service errors beside the page's inputs: line k -> the row it came from, a SKU id ->
    the code typed, "no lines" -> the first row."""
    first = row_numbers(form, "lines")[:1]

    def line_inputs(errors: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, messages in errors.items():
            if name.startswith("lines.") and name.endswith(".sku_id"):
                # Only a typed code that no SKU has is sent as NO_SKU.
                name, messages = name[: -len("_id")], ["no SKU has this code"]
            elif name == "lines" and first:
                name = f"lines.{first[0]}.sku"
            out[name] = messages
        return out

    return remap(exc, lambda e: renumber(e, "lines", sent), line_inputs, lambda e: attach(e, form.data.keys()))


def _render(form: Form, rows: list[int], status: int = 200) -> Any:
    return render_template("orders/new.html", form=form, rows=rows, sku_codes=_sku_codes()), status


@bp.route("/new", methods=["GET", "POST"], endpoint="index_new")
@login_required("orders:write")
def new_order() -> Any:
    if request.method == "GET":
        defaults = {
            "currency": service.get_settings().functional_currency,
            **{f"lines.{i}": "1" for i in range(LINE_ROWS)},
        }
        return _render(Form(None, **defaults), list(range(LINE_ROWS)))
    form = Form(request.form)
    rows = row_numbers(form, "lines")
    if request.form.get("add") == "lines":
        # Another line for the user to fill; nothing is created until they press Create.
        return _render(form, with_added_row(rows))
    lines, sent = _lines(form)
    try:
        order = service.create_order(_data(form, lines))
    except DomainError as exc:
        form.fail(_place_errors(exc, form, sent))
        html, _status = _render(form, rows)
        return html, exc.status_code
    flash(_("Order %(number)s created.", number=order.number), "success")
    return redirect(url_for(".detail", order_id=order.id))
