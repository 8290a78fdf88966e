"""Bulk actions on the ticked rows of a list: the same service call per record, each in its own
savepoint, so one refusal does not undo the others, and a result page names every record with
its outcome (done, or the reason it was refused).

    results = bulk.run(ids, labels, lambda i: service.approve_supplier(i))
    return bulk.render(results, _("Approve"), back=url_for(".index"), link=lambda i: url_for(".detail", supplier_id=i))

`labels(ids) -> {id: "SUP-0001"}` names the records of this tenant among the ids (an id it does
not know, another tenant's included, is reported as not found and nothing is tried on it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import render_template
from flask_babel import gettext as _

from core.db import session
from core.errors import DomainError, InvalidTransition, ValidationError

MAX_ITEMS = 200


@dataclass(frozen=True)
class Outcome:
    id: uuid.UUID | str
    label: str
    ok: bool
    error: str = ""


def parse_ids(raw: Iterable[str], field: str) -> list[uuid.UUID]:
    """The ticked ids, once each, in their order; a 422 naming `field` when there are none,
    too many or one is not an id."""
    ids: list[uuid.UUID] = []
    for value in raw:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            raise ValidationError.field(field, _("%(value)s is not an id", value=value)) from None
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationError.field(field, _("Tick at least one row."))
    if len(ids) > MAX_ITEMS:
        raise ValidationError.field(field, _("At most %(n)s rows at a time.", n=MAX_ITEMS))
    return ids


def run(
    ids: list[uuid.UUID],
    labels: Callable[[list[uuid.UUID]], dict[uuid.UUID, str]],
    action: Callable[[uuid.UUID], Any],
    states: dict[str, Any] | None = None,
) -> list[Outcome]:
    """Outcomes in the order of `ids`; `states` names the statuses a refusal may mention."""
    known = labels(ids)
    out: list[Outcome] = []
    for ident in ids:
        if ident not in known:
            out.append(Outcome(ident, str(ident), False, _("Not found.")))
            continue
        try:
            with session.begin_nested():
                action(ident)
        except DomainError as exc:
            out.append(Outcome(ident, known[ident], False, describe(exc, states or {})))
            continue
        out.append(Outcome(ident, known[ident], True))
    return out


def describe(exc: DomainError, states: dict[str, Any]) -> str:
    """The reason in the reader's language where the catalogue knows it (as `|t` does in
    templates); a refused step names the state it is in."""
    from web.messages import translate

    if isinstance(exc, InvalidTransition):
        return _("Not possible while it is %(state)s.", state=str(states.get(exc.current, exc.current)))
    return translate(exc.message)


def render(results: list[Outcome], action: str, *, back: str, link: Callable[[Any], str] | None = None) -> str:
    return render_template("bulk_results.html", results=results, action=action, back=back, link=link)
