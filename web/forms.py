"""Forms in the portal: keep what the user typed, show the service's errors beside the fields.

Services validate (they raise `core.errors.DomainError` with `errors` keyed by field name), so
portal forms name their inputs after the service's arguments and need no schema of their own:

    form = Form(request.form, currency="CNY")          # defaults for the first display
    if request.method == "POST":
        try:
            service.do_it(name=form["name"], ...)
        except DomainError as exc:
            return form.failed(exc, "mysection/edit.html")
        flash(_("Saved."), "success")
        return redirect(url_for(...))
    return render_template("mysection/edit.html", form=form)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, render_template
from werkzeug.datastructures import MultiDict

from core.db import session
from core.errors import DomainError, NotFound, TooManyAttempts, ValidationError


def _messages(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _messages(v)]
    return [value if isinstance(value, str) else str(value)]  # a coded message keeps its code


class Form:
    """Submitted values (or defaults before the first submit) and the errors of a failed try."""

    def __init__(self, data: Mapping[str, Any] | None = None, **defaults: Any) -> None:
        self.data = data if data is not None else MultiDict()
        self.defaults = defaults
        self.errors: dict[str, list[str]] = {}
        self.message = ""

    @property
    def submitted(self) -> bool:
        return bool(self.data)

    def get(self, name: str, default: Any = "") -> Any:
        if self.submitted:
            value = self.data.get(name)
            return value.strip() if isinstance(value, str) else (default if value is None else value)
        return self.defaults.get(name, default)

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def getlist(self, name: str) -> list[str]:
        if self.submitted:
            return self.data.getlist(name) if hasattr(self.data, "getlist") else list(self.data.get(name) or [])
        value = self.defaults.get(name)
        return list(value) if isinstance(value, (list, tuple, set)) else ([value] if value else [])

    def checked(self, name: str, value: str = "on") -> bool:
        return str(value) in [str(v) for v in self.getlist(name)]

    def errors_for(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    def other_errors(self) -> list[tuple[str, str]]:
        """Errors of fields the form did not submit: shown in the summary, not beside a field."""
        return [
            (field, m)
            for field, msgs in self.errors.items()
            if not (self.submitted and field in self.data)
            for m in msgs
        ]

    def fail(self, exc: DomainError) -> None:
        """Record a service's refusal; the session is rolled back so nothing half-done commits."""
        session.rollback()
        self.errors = {field: _messages(msgs) for field, msgs in (exc.errors or {}).items()}
        self.message = exc.message

    def failed(self, exc: DomainError, template: str, **context: Any) -> tuple[str, int, dict[str, str]]:
        """Render the form again with the input kept, the errors shown, and the error's status
        (so the request's unit of work rolls back); a 429 says when to try again."""
        self.fail(exc)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else {}
        return render_template(template, form=self, **context), exc.status_code, headers


def action_failed(exc: DomainError, target: str) -> Any:
    """For buttons without fields (revoke, retry, deactivate): undo, explain, go back. A
    record that is not there (or is another tenant's) stays a 404."""
    from web.messages import describe

    if isinstance(exc, NotFound):
        raise exc
    session.rollback()
    # A refusal of a form's fields names them; other refusals (a state, a conflict) say why.
    flash(describe(exc.message, exc.errors if isinstance(exc, ValidationError) else None), "error")
    return redirect(target)
