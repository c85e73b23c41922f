"""One error shape for the whole API: ``{"error": {"code", "message", "fields"}}`` with a fitting 4xx status.

Domain services raise ``DomainError`` subclasses; the API layer turns them into responses, the CLI into messages.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from django.utils.translation import gettext


class DomainError(Exception):
    """An expected, user-facing failure. ``code`` is machine-readable and stable."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.fields = fields or {}

    def as_dict(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.fields)


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, entity: str, current: str, action: str) -> None:
        # The entity, state and action are codes (English); a translation keeps them visible as such.
        message = gettext("%(entity)s is %(state)s: cannot %(action)s") % {
            "entity": entity,
            "state": current,
            "action": action,
        }
        super().__init__(message, fields={"state": current, "action": action})


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(code: str, message: str, status: int, fields: dict[str, Any] | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, message, fields), status=status)
