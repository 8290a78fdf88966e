"""Catalogue pages: products with their variants and review, SKUs, kits, listing mappings,
categories, import/export and code patterns. All rules live in core.catalog.service."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from core.catalog import service, transfer
from core.catalog.models import PRODUCT_STATUSES, KitComponent, Product, Sku
from core.db import session
from core.errors import DomainError, InvalidTransition, ValidationError
from web.auth import login_required
from web.forms import Form, action_failed
from web.pagination import paginate

bp = Blueprint("catalog", __name__, url_prefix="/catalog", template_folder="templates")

STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "discontinued": _l("Discontinued"),
}
STATUS_TONES = {
    "draft": "draft",
    "submitted": "queued",
    "approved": "active",
    "rejected": "failed",
    "discontinued": "inactive",
}
KIT_LABELS = {
    "physical": _l("Physical kit (assembled in the warehouse)"),
    "virtual": _l("Virtual kit (components picked at shipment)"),
}
ACTIONS = {
    "submit": (_l("Submit for review"), "catalog:write", service.submit_product),
    "withdraw": (_l("Withdraw"), "catalog:write", service.withdraw_product),
    "approve": (_l("Approve"), "catalog:approve", service.approve_product),
    "reject": (_l("Reject"), "catalog:approve", service.reject_product),
    "revise": (_l("Revise"), "catalog:write", service.revise_product),
    "discontinue": (_l("Discontinue"), "catalog:write", service.discontinue_product),
}
DONE = {
    "submit": _l("Submitted for review."),
    "withdraw": _l("Withdrawn to draft."),
    "approve": _l("Approved; SKU codes are assigned."),
    "reject": _l("Rejected."),
    "revise": _l("Back in draft for changes."),
    "discontinue": _l("Discontinued."),
}

SIZE_FIELDS = [
    f"{group}.{dim}"
    for group in ("size", "package_size", "carton_size")
    for dim in ("length_cm", "width_cm", "height_cm")
]
MONEY_FIELDS = [
    f"{m}.{part}" for m in ("purchase_price", "sale_price", "market_price") for part in ("amount", "currency")
]
CUSTOMS_FIELDS = [
    "customs.hs_code",
    "customs.origin_country",
    "customs.declared_value.amount",
    "customs.declared_value.currency",
    "customs.material",
    "customs.name_en",
    "customs.name_zh",
]
SKU_FIELDS = (
    [
        "code",
        "barcode",
        "net_weight_g",
        "gross_weight_g",
        "units_per_carton",
        "carton_weight_g",
        "input_vat_rate",
        "output_vat_rate",
        "kit_type",
    ]
    + SIZE_FIELDS
    + MONEY_FIELDS
    + CUSTOMS_FIELDS
)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "status_label": lambda s: str(STATUS_LABELS.get(s, s)),
        "status_tone": lambda s: STATUS_TONES.get(s, s),
        "kit_label": lambda k: str(KIT_LABELS.get(k, k)) if k else "",
        "STATUSES": PRODUCT_STATUSES,
        "category_options": _category_options,
        "option_text": _option_text,
    }


def _option_text(sku: Sku) -> str:
    """ "colour: Red, size: M" in the product's axis order (stored options have no order)."""
    options = sku.options or {}
    names = [a["name"] for a in sku.product.variant_attributes or []] or sorted(options)
    return ", ".join(f"{n}: {options[n]}" for n in names if n in options)


def _category_options(blank: str = "") -> list[tuple[str, str]]:
    rows = session.execute(service.list_categories()).scalars().all()
    depth = {c.id: c.path.count("/") - 2 for c in rows}
    return [("", blank)] + [(str(c.id), "\u2003" * depth[c.id] + f"{c.code} · {c.name_zh or c.name_en}") for c in rows]


def _transition_failed(exc: DomainError, target: str) -> Any:
    """A refused step names the state in the reader's language."""
    if isinstance(exc, InvalidTransition):
        session.rollback()
        flash(
            _("Not possible while the product is %(state)s.", state=STATUS_LABELS.get(exc.current, exc.current)),
            "error",
        )
        return redirect(target)
    return action_failed(exc, target)


# ---------------------------------------------------------------------------------------------
# Products


@bp.route("/")
@login_required("catalog:read")
def index() -> str:
    args = request.args
    status = args.get("status") or None
    category = args.get("category_id") or None
    try:
        stmt = service.product_query(q=args.get("q"), status=status, category_id=category)
    except DomainError:
        stmt = service.product_query(q=args.get("q"), status=status)
    return render_template("catalog/index.html", page=paginate(stmt), args=args, bulk_actions=_bulk_actions())


def _filtered_products() -> Any:
    args = request.args
    try:
        return service.product_query(
            q=args.get("q"), status=args.get("status") or None, category_id=args.get("category_id") or None
        )
    except DomainError:
        return service.product_query(q=args.get("q"), status=args.get("status") or None)


EXPORT_COLUMNS = (
    _l("SPU"),
    _l("Title (Chinese)"),
    _l("Title (English)"),
    _l("Brand"),
    _l("SKUs"),
    _l("Status"),
    _l("Updated"),
)


@bp.route("/export")
@login_required("catalog:read")
def index_export() -> Any:
    """The products the list's filters select, as CSV or XLSX."""
    from web import exports

    return exports.respond(
        "products",
        [str(c) for c in EXPORT_COLUMNS],
        exports.rows_of(_filtered_products()),
        lambda p: (
            p.spu_code or "",
            p.title_zh,
            p.title_en,
            p.brand or "",
            " ".join(s.code or "" for s in p.skus),
            str(STATUS_LABELS.get(p.status, p.status)),
            p.updated_at,
        ),
    )


# Bulk actions of the product list: (label, permission, service call with the reason).
BULK = {
    "submit": (_l("Submit for review"), "catalog:write", lambda i, reason: service.submit_product(i)),
    "approve": (_l("Approve"), "catalog:approve", lambda i, reason: service.approve_product(i)),
    "reject": (_l("Reject"), "catalog:approve", lambda i, reason: service.reject_product(i, reason)),
}


def _bulk_actions() -> list[tuple[str, str]]:
    from flask import g

    return [(k, str(label)) for k, (label, permission, _f) in BULK.items() if g.principal.can(permission)]


@bp.route("/bulk", methods=["POST"])
@login_required("catalog:read")
def index_bulk() -> Any:
    """Submit, approve or reject the ticked products, each on its own (web/bulk.py)."""
    from flask import abort, g

    from core.errors import PermissionDenied
    from web import bulk

    action = request.form.get("action", "")
    if action not in BULK:
        abort(404)
    label, permission, func = BULK[action]
    if not g.principal.can(permission):
        raise PermissionDenied(_("Your role does not allow this (%(permission)s).", permission=permission))
    back = url_for(".index")
    try:
        ids = bulk.parse_ids(request.form.getlist("product_ids"), "product_ids")
    except DomainError as exc:
        return action_failed(exc, back)
    reason = request.form.get("reason", "")
    results = bulk.run(ids, service.product_labels, lambda i: func(i, reason), states=STATUS_LABELS)
    return bulk.render(results, str(label), back=back, link=lambda i: url_for(".index_detail", product_id=i))


def _pairs_text(values: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in values.items())


def _axes_text(axes: list[dict[str, Any]]) -> str:
    return "\n".join(f"{a['name']}: {', '.join(a['values'])}" for a in axes)


def _parse_pairs(text: str, field: str) -> dict[str, str]:
    out = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.replace("：", "=").replace(":", "=").partition("=")
        if not sep or not name.strip():
            raise ValidationError.field(field, _("line %(n)s: write name=value", n=n))
        out[name.strip()] = value.strip()
    return out


def _parse_axes(text: str) -> list[dict[str, Any]]:
    axes = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, values = line.replace("：", ":").partition(":")
        if not sep:
            raise ValidationError.field("variant_attributes", _("line %(n)s: write name: value, value", n=n))
        axes.append({"name": name.strip(), "values": [v.strip() for v in re.split(r"[,，、]", values) if v.strip()]})
    return axes


def _product_payload(form: Form) -> dict[str, Any]:
    payload = {k: form[k] for k in ("spu_code", "title_zh", "title_en", "description_zh", "description_en", "brand")}
    payload["category_id"] = form["category_id"] or None
    payload["attributes"] = _parse_pairs(form["attributes"], "attributes")
    payload["variant_attributes"] = _parse_axes(form["variant_attributes"])
    return payload


@bp.route("/products/new", methods=["GET", "POST"])
@login_required("catalog:write")
def index_new() -> Any:
    form = Form(request.form)
    if request.method == "POST":
        try:
            product = service.create_product(_product_payload(form))
        except DomainError as exc:
            return form.failed(exc, "catalog/product_form.html", product=None)
        flash(_("Product saved as a draft with %(n)s SKU(s).", n=len(product.skus)), "success")
        return redirect(url_for(".index_detail", product_id=product.id))
    return render_template("catalog/product_form.html", form=form, product=None)


@bp.route("/products/<uuid:product_id>")
@login_required("catalog:read")
def index_detail(product_id: uuid.UUID) -> str:
    product = service.get_product(product_id)
    return render_template(
        "catalog/product.html",
        product=product,
        actions=ACTIONS,
        editable=product.status in service.EDITABLE,
        image_url=_image_url,
    )


def _image_url(image: Any) -> str:
    from core.catalog.images import image_url

    return image_url(image)


@bp.route("/products/<uuid:product_id>/edit", methods=["GET", "POST"])
@login_required("catalog:write")
def index_edit(product_id: uuid.UUID) -> Any:
    product = service.get_product(product_id)
    form = Form(
        request.form,
        spu_code=product.spu_code or "",
        title_zh=product.title_zh,
        title_en=product.title_en,
        description_zh=product.description_zh,
        description_en=product.description_en,
        brand=product.brand,
        category_id=str(product.category_id or ""),
        attributes=_pairs_text(product.attributes or {}),
        variant_attributes=_axes_text(product.variant_attributes or []),
    )
    if request.method == "POST":
        try:
            service.update_product(product_id, _product_payload(form))
        except DomainError as exc:
            return form.failed(exc, "catalog/product_form.html", product=service.get_product(product_id))
        flash(_("Product saved."), "success")
        return redirect(url_for(".index_detail", product_id=product_id))
    return render_template("catalog/product_form.html", form=form, product=product)


@bp.route("/products/<uuid:product_id>/do/<action>", methods=["POST"])
@login_required("catalog:read")
def index_action(product_id: uuid.UUID, action: str) -> Any:
    """The review steps; each checks its own permission."""
    from flask import abort, g

    if action not in ACTIONS:
        abort(404)
    _label, permission, func = ACTIONS[action]
    if not g.principal.can(permission):
        from core.errors import PermissionDenied

        raise PermissionDenied(_("Your role does not allow this (%(permission)s).", permission=permission))
    target = request.form.get("next") or url_for(".index_detail", product_id=product_id)
    if not target.startswith("/"):
        target = url_for(".index_detail", product_id=product_id)
    try:
        if action in ("reject", "discontinue"):
            func(product_id, request.form.get("reason", ""))
        else:
            func(product_id)
    except DomainError as exc:
        return _transition_failed(exc, target)
    flash(str(DONE[action]), "success")
    return redirect(target)


@bp.route("/products/<uuid:product_id>/delete", methods=["POST"])
@login_required("catalog:write")
def index_delete(product_id: uuid.UUID) -> Any:
    try:
        service.delete_product(product_id)
    except DomainError as exc:
        return _transition_failed(exc, url_for(".index_detail", product_id=product_id))
    flash(_("Product deleted."), "success")
    return redirect(url_for(".index"))


@bp.route("/products/<uuid:product_id>/variants", methods=["POST"])
@login_required("catalog:write")
def index_variants(product_id: uuid.UUID) -> Any:
    """Add the missing colour × size (etc.) combinations as SKUs."""
    try:
        added = service.generate_variants(product_id)
    except DomainError as exc:
        return _transition_failed(exc, url_for(".index_detail", product_id=product_id))
    flash(_("%(n)s variant(s) added.", n=len(added)), "success")
    return redirect(url_for(".index_detail", product_id=product_id))


@bp.route("/products/<uuid:product_id>/images", methods=["POST"])
@login_required("catalog:write")
def index_images(product_id: uuid.UUID) -> Any:
    target = url_for(".index_detail", product_id=product_id)
    upload = request.files.get("file")
    sku_id = request.form.get("sku_id") or None
    try:
        sku_uuid = uuid.UUID(sku_id) if sku_id else None
        if upload and upload.filename:
            service.add_image_file(product_id, upload.stream, upload.filename, sku_uuid)
        else:
            service.add_image_url(product_id, request.form.get("url", ""), sku_uuid)
    except ValueError:
        return action_failed(ValidationError.field("sku_id", "not a SKU of this product"), target)
    except DomainError as exc:
        return _transition_failed(exc, target)
    flash(_("Image added."), "success")
    return redirect(target)


@bp.route("/products/<uuid:product_id>/images/<uuid:image_id>/delete", methods=["POST"])
@login_required("catalog:write")
def index_image_delete(product_id: uuid.UUID, image_id: uuid.UUID) -> Any:
    target = url_for(".index_detail", product_id=product_id)
    try:
        service.remove_image(product_id, image_id)
    except DomainError as exc:
        return _transition_failed(exc, target)
    flash(_("Image removed."), "success")
    return redirect(target)


# ---------------------------------------------------------------------------------------------
# Review queue


@bp.route("/review")
@login_required("catalog:read")
def review() -> str:
    return render_template("catalog/review.html", page=paginate(_review_query()))


def _review_query() -> Any:
    """Products waiting for review, the longest waiting first."""
    return service.product_query(status="submitted").order_by(None).order_by(Product.submitted_at, Product.id)


@bp.route("/review/export")
@login_required("catalog:read")
def review_export() -> Any:
    """The review queue: each submitted product's titles, SKU count and when it was submitted."""
    from web import exports

    return exports.respond(
        "review",
        [_("Title (Chinese)"), _("Title (English)"), _("SKUs"), _("Submitted")],
        exports.rows_of(_review_query().options(selectinload(Product.skus))),
        lambda p: (p.title_zh, p.title_en, len(p.skus), p.submitted_at),
    )


# ---------------------------------------------------------------------------------------------
# SKUs


@bp.route("/skus")
@login_required("catalog:read")
def skus() -> str:
    args = request.args
    usable = args.get("usable_for") or None
    stmt = service.sku_query(
        q=args.get("q"), status=args.get("status") or None, usable_for=usable if usable in service.PURPOSES else None
    )
    return render_template("catalog/skus.html", page=paginate(stmt), args=args)


def _sku_rows(stmt: Any) -> Any:
    """The SKUs `stmt` selects, a chunk at a time with their products and components."""
    from web import exports

    return exports.rows_of(
        stmt.options(selectinload(Sku.product), selectinload(Sku.components).selectinload(KitComponent.component))
    )


def _sku_status(s: Sku) -> str:
    text = str(STATUS_LABELS.get(s.status, s.status))
    return text if s.active else f"{text}, {_('Inactive')}"


@bp.route("/skus/export")
@login_required("catalog:read")
def skus_export() -> Any:
    """The SKUs the list's filters (search, status, usable for) select."""
    from web import exports
    from web.portal import title_text

    args = request.args
    usable = args.get("usable_for") or None
    stmt = service.sku_query(
        q=args.get("q"), status=args.get("status") or None, usable_for=usable if usable in service.PURPOSES else None
    )
    columns = [_("SKU"), _("Product"), _("Variant"), _("Barcode"), _("Kit"), _("Status")]
    return exports.respond(
        "skus",
        columns,
        _sku_rows(stmt),
        lambda s: (
            s.code or "",
            title_text(s.product),
            _option_text(s),
            s.barcode or "",
            str(KIT_LABELS.get(s.kit_type, s.kit_type)) if s.kit_type else "",
            _sku_status(s),
        ),
    )


def _dotted(sku: Sku) -> dict[str, Any]:
    from core.catalog.schemas import sku_view

    view = sku_view(sku)
    out: dict[str, Any] = {}
    for name in SKU_FIELDS:
        value: Any = view
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        out[name] = "" if value is None else str(value)
    for axis, value in (sku.options or {}).items():
        out[f"options.{axis}"] = value
    out["components"] = "\n".join(f"{c.component.code or c.component_sku_id}*{c.quantity}" for c in sku.components)
    return out


def _sku_payload(form: Form, product: Product) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for name in SKU_FIELDS:
        node = payload
        parts = name.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = form[name]
    if product.variant_attributes:
        payload["options"] = {a["name"]: form[f"options.{a['name']}"] for a in product.variant_attributes}
    components = []
    for line in form["components"].splitlines():
        code, sep, qty = line.strip().replace("×", "*").rpartition("*")
        if not line.strip():
            continue
        components.append({"sku_code": code.strip() if sep else line.strip(), "quantity": qty.strip() if sep else "1"})
    payload["components"] = components
    return payload


def _sku_context(sku: Sku) -> dict[str, Any]:
    return {"sku": sku, "product": sku.product, "editable": sku.product.status in service.EDITABLE}


@bp.route("/skus/<uuid:sku_id>", methods=["GET"])
@login_required("catalog:read")
def skus_edit(sku_id: uuid.UUID) -> Any:
    sku = service.get_sku(sku_id)
    return render_template("catalog/sku.html", form=Form(request.form, **_dotted(sku)), **_sku_context(sku))


@bp.route("/skus/<uuid:sku_id>", methods=["POST"], endpoint="skus_edit_save")
@login_required("catalog:write")
def skus_edit_save(sku_id: uuid.UUID) -> Any:
    sku = service.get_sku(sku_id)
    form = Form(request.form)
    try:
        service.update_sku(sku_id, _sku_payload(form, sku.product))
    except DomainError as exc:
        form.fail(exc)
        sku = service.get_sku(sku_id)
        return render_template("catalog/sku.html", form=form, **_sku_context(sku)), exc.status_code
    flash(_("SKU saved."), "success")
    return redirect(url_for(".index_detail", product_id=sku.product_id))


@bp.route("/skus/<uuid:sku_id>/active", methods=["POST"])
@login_required("catalog:write")
def skus_active(sku_id: uuid.UUID) -> Any:
    active = request.form.get("active") == "1"
    target = url_for(".skus_edit", sku_id=sku_id)
    try:
        sku = service.set_sku_active(sku_id, active)
    except DomainError as exc:
        return action_failed(exc, target)
    flash(_("%(code)s is active.", code=sku.code) if active else _("%(code)s is inactive.", code=sku.code), "success")
    return redirect(target)


# ---------------------------------------------------------------------------------------------
# Kits


@bp.route("/kits")
@login_required("catalog:read")
def kits() -> str:
    return render_template(
        "catalog/kits.html",
        page=paginate(service.sku_query(kit_type="any", q=request.args.get("q"))),
        args=request.args,
    )


@bp.route("/kits/export")
@login_required("catalog:read")
def kits_export() -> Any:
    """The kits the list's search selects, each with its components (quantity x SKU)."""
    from web import exports
    from web.portal import title_text

    columns = [_("Kit SKU"), _("Product"), _("Type"), _("Components"), _("Status")]
    return exports.respond(
        "kits",
        columns,
        _sku_rows(service.sku_query(kit_type="any", q=request.args.get("q"))),
        lambda s: (
            s.code or "",
            title_text(s.product),
            str(KIT_LABELS.get(s.kit_type, s.kit_type)),
            ", ".join(f"{c.quantity} x {c.component.code or ''}" for c in s.components),
            _sku_status(s),
        ),
    )


@bp.route("/kits/new", methods=["GET", "POST"])
@login_required("catalog:write")
def kits_new() -> Any:
    """A kit is a product whose SKU is made of other SKUs."""
    form = Form(request.form, kit_type="virtual")
    if request.method == "POST":
        components = []
        for line in form["components"].splitlines():
            if line.strip():
                code, sep, qty = line.strip().replace("×", "*").rpartition("*")
                components.append(
                    {"sku_code": code.strip() if sep else line.strip(), "quantity": qty.strip() if sep else "1"}
                )
        payload = {
            "title_zh": form["title_zh"],
            "title_en": form["title_en"],
            "category_id": form["category_id"] or None,
            "skus": [
                {
                    "code": form["code"],
                    "kit_type": form["kit_type"],
                    "components": components,
                    "gross_weight_g": form["gross_weight_g"],
                }
            ],
        }
        try:
            product = service.create_product(payload)
        except DomainError as exc:
            if exc.errors:
                exc.errors = {
                    re.sub(r"^skus\.0\.(components).*$", r"\1", re.sub(r"^skus\.0\.", "", k)): v
                    for k, v in exc.errors.items()
                }
            return form.failed(exc, "catalog/kit_form.html")
        flash(_("Kit saved as a draft; submit it for review."), "success")
        return redirect(url_for(".index_detail", product_id=product.id))
    return render_template("catalog/kit_form.html", form=form)


# ---------------------------------------------------------------------------------------------
# Listing mappings


def _channel_connections() -> list[Any]:
    from tenants.service import list_connections

    return list(session.execute(list_connections("channel")).scalars())


@bp.route("/mappings", methods=["GET"])
@login_required("catalog:read")
def mappings() -> str:
    return _render_mappings(Form(request.form, quantity="1"))


def _render_mappings(form: Form) -> str:
    args = request.args
    page = paginate(service.mapping_query(**_mapping_filters()))
    skus = (
        {
            s.id: s
            for s in session.execute(service.sku_query().where(Sku.id.in_([m.sku_id for m in page.items]))).scalars()
        }
        if page.items
        else {}
    )
    connections = _channel_connections()
    return render_template(
        "catalog/mappings.html",
        page=page,
        skus=skus,
        form=form,
        args=args,
        connections=connections,
        connection_names={c.id: c.display_name for c in connections},
        connection_options=[(str(c.id), c.display_name) for c in connections],
    )


def _mapping_filters() -> dict[str, Any]:
    args = request.args
    try:
        connection = uuid.UUID(args["connection_id"]) if args.get("connection_id") else None
    except ValueError:
        connection = None
    return {"connection_id": connection, "q": args.get("q")}


@bp.route("/mappings/export")
@login_required("catalog:read")
def mappings_export() -> Any:
    """The listing mappings the list's filters (connection, seller SKU) select."""
    from web import exports

    names = {c.id: c.display_name for c in _channel_connections()}
    codes: dict[uuid.UUID, str] = {}

    def prepare(chunk: list[Any]) -> None:
        codes.clear()
        codes.update(service.sku_codes({m.sku_id for m in chunk}))

    columns = [_("Connection"), _("Seller SKU"), _("SKU"), _("Quantity"), _("Note")]
    return exports.respond(
        "listing-mappings",
        columns,
        exports.rows_of(service.mapping_query(**_mapping_filters()), prepare=prepare),
        lambda m: (names.get(m.connection_id, ""), m.seller_sku, codes.get(m.sku_id, ""), m.quantity, m.note),
    )


@bp.route("/mappings", methods=["POST"], endpoint="mappings_new")
@login_required("catalog:map")
def mappings_new() -> Any:
    form = Form(request.form)
    try:
        sku = service.find_sku_by_code(form["sku_code"])
        if sku is None:
            raise ValidationError.field("sku_code", _("no SKU with code %(code)s", code=form["sku_code"] or "—"))
        try:
            connection_id = uuid.UUID(form["connection_id"])
        except ValueError:
            raise ValidationError.field("connection_id", _("choose a sales channel connection")) from None
        service.create_mapping(
            connection_id=connection_id,
            seller_sku=form["seller_sku"],
            sku_id=sku.id,
            quantity=form["quantity"] or 1,
            note=form["note"],
        )
    except DomainError as exc:
        form.fail(exc)
        return _render_mappings(form), exc.status_code
    flash(_("Seller SKU %(seller)s now maps to %(code)s.", seller=form["seller_sku"], code=form["sku_code"]), "success")
    return redirect(url_for(".mappings"))


@bp.route("/mappings/<uuid:mapping_id>/delete", methods=["POST"])
@login_required("catalog:map")
def mappings_delete(mapping_id: uuid.UUID) -> Any:
    try:
        service.delete_mapping(mapping_id)
    except DomainError as exc:
        return action_failed(exc, url_for(".mappings"))
    flash(_("Mapping removed."), "success")
    return redirect(url_for(".mappings"))


# ---------------------------------------------------------------------------------------------
# Categories


@bp.route("/categories", methods=["GET"])
@login_required("catalog:read")
def categories() -> str:
    return _render_categories(Form(request.form))


def _render_categories(form: Form) -> str:
    rows = session.execute(service.list_categories()).scalars().all()
    return render_template("catalog/categories.html", rows=rows, form=form)


@bp.route("/categories", methods=["POST"], endpoint="categories_new")
@login_required("catalog:write")
def categories_new() -> Any:
    form = Form(request.form)
    try:
        parent = form["parent_id"] or None
        service.create_category(
            code=form["code"],
            name_zh=form["name_zh"],
            name_en=form["name_en"],
            parent_id=uuid.UUID(parent) if parent else None,
        )
    except ValueError:
        form.fail(ValidationError.field("parent_id", _("choose a category")))
        return _render_categories(form), 422
    except DomainError as exc:
        form.fail(exc)
        return _render_categories(form), exc.status_code
    flash(_("Category %(code)s added.", code=form["code"]), "success")
    return redirect(url_for(".categories"))


@bp.route("/categories/<uuid:category_id>/delete", methods=["POST"])
@login_required("catalog:write")
def categories_delete(category_id: uuid.UUID) -> Any:
    try:
        service.delete_category(category_id)
    except DomainError as exc:
        return action_failed(exc, url_for(".categories"))
    flash(_("Category deleted."), "success")
    return redirect(url_for(".categories"))


# ---------------------------------------------------------------------------------------------
# Import and export


@bp.route("/transfer", methods=["GET"], endpoint="transfer")
@login_required("catalog:read")
def transfer_page() -> str:
    """Import and export (the function is not called `transfer`: that is the module)."""
    return render_template("catalog/transfer.html", result=None, problems=None, columns=transfer.COLUMNS)


@bp.route("/transfer/import", methods=["POST"])
@login_required("catalog:write")
def transfer_import() -> Any:
    upload = request.files.get("file")
    dry_run = request.form.get("dry_run") == "on"
    context: dict[str, Any] = {"result": None, "problems": None, "columns": transfer.COLUMNS, "job": None}
    try:
        if upload is None or not upload.filename:
            raise ValidationError.field("file", _("choose a CSV or XLSX file"))
        data = upload.stream.read()
        if len(data) > transfer.INLINE_MAX_BYTES and not dry_run:
            job = transfer.enqueue_import(data, upload.filename)
            flash(_("The file is large: it is being imported in the background."), "info")
            endpoint = _jobs_page()
            return redirect(url_for(endpoint, job_id=job.id) if endpoint else url_for(".index"))
        result = transfer.import_products(data, upload.filename, dry_run=dry_run)
    except transfer.ImportRejected as exc:
        session.rollback()
        context["problems"] = exc.rows
        return render_template("catalog/transfer.html", **context), 422
    except DomainError as exc:
        session.rollback()
        context["error"] = exc
        return render_template("catalog/transfer.html", **context), exc.status_code
    context["result"] = {"dry_run": dry_run, "products": len(result.products), "skus": result.sku_count}
    return render_template("catalog/transfer.html", **context)


def _jobs_page() -> str | None:
    from flask import current_app

    return "web.jobs.detail" if "web.jobs.detail" in current_app.view_functions else None


@bp.route("/transfer/export")
@login_required("catalog:read")
def transfer_export() -> Response:
    args = request.args
    fmt = args.get("format") if args.get("format") in transfer.FORMATS else "csv"
    stmt = service.product_query(q=args.get("q"), status=args.get("status") or None)
    return transfer.export_products(stmt, fmt)


@bp.route("/transfer/template")
@login_required("catalog:read")
def transfer_template() -> Response:
    fmt = request.args.get("format") if request.args.get("format") in transfer.FORMATS else "csv"
    return transfer.template(fmt)


# ---------------------------------------------------------------------------------------------
# Code patterns


@bp.route("/settings", methods=["GET"])
@login_required("catalog:read")
def settings() -> str:
    current = service.get_settings()
    return render_template(
        "catalog/settings.html",
        form=Form(request.form, spu_pattern=current.spu_pattern, sku_pattern=current.sku_pattern),
    )


@bp.route("/settings", methods=["POST"], endpoint="settings_save")
@login_required("catalog:settings")
def settings_save() -> Any:
    form = Form(request.form)
    try:
        service.update_settings(spu_pattern=form["spu_pattern"], sku_pattern=form["sku_pattern"])
    except DomainError as exc:
        return form.failed(exc, "catalog/settings.html")
    flash(_("Code patterns saved."), "success")
    return redirect(url_for(".settings"))
