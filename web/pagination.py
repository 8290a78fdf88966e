"""One page of a query for a portal list; `macros.pagination(page)` renders its links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request, url_for

from core.db import list_total, session


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int
    estimated: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_item(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_item(self) -> int:
        return min(self.page * self.per_page, self.total)

    def url(self, page: int) -> str:
        """This page's URL with its filters kept and another page number."""
        args = request.args.to_dict(flat=False)
        args["page"] = [str(page)]
        return url_for(request.endpoint, **(request.view_args or {}), **args)


def paginate(stmt: Any, per_page: int = 25, *, scalars: bool = True) -> Page:
    """Run the page of `stmt` named by ?page= (out-of-range pages show the last one). The total
    is exact up to `core.db.EXACT_COUNT_LIMIT` rows and the planner's estimate beyond."""
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    total, estimated = list_total(stmt)
    page = min(page, max(1, -(-total // per_page)))
    result = session.execute(stmt.offset((page - 1) * per_page).limit(per_page))
    return Page(list(result.scalars() if scalars else result), page, per_page, total, estimated)
