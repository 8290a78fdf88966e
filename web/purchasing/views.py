"""Purchasing pages. All rules live in core.purchasing.service; the pages are split by document
(orders, requests, replenishment, receiving, scorecards) and hang on this section's `bp`.

Endpoint names follow the tabs: everything about purchase orders extends `index`
(`index_detail`, `index_receive`), stocking requests extend `requests`, and so on, so the
right tab is highlighted."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, g, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.db import session
from core.errors import DomainError, InvalidTransition, PermissionDenied
from core.purchasing.schemas import Names
from web.forms import action_failed

bp = Blueprint("purchasing", __name__, url_prefix="/purchasing", template_folder="templates")

STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Awaiting approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "ordered": _l("On order"),
    "terminated": _l("Terminated"),
    "pending_second_approval": _l("Awaiting second approval"),
    "partially_received": _l("Partially received"),
    "received": _l("Received"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
    "qc_pending": _l("Awaiting QC"),
    "inspected": _l("Inspected"),
    "pending": _l("Awaiting QC"),
    "shipped": _l("Shipped"),
    "open": _l("To order"),
    "not_needed": _l("Covered"),
    "accepted": _l("Accepted"),
    "dismissed": _l("Dismissed"),
    "queued": _l("Queued"),
    "running": _l("Running"),
    "succeeded": _l("Done"),
    "failed": _l("Failed"),
}
# Badge colours of the portal stylesheet.
STATUS_TONES = {
    "draft": "draft",
    "submitted": "queued",
    "approved": "active",
    "rejected": "failed",
    "ordered": "running",
    "terminated": "inactive",
    "pending_second_approval": "retrying",
    "partially_received": "running",
    "received": "succeeded",
    "closed": "inactive",
    "cancelled": "inactive",
    "qc_pending": "retrying",
    "pending": "retrying",
    "inspected": "succeeded",
    "shipped": "succeeded",
    "open": "retrying",
    "not_needed": "ok",
    "accepted": "succeeded",
    "dismissed": "inactive",
    "queued": "queued",
    "running": "running",
    "succeeded": "succeeded",
    "failed": "failed",
}


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "status_label": lambda s: str(STATUS_LABELS.get(s, s)),
        "status_tone": lambda s: STATUS_TONES.get(s, s),
        "percent": percent,
        "num": num,
    }


def num(value: Any) -> str:
    """A decimal without trailing zeros (and never in exponent form): 13.0000 -> "13"."""
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(value: Any) -> str:
    """A fraction as a percentage for people ("95.2 %"), or a dash when unknown."""
    if value is None:
        return "—"
    return f"{(value * 100).quantize(type(value)('0.1'))} %"


def transition_failed(exc: DomainError, target: str) -> Any:
    """A refused step names the state in the reader's language."""
    if isinstance(exc, InvalidTransition):
        session.rollback()
        flash(_("Not possible while it is %(state)s.", state=STATUS_LABELS.get(exc.current, exc.current)), "error")
        return redirect(target)
    return action_failed(exc, target)


def require(permission: str) -> None:
    """For action views shared by several permissions: the step's own check."""
    if not g.principal.can(permission):
        raise PermissionDenied(_("Your role does not allow this (%(permission)s).", permission=permission))


def page_names(*args: Any, **kwargs: Any) -> Names:
    """The codes and names a page mentions, with SKU titles in the reader's language."""
    from web.portal import current_locale_is_chinese

    return Names(*args, chinese=current_locale_is_chinese(), **kwargs)


def run_action(func: Callable[[], Any], target: str, done: str) -> Any:
    try:
        func()
    except DomainError as exc:
        return transition_failed(exc, target)
    flash(done, "success")
    return redirect(target)


def errors_to_rows(exc: DomainError, rows: list[int]) -> DomainError:
    """A form with blank rows sends only the filled ones; the service names its errors
    `lines.<i>.<field>` by what it got, so rename them to the form's row numbers."""

    def rename(name: str) -> str:
        match = re.match(r"^lines\.(\d+)\.(.+)$", name)
        if match and int(match.group(1)) < len(rows):
            return f"lines.{rows[int(match.group(1))]}.{match.group(2)}"
        return name

    if exc.errors:
        exc.errors = {rename(k): v for k, v in exc.errors.items()}
    return exc


# ---------------------------------------------------------------------------------------------
# Choices for forms


def supplier_options(blank: str = "") -> list[tuple[str, str]]:
    from core.suppliers import service as suppliers

    return [("", blank)] + [(str(i), f"{code} · {name}") for i, code, name in suppliers.approved_choices()]


def warehouse_options(blank: str = "") -> list[tuple[str, str]]:
    from core.inventory import service as inventory

    rows = inventory.warehouse_facts(types=("domestic", "overseas_3pl", "platform"), active=True)  # all but virtual
    return [("", blank)] + [(str(w.id), f"{w.code} · {w.name}") for w in rows]


def sku_codes(limit: int = 1000) -> list[str]:
    """Codes of purchasable SKUs, for the SKU inputs' suggestions."""
    from core.catalog import service as catalog

    return catalog.usable_sku_codes("purchase", limit)


def sku_id_for(code: str) -> Any:
    """The SKU a typed code names (the services report unknown ids by field)."""
    from core.catalog.service import find_sku_by_code

    code = (code or "").strip()
    if not code:
        return None
    sku = find_sku_by_code(code)
    return sku.id if sku else uuid.UUID(int=0)


from web.purchasing import lists, orders, receiving, replenishment, requests, scorecards  # noqa: E402, F401 - pages
