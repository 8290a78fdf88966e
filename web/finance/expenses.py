"""Expense document pages (费用单): the list with its filters, a new expense with its lines and
what each belongs to (a shop's name, a SKU code, an order number, a first leg's number or a
shipment's tracking number), and the expense with its label match and Approve. The rules live
in core.finance.expenses.service; these views parse forms and render."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.catalog.transfer import ImportRejected
from core.db import session
from core.errors import DomainError, ValidationError
from core.finance import service
from core.finance.charts import role as chart_role
from core.finance.expenses import imports
from core.finance.expenses import service as expenses
from core.finance.expenses.service import DEFAULT_ROLE, KIND_LINKS, KINDS, LANDED_COMPONENTS, STATUSES
from core.finance.rules.expenses import LINE_ROLES
from core.messages import Msg
from web.auth import can, login_required
from web.finance.messages import EXPENSE_KIND_LABELS, EXPENSE_STATUS_LABELS, LINK_LABELS
from web.finance.payables import _day, _supplier_label, _suppliers, _today, _uuid
from web.finance.views import bp
from web.forms import Form
from web.messages import translate
from web.pagination import paginate

FORM_LINES = 5  # blank line rows on a new expense


def _role_options() -> list[tuple[str, str]]:
    """The roles a line books to, in the reader's language (freight bills: the landed cost part)."""
    from web.finance.messages import LANDED_LABELS

    out = [("", _("As the kind books it"))]
    out += [(key, _(chart_role(key).label)) for key in LINE_ROLES]
    out += [(key, str(LANDED_LABELS[key])) for key in LANDED_COMPONENTS]
    return out


def _filters() -> dict[str, Any]:
    args = request.args
    return {
        "kind": args.get("kind") if args.get("kind") in KINDS else None,
        "status": args.get("status") if args.get("status") in STATUSES else None,
        "q": (args.get("q") or "").strip()[:100] or None,
    }


def _list(**extra: Any) -> str:
    service.settings()
    page = paginate(expenses.expense_query(**_filters()))
    return render_template(
        "finance/expenses.html",
        page=page,
        views={v["id"]: v for v in expenses.views(page.items)},
        args=request.args,
        kinds=EXPENSE_KIND_LABELS,
        statuses=EXPENSE_STATUS_LABELS,
        columns=imports.COLUMNS,
        **{"problems": None, "error": None, **extra},
    )


@bp.route("/expenses")
@login_required("finance:read")
def expenses_page() -> Any:
    return _list()


@bp.route("/expenses/import", methods=["POST"])
@login_required("finance:write")
def expenses_import() -> Any:
    """A CSV or XLSX of expense documents: all of it as drafts, or its problems by line."""
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError.field("file", Msg("finance.choose_a_file"))
        result = imports.import_expenses(upload.stream.read(), upload.filename)
    except ImportRejected as exc:
        session.rollback()
        problems = [{"line": p.line, "field": p.field, "message": translate(p.message)} for p in exc.rows]
        return _list(problems=problems), 422
    except DomainError as exc:
        session.rollback()
        return _list(error=translate(exc.errors.get("file", [exc.message])[0])), exc.status_code
    flash(
        _(
            "%(created)s expense document(s) imported as drafts; %(skipped)s already recorded.",
            created=len(result.created),
            skipped=len(result.skipped),
        ),
        "success",
    )
    return redirect(url_for(".expenses_page"))


def _context() -> dict[str, Any]:
    return {
        "kinds": EXPENSE_KIND_LABELS,
        "link_labels": LINK_LABELS,
        "kind_links": KIND_LINKS,
        "roles": _role_options(),
        "suppliers": [("", _("None: name the vendor"))] + [(str(s.id), _supplier_label(s)) for s in _suppliers()],
        "rows": range(FORM_LINES),
        "functional": service.functional_currency(),
    }


@bp.route("/expenses/new", methods=["GET", "POST"])
@login_required("finance:write")
def expenses_new() -> Any:
    context = _context()
    defaults = {"kind": "platform_fee", "currency": context["functional"], "expense_date": _today().isoformat()}
    form = Form(request.form if request.method == "POST" else None, **defaults)
    if request.method != "POST":
        return render_template("finance/expense_new.html", form=form, **context)
    # Rows left without an amount are not lines; the service numbers the lines it gets, so
    # its errors are mapped back to the rows of the form (a line's links to its one link field).
    sent, rows = [], []
    for i in range(FORM_LINES):
        amount = (form.get(f"lines.{i}.amount") or "").strip()
        link = (form.get(f"lines.{i}.link") or "").strip()
        if not amount and not link and not form.get(f"lines.{i}.description"):
            continue
        rows.append(i)
        line: dict[str, Any] = {
            "description": form.get(f"lines.{i}.description"),
            "amount": amount,
            "role": form.get(f"lines.{i}.role") or None,
        }
        if link:
            line["links"] = [
                {"type": form.get(f"lines.{i}.link_type") or "", "number": part.strip()}
                for part in link.split(",")
                if part.strip()
            ]
        sent.append(line)
    try:
        expense = expenses.create(
            {
                "kind": form.get("kind"),
                "supplier_id": _uuid(form.get("supplier_id")),
                "vendor": form.get("vendor"),
                "reference": form.get("reference"),
                "currency": form.get("currency"),
                "expense_date": _day(form.get("expense_date")) or form.get("expense_date") or None,
                "note": form.get("note"),
                "lines": sent,
            }
        )
    except DomainError as exc:
        if exc.errors:
            exc.errors = {_row_field(k, rows): v for k, v in exc.errors.items()}
        return form.failed(exc, "finance/expense_new.html", **context)
    flash(_("Expense %(number)s saved as a draft.", number=expense.number), "success")
    return redirect(url_for(".expense_detail", expense_id=expense.id))


def _row_field(name: str, rows: list[int]) -> str:
    """lines.<n>.links.<j>.<x> of the n-th line sent -> lines.<row>.link of the form."""
    parts = name.split(".")
    if len(parts) >= 2 and parts[0] == "lines" and parts[1].isdigit() and int(parts[1]) < len(rows):
        parts[1] = str(rows[int(parts[1])])
        if len(parts) >= 3 and parts[2] == "links":
            parts = parts[:2] + ["link"]
    return ".".join(parts)


@bp.route("/expenses/<uuid:expense_id>", methods=["GET", "POST"])
@login_required("finance:read")
def expense_detail(expense_id: uuid.UUID) -> Any:
    expense = expenses.get_expense(expense_id)
    form = Form(request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not can("finance:approve"):
            abort(403)
        try:
            expense = expenses.approve(expense_id)
        except DomainError as exc:
            form.fail(exc)  # rolled back: nothing of the approval stays
            status = exc.status_code
            expense = expenses.get_expense(expense_id)
        else:
            flash(_("Expense %(number)s approved; it is booked as a voucher.", number=expense.number), "success")
            return redirect(url_for(".expense_detail", expense_id=expense.id))
    return (
        render_template(
            "finance/expense.html",
            expense=expense,
            view=expenses.view(expense),
            form=form,
            kinds=EXPENSE_KIND_LABELS,
            statuses=EXPENSE_STATUS_LABELS,
            link_labels=LINK_LABELS,
            roles=dict(_role_options()),
            default_role=DEFAULT_ROLE,
            functional=service.functional_currency(),
        ),
        status,
    )
