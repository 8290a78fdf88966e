"""Errors that services raise. They carry no Flask import; the HTTP layer maps each to its
status and the JSON body `{code, status, message, errors}` (DESIGN §8), plus the stable codes
of coded messages (`core.messages.Msg`): `message_code`, `message_params`, `error_codes`."""

from __future__ import annotations

from typing import Any

from core.messages import Msg


class DomainError(Exception):
    status_code = 400
    status = "Bad Request"

    def __init__(self, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ValidationError(DomainError):
    """Input that cannot be accepted; `errors` maps each field to its messages."""

    status_code = 422
    status = "Unprocessable Entity"

    def __init__(self, errors: dict[str, Any] | str, message: str | None = None) -> None:
        if isinstance(errors, str):
            errors = {"_schema": [errors]}
        super().__init__(message or summarize(errors), errors)

    @classmethod
    def field(cls, field: str, message: str) -> ValidationError:
        return cls({field: [message]})


def summarize(errors: dict[str, Any]) -> str:
    """One line naming each bad field: "email: enter a valid e-mail address; roles: ..."."""
    parts = []
    for field, msgs in errors.items():
        text = msgs[0] if isinstance(msgs, list) and msgs else msgs
        parts.append(text if field == "_schema" else f"{field}: {text}")
    return "; ".join(str(p) for p in parts) or Msg("invalid_input")


class NotFound(DomainError):
    status_code = 404
    status = "Not Found"

    def __init__(self, entity: str, ident: Any = None) -> None:
        message = (
            Msg("not_found", entity=entity, ident=ident)
            if ident is not None
            else Msg("not_found_entity", entity=entity)
        )
        super().__init__(message)


class Conflict(DomainError):
    status_code = 409
    status = "Conflict"


class InvalidTransition(Conflict):
    """A state machine refused an action; the message names the current state."""

    def __init__(self, entity: str, current: str, action: str, hint: str = "") -> None:
        if hint:
            message = Msg("invalid_transition_hint", action=action, entity=entity, current=current, hint=hint)
        else:
            message = Msg("invalid_transition", action=action, entity=entity, current=current)
        super().__init__(message, {"state": [current]})
        self.current = current


class PermissionDenied(DomainError):
    status_code = 403
    status = "Forbidden"


class Unauthorized(DomainError):
    status_code = 401
    status = "Unauthorized"


class TooManyAttempts(DomainError):
    """Refused for now after repeated failures; `retry_after` says in how many seconds."""

    status_code = 429
    status = "Too Many Requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ExternalServiceError(DomainError):
    """A channel, carrier or accounting API failed after our retries."""

    status_code = 502
    status = "Bad Gateway"
