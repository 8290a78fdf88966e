"""A list as a download: CSV (UTF-8 with a BOM, so spreadsheet programs read Chinese names)
or XLSX (openpyxl; numbers stay numbers). The rows come from a SELECT read page by page, so a
large export never holds the whole list in memory: CSV is streamed as it is read, XLSX is
written row by row (openpyxl's write-only mode) into a spooled temporary file.

    @bp.route("/export")
    @login_required("suppliers:read")
    def export():
        return exports.respond("suppliers", COLUMNS, service.supplier_query(...), row_of)

`columns` are (header, ...) already translated; `row_of(item)` gives the cells of one row.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, request, send_file, stream_with_context
from flask_babel import gettext as _

from core.db import session
from core.errors import ValidationError
from core.tenancy import current_tenant_id, tenant_context

FORMATS = ("csv", "xlsx")
CHUNK = 500  # rows read per query
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def chosen_format() -> str:
    fmt = (request.args.get("format") or "csv").lower()
    if fmt not in FORMATS:
        raise ValidationError.field("format", _("Choose one of: %(choices)s", choices=", ".join(FORMATS)))
    return fmt


def rows_of(stmt: Any, *, scalars: bool = True, prepare: Callable[[list[Any]], None] | None = None) -> Iterator[Any]:
    """Every item `stmt` selects, read CHUNK at a time (by offset: the lists are ordered).
    `prepare(chunk)` may load what the chunk's rows name (SKU codes, supplier names) at once."""
    offset = 0
    while True:
        result = session.execute(stmt.offset(offset).limit(CHUNK))
        chunk = list(result.scalars() if scalars else result)
        if not chunk:
            return
        if prepare is not None:
            prepare(chunk)
        yield from chunk
        if len(chunk) < CHUNK:
            return
        offset += CHUNK


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def respond(
    name: str,
    columns: Sequence[str],
    items: Iterator[Any],
    row_of: Callable[[Any], Sequence[Any]],
    fmt: str | None = None,
) -> Response:
    """The download of `items` (see rows_of) in the requested format, named `<name>.<fmt>`."""
    fmt = fmt or chosen_format()
    filename = f"{name}.{fmt}"
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(name[:31])
        sheet.append(list(columns))
        for item in items:
            sheet.append([_xlsx_cell(v) for v in row_of(item)])
        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        book.save(out)
        out.seek(0)
        return send_file(out, mimetype=XLSX, as_attachment=True, download_name=filename)

    tenant_id = current_tenant_id()

    def generate() -> Iterator[str]:
        # The body is read after the view returns: the tenant is entered again for it (the
        # request's context variables do not reach the response iterator).
        with tenant_context(tenant_id):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(list(columns))
            yield "\ufeff" + _drain(buffer)
            for n, item in enumerate(items, start=1):
                writer.writerow([_cell(v) for v in row_of(item)])
                if n % 200 == 0:
                    yield _drain(buffer)
            yield _drain(buffer)

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value  # openpyxl writes Decimal as a number
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return "" if value is None else value
