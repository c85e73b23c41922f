"""Schemas shared by every router: the error body and the standard error responses each operation declares."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import model_validator


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, Any]


class ErrorOut(Schema):
    error: ErrorDetail


ERRORS: dict[int, type[Schema]] = {c: ErrorOut for c in (400, 401, 403, 404, 409, 422)}


def responses(ok: Any, status: int = 200) -> dict[int, Any]:
    """The success schema plus every error this API can answer with."""
    return {status: ok, **ERRORS}


class ObjectBody(Schema):
    """A body whose fields all have defaults: refuse outright what is not a JSON object (a string, a list, null)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        if not isinstance(getattr(data, "_obj", data), dict):
            raise ValueError("the body must be a JSON object")
        return data
