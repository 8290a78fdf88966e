"""A list of the portal as a download, through Tradelane's one writer (`core/exports.py`:
CSV with a BOM, streamed; XLSX written row by row). This module adds what a page needs: the
format `?format=` asks for, refused in the reader's language, the reader's locale fixed
before the body is written (translated cells read as the page does), and times in the
tenant's time zone.

    @bp.route("/export")
    @login_required("suppliers:read")
    def export():
        return exports.respond("suppliers", COLUMNS, exports.rows_of(service.supplier_query(...)), row_of)

`columns` are headers (lazy strings are fine); `row_of(item)` gives the cells of one row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from flask import Response, request
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _

from core import exports as writer
from core.errors import ValidationError

FORMATS = writer.FORMATS
rows_of = writer.rows_of


def views_of(stmt: Any, to_views: Callable[[list[Any]], list[Any]], *, scalars: bool = True) -> Iterator[Any]:
    """The items `stmt` selects, turned a chunk at a time into the views the list's page shows
    (`to_views(chunk)`: the same names and amounts, looked up once per chunk). Refused, as
    rows_of, beyond MAX_ROWS."""
    writer.check_size(stmt)
    return (view for chunk in writer.pages(stmt, scalars=scalars) for view in to_views(chunk))


def chosen_format() -> str:
    fmt = (request.args.get("format") or "csv").lower()
    if fmt not in FORMATS:
        raise ValidationError.field("format", _("Choose one of: %(choices)s", choices=", ".join(FORMATS)))
    return fmt


def respond(
    name: str,
    columns: Sequence[Any],
    items: Iterator[Any],
    row_of: Callable[[Any], Sequence[Any]],
    fmt: str | None = None,
) -> Response:
    """The download of `items` (see rows_of) in the requested format, named `<name>.<fmt>`."""
    fmt = fmt or chosen_format()
    get_locale()  # chosen now, while the request is there to choose it
    zone = get_timezone()

    def local_row(item: Any) -> list[Any]:
        # Times in the tenant's time zone, as the page shows them (stored in UTC).
        return [v.astimezone(zone) if isinstance(v, datetime) and v.tzinfo else v for v in row_of(item)]

    return writer.response(name, [str(c) for c in columns], items, local_row, fmt)
