"""Tradelane's one writer of downloads: a list as CSV (UTF-8 with a BOM, so spreadsheet
programs read Chinese names) or XLSX (openpyxl's write-only mode; numbers stay numbers).

It lives in core, not in the portal, because the API's downloads (`GET /orders/export`, the
finance reports' `?format=`, the catalogue's import-format export) write the same files, and
core never imports web. The portal's
`web/exports.py` adds only what a page needs on top: the format the query string asks for,
refused in the reader's language.

Rows are read page by page (`rows_of`), so a large export never holds the whole list:

- XLSX is written row by row into a spooled temporary file while the request is still open,
  then sent from it in blocks;
- CSV is streamed as it is read, after the view has returned. Each piece of the body is made
  inside the request's app context (its `g`: the principal, the reader's locale) and tenant,
  entered again for that piece and left before the piece is yielded. Flask's
  `stream_with_context` instead holds the request context open across yields, so a second
  export read in between, or one left unread and collected later, pops the wrong context.
  The body reads through a database session of its own (the request's was removed at its
  teardown), closed when the body ends or is dropped: a transaction that carries one tenant's
  setting is never left on the thread for the next request to find.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from flask import Response, current_app, g

from core import validation
from core.db import count, new_session, session
from core.errors import ValidationError
from core.messages import Msg
from core.tenancy import current_tenant_id, tenant_context

FORMATS = ("csv", "xlsx")
CHUNK = 500  # rows read per query
MAX_ROWS = 50_000  # rows in one export; more is refused (check_size)
PIECE = 200  # CSV rows per streamed piece
BLOCK = 64 * 1024  # bytes per XLSX block sent
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------------------------------------
# Reading


def rows_of(
    stmt: Any,
    *,
    scalars: bool = True,
    prepare: Callable[[list[Any]], None] | None = None,
) -> Iterator[Any]:
    """Every item `stmt` selects, read CHUNK at a time by offset (the lists are ordered).
    `prepare(chunk)` may load what the chunk's rows name (SKU codes, supplier names) at once.
    A list of more than MAX_ROWS is refused here, before anything is written."""
    check_size(stmt)
    return _items(stmt, scalars, prepare)


def check_size(stmt: Any) -> None:
    """Refuse (422) an export of more than MAX_ROWS rows: a file cut short without a word would
    pass for the whole list. The count reads at most one row more."""
    if count(stmt.order_by(None).limit(MAX_ROWS + 1)) > MAX_ROWS:
        raise ValidationError(
            {"filters": [Msg("exports.too_many_rows", max_rows=f"{MAX_ROWS:,}")]},
            Msg("exports.would_be_too_many", max_rows=f"{MAX_ROWS:,}"),
        )


def _items(stmt: Any, scalars: bool, prepare: Callable[[list[Any]], None] | None) -> Iterator[Any]:
    for chunk in pages(stmt, scalars=scalars):
        if prepare is not None:
            prepare(chunk)
        yield from chunk


def pages(stmt: Any, *, scalars: bool = True) -> Iterator[list[Any]]:
    """The items `stmt` selects, a list of at most CHUNK at a time."""
    offset = 0
    while True:
        result = session.execute(stmt.offset(offset).limit(CHUNK))
        chunk = list(result.scalars() if scalars else result)
        if chunk:
            yield chunk
        if len(chunk) < CHUNK:
            return
        offset += CHUNK


# ---------------------------------------------------------------------------------------------
# Writing


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def xlsx_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value  # openpyxl writes Decimal as a number
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones
    if isinstance(value, str):
        # A control character that reached the database past the API's door (a channel's
        # title) is written as U+FFFD, which XML can hold, so the file always opens.
        return validation.printable(value)
    return "" if value is None else value


def csv_pieces(columns: Sequence[str], rows: Iterator[Sequence[Any]]) -> Generator[str, None, None]:
    """The CSV text: the BOM and header row, then PIECE rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(c) for c in columns])
    yield "\ufeff" + _drain(buffer)
    for n, row in enumerate(rows, start=1):
        writer.writerow([csv_cell(v) for v in row])
        if n % PIECE == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def xlsx_file(title: str, columns: Sequence[str], rows: Iterator[Sequence[Any]]) -> IO[bytes]:
    """The workbook, one sheet named `title`, in a spooled temporary file read from its start."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([str(c) for c in columns])
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    book.save(out)
    out.seek(0)
    return out


def response(
    name: str,
    columns: Sequence[str],
    items: Iterator[Any],
    row_of: Callable[[Any], Sequence[Any]],
    fmt: str,
) -> Response:
    """The download of `items` (see rows_of), one row each by `row_of`, as `<name>.<fmt>`.
    Called from a view, in its request and tenant."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    rows = (row_of(item) for item in items)
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    if fmt == "xlsx":
        out = xlsx_file(name, columns, rows)
        size = out.seek(0, io.SEEK_END)
        out.seek(0)
        headers["Content-Length"] = str(size)
        return Response(_blocks(out), mimetype=XLSX_TYPE, headers=headers)
    return Response(_outside_the_request(csv_pieces(columns, rows)), mimetype=CSV_TYPE, headers=headers)


def _blocks(out: IO[bytes]) -> Iterator[bytes]:
    # A generator closes the file when the body ends, and when an unread body is dropped.
    try:
        while block := out.read(BLOCK):
            yield block
    finally:
        out.close()


def _outside_the_request(pieces: Generator[str, None, None]) -> Iterator[str]:
    """`pieces`, each made inside the request's app context and tenant and a session of the
    body's own, entered for that piece only (see the module's docstring)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state = {k: v for k, v in vars(g).items() if k != "_contexts"}  # the request's tenant stack
    tenant_id = current_tenant_id()
    own: list[Any] = []  # the body's session, opened with its first piece

    @contextmanager
    def entered() -> Iterator[None]:
        with ExitStack() as stack:
            stack.enter_context(app.app_context())
            vars(g).update(state)
            stack.enter_context(tenant_context(tenant_id))
            if not own:
                own.append(new_session())
            stack.enter_context(_scoped_as(own[0]))
            yield

    def body() -> Iterator[str]:
        try:
            while True:
                with entered():
                    piece = next(pieces, None)
                if piece is None:
                    return
                yield piece
        finally:
            if own:  # an unread rest runs its own clean-up in the same contexts
                with entered():
                    pieces.close()
                own[0].close()

    return body()


@contextmanager
def _scoped_as(own: Any) -> Iterator[None]:
    """`core.db.session` is `own` inside the block, and what it was before, after it."""
    registry = session.registry
    previous = registry() if registry.has() else None
    registry.set(own)
    try:
        yield
    finally:
        if previous is None:
            registry.clear()
        else:
            registry.set(previous)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
