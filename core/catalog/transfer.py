"""Bulk import and export of products as CSV or XLSX: one row per SKU.

Rows with the same `spu_code` are the variants of one product; a row without one is a product
of its own. Product columns (titles, descriptions, category, brand, attributes) are read from a
product's first row; its other rows may repeat them or leave them empty. `options` names the
variant ("colour=Red; size=L"), `attributes` likewise; `components` lists a kit's parts as
"SKU-A*2; SKU-B*1" (SKUs already in the catalogue or elsewhere in the file). A price without
a currency is in the tenant's functional currency.

The whole file is checked before anything is written: every problem is reported with its line
number (the header is line 1) and column, and a file with any problem imports nothing. Imported
products start in draft. An export has the same columns (plus `status`, ignored on import), so
it can be edited and imported elsewhere.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core import exports
from core.catalog import service
from core.catalog.models import Product, Sku
from core.db import session
from core.errors import ValidationError
from core.messages import Msg, detail

PRODUCT_COLUMNS = [
    "spu_code",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "category_code",
    "brand",
    "attributes",
]
SKU_COLUMNS = [
    "sku_code",
    "options",
    "barcode",
    "net_weight_g",
    "gross_weight_g",
    "length_cm",
    "width_cm",
    "height_cm",
    "package_length_cm",
    "package_width_cm",
    "package_height_cm",
    "carton_length_cm",
    "carton_width_cm",
    "carton_height_cm",
    "units_per_carton",
    "carton_weight_g",
    "purchase_price",
    "purchase_currency",
    "sale_price",
    "sale_currency",
    "market_price",
    "market_currency",
    "input_vat_rate",
    "output_vat_rate",
    "hs_code",
    "origin_country",
    "declared_value",
    "declared_currency",
    "material",
    "customs_name_en",
    "customs_name_zh",
    "kit_type",
    "components",
]
COLUMNS = PRODUCT_COLUMNS + SKU_COLUMNS
EXPORT_COLUMNS = COLUMNS + ["status"]
IGNORED_ON_IMPORT = {"status"}
MAX_ROWS = 50_000
# Larger uploads are imported by a background job that reports its progress.
INLINE_MAX_BYTES = 2 * 1024 * 1024
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Where a service error path lands in the file: its column.
_PATH_COLUMNS = [
    (
        r"^(size|package_size|carton_size)\.(\w+)_cm$",
        lambda m: {"size": "", "package_size": "package_", "carton_size": "carton_"}[m.group(1)] + m.group(2) + "_cm",
    ),
    (r"^(purchase|sale|market)_price\.currency$", lambda m: f"{m.group(1)}_currency"),
    (r"^(purchase|sale|market)_price(\.amount)?$", lambda m: f"{m.group(1)}_price"),
    (r"^customs\.declared_value\.currency$", lambda m: "declared_currency"),
    (r"^customs\.declared_value(\.amount)?$", lambda m: "declared_value"),
    (r"^customs\.name_(en|zh)$", lambda m: f"customs_name_{m.group(1)}"),
    (r"^customs\.(\w+)$", lambda m: m.group(1)),
    (r"^components(\..*)?$", lambda m: "components"),
    (r"^options(\..*)?$", lambda m: "options"),
    (r"^code$", lambda m: "sku_code"),
    (r"^variant_attributes(\..*)?$", lambda m: "options"),
    (r"^attributes(\..*)?$", lambda m: "attributes"),
    (r"^category_id$", lambda m: "category_code"),
    (r"^skus$", lambda m: "sku_code"),
]


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The problem as the API gives it: a coded message's code and parameters beside the
        English, as `message_code` and `message_params` are beside a refusal's message."""
        out: dict[str, Any] = {"line": self.line, "field": self.field, "message": str(self.message)}
        coded = detail(self.message)
        if coded is not None:
            out["message_code"], out["message_params"] = coded["code"], coded["params"]
        return out


@dataclass
class Group:
    """The rows of one product."""

    lines: list[int] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)


class ImportRejected(ValidationError):
    """The file has problems; nothing was imported. `rows` lists them all."""

    def __init__(self, problems: list[RowError]) -> None:
        self.rows = problems
        shown = [p.as_dict() for p in problems[:1000]]
        super().__init__(
            {"rows": shown},
            Msg(
                "catalog.import_rejected",
                count=len(problems),
                line=problems[0].line,
                field=problems[0].field,
                message=problems[0].message,
            ),
        )


# ---------------------------------------------------------------------------------------------
# Reading files


def read_rows(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """(header, [(line number, cells)]) of a CSV or XLSX file; blank rows are skipped."""
    fmt = file_format(filename, data)
    rows = _read_xlsx(data) if fmt == "xlsx" else _read_csv(data)
    header: list[str] | None = None
    out: list[tuple[int, list[Any]]] = []
    for line, cells in rows:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if header is None:
            header = [str(c or "").strip().lower() for c in cells]
            continue
        out.append((line, list(cells)))
        if len(out) > MAX_ROWS:
            raise ValidationError.field("file", Msg("catalog.file_holds_at_most", max_rows=MAX_ROWS))
    if header is None:
        raise ValidationError.field("file", Msg("catalog.file_empty"))
    return header, out


def file_format(filename: str, data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if (filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise ValidationError.field("file", Msg("catalog.not_xlsx"))
    if (filename or "").lower().endswith(".xls"):
        raise ValidationError.field("file", Msg("catalog.old_xls"))
    return "csv"


def _read_csv(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030/GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ValidationError.field("file", Msg("catalog.csv_encoding"))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        start = 1
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError.field("file", Msg("catalog.line", line=reader.line_num, error=exc)) from None


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any parse failure means the same to the user
        raise ValidationError.field("file", Msg("catalog.not_xlsx")) from None
    try:
        sheet = book.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(cells)
    finally:
        book.close()


# ---------------------------------------------------------------------------------------------
# Import


@dataclass
class ImportResult:
    products: list[Product]
    sku_count: int


def import_products(
    data: bytes, filename: str, *, dry_run: bool = False, progress: Callable[[int, str], None] | None = None
) -> ImportResult:
    """Check the whole file, then (unless `dry_run`) create its products in draft. Raises
    ImportRejected listing every problem; the caller's transaction then writes nothing."""
    progress = progress or (lambda _p, _m: None)
    header, rows = read_rows(data, filename)
    problems: list[RowError] = []
    _check_header(header, problems)
    if problems:
        raise ImportRejected(problems)
    groups = _group(header, rows, problems)
    default_currency = _functional_currency()
    categories = {c.code: c.id for c in session.execute(service.list_categories()).scalars()}
    _check_unique_in_file(groups, problems)
    known: dict[str, Sku] = {}
    built: list[Product] = []
    # Plain products first, so kits can name SKUs defined elsewhere in the file.
    ordered = sorted(groups, key=lambda g: any(_cell(r, "kit_type") for r in g.rows))
    for n, group in enumerate(ordered):
        payload = _product_payload(group, categories, default_currency, problems)
        product, errors = service.build_product(payload, known_codes=known)
        for path, messages in errors.errors.items():
            line, column = _locate(path, group)
            problems.extend(RowError(line, column, m) for m in messages)
        for sku in product.skus:
            if sku.code:
                known[sku.code] = sku
        built.append(product)
        if n % 200 == 0:
            progress(int(50 * n / max(1, len(groups))), f"checked {n} of {len(groups)} products")
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: (p.line, p.field)))
    if dry_run:
        return ImportResult(built, sum(len(p.skus) for p in built))
    for n, product in enumerate(built):
        service.save_new_product(product)
        if n % 200 == 0:
            progress(50 + int(50 * n / max(1, len(built))), f"imported {n} of {len(built)} products")
    return ImportResult(built, sum(len(p.skus) for p in built))


def _functional_currency() -> str:
    from tenants.service import functional_currency

    return functional_currency()


def _check_header(header: list[str], problems: list[RowError]) -> None:
    seen: set[str] = set()
    for name in header:
        if not name:
            continue
        if name not in COLUMNS and name not in IGNORED_ON_IMPORT:
            problems.append(RowError(1, name, Msg("catalog.unknown_column", columns=", ".join(COLUMNS))))
        if name in seen:
            problems.append(RowError(1, name, Msg("catalog.column_twice")))
        seen.add(name)
    if "title_zh" not in seen and "title_en" not in seen:
        problems.append(RowError(1, "title_zh", Msg("catalog.title_column")))


def _cell(row: dict[str, Any], name: str) -> Any:
    value = row.get(name)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _group(header: list[str], rows: list[tuple[int, list[Any]]], problems: list[RowError]) -> list[Group]:
    groups: dict[str, Group] = {}
    out: list[Group] = []
    for line, cells in rows:
        row = {name: (cells[i] if i < len(cells) else None) for i, name in enumerate(header) if name}
        spu = _cell(row, "spu_code")
        key = str(spu) if spu is not None else None
        if key is None:
            group = Group()
            out.append(group)
        elif key not in groups:
            group = groups[key] = Group()
            out.append(group)
        else:
            group = groups[key]
            first = group.rows[0]
            for name in PRODUCT_COLUMNS:
                value = _cell(row, name)
                if value is not None and value != _cell(first, name):
                    problems.append(RowError(line, name, Msg("catalog.differs_from_line", line=group.lines[0])))
        group.lines.append(line)
        group.rows.append(row)
    return out


def _check_unique_in_file(groups: list[Group], problems: list[RowError]) -> None:
    """SKU codes and barcodes must be unique across the file, not only within a product."""
    for column, label in (("sku_code", "SKU code"), ("barcode", "barcode")):
        first_line: dict[str, int] = {}
        product_of: dict[str, int] = {}
        for gi, group in enumerate(groups):
            for line, row in zip(group.lines, group.rows):
                value = _cell(row, column)
                if value is None:
                    continue
                value = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
                if value in first_line and product_of[value] != gi:
                    problems.append(
                        RowError(
                            line, column, Msg("catalog.also_on_line", label=label, value=value, line=first_line[value])
                        )
                    )
                first_line.setdefault(value, line)
                product_of.setdefault(value, gi)


_PAIR_SPLIT = re.compile(r"[;\n；]")


def _pairs(text: Any, line: int, column: str, problems: list[RowError]) -> dict[str, str]:
    """ "colour=Red; size=L" -> {"colour": "Red", "size": "L"} (also with ： and ；)."""
    out: dict[str, str] = {}
    if text is None:
        return out
    for part in _PAIR_SPLIT.split(str(text)):
        if not part.strip():
            continue
        name, sep, value = part.replace("：", "=").replace(":", "=").partition("=")
        if not sep or not name.strip() or not value.strip():
            problems.append(RowError(line, column, Msg("catalog.write_name_value", part=repr(part.strip()))))
            continue
        out[name.strip()] = value.strip()
    return out


def _components(text: Any, line: int, problems: list[RowError]) -> list[dict[str, Any]]:
    """ "SKU-A*2; SKU-B" -> [{"sku_code": "SKU-A", "quantity": "2"}, {"sku_code": "SKU-B", "quantity": "1"}]."""
    out = []
    if text is None:
        return out
    for part in _PAIR_SPLIT.split(str(text)):
        part = part.strip().replace("×", "*")
        if not part:
            continue
        code, sep, qty = part.rpartition("*")
        if not sep:
            code, qty = part, "1"
        if not code.strip():
            problems.append(RowError(line, "components", Msg("catalog.write_sku_quantity", part=repr(part))))
            continue
        out.append({"sku_code": code.strip(), "quantity": qty.strip()})
    return out


def _money(row: dict[str, Any], amount_col: str, currency_col: str, default_currency: str) -> Any:
    amount, currency = _cell(row, amount_col), _cell(row, currency_col)
    if amount is None and currency is None:
        return None
    return {"amount": amount, "currency": currency or (default_currency if amount is not None else None)}


def _product_payload(
    group: Group, categories: dict[str, Any], default_currency: str, problems: list[RowError]
) -> dict[str, Any]:
    first, line0 = group.rows[0], group.lines[0]
    payload: dict[str, Any] = {}
    for name in ("spu_code", "title_zh", "title_en", "description_zh", "description_en", "brand"):
        if _cell(first, name) is not None:
            payload[name] = _cell(first, name)
    if not (_cell(first, "title_zh") or _cell(first, "title_en")):
        problems.append(RowError(line0, "title_zh", Msg("catalog.title_required")))
    category = _cell(first, "category_code")
    if category is not None:
        category = str(category)
        if category not in categories:
            problems.append(RowError(line0, "category_code", Msg("catalog.no_category_code", code=category)))
        else:
            payload["category_id"] = categories[category]
    payload["attributes"] = _pairs(_cell(first, "attributes"), line0, "attributes", problems)
    axes: dict[str, list[str]] = {}
    skus = []
    for line, row in zip(group.lines, group.rows):
        options = _pairs(_cell(row, "options"), line, "options", problems)
        for name, value in options.items():
            values = axes.setdefault(name, [])
            if value not in values:
                values.append(value)
        sku: dict[str, Any] = {"options": options}
        for column, key in (("sku_code", "code"), ("barcode", "barcode"), ("kit_type", "kit_type")):
            sku[key] = _cell(row, column)
        for column in (
            "net_weight_g",
            "gross_weight_g",
            "units_per_carton",
            "carton_weight_g",
            "input_vat_rate",
            "output_vat_rate",
        ):
            sku[column] = _cell(row, column)
        for group_name, prefix in service.SIZE_GROUPS.items():
            sku[group_name] = {d: _cell(row, prefix + d) for d in ("length_cm", "width_cm", "height_cm")}
        for kind in ("purchase", "sale", "market"):
            sku[f"{kind}_price"] = _money(row, f"{kind}_price", f"{kind}_currency", default_currency)
        sku["customs"] = {
            "hs_code": _cell(row, "hs_code"),
            "origin_country": _cell(row, "origin_country"),
            "declared_value": _money(row, "declared_value", "declared_currency", default_currency),
            "material": _cell(row, "material"),
            "name_en": _cell(row, "customs_name_en"),
            "name_zh": _cell(row, "customs_name_zh"),
        }
        sku["components"] = _components(_cell(row, "components"), line, problems)
        skus.append(sku)
    payload["variant_attributes"] = [{"name": n, "values": v} for n, v in axes.items()]
    payload["skus"] = skus
    return payload


def _locate(path: str, group: Group) -> tuple[int, str]:
    match = re.match(r"^skus\.(\d+)\.(.+)$", path)
    if match:
        index, rest = int(match.group(1)), match.group(2)
        line = group.lines[index] if index < len(group.lines) else group.lines[0]
    else:
        line, rest = group.lines[0], path
    for pattern, column in _PATH_COLUMNS:
        m = re.match(pattern, rest)
        if m:
            return line, column(m)
    return line, rest


def enqueue_import(data: bytes, filename: str) -> Any:
    """Keep the file under the tenant's uploads and import it in a job (`catalog.import_products`);
    the job's result holds the outcome, including the `rows` of a rejected file."""
    from core import jobs
    from core.catalog.images import tenant_root
    from core.db import uuid7

    fmt = file_format(filename, data)
    key = f"imports/{uuid7().hex}.{fmt}"
    path = tenant_root() / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    session().info.setdefault("catalog_files_written", []).append(path)  # removed if never committed
    return jobs.enqueue("catalog.import_products", key=key, filename=filename[:200])


def run_import_job(ctx: Any, key: str, filename: str) -> dict[str, Any]:
    from core.catalog.images import tenant_root

    path = tenant_root() / key
    if not path.exists():
        return {"imported": False, "message": Msg("catalog.upload_gone")}
    try:
        result = import_products(path.read_bytes(), filename, progress=ctx.progress)
    except ImportRejected as exc:
        path.unlink(missing_ok=True)
        return {"imported": False, "message": exc.message, "rows": [p.as_dict() for p in exc.rows[:1000]]}
    except ValidationError as exc:
        path.unlink(missing_ok=True)
        return {"imported": False, "message": exc.message, "errors": exc.errors}
    session().info.setdefault("catalog_files_removed", []).append(path)
    return {
        "imported": True,
        "products": len(result.products),
        "skus": result.sku_count,
        "product_ids": [str(p.id) for p in result.products],
    }


# ---------------------------------------------------------------------------------------------
# Export


def export_rows(stmt: Any) -> Iterator[list[Any]]:
    """One list of cells per SKU of the products `stmt` selects, in EXPORT_COLUMNS order."""
    categories = {c.id: c.code for c in session.execute(service.list_categories()).scalars()}
    for product in session.execute(stmt).scalars():
        for sku in product.skus:
            yield [_export_value(product, sku, column, categories) for column in EXPORT_COLUMNS]


def _plain(value: Any) -> Any:
    return format(value.normalize(), "f") if isinstance(value, Decimal) else value


def _export_value(product: Product, sku: Sku, column: str, categories: dict[Any, str]) -> Any:
    if column in ("spu_code", "title_zh", "title_en", "description_zh", "description_en", "brand", "status"):
        return getattr(product, column) or None
    if column == "category_code":
        return categories.get(product.category_id)
    if column == "attributes":
        return "; ".join(f"{k}={v}" for k, v in (product.attributes or {}).items()) or None
    if column == "options":
        names = [a["name"] for a in product.variant_attributes or []]
        return "; ".join(f"{n}={sku.options[n]}" for n in names if n in (sku.options or {})) or None
    if column == "sku_code":
        return sku.code
    if column == "components":
        return "; ".join(f"{line.component.code}*{line.quantity}" for line in sku.components) or None
    if column in ("declared_value", "declared_currency"):
        return _plain(getattr(sku, column))
    if column.startswith("customs_name_"):
        return getattr(sku, column)
    return _plain(getattr(sku, column))


def _as_text(row: list[Any]) -> list[Any]:
    # Codes and barcodes stay text so Excel keeps leading zeros and long digits (the writer
    # shows a control character from elsewhere, a channel's title, as U+FFFD).
    return [v if v is None or isinstance(v, int) else str(v) for v in row]


def export_products(stmt: Any, fmt: str, name: str = "products") -> Any:
    """The download of the products `stmt` selects, one row per SKU in EXPORT_COLUMNS, written
    by Tradelane's one writer (core/exports.py: CSV with a BOM, XLSX)."""
    if fmt not in FORMATS:
        raise ValidationError.field("format", Msg("one_of", choices=", ".join(FORMATS)))
    exports.check_size(stmt)
    return exports.response(name, EXPORT_COLUMNS, export_rows(stmt), _as_text, fmt)


def template(fmt: str) -> Any:
    """An empty file with the import columns."""
    if fmt not in FORMATS:
        raise ValidationError.field("format", Msg("one_of", choices=", ".join(FORMATS)))
    return exports.response("products-template", EXPORT_COLUMNS, iter(()), _as_text, fmt)
